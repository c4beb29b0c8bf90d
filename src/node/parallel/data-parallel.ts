/**
 * Data-parallel gradients over worker threads: the training thread computes the first shard of
 * each batch itself while S − 1 workers, each with its own TensorFlow.js backend, compute the
 * others; shard gradients meet in shared memory and are summed into the full-batch gradient, and
 * the trainer takes one optimizer step. On the wasm backend (single-threaded in Node) this is how
 * training uses more than one core.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, TrainingError } from '../../errors.js';
import type { VAE } from '../../models/vae.js';
import { shardGradients, stepNoise, type GradientEngine } from '../../training/gradients.js';
import { defaultNumThreads, startWorker } from './start-worker.js';
import { CMD, CTRL, CTRL_WORDS, workerLayout, type WorkerInit, type WorkerLayout } from './protocol.js';

export interface DataParallelOptions {
  /** S, shards per batch: this thread plus S − 1 workers. Default: the number of cores, at most 4. */
  numShards?: number;
  /** The largest batch, B. */
  batchSize: number;
  /** β of the loss. */
  beta: number;
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
  block: Float32Array;
  layout: WorkerLayout;
}

/**
 * A {@link GradientEngine} over S shards. Start it with {@link DataParallelGradients.start}; the
 * model's weights are copied to the workers before every step that follows an optimizer update.
 */
export class DataParallelGradients implements GradientEngine {
  readonly numShards: number;
  private readonly weights: Float32Array;
  private readonly sizes: number[];
  /** Bumped whenever the weights are copied to shared memory; workers reload on a change. */
  private weightsVersion = 0;
  /** True until this step's weights are in shared memory (the optimizer changes them after every step). */
  private weightsStale = true;
  private seq = 0;
  private disposed = false;
  /** Milliseconds spent per phase since start: copying weights out, this thread's shard, waiting for workers, summing. */
  readonly profile = { publish: 0, local: 0, wait: 0, reduce: 0, steps: 0 };

  private constructor(
    private readonly vae: VAE,
    private readonly handles: WorkerHandle[],
    weights: SharedArrayBuffer,
    private readonly beta: number,
    private readonly batchSize: number,
  ) {
    this.numShards = handles.length + 1;
    this.weights = new Float32Array(weights);
    this.sizes = vae.trainableVariables().map((v) => v.size);
  }

  /**
   * Starts S − 1 workers and waits until each has built its model.
   * @throws ConfigError for S < 1; TrainingError when a worker fails to start
   */
  static async start(vae: VAE, opts: DataParallelOptions): Promise<DataParallelGradients> {
    const numShards = opts.numShards ?? defaultNumThreads();
    if (!Number.isInteger(numShards) || numShards < 1) throw new ConfigError(`workers: expected a positive integer, got ${numShards}`);
    const vars = vae.trainableVariables();
    const numParams = vars.reduce((s, v) => s + v.size, 0);
    const maxRows = Math.ceil(opts.batchSize / numShards);
    const layout = workerLayout(maxRows, vae.dataDim, vae.latentDim, numParams);
    const weights = new SharedArrayBuffer(numParams * 4);
    const handles: WorkerHandle[] = [];
    try {
      for (let s = 1; s < numShards; s++) {
        const control = new SharedArrayBuffer(CTRL_WORDS * 4);
        const block = new SharedArrayBuffer(layout.length * 4);
        const { port1, port2 } = new MessageChannel();
        const init: WorkerInit & { errors: MessagePort } = {
          description: vae.describe(),
          backend: opts.backend ?? 'wasm',
          beta: opts.beta,
          shapes: vars.map((v) => v.shape),
          weights,
          control,
          block,
          layout,
          errors: port2,
        };
        const worker = startWorker('gradient-worker', init, [port2]);
        handles.push({ worker, port: port1, ctrl: new Int32Array(control), block: new Float32Array(block), layout });
        await new Promise<void>((resolve, reject) => {
          port1.once('message', (m: { ready?: boolean; error?: string }) => (m.ready ? resolve() : reject(new TrainingError(`gradient worker ${s}: ${m.error}`))));
          worker.once('error', (e) => reject(new TrainingError(`gradient worker ${s} failed to start: ${e.message}`)));
          worker.once('exit', (code) => reject(new TrainingError(`gradient worker ${s} exited with code ${code} while starting`)));
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
    return new DataParallelGradients(vae, handles, weights, opts.beta, opts.batchSize);
  }

  private publishWeights(): void {
    if (!this.weightsStale) return;
    let off = 0;
    for (const v of this.vae.trainableVariables()) {
      this.weights.set(v.dataSync() as Float32Array, off);
      off += v.size;
    }
    this.weightsVersion++;
    this.weightsStale = false;
  }

  gradients(x: Float32Array, batchRows: number, seed: number): { grads: tf.NamedTensorMap; stats: tf.Tensor1D } {
    if (this.disposed) throw new TrainingError('data-parallel gradients: used after dispose');
    if (batchRows > this.batchSize) throw new ConfigError(`data-parallel gradients: batch of ${batchRows} rows, started for at most ${this.batchSize}`);
    const d = this.vae.dataDim;
    const z = this.vae.latentDim;
    const rows = shardRows(batchRows, this.numShards);
    const t0 = performance.now();
    this.publishWeights();
    const t1 = performance.now();
    const eps = stepNoise(batchRows, z, seed); // [B, Z], as the single-threaded step draws it
    const epsValues = eps.dataSync();
    this.seq++;
    let start = rows[0];
    this.handles.forEach((h, i) => {
      const b = rows[i + 1];
      h.block.set(x.subarray(start * d, (start + b) * d), h.layout.x);
      h.block.set(epsValues.subarray(start * z, (start + b) * z), h.layout.eps);
      start += b;
      Atomics.store(h.ctrl, CTRL.rows, b);
      Atomics.store(h.ctrl, CTRL.batchRows, batchRows);
      Atomics.store(h.ctrl, CTRL.weightsVersion, this.weightsVersion);
      Atomics.store(h.ctrl, CTRL.cmd, CMD.step);
      Atomics.store(h.ctrl, CTRL.seq, this.seq);
      Atomics.notify(h.ctrl, CTRL.seq);
    });
    // This thread's shard: rows [0, b_0).
    const local = tf.tidy(() => {
      const x0 = tf.tensor2d(x.subarray(0, rows[0] * d), [rows[0], d]);
      const e0 = tf.slice(eps, [0, 0], [rows[0], z]) as tf.Tensor2D;
      return shardGradients(this.vae, x0, e0, this.beta, rows[0] / batchRows);
    });
    eps.dispose();
    const t2 = performance.now();
    for (const [i, h] of this.handles.entries()) {
      // A worker reports errors through its status word; one that died outright never answers, so give up after a while.
      const deadline = performance.now() + WORKER_TIMEOUT_MS;
      while (Atomics.load(h.ctrl, CTRL.done) !== this.seq) {
        if (performance.now() > deadline) {
          tf.dispose([...local.grads, local.stats]);
          throw new TrainingError(`gradient worker ${i + 1}: no answer in ${WORKER_TIMEOUT_MS / 1000} s (did the worker thread die?)`);
        }
        Atomics.wait(h.ctrl, CTRL.done, Atomics.load(h.ctrl, CTRL.done), 1000);
      }
      if (Atomics.load(h.ctrl, CTRL.status) !== 0) {
        tf.dispose([...local.grads, local.stats]);
        const msg = receiveMessageOnPort(h.port)?.message as { error?: string } | undefined;
        throw new TrainingError(`gradient worker ${i + 1}: ${msg?.error ?? 'failed'}`);
      }
    }
    const t3 = performance.now();
    const vars = this.vae.trainableVariables();
    const result = tf.tidy(() => {
      const grads: tf.NamedTensorMap = {};
      let off = 0;
      vars.forEach((v, k) => {
        let g = local.grads[k];
        for (const h of this.handles) g = tf.add(g, tf.tensor(h.block.subarray(h.layout.grads + off, h.layout.grads + off + this.sizes[k]), v.shape));
        grads[v.name] = g;
        off += this.sizes[k];
      });
      let stats: tf.Tensor = local.stats;
      for (const h of this.handles) stats = tf.add(stats, tf.tensor1d(h.block.subarray(h.layout.stats, h.layout.stats + 3)));
      return { grads, stats: stats as tf.Tensor1D };
    });
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
