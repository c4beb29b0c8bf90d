/**
 * Anomaly scores of a run on one split, one per example, higher = more anomalous:
 *   density models: −log p(x_n) (nats, column `nll`);  PCA: ‖x_n − x̂_n‖² (column `squaredError`);
 *   VAE: −ELBO(x_n) (nats, column `negElbo`, an upper bound on −log p(x_n)), or with
 *   `numSamples` K > 0 the importance-sampled −log p̂(x_n) (nats, column `nll`, Prince eq. 17.28).
 */
import { elboPerExample } from '../../evaluation/elbo-eval.js';
import { estimateLogLikelihoodParallel } from '../parallel/loglik-parallel.js';
import { isDensityModel, PCA, type LinearModel } from '../../models/linear/index.js';
import type { Dataset } from '../../data/dataset.js';
import { ConfigError } from '../../errors.js';
import { loadRunSplit, type Split } from './run-data.js';
import { openRun } from './open-run.js';

export interface RunScores {
  model: string;
  dataset: string;
  split: Split;
  /** The score's name, the CSV column header: 'nll' | 'squaredError' | 'negElbo'. */
  column: 'nll' | 'squaredError' | 'negElbo';
  /** One score per example [N], float64. */
  scores: Float64Array;
  labels?: Int32Array;
}

function linearScores(m: LinearModel, ds: Dataset): Pick<RunScores, 'column' | 'scores'> {
  if (isDensityModel(m)) return { column: 'nll', scores: m.logLikelihood(ds).map((v) => -v) };
  if (!(m instanceof PCA)) throw new ConfigError(`score: no anomaly score for model '${m.kind}'`);
  const rec = m.reconstruct(ds.x); // [N, D]
  const scores = new Float64Array(ds.numExamples); // [N]
  for (let n = 0; n < ds.numExamples; n++) {
    let s = 0;
    for (let i = n * ds.dataDim; i < (n + 1) * ds.dataDim; i++) s += (ds.x[i] - rec[i]) ** 2;
    scores[n] = s;
  }
  return { column: 'squaredError', scores };
}

/**
 * Scores every example of `split` under the run in RUN.
 * @throws CheckpointError for a folder without a run; DataError for unreadable data; ShapeError when D differs
 */
export async function scoreRun(
  run: string,
  opts: {
    split?: Split;
    data?: string;
    /** VAE: K importance samples per example for −log p̂(x); 0 (default) scores −ELBO. */
    numSamples?: number;
    /** VAE with numSamples > 0: threads for the estimate, and the workers' backend. */
    numThreads?: number;
    backend?: 'wasm' | 'cpu';
  } = {},
): Promise<RunScores> {
  const split = opts.split ?? 'test';
  const saved = await openRun(run);
  if (saved.family === 'linear') {
    const { name, ds } = loadRunSplit(saved.config, split, opts.data);
    return { model: saved.model.kind, dataset: name, split, ...linearScores(saved.model, ds), ...(ds.labels ? { labels: ds.labels } : {}) };
  }
  try {
    const { name, ds } = loadRunSplit(saved.config, split, opts.data);
    const labels = ds.labels ? { labels: ds.labels } : {};
    const k = opts.numSamples ?? 0;
    if (k > 0) {
      const est = await estimateLogLikelihoodParallel(saved.vae, ds, { numSamples: k, seed: 0, numThreads: opts.numThreads ?? 1, backend: opts.backend });
      return { model: 'vae', dataset: name, split, column: 'nll', scores: est.perExample.map((v) => -v), ...labels };
    }
    const elbo = await elboPerExample(saved.vae, ds, { seed: 0 });
    return { model: 'vae', dataset: name, split, column: 'negElbo', scores: elbo.map((v) => -v), ...(ds.labels ? { labels: ds.labels } : {}) };
  } finally {
    saved.vae.dispose();
  }
}

/** CSV `index,label,<column>` sorted by index; an empty label for unlabelled data. */
export function scoresCsv(s: RunScores): string {
  const rows = Array.from(s.scores, (v, i) => `${i},${s.labels ? s.labels[i] : ''},${v}`);
  return [`index,label,${s.column}`, ...rows].join('\n') + '\n';
}
