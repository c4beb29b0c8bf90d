/**
 * Time series from CSV files: a header row, a time column, and numeric feature columns, one row per
 * time step. The rows are put in time order; a time that appears twice is an error naming both lines;
 * a gap (a missing date of a daily series, or a step other than the series' regular one) is reported
 * as a note naming the times on either side, and no window crosses it (`TimeSeries.breaks`).
 *
 * Times are, all of one form: dates 'YYYY-MM-DD' (a daily series: regular step 1 day), date-times
 * 'YYYY-MM-DD HH:MM[:SS]' or ISO 8601 with 'T' (regular step: the most common difference), or plain
 * numbers (regular step: the most common difference).
 */
import { numericTable, type NumericTable, type TextRecord } from '../../data/table.js';
import type { TimeSeries } from '../../data/windows.js';
import { readCsvRecords } from '../formats/csv.js';
import { ConfigError, DataError, VaeError } from '../../errors.js';

/** Options of {@link readCsvSeries}. */
export interface SeriesCsvOptions {
  /** The column holding each row's time. */
  timeColumn: string;
  /** Feature columns by name (default: every numeric column but the time and label columns). */
  columns?: readonly string[] | null;
  /** A column of integer labels per step (e.g. 1 = a known anomaly), not a feature. */
  labelColumn?: string | null;
  /** A file without the label column reads as unlabelled (default: an error). */
  labelColumnOptional?: boolean;
  /** The name in messages and `source` (default: the path). */
  source?: string;
}

/** A series read, with what a person should know about it (rows reordered, gaps). */
export interface LoadedSeries {
  series: TimeSeries;
  notes: string[];
}

/** One row's time: its value on the time axis (days for dates, ms for date-times), text and line. */
export interface TimePoint {
  value: number;
  text: string;
  line: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DAY_MS = 86_400_000;

type TimeForm = { name: string; example: string; test: RegExp; value: (text: string) => number; unit: string };
const TIME_FORMS: readonly TimeForm[] = [
  {
    name: 'a date',
    example: 'YYYY-MM-DD',
    test: DATE,
    unit: 'day',
    value: (text) => {
      const [, y, m, d] = DATE.exec(text)!.map(Number);
      const t = Date.UTC(y, m - 1, d);
      const back = new Date(t);
      return back.getUTCFullYear() === y && back.getUTCMonth() === m - 1 && back.getUTCDate() === d ? t / DAY_MS : NaN;
    },
  },
  {
    name: 'a date-time',
    example: 'YYYY-MM-DD HH:MM[:SS]',
    test: DATE_TIME,
    unit: 'ms',
    // Without a zone, read as UTC (not the machine's local time, whose daylight-saving shifts would look like gaps).
    value: (text) => Date.parse(/(?:Z|[+-]\d{2}:?\d{2})$/.test(text) ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}Z`),
  },
  { name: 'a number', example: 'a number', test: NUMBER, unit: '', value: Number },
];

/**
 * Parses a time column: every cell of the form of the first.
 * @param cells - [text, line] per data row, in file order
 * @returns the times and their form's unit ('day', 'ms' or '' for plain numbers)
 * @throws DataError naming the line and column of the first cell that is empty, of another form, or not a real date
 */
export function parseTimes(cells: ReadonlyArray<{ text: string; line: number }>, where: string): { points: TimePoint[]; unit: string } {
  const first = cells[0];
  const form = TIME_FORMS.find((f) => f.test.test(first?.text ?? ''));
  if (!form) {
    throw new DataError(
      `${where}, line ${first?.line}: expected a time (a date YYYY-MM-DD, a date-time YYYY-MM-DD HH:MM[:SS] or a number), got '${first?.text ?? ''}'`,
    );
  }
  const points = cells.map(({ text, line }) => {
    const value = form.test.test(text) ? form.value(text) : NaN;
    if (!Number.isFinite(value)) {
      throw new DataError(`${where}, line ${line}: expected ${form.name} (${form.example}) like line ${first.line}'s '${first.text}', got '${text}'`);
    }
    return { value, text, line };
  });
  return { points, unit: form.unit };
}

/**
 * Puts times in order and finds the gaps.
 * @param points - the rows' times, in file order
 * @param unit - 'day' for dates (the regular step is then 1 day), else the most common difference is
 * @returns `order`, the rows in time order (a stable sort); `breaks`, the positions in that order that
 *   do not follow the one before by the regular step; and notes (rows reordered, each gap, at most 5 shown)
 * @throws DataError naming both lines when a time appears twice
 */
export function orderByTime(points: readonly TimePoint[], unit: string, where: string): { order: number[]; breaks: number[]; notes: string[] } {
  const order = Array.from(points.keys()).sort((a, b) => points[a].value - points[b].value || a - b);
  const notes: string[] = [];
  if (order.some((r, i) => r !== i)) notes.push(`${where}: the rows were not in time order; read in time order`);
  for (let i = 1; i < order.length; i++) {
    const [a, b] = [points[order[i - 1]], points[order[i]]];
    if (a.value === b.value) {
      const same = a.text === b.text ? `'${a.text}'` : `'${a.text}' = '${b.text}'`;
      throw new DataError(`${where}: lines ${a.line} and ${b.line}: duplicate time ${same}; expected one row per time step`);
    }
  }
  const diffs = order.slice(1).map((r, i) => points[r].value - points[order[i]].value);
  const step = unit === 'day' ? 1 : mostCommon(diffs);
  const breaks: number[] = [];
  diffs.forEach((d, i) => {
    if (d !== step) breaks.push(i + 1);
  });
  if (breaks.length > 0) {
    const stepText = unit === 'day' ? '1 day' : `${step}${unit ? ` ${unit}` : ''}`;
    const shown = breaks.slice(0, 5).map((i) => {
      const [a, b] = [points[order[i - 1]], points[order[i]]];
      const missing = (b.value - a.value) / step - 1;
      const what = Number.isInteger(missing)
        ? `${missing} step${missing === 1 ? '' : 's'} missing`
        : `an irregular step of ${b.value - a.value}${unit ? ` ${unit}` : ''}`;
      return `${a.text} (line ${a.line}) → ${b.text} (line ${b.line}), ${what}`;
    });
    notes.push(
      `${where}: ${breaks.length} gap${breaks.length === 1 ? '' : 's'} in the series (its regular step: ${stepText}): ${shown.join('; ')}` +
        `${breaks.length > 5 ? `; and ${breaks.length - 5} more` : ''}; no window crosses a gap`,
    );
  }
  return { order, breaks, notes };
}

function mostCommon(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = values[0] ?? 1;
  for (const [v, c] of counts) if (c > counts.get(best)! || (c === counts.get(best)! && v < best)) best = v;
  return best;
}

/**
 * Reads a CSV file as a time series.
 * @returns the series in time order [T, F] (raw units), with notes on reordering and gaps
 * @throws DataError when the file cannot be read or parsed, the time column is missing, a time is
 *   malformed or repeated (naming the lines), or a feature cell is bad (file, line, column)
 * @throws ConfigError when the time column is also listed as a feature or is the label column
 */
/**
 * The table's error with its column numbers counted in the file: the table is read without the time
 * column (0-based `timeCol`), so its column k (1-based) is the file's k + 1 from the time column on.
 */
function withFileColumns(e: unknown, source: string, timeCol: number): unknown {
  if (!(e instanceof VaeError) || !e.message.startsWith(`${source}: `)) return e;
  const message = e.template.replace(/(line \d+, column )(\d+)/, (_, head: string, k: string) => `${head}${Number(k) > timeCol ? Number(k) + 1 : Number(k)}`);
  if (message === e.template) return e;
  const Class = e.constructor as new (message: string, options?: { cause?: unknown }) => VaeError;
  return new Class(message, { cause: e });
}

export function readCsvSeries(path: string, opts: SeriesCsvOptions): LoadedSeries {
  const source = opts.source ?? path;
  const records = readCsvRecords(path, source);
  if (records.length === 0) throw new DataError(`${source}: empty file; expected a header row naming the columns, then one row per time step`);
  const [head, ...rows] = records;
  const col = head.cells.indexOf(opts.timeColumn);
  if (col < 0) throw new DataError(`${source}: time column '${opts.timeColumn}' not found; the header has ${head.cells.join(', ')}`);
  if (opts.columns?.includes(opts.timeColumn) || opts.labelColumn === opts.timeColumn) {
    throw new ConfigError(`timeColumn: the time column '${opts.timeColumn}' cannot also be a feature or the label column`);
  }
  const where = `${source}, column ${col + 1} ('${opts.timeColumn}')`;
  const { points, unit } = parseTimes(
    rows.map((r) => ({ text: r.cells[col] ?? '', line: r.line })),
    where,
  );
  const { order, breaks, notes } = orderByTime(points, unit, source);
  const without = (r: TextRecord): TextRecord => ({ cells: r.cells.filter((_, j) => j !== col), line: r.line });
  let table: NumericTable;
  try {
    table = numericTable([without(head), ...order.map((i) => without(rows[i]))], {
      source,
      columns: opts.columns,
      labelColumn: opts.labelColumn,
      labelColumnOptional: opts.labelColumnOptional,
    });
  } catch (e) {
    throw withFileColumns(e, source, col);
  }
  const data = table.data;
  if (table.skippedColumns.length) notes.push(`${source}: text columns left out: ${table.skippedColumns.join(', ')}`);
  return {
    series: {
      values: data.x,
      numSteps: data.numExamples,
      numFeatures: data.dataDim,
      columns: data.columns ?? [],
      times: order.map((i) => points[i].text),
      ...(data.labels ? { labels: data.labels } : {}),
      breaks,
      source,
    },
    notes,
  };
}
