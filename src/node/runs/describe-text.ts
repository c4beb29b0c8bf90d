/** Pieces of a run's description for people (`vaekit info`), shared by every kind of run. */
import { Standardizer, type StandardizerJSON } from '../../data/standardize.js';
import type { ResolvedTrainOptions } from '../../training/options.js';

/** One line of the description: the label padded to a column, then the text. */
export const field = (label: string, text: string): string => `${`${label}:`.padEnd(Math.max(14, label.length + 2))}${text}`;

/** A number with `digits` decimals, or '-' for none. */
export const fixed = (x: number | null | undefined, digits = 2): string => (x == null ? '-' : x.toFixed(digits));

/** Columns listed by name before the rest are counted. */
const MAX_COLUMNS_LISTED = 30;

/** The table standardisation: its columns, the rows it was fitted on, and log-Jacobian to raw units. */
export function describeStandardization(json: StandardizerJSON): string {
  const s = Standardizer.fromJSON(json);
  const names = s.columns ?? [];
  const listed = names.slice(0, MAX_COLUMNS_LISTED).join(', ') + (names.length > MAX_COLUMNS_LISTED ? `, … (${names.length - MAX_COLUMNS_LISTED} more)` : '');
  return (
    `z-scores of ${s.dataDim} columns${names.length ? ` (${listed})` : ''}, fitted on ${s.numExamples} training rows; ` +
    `logJacobian ${s.logJacobian.toFixed(4)} nats (add it to a log-likelihood of the standardised data for raw units)`
  );
}

/**
 * The training objective and β schedule of a run, in words:
 * 'IWAE bound, K = 5' or 'ELBO, K = 1, free bits 0.25 nats; β warm-up 0.1 → 1 over 10 epochs'
 * or 'β-TCVAE (MI + β·TC + dimension-wise KL), K = 1; β 6' (β weighs the total correlation).
 */
export function objectiveText(t: Pick<ResolvedTrainOptions, 'objective' | 'beta'>): string {
  const o = t.objective;
  const what =
    o.kind === 'iwae'
      ? `IWAE bound, K = ${o.numSamples}`
      : o.kind === 'tc-vae'
        ? 'β-TCVAE (MI + β·TC + dimension-wise KL), K = 1'
        : `ELBO, K = ${o.numSamples ?? 1}${o.freeBits !== null && o.freeBits !== undefined ? `, free bits ${o.freeBits} nats` : ''}`;
  const b = t.beta;
  const beta =
    b.kind === 'constant'
      ? `β ${b.value}`
      : b.kind === 'linear'
        ? `β warm-up ${b.start} → ${b.end} over ${b.epochs} epochs`
        : `β cyclical ${b.start} → ${b.end}, ${b.cycles} cycles over ${b.epochs} epochs, rising over ${b.ratio} of each`;
  return `${what}; ${beta}`;
}
