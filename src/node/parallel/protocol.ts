/**
 * The shared-memory protocol between the training thread and its gradient workers.
 *
 * One SharedArrayBuffer holds the weights [P] (written by the training thread, read by all
 * workers). Each worker has a control buffer (int32 words, and the step's β as a float64) and its
 * own block: float32 regions for its shard of the batch x [b_max, D], its conditions c [b_max, C],
 * its noise [lead · b_max · Z], its gradients [P] and its stats [1 + T].
 * Commands go by Atomics.store + notify on `seq`; completion by Atomics.store + notify on `done`.
 */
import type { ObjectiveConfig } from '../../objectives/index.js';

/** Int32 control words, per worker. */
export const CTRL = {
  /** Incremented by the training thread for each command. */
  seq: 0,
  /** Set by the worker to the `seq` it finished. */
  done: 1,
  /** The command: STEP or QUIT. */
  cmd: 2,
  /** Rows in this worker's shard, b_s. */
  rows: 3,
  /** The weights' version; the worker reloads them when it changes. */
  weightsVersion: 4,
  /** 0 ok, 1 the worker failed (its message arrives by postMessage). */
  status: 5,
  /** Rows of the whole batch, B. */
  batchRows: 6,
  /** The step's noise seed (StepContext.seed). */
  seed: 7,
  /** The step's global number (StepContext.step). */
  step: 8,
  /** Set to 1 by the worker as its thread ends (exit, uncaught error), so a waiting training thread stops at once. */
  dead: 9,
} as const;
export const CTRL_WORDS = 10;
/** Byte offset of the float64 slot holding the step's β (StepContext.klWeight), after the int32 words. */
export const KL_WEIGHT_OFFSET = CTRL_WORDS * 4;
/** Bytes of a worker's control buffer. */
export const CTRL_BYTES = KL_WEIGHT_OFFSET + 8;

export const CMD = { step: 1, quit: 2 } as const;

export interface WorkerLayout {
  /** Float32 offsets (in elements) into the worker's block. */
  x: number;
  c: number;
  noise: number;
  grads: number;
  stats: number;
  /** Float32 elements in the block. */
  length: number;
}

/** Sizes that fix a worker's block. */
export interface LayoutSizes {
  /** The largest shard, b_max rows. */
  maxRows: number;
  dataDim: number;
  conditionDim: number;
  latentDim: number;
  /** Product of the noise's axes before the batch axis (1 for [B, Z]; K for [K, B, Z]). */
  noiseLead: number;
  numParams: number;
  /** 1 + T: the loss and the objective's terms. */
  numStats: number;
}

/** Offsets of a worker's regions for shards of up to `maxRows` rows. */
export function workerLayout(s: LayoutSizes): WorkerLayout {
  const x = 0;
  const c = x + s.maxRows * s.dataDim;
  const noise = c + s.maxRows * s.conditionDim;
  const grads = noise + s.noiseLead * s.maxRows * s.latentDim;
  const stats = grads + s.numParams;
  return { x, c, noise, grads, stats, length: stats + s.numStats };
}

/** What a worker is started with (structured-cloned; the buffers are shared, not copied). */
export interface WorkerInit {
  /** The model's description (architecture; weights come through `weights`). */
  description: unknown;
  backend: 'wasm' | 'cpu';
  objective: ObjectiveConfig;
  /** The noise's shape for a whole batch with the batch axis set to 1, e.g. [1, Z] or [K, 1, Z]. */
  noiseShape: number[];
  /** Shapes of the trainable variables, in `model.trainableVariables()` order. */
  shapes: number[][];
  weights: SharedArrayBuffer;
  control: SharedArrayBuffer;
  block: SharedArrayBuffer;
  layout: WorkerLayout;
}
