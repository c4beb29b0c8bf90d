/**
 * A run's anomaly scores as `vaekit score` writes them (RUN/scores-<split>.csv: index, [step, time,]
 * label, the score column, [isAnomaly, pValue]), read for the explorer.
 */
import { parse } from 'csv-parse/browser/esm/sync';

/** The score columns `vaekit score` writes (src/node/runs/results.ts RunScores.column). */
export const SCORE_COLUMNS = ['nll', 'squaredError', 'negElbo', 'reconProb', 'reconProbLast', 'squaredErrorLast'] as const;

/** Scores by example index. */
export interface ScoreTable {
  /** The score's column name, e.g. 'negElbo'. */
  column: string;
  /** Score of example i [N] (NaN where the file has no row i); higher = more anomalous. */
  values: Float64Array;
  /** Label of example i [N], null where the file has none. */
  labels: (number | null)[];
  /** The calibration's decision per example [N] when the file has one, else null. */
  isAnomaly: Uint8Array | null;
  /** Time of each example's last step (series), else null. */
  times: string[] | null;
}

/**
 * Parses a scores CSV.
 * @throws Error naming the file when it has no index or no score column, or a score is not a number
 */
export function parseScoresCsv(text: string, where: string): ScoreTable {
  const rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const header = rows.length ? Object.keys(rows[0]) : [];
  const column = SCORE_COLUMNS.find((c) => header.includes(c));
  if (!header.includes('index') || !column)
    throw new Error(`${where}: expected a vaekit scores CSV (index, label, ${SCORE_COLUMNS.join('|')}), got columns ${header.join(', ')}`);
  const n = rows.reduce((m, r) => Math.max(m, Number(r.index) + 1), 0);
  const values = new Float64Array(n).fill(NaN);
  const labels: (number | null)[] = new Array(n).fill(null);
  const isAnomaly = header.includes('isAnomaly') ? new Uint8Array(n) : null;
  const times = header.includes('time') ? new Array<string>(n).fill('') : null;
  rows.forEach((r, line) => {
    const i = Number(r.index);
    const v = Number(r[column]);
    if (!Number.isInteger(i) || i < 0 || !Number.isFinite(v))
      throw new Error(`${where}: row ${line + 2}: expected an index and a finite ${column}, got '${r.index}', '${r[column]}'`);
    values[i] = v;
    labels[i] = r.label === '' || r.label === undefined ? null : Number(r.label);
    if (isAnomaly) isAnomaly[i] = r.isAnomaly === '1' || r.isAnomaly === 'true' ? 1 : 0;
    if (times) times[i] = r.time;
  });
  return { column, values, labels, isAnomaly, times };
}
