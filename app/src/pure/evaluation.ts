/**
 * The figures of a run's evaluation.json (`vaekit evaluate`; its full type is Evaluation in
 * src/node/runs/results.ts, which the app cannot import) as the rows of a table: name, value, note.
 * Log-likelihoods and bounds are in nats per example, higher is better.
 */
import { formatValue } from './table.js';

/** The fields of evaluation.json (version 2) the explorer shows; every one may be missing or null. */
export interface EvaluationFile {
  version?: number;
  model?: string;
  dataset?: string;
  split?: string;
  numExamples?: number;
  dataDim?: number;
  logLikelihood?: { mean: number; exact: true } | null;
  bitsPerDim?: number | null;
  elbo?: { mean: number; reconstruction: number; kl: number } | null;
  logLikelihoodEstimate?: {
    numSamples: number;
    value: number;
    standardError: number;
    monteCarloStandardError?: number;
    meanEffectiveSampleSize?: number;
  } | null;
  latent?: { klPerDimension: number[]; activeUnits: number; threshold: number } | null;
  iwaeBound?: { numSamples: number; value: number; standardError: number } | null;
  reconstructionError?: number | null;
  evaluatedAt?: string;
}

/** One row of the evaluation table. */
export interface EvaluationRow {
  name: string;
  value: string;
  note: string;
}

const pm = (value: number, se: number) => `${formatValue(value)} ± ${formatValue(se)}`;

/**
 * The table's rows, in reading order, for the figures the file has: the split, test ELBO and its
 * terms, IWAE bound, log p(x) (exact, or estimated with its standard error), bits/dim, active units,
 * samples K, the date.
 * @param ev - parsed evaluation.json
 * @throws Error when ev is not an object with a numeric version (not an evaluation file)
 */
export function evaluationRows(ev: EvaluationFile): EvaluationRow[] {
  if (typeof ev !== 'object' || ev === null || typeof ev.version !== 'number') throw new Error('evaluation.json: expected an evaluation with a version number');
  const rows: EvaluationRow[] = [];
  const add = (name: string, value: string, note = '') => rows.push({ name, value, note });
  if (ev.split) add('examples', `${ev.numExamples ?? '?'} ${ev.split}`, [ev.dataset, ev.model].filter(Boolean).join(', '));
  if (ev.elbo) {
    add('ELBO', formatValue(ev.elbo.mean), 'nats per example, one sample of z');
    add('reconstruction term E_q[log p(x|z)]', formatValue(ev.elbo.reconstruction), "nats, the ELBO's first term");
    add('KL(q(z|x) ‖ p(z))', formatValue(ev.elbo.kl), "nats, the ELBO's second term");
  }
  if (ev.iwaeBound)
    add(`IWAE bound (K = ${ev.iwaeBound.numSamples})`, pm(ev.iwaeBound.value, ev.iwaeBound.standardError), 'nats, ± standard error over examples');
  if (ev.logLikelihood) add('log p(x)', formatValue(ev.logLikelihood.mean), 'nats, exact');
  const est = ev.logLikelihoodEstimate;
  if (est) {
    add('log p(x) estimate', pm(est.value, est.standardError), 'nats, importance sampled, ± standard error over examples');
    add(
      'samples K',
      String(est.numSamples),
      est.meanEffectiveSampleSize !== undefined ? `mean effective sample size ${formatValue(est.meanEffectiveSampleSize)}` : '',
    );
  }
  if (typeof ev.bitsPerDim === 'number') add('bits/dim', formatValue(ev.bitsPerDim), '−log p(x) / (D ln 2)');
  if (ev.latent) add('active units', `${ev.latent.activeUnits} / ${ev.latent.klPerDimension.length}`, `Var_x E_q[z_u] > ${ev.latent.threshold}`);
  if (typeof ev.reconstructionError === 'number') add('reconstruction error', formatValue(ev.reconstructionError), 'squared data units per example');
  if (ev.evaluatedAt) add('date', ev.evaluatedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
  return rows;
}
