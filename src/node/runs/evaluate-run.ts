/**
 * `evaluation.json`: one schema for every model family, written by `vaekit evaluate RUN`.
 * Linear density models fill the exact `logLikelihood`; a VAE fills `elbo` (a lower bound) and
 * leaves `logLikelihood` null and fills `logLikelihoodEstimate`, the importance-sampled estimate of
 * log p(x) (Prince eq. 17.28) with K samples per example.
 */
import { join } from 'node:path';
import { isDensityModel, PCA } from '../../models/linear/index.js';
import { evaluateElbo } from '../../evaluation/elbo-eval.js';
import { estimateLogLikelihoodParallel } from '../parallel/loglik-parallel.js';
import { writeFileAtomic } from '../formats/atomic.js';
import { loadRunSplit, type Split } from './run-data.js';
import { openRun } from './open-run.js';
import { VAEKIT_VERSION } from '../version.js';

export const EVALUATION_FILE = 'evaluation.json';
export const EVALUATION_VERSION = 1;

/** RUN/evaluation.json. All figures are means over the split's examples, nats per example unless stated. */
export interface Evaluation {
  version: typeof EVALUATION_VERSION;
  /** 'vae' or the linear kind ('pca', 'ppca', 'fa', 'gmm'). */
  model: string;
  dataset: string;
  split: Split;
  numExamples: number;
  /** D, values per example. */
  dataDim: number;
  /** Exact mean log p(x) (density models); null for PCA and the VAE. */
  logLikelihood: { mean: number; exact: true } | null;
  /** −log p(x) / (D · ln 2) on the scaled data, from the exact value or (VAE) the estimate; null without either. */
  bitsPerDim: number | null;
  /** VAE: mean ELBO (one reparameterised sample, seed 0), a lower bound on log p(x). */
  elbo: { mean: number; reconstruction: number; kl: number; exact: false } | null;
  /**
   * VAE: importance-sampled log p(x) with K = numSamples samples per example (mean over examples);
   * standardError over examples, monteCarloStandardError for this data, mean effective sample
   * size. A lower bound in expectation that tends to log p(x) as K grows. Null for linear models
   * (their log-likelihood is exact) and when K = 0 was asked for.
   */
  logLikelihoodEstimate: {
    numSamples: number;
    value: number;
    standardError: number;
    monteCarloStandardError: number;
    meanEffectiveSampleSize: number;
    seed: number;
    /** Threads it ran on, and its wall-clock time. */
    threads: number;
    seconds: number;
  } | null;
  /** PCA: mean squared reconstruction error, squared data units per example. */
  reconstructionError: number | null;
  note?: string;
  vaekitVersion: string;
  evaluatedAt: string;
}

/**
 * Evaluates the run in RUN on one split and writes RUN/evaluation.json.
 * @param opts.data - another data source than the run's own (same scaling and limit)
 * @throws CheckpointError for a folder without a run; DataError for unreadable data; ShapeError when D differs
 */
export interface EvaluateRunOptions {
  split?: Split;
  /** Another data source than the run's own (same scaling and limit). */
  data?: string;
  /** VAE: K importance samples per example for log p(x); 0 skips the estimate. Default 1000. */
  numSamples?: number;
  /** VAE: seed of the importance samples. Default 0. */
  seed?: number;
  /** VAE: called as the estimate progresses, with (examples done, total). */
  onProgress?: (done: number, total: number) => void;
  /** VAE: threads for the estimate (worker threads with their own backend). Default 1. */
  numThreads?: number;
  /** VAE: the workers' backend. Default 'wasm'. */
  backend?: 'wasm' | 'cpu';
}

/** Default K for `vaekit evaluate` on a VAE. */
export const EVALUATE_DEFAULT_SAMPLES = 1000;

export async function evaluateRun(run: string, opts: EvaluateRunOptions = {}): Promise<Evaluation> {
  const split = opts.split ?? 'test';
  const saved = await openRun(run);
  let evaluation: Evaluation;
  if (saved.family === 'linear') {
    const { name, ds } = loadRunSplit(saved.config, split, opts.data);
    const m = saved.model;
    const ll = isDensityModel(m) ? m.meanLogLikelihood(ds) : null;
    evaluation = {
      version: EVALUATION_VERSION,
      model: m.kind,
      dataset: name,
      split,
      numExamples: ds.numExamples,
      dataDim: ds.dataDim,
      logLikelihood: ll === null ? null : { mean: ll, exact: true },
      bitsPerDim: ll === null ? null : -ll / (ds.dataDim * Math.LN2),
      elbo: null,
      logLikelihoodEstimate: null,
      reconstructionError: m instanceof PCA ? m.reconstructionError(ds) : null,
      vaekitVersion: VAEKIT_VERSION,
      evaluatedAt: new Date().toISOString(),
    };
  } else {
    try {
      const { name, ds } = loadRunSplit(saved.config, split, opts.data);
      const s = await evaluateElbo(saved.vae, ds, { seed: 0 });
      const k = opts.numSamples ?? EVALUATE_DEFAULT_SAMPLES;
      const seed = opts.seed ?? 0;
      const t0 = performance.now();
      const threads = opts.numThreads ?? 1;
      // One thread runs in place; more split the examples over worker threads (the same numbers).
      const is = k === 0 ? null : await estimateLogLikelihoodParallel(saved.vae, ds, { numSamples: k, seed, onProgress: opts.onProgress, numThreads: threads, backend: opts.backend });
      const seconds = (performance.now() - t0) / 1000;
      evaluation = {
        version: EVALUATION_VERSION,
        model: 'vae',
        dataset: name,
        split,
        numExamples: ds.numExamples,
        dataDim: ds.dataDim,
        logLikelihood: null,
        bitsPerDim: is ? -is.value / (ds.dataDim * Math.LN2) : null,
        elbo: { mean: -s.loss, reconstruction: -s.reconstructionLoss, kl: s.kl, exact: false },
        logLikelihoodEstimate: is && {
          numSamples: k,
          threads,
          value: is.value,
          standardError: is.standardError,
          monteCarloStandardError: is.monteCarloStandardError,
          meanEffectiveSampleSize: is.meanEffectiveSampleSize,
          seed,
          seconds,
        },
        reconstructionError: null,
        note: 'ELBO (one sample) is a lower bound on log p(x); logLikelihoodEstimate is the importance-sampled estimate (Prince eq. 17.28), biased low for finite K',
        vaekitVersion: VAEKIT_VERSION,
        evaluatedAt: new Date().toISOString(),
      };
    } finally {
      saved.vae.dispose();
    }
  }
  await writeFileAtomic(join(run, EVALUATION_FILE), JSON.stringify(evaluation, null, 2) + '\n');
  return evaluation;
}
