/**
 * A run's training curves: metrics.jsonl (one EpochMetrics row per line, src/training/state.ts),
 * read with the library's migrateMetrics so rows of every vaekit version read alike, and turned into
 * the series the curves view draws (losses, and the KL term, in nats per example against the epoch).
 */
import { migrateMetrics, type EpochMetrics } from 'vaekit';

/**
 * Parses metrics.jsonl: one JSON row per non-empty line, migrated to the current row format.
 * @param text - the file's text
 * @param where - its URL, for messages
 * @returns the rows in file order
 * @throws Error naming the file and line when a line is not JSON or not a metrics row (from migrateMetrics)
 */
export function parseMetricsJsonl(text: string, where: string): EpochMetrics[] {
  const rows: EpochMetrics[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (e) {
      throw new Error(`${where}: line ${i + 1}: expected a JSON metrics row, got ${JSON.stringify(line.slice(0, 40))}`, { cause: e });
    }
    if (typeof row !== 'object' || row === null || typeof (row as { epoch?: unknown }).epoch !== 'number') {
      throw new Error(`${where}: line ${i + 1}: expected a metrics row with an epoch number`);
    }
    try {
      rows.push(migrateMetrics(row as EpochMetrics));
    } catch (e) {
      throw new Error(`${where}: line ${i + 1}: ${(e as Error).message}`, { cause: e });
    }
  });
  return rows;
}

/** One line of a chart: [epoch, value] points, NaN where an epoch has no value. */
export interface CurveSeries {
  /** The legend's text, e.g. 'validation −ELBO'. */
  name: string;
  /** The metrics field it comes from, e.g. 'valLoss'. */
  field: keyof EpochMetrics;
  points: [number, number][];
}

/** The fields drawn, by chart: losses (nats per example) and the KL term. */
const LOSS_FIELDS: ReadonlyArray<[keyof EpochMetrics, string]> = [
  ['trainLoss', 'train loss'],
  ['valLoss', 'validation −ELBO'],
  ['testLoss', 'test −ELBO'],
];
const KL_FIELDS: ReadonlyArray<[keyof EpochMetrics, string]> = [
  ['kl', 'train KL'],
  ['valKl', 'validation KL'],
  ['testKl', 'test KL'],
];

/**
 * The series of the losses and of the KL term, each keeping only fields with a finite value in some
 * epoch (a run without validation data has no validation line; an objective without a KL term, no KL chart).
 * @param rows - metrics rows, any epoch order (sorted by epoch here)
 */
export function curveSeries(rows: readonly EpochMetrics[]): { loss: CurveSeries[]; kl: CurveSeries[] } {
  const sorted = [...rows].sort((a, b) => a.epoch - b.epoch);
  const series = (fields: ReadonlyArray<[keyof EpochMetrics, string]>) =>
    fields
      .map(([field, name]): CurveSeries => ({ name, field, points: sorted.map((r) => [r.epoch, numberOrNaN(r[field])]) }))
      .filter((s) => s.points.some(([, v]) => Number.isFinite(v)));
  return { loss: series(LOSS_FIELDS), kl: series(KL_FIELDS) };
}

function numberOrNaN(v: unknown): number {
  return typeof v === 'number' ? v : NaN;
}
