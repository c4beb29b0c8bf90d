/**
 * The importance-sampled log-likelihood on several threads: the dataset is cut into contiguous
 * slices, this thread estimates the first and worker threads (each with its own TensorFlow.js
 * backend) the others. Example n draws its noise from its own stream whatever slice it is in, so
 * the result equals the single-threaded `estimateLogLikelihood` for the same seed. Where the native
 * log weights run (src/node/compute/native-log-weights.ts), each thread splits them over its share
 * of the cores rather than over all of them, so T threads on C cores run C native threads, not T·C.
 */
import { gatherBatch } from '../../data/batch.js';
import type { Dataset } from '../../data/dataset.js';
import { WorkerError } from '../../errors.js';
import { estimateLogLikelihood, summarizeLogLikelihood, type LogLikelihoodEstimate, type LogLikelihoodOptions } from '../../evaluation/log-likelihood.js';
import type { LatentVariableModel } from '../../models/latent-model.js';
import { takeFirst } from '../../data/dataset.js';
import { availableParallelism } from 'node:os';
import { setNativeLogWeightsSplit } from '../compute/native-log-weights.js';
import { defaultNumThreads, startWorker } from './start-worker.js';

export interface ParallelLogLikelihoodOptions extends Omit<LogLikelihoodOptions, 'firstIndex'> {
  /** Threads to compute on (this one included). Default: one per core, at most 4. */
  numThreads?: number;
  /** The workers' backend. Default 'wasm'. */
  backend?: 'wasm' | 'cpu';
}

/** Contiguous slices [start, end) of N examples, one per thread, as equal as possible. */
function slices(n: number, parts: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let p = 0, start = 0; p < parts; p++) {
    const size = Math.floor(n / parts) + (p < n % parts ? 1 : 0);
    out.push([start, start + size]);
    start += size;
  }
  return out;
}

/**
 * {@link estimateLogLikelihood} on `numThreads` threads.
 * @param ds - examples [N, D]
 * @throws WorkerError when a worker fails (its message included)
 */
export async function estimateLogLikelihoodParallel(
  vae: LatentVariableModel,
  ds: Dataset,
  opts: ParallelLogLikelihoodOptions = {},
): Promise<LogLikelihoodEstimate> {
  const threads = Math.min(opts.numThreads ?? defaultNumThreads(), Math.max(ds.numExamples, 1));
  const { numThreads: _t, backend, onProgress, ...est } = opts;
  if (threads <= 1) return estimateLogLikelihood(vae, ds, { ...est, onProgress });
  const k = est.numSamples ?? 5000;
  const parts = slices(ds.numExamples, threads);
  const done = parts.map(() => 0);
  const report = () =>
    onProgress?.(
      done.reduce((a, b) => a + b, 0),
      ds.numExamples,
    );
  const artifacts = await vae.toArtifacts();
  const nativeThreads = Math.max(1, Math.floor(availableParallelism() / threads));
  // A worker that fails or dies stops this thread's share too, so the error surfaces within one group of examples.
  const abort = new AbortController();
  const workers: Array<{ terminate(): Promise<number> }> = [];
  const d = ds.dataDim;

  const workerParts = parts.slice(1).map(([start, end], w) => {
    // A conditional model's c [end − start, C] for the slice: the examples' conditions, or labels one-hot.
    const c = vae.conditionDim > 0 ? gatherBatch(ds, null, start, end, { conditionDim: vae.conditionDim }).c!.slice() : undefined;
    const worker = startWorker('loglik-worker', {
      artifacts,
      backend: backend ?? 'wasm',
      x: ds.x.slice(start * d, end * d),
      ...(c ? { conditions: c, conditionDim: vae.conditionDim } : {}),
      numExamples: end - start,
      dataDim: d,
      numSamples: k,
      seed: est.seed ?? 0,
      chunkRows: est.chunkRows,
      firstIndex: start,
      nativeThreads,
    });
    workers.push(worker);
    return new Promise<{ perExample: Float64Array; perExampleSe: Float64Array; perExampleEss: Float64Array }>((resolve, reject) => {
      worker.on('message', (m: { done?: number; error?: string; perExample?: Float64Array; perExampleSe?: Float64Array; perExampleEss?: Float64Array }) => {
        if (m.error) reject(new WorkerError(`log-likelihood worker ${w + 1}: ${m.error}`));
        else if (m.done !== undefined) {
          done[w + 1] = m.done;
          report();
        } else resolve(m as { perExample: Float64Array; perExampleSe: Float64Array; perExampleEss: Float64Array });
      });
      worker.on('error', (e) => reject(new WorkerError(`log-likelihood worker ${w + 1} failed: ${e.message}`)));
      worker.on('exit', (code) => reject(new WorkerError(`log-likelihood worker ${w + 1} exited with code ${code}`)));
    })
      .catch((e: unknown) => {
        abort.abort(e);
        throw e;
      })
      .finally(() => worker.terminate());
  });
  // Reject-safe: collect every outcome before deciding, so no worker is left running.
  // As in the workers (whose splits start automatic); the caller's split is back afterwards.
  const split = setNativeLogWeightsSplit({ threads: nativeThreads, rowsPerBlock: 0 });
  const localPromise = estimateLogLikelihood(vae, takeFirst(ds, parts[0][1]), {
    ...est,
    signal: est.signal ? AbortSignal.any([est.signal, abort.signal]) : abort.signal,
    firstIndex: 0,
    onProgress: (n) => {
      done[0] = n;
      report();
    },
  });
  // This thread failing stops the workers.
  localPromise.catch(() => workers.forEach((w) => void w.terminate()));
  const settled = await Promise.allSettled([localPromise, ...workerParts]).finally(() => setNativeLogWeightsSplit(split));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const local = (settled[0] as PromiseFulfilledResult<LogLikelihoodEstimate>).value;
  const perExample = new Float64Array(ds.numExamples);
  const perExampleSe = new Float64Array(ds.numExamples);
  const perExampleEss = new Float64Array(ds.numExamples);
  perExample.set(local.perExample, 0);
  perExampleSe.set(local.perExampleStandardError, 0);
  perExampleEss.set(local.perExampleEffectiveSampleSize, 0);
  settled.slice(1).forEach((s, w) => {
    const r = (s as PromiseFulfilledResult<{ perExample: Float64Array; perExampleSe: Float64Array; perExampleEss: Float64Array }>).value;
    const start = parts[w + 1][0];
    perExample.set(r.perExample, start);
    perExampleSe.set(r.perExampleSe, start);
    perExampleEss.set(r.perExampleEss, start);
  });
  return summarizeLogLikelihood(k, perExample, perExampleSe, perExampleEss);
}
