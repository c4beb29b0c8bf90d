/**
 * `evaluation.json`: one schema for every model family, written by `vaekit evaluate RUN`.
 * Linear density models fill the exact `logLikelihood`; a VAE fills `elbo` (a lower bound) and
 * leaves `logLikelihood` null; `logLikelihoodEstimate` is reserved for the importance-sampled
 * estimate of a later issue, { numSamples, value, standardError }.
 */
import { join } from 'node:path';
import { isDensityModel, PCA } from '../models/linear/index.js';
import { evaluateElbo } from '../evaluation/elbo-eval.js';
import { writeFileAtomic } from './atomic.js';
import { loadRunSplit, type Split } from './run-split.js';
import { openRun } from './saved-run.js';
import { VAEKIT_VERSION } from './version.js';

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
  /** −logLikelihood.mean / (D · ln 2) on the scaled data; null without an exact log-likelihood. */
  bitsPerDim: number | null;
  /** VAE: mean ELBO (one reparameterised sample, seed 0), a lower bound on log p(x). */
  elbo: { mean: number; reconstruction: number; kl: number; exact: false } | null;
  /** Importance-sampled log p(x): null until that estimator lands. */
  logLikelihoodEstimate: { numSamples: number; value: number; standardError: number } | null;
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
export async function evaluateRun(run: string, opts: { split?: Split; data?: string } = {}): Promise<Evaluation> {
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
      const s = evaluateElbo(saved.vae, ds, { seed: 0 });
      evaluation = {
        version: EVALUATION_VERSION,
        model: 'vae',
        dataset: name,
        split,
        numExamples: ds.numExamples,
        dataDim: ds.dataDim,
        logLikelihood: null,
        bitsPerDim: null,
        elbo: { mean: -s.loss, reconstruction: -s.reconstructionLoss, kl: s.kl, exact: false },
        logLikelihoodEstimate: null,
        reconstructionError: null,
        note: 'ELBO is a lower bound on log p(x); the importance-sampled estimate comes in a later issue',
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
