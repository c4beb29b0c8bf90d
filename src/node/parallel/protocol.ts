/**
 * The shared-memory protocol between the training thread and its gradient workers.
 *
 * One SharedArrayBuffer holds the weights [P] (written by the training thread, read by all
 * workers). Each worker has its own block: a control word array and float32 regions for its shard
 * of the batch x [b_max, D], its noise ε [b_max, Z], its gradients [P] and its stats [3].
 * Commands go by Atomics.store + notify on `seq`; completion by Atomics.store + notify on `done`.
 */

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
} as const;
export const CTRL_WORDS = 8;

export const CMD = { step: 1, quit: 2 } as const;

export interface WorkerLayout {
  /** Float32 offsets (in elements) into the worker's block. */
  x: number;
  eps: number;
  grads: number;
  stats: number;
  /** Float32 elements in the block. */
  length: number;
}

/** Offsets of a worker's regions for shards of up to `maxRows` rows. */
export function workerLayout(maxRows: number, dataDim: number, latentDim: number, numParams: number): WorkerLayout {
  const x = 0;
  const eps = x + maxRows * dataDim;
  const grads = eps + maxRows * latentDim;
  const stats = grads + numParams;
  return { x, eps, grads, stats, length: stats + 4 };
}

/** What a worker is started with (structured-cloned; the buffers are shared, not copied). */
export interface WorkerInit {
  /** The model's description (architecture; weights come through `weights`). */
  description: unknown;
  backend: 'wasm' | 'cpu';
  beta: number;
  /** Shapes of the trainable variables, in `vae.trainableVariables()` order. */
  shapes: number[][];
  weights: SharedArrayBuffer;
  control: SharedArrayBuffer;
  block: SharedArrayBuffer;
  layout: WorkerLayout;
}
