/**
 * Data-parallel gradients over worker threads: the training thread computes the first shard of
 * each batch itself while S − 1 workers, each with its own TensorFlow.js backend, compute the
 * others; shard gradients meet in shared memory and are summed into the full-batch gradient, and
 * the trainer takes one optimizer step. On the wasm backend (single-threaded in Node) this is how
 * training uses more than one core. Each step's context (noise seed, step, β) goes to every worker
 * with its shard, and the shards' noise is cut from the whole batch's draw, so a sharded step sees
 * exactly the noise of the single-threaded one.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { HostBatch } from '../../data/batch.js';
import { ConfigError, WorkerError } from '../../errors.js';
import { noiseDimOf, type LatentVariableModel } from '../../models/latent-model.js';
import { objectiveNoise, objectiveTerms, type ObjectiveConfig, type StepContext } from '../../objectives/index.js';
import { batchTensors, shardGradients, type BatchGradients, type GradientEngine } from '../../training/engine.js';
import { defaultNumThreads, startWorker } from './start-worker.js';
import { CMD, CTRL, CTRL_BYTES, CTRL_WORDS, KL_WEIGHT_OFFSET, workerLayout, type WorkerInit, type WorkerLayout } from './protocol.js';

export interface DataParallelOptions {
  /** S, shards per batch: this thread plus S − 1 workers. Default: the number of cores, at most 4. */
  numShards?: number;
  /** The largest batch, B. */
  batchSize: number;
  /** The training objective. */
  objective: ObjectiveConfig;
  /** The backend each worker uses. Default 'wasm'. */
  backend?: 'wasm' | 'cpu';
}

/** Rows of each shard for a batch of B rows: as equal as possible, the first shards one larger. */
export function shardRows(batchRows: number, numShards: number): number[] {
  const base = Math.floor(batchRows / numShards);
  const extra = batchRows % numShards;
  return Array.from({ length: numShards }, (_, s) => base + (s < extra ? 1 : 0));
}

/** How long a step waits for a worker before declaring it dead. */
const WORKER_TIMEOUT_MS = 120_000;

interface WorkerHandle {
  worker: Worker;
  port: MessagePort;
  ctrl: Int32Array;
  klWeight: Float64Array;
  block: Float32Array;
  layout: WorkerLayout;
}

/**
 * Rows [start, start + rows) along the batch axis (second to last) of noise [lead, B, Z], copied
 * into `out` as [lead, rows, Z].
 */
function copyNoiseRows(
  noise: Float32Array,
  lead: number,
  batchRows: number,
  latentDim: number,
  start: number,
  rows: number,
  out: Float32Array,
  offset: number,
): void {
  for (let l = 0; l < lead; l++) {
    const from = (l * batchRows + start) * latentDim;
    out.set(noise.subarray(from, from + rows * latentDim), offset + l * rows * latentDim);
  }
}

/**
 * A {@link GradientEngine} over S shards. Start it with {@link DataParallelGradients.start}; the
 * model's weights are copied to the workers before every step that follows an optimizer update.
 */
export class DataParallelGradients implements GradientEngine {
  readonly numShards: number;
  private readonly weights: Float32Array;
  private readonly sizes: number[];
  private readonly numStats: number;
  /** Bumped whenever the weights are copied to shared memory; workers reload on a change. */
  private weightsVersion = 0;
  /** True until this step's weights are in shared memory (the optimizer changes them after every step). */
  private weightsStale = true;
  private seq = 0;
  private disposed = false;
  /** Milliseconds spent per phase since start: copying weights out, this thread's shard, waiting for workers, summing. */
  readonly profile = { publish: 0, local: 0, wait: 0, reduce: 0, steps: 0 };

  private constructor(
    private readonly model: LatentVariableModel,
    private readonly handles: WorkerHandle[],
    weights: SharedArrayBuffer,
    private readonly objective: ObjectiveConfig,
    private readonly batchSize: number,
  ) {
    this.numShards = handles.length + 1;
    this.weights = new Float32Array(weights);
    this.sizes = model.trainableVariables().map((v) => v.size);
    this.numStats = 1 + objectiveTerms(objective).length;
  }

  /**
   * Starts S − 1 workers and waits until each has built its model.
   * @throws ConfigError for S < 1; WorkerError when a worker fails to start
   */
  static async start(model: LatentVariableModel, opts: DataParallelOptions): Promise<DataParallelGradients> {
    const numShards = opts.numShards ?? defaultNumThreads();
    if (!Number.isInteger(numShards) || numShards < 1) throw new ConfigError(`workers: expected an integer ≥ 1, got ${numShards}`);
    const vars = model.trainableVariables();
    const numParams = vars.reduce((s, v) => s + v.size, 0);
    const noiseShape = tf.tidy(() => objectiveNoise(opts.objective, 1, noiseDimOf(model), 1).shape); // the batch axis is 1
    const layout = workerLayout({
      maxRows: Math.ceil(opts.batchSize / numShards),
      dataDim: model.dataDim,
      conditionDim: model.conditionDim,
      latentDim: noiseDimOf(model),
      noiseLead: noiseShape.slice(0, -2).reduce((a, b) => a * b, 1),
      numParams,
      numStats: 1 + objectiveTerms(opts.objective).length,
    });
    const weights = new SharedArrayBuffer(numParams * 4);
    const description = await model.describe();
    const handles: WorkerHandle[] = [];
    try {
      for (let s = 1; s < numShards; s++) {
        const control = new SharedArrayBuffer(CTRL_BYTES);
        const block = new SharedArrayBuffer(layout.length * 4);
        const { port1, port2 } = new MessageChannel();
        const init: WorkerInit & { errors: MessagePort } = {
          description,
          backend: opts.backend ?? 'wasm',
          objective: opts.objective,
          noiseShape,
          shapes: vars.map((v) => v.shape),
          weights,
          control,
          block,
          layout,
          errors: port2,
        };
        const worker = startWorker('gradient-worker', init, [port2]);
        handles.push({
          worker,
          port: port1,
          ctrl: new Int32Array(control, 0, CTRL_WORDS),
          klWeight: new Float64Array(control, KL_WEIGHT_OFFSET, 1),
          block: new Float32Array(block),
          layout,
        });
        await new Promise<void>((resolve, reject) => {
          port1.once('message', (m: { ready?: boolean; error?: string }) =>
            m.ready ? resolve() : reject(new WorkerError(`gradient worker ${s}: ${m.error}`)),
          );
          worker.once('error', (e) => reject(new WorkerError(`gradient worker ${s} failed to start: ${e.message}`)));
          worker.once('exit', (code) => reject(new WorkerError(`gradient worker ${s} exited with code ${code} while starting`)));
        });
        worker.removeAllListeners('error');
        worker.removeAllListeners('exit');
        worker.on('error', () => {}); // reported through the control words and the error port
        port1.unref();
      }
    } catch (e) {
      await Promise.all(handles.map((h) => h.worker.terminate()));
      throw e;
    }
    return new DataParallelGradients(model, handles, weights, opts.objective, opts.batchSize);
  }

  private async publishWeights(): Promise<void> {
    if (!this.weightsStale) return;
    let off = 0;
    for (const v of this.model.trainableVariables()) {
      this.weights.set((await v.data()) as Float32Array, off);
      off += v.size;
    }
    this.weightsVersion++;
    this.weightsStale = false;
  }

  async gradients(batch: HostBatch, ctx: StepContext): Promise<BatchGradients> {
    if (this.disposed) throw new WorkerError('data-parallel gradients: used after dispose');
    const batchRows = batch.numRows;
    if (batchRows > this.batchSize) throw new ConfigError(`data-parallel gradients: batch of ${batchRows} rows, started for at most ${this.batchSize}`);
    const { dataDim: d, conditionDim: cd } = this.model;
    const z = noiseDimOf(this.model); // ε of one sample: Z, or Z₁ + Z₂ for a two-layer model
    const rows = shardRows(batchRows, this.numShards);
    const t0 = performance.now();
    await this.publishWeights();
    const t1 = performance.now();
    const noise = objectiveNoise(this.objective, batchRows, z, ctx.seed); // [lead, B, Z], as the single-threaded step draws it
    const lead = noise.shape.slice(0, -2).reduce((a, b) => a * b, 1);
    const noiseValues = (await noise.data()) as Float32Array;
    this.seq++;
    let start = rows[0];
    this.handles.forEach((h, i) => {
      const b = rows[i + 1];
      h.block.set(batch.x.subarray(start * d, (start + b) * d), h.layout.x);
      if (cd > 0) h.block.set(batch.c!.subarray(start * cd, (start + b) * cd), h.layout.c);
      copyNoiseRows(noiseValues, lead, batchRows, z, start, b, h.block, h.layout.noise);
      start += b;
      Atomics.store(h.ctrl, CTRL.rows, b);
      Atomics.store(h.ctrl, CTRL.batchRows, batchRows);
      Atomics.store(h.ctrl, CTRL.weightsVersion, this.weightsVersion);
      Atomics.store(h.ctrl, CTRL.seed, ctx.seed);
      Atomics.store(h.ctrl, CTRL.step, ctx.step);
      h.klWeight[0] = ctx.klWeight;
      Atomics.store(h.ctrl, CTRL.cmd, CMD.step);
      Atomics.store(h.ctrl, CTRL.seq, this.seq);
      Atomics.notify(h.ctrl, CTRL.seq);
    });
    // This thread's shard: rows [0, b_0).
    const local = tf.tidy(() => {
      const shard = batchTensors({ numRows: rows[0], x: batch.x, c: batch.c }, this.model);
      const size = [...noise.shape.slice(0, -2), rows[0], z];
      const shardNoise = tf.slice(noise, new Array(noise.rank).fill(0), size);
      return shardGradients(this.model, this.objective, shard, { ...ctx, noise: shardNoise }, rows[0] / batchRows);
    });
    noise.dispose();
    const t2 = performance.now();
    try {
      this.waitForWorkers();
    } catch (e) {
      tf.dispose([...local.grads, local.stats]);
      throw e;
    }
    const t3 = performance.now();
    const result = this.sum(local);
    tf.dispose([...local.grads, local.stats]);
    this.weightsStale = true; // the caller's optimizer step changes them
    const p = this.profile;
    p.publish += t1 - t0;
    p.local += t2 - t1;
    p.wait += t3 - t2;
    p.reduce += performance.now() - t3;
    p.steps++;
    return result;
  }

  /** Blocks until every worker has answered this step. @throws WorkerError for a failed or silent worker */
  private waitForWorkers(): void {
    for (const [i, h] of this.handles.entries()) {
      // A worker reports errors through its status word; one that died outright never answers, so give up after a while.
      const deadline = performance.now() + WORKER_TIMEOUT_MS;
      while (Atomics.load(h.ctrl, CTRL.done) !== this.seq) {
        if (Atomics.load(h.ctrl, CTRL.dead) === 1) {
          const msg = receiveMessageOnPort(h.port)?.message as { error?: string } | undefined;
          throw new WorkerError(
            `gradient worker ${i + 1}: the thread ended mid-step${msg?.error ? ` (${msg.error})` : ''}; the run resumes from its last checkpoint`,
          );
        }
        if (performance.now() > deadline)
          throw new WorkerError(`gradient worker ${i + 1}: no answer in ${WORKER_TIMEOUT_MS / 1000} s (did the worker thread die?)`);
        Atomics.wait(h.ctrl, CTRL.done, Atomics.load(h.ctrl, CTRL.done), 1000);
      }
      if (Atomics.load(h.ctrl, CTRL.status) !== 0) {
        const msg = receiveMessageOnPort(h.port)?.message as { error?: string } | undefined;
        throw new WorkerError(`gradient worker ${i + 1}: ${msg?.error ?? 'failed'}`);
      }
    }
  }

  /** The shards' gradients and stats summed: this thread's plus each worker's from shared memory. */
  private sum(local: { grads: tf.Tensor[]; stats: tf.Tensor1D }): BatchGradients {
    const vars = this.model.trainableVariables();
    return tf.tidy(() => {
      let off = 0;
      const grads = vars.map((v, k) => {
        let g = local.grads[k];
        for (const h of this.handles) g = tf.add(g, tf.tensor(h.block.subarray(h.layout.grads + off, h.layout.grads + off + this.sizes[k]), v.shape));
        off += this.sizes[k];
        return { name: v.name, tensor: g };
      });
      let stats: tf.Tensor = local.stats;
      for (const h of this.handles) stats = tf.add(stats, tf.tensor1d(h.block.subarray(h.layout.stats, h.layout.stats + this.numStats)));
      return { grads, stats: stats as tf.Tensor1D };
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.seq++;
    await Promise.all(
      this.handles.map(async (h) => {
        Atomics.store(h.ctrl, CTRL.cmd, CMD.quit);
        Atomics.store(h.ctrl, CTRL.seq, this.seq);
        Atomics.notify(h.ctrl, CTRL.seq);
        const exited = new Promise<void>((resolve) => h.worker.once('exit', () => resolve()));
        const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
        await Promise.race([exited, timeout]);
        await h.worker.terminate();
        h.port.close();
      }),
    );
  }
}
