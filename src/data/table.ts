/**
 * A numeric table from the text records of a CSV file (a header row of column names, then one row
 * of numbers per example): column selection, an optional integer label column, and one-line
 * DataErrors naming the file, the 1-based line and the column of the first bad cell.
 * Browser-safe: parsing the text into records is the caller's (src/node/csv.ts uses csv-parse).
 */
import { ConfigError, DataError } from '../errors.js';
import { makeDataset, type Dataset } from './dataset.js';

/** One parsed record: its cells as text and the 1-based line of the file where it starts. */
export interface TextRecord {
  cells: string[];
  line: number;
}

/** Options of {@link numericTable}. */
export interface NumericTableOptions {
  /** The file's name, for messages and `Dataset.source`. */
  source: string;
  /**
   * Feature columns by header name, in this order. Default (null or absent): every column but the
   * label column, leaving out text columns (those whose non-empty cells are all non-numeric).
   */
  columns?: readonly string[] | null;
  /** A column of integer class labels, kept as `Dataset.labels` and not as a feature. Default none. */
  labelColumn?: string | null;
  /**
   * When true, a file without `labelColumn` reads as unlabelled instead of failing: new data scored
   * with a run trained on labelled data. Default false.
   */
  labelColumnOptional?: boolean;
}

/** What {@link numericTable} returns. */
export interface NumericTable {
  /** Every data row [N, D] in file order, float32, raw units; `columns` holds the D feature names. */
  data: Dataset;
  /** Text columns left out by the default column choice, in header order. */
  skippedColumns: string[];
}

/** Fewest data rows a table may have (one to train on, one to test on). */
export const MIN_TABLE_ROWS = 2;

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NOT_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;
const INTEGER = /^[+-]?\d+$/;

/** The number a cell holds, or null when it is not a plain decimal number. */
function parseNumber(cell: string): number | null {
  return DECIMAL.test(cell) ? Number(cell) : null;
}

/**
 * Turns text records (header first) into a numeric dataset.
 *   x[n, j] = the number in data row n, feature column j (float32);  labels[n] = integer label
 * @param records - the file's records in order, header first, cells trimmed
 * @returns the table in file order (no split, no scaling) and the text columns left out
 * @throws DataError for an empty file, a header that is missing (all numbers), empty or repeated
 *   column names, fewer than {@link MIN_TABLE_ROWS} data rows, a row with another number of cells
 *   than the header, an unknown column, an empty cell, a non-numeric or non-finite cell, a value
 *   beyond float32's range, or a non-integer label; each names source, line and column
 * @throws ConfigError when the label column is also listed as a feature, or a column is listed twice
 */
export function numericTable(records: readonly TextRecord[], opts: NumericTableOptions): NumericTable {
  const { source } = opts;
  if (records.length === 0) {
    throw new DataError(`${source}: empty file; expected a header row of column names and at least ${MIN_TABLE_ROWS} rows of numbers`);
  }
  const [head, ...rows] = records;
  const header = head.cells;
  if (header.every((c) => parseNumber(c) !== null)) {
    throw new DataError(
      `${source}: line ${head.line}: expected a header row of column names, got only numbers (${header.slice(0, 4).join(', ')}` +
        `${header.length > 4 ? ', …' : ''}); add a first line naming the columns`,
    );
  }
  header.forEach((name, j) => {
    if (name === '') throw new DataError(`${source}: line ${head.line}, column ${j + 1}: expected a column name in the header, got an empty cell`);
    const first = header.indexOf(name);
    if (first !== j) throw new DataError(`${source}: line ${head.line}: column name '${name}' appears twice (columns ${first + 1} and ${j + 1})`);
  });
  if (rows.length < MIN_TABLE_ROWS) {
    throw new DataError(`${source}: expected at least ${MIN_TABLE_ROWS} data rows after the header, got ${rows.length}`);
  }
  for (const r of rows) {
    if (r.cells.length !== header.length) {
      throw new DataError(`${source}: line ${r.line}: expected ${header.length} cells as in the header, got ${r.cells.length}`);
    }
  }

  const indexOf = (name: string, what: string): number => {
    const j = header.indexOf(name);
    if (j < 0) throw new DataError(`${source}: ${what} '${name}' not found; the header has ${header.join(', ')}`);
    return j;
  };
  const labelIndex =
    opts.labelColumn == null || (opts.labelColumnOptional && !header.includes(opts.labelColumn)) ? -1 : indexOf(opts.labelColumn, 'label column');
  let featureIndex: number[];
  const skippedColumns: string[] = [];
  if (opts.columns != null) {
    featureIndex = opts.columns.map((c) => indexOf(c, 'column'));
    const twice = opts.columns.find((c, i) => opts.columns!.indexOf(c) !== i);
    if (twice !== undefined) throw new ConfigError(`columns: expected each column once, got '${twice}' twice`);
    if (featureIndex.includes(labelIndex)) {
      throw new ConfigError(`columns: the label column '${opts.labelColumn}' cannot also be a feature`);
    }
  } else {
    featureIndex = [];
    header.forEach((name, j) => {
      if (j === labelIndex) return;
      const isText = rows.some((r) => r.cells[j] !== '') && rows.every((r) => r.cells[j] === '' || parseNumber(r.cells[j]) === null);
      if (isText) skippedColumns.push(name);
      else featureIndex.push(j);
    });
  }
  if (featureIndex.length === 0) {
    throw new DataError(`${source}: expected at least one numeric feature column, got none (header: ${header.join(', ')})`);
  }

  const n = rows.length;
  const d = featureIndex.length;
  const x = new Float32Array(n * d); // [N, D]
  rows.forEach((r, i) => {
    featureIndex.forEach((col, j) => {
      x[i * d + j] = cellValue(r.cells[col], `${source}: line ${r.line}, column ${col + 1} ('${header[col]}')`);
    });
  });
  let labels: Int32Array | undefined;
  if (labelIndex >= 0) {
    labels = new Int32Array(n); // [N]
    rows.forEach((r, i) => {
      const cell = r.cells[labelIndex];
      const v = Number(cell);
      if (!INTEGER.test(cell) || v !== (v | 0)) {
        throw new DataError(
          `${source}: line ${r.line}, column ${labelIndex + 1} ('${header[labelIndex]}', the label column): expected an integer class label, got '${cell}'`,
        );
      }
      labels![i] = v;
    });
  }
  const data = makeDataset({ x, numExamples: n, dataDim: d, labels, columns: featureIndex.map((j) => header[j]), source });
  return { data, skippedColumns };
}

/** One feature cell as a float32 value. @throws DataError prefixed with `where` */
function cellValue(cell: string, where: string): number {
  if (cell === '') throw new DataError(`${where}: empty cell; expected a number (fill in or drop missing values first)`);
  const v = parseNumber(cell);
  if (v === null) {
    if (NOT_FINITE.test(cell)) throw new DataError(`${where}: expected a finite number, got '${cell}' (fill in or drop missing values first)`);
    throw new DataError(`${where}: expected a number, got '${cell}'`);
  }
  const f = Math.fround(v);
  if (!Number.isFinite(f)) throw new DataError(`${where}: expected a number within float32's range (±3.4e38), got '${cell}'`);
  return f;
}
