/**
 * A numeric table from the text records of a CSV file (a header row of column names, then one row
 * per example): column selection, an optional integer label column, categorical columns one-hot
 * encoded (one 0/1 feature per category, named `column=category`), and one-line DataErrors naming
 * the file, the 1-based line and the column of the first bad cell.
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
  /**
   * Columns one-hot encoded as categories, text or numeric codes (e.g. 0/1, 1–24). A text column
   * listed in `columns` is categorical without being named here. Default none.
   */
  categorical?: readonly string[] | null;
  /**
   * Fixed categories of categorical columns, by column (a saved run's): each column named here is
   * categorical, its one-hot features in this order, and any other value is an error.
   */
  categories?: Readonly<Record<string, readonly string[]>> | null;
  /**
   * The data rows (0-based indices among the N data rows) whose values make a categorical column's
   * categories when `categories` does not fix them, e.g. a table's training split; a value found
   * only in other rows is an error naming its line. Default: every row.
   */
  categoryRows?: (numRows: number) => ArrayLike<number>;
}

/**
 * One feature column of a table as it was read: numeric (one feature) or categorical (one 0/1
 * feature per category, in the order of `categories`).
 */
export type TableColumn = { name: string; kind: 'numeric' } | { name: string; kind: 'categorical'; categories: string[] };

/** The features of `layout`, one per numeric column and one per category: [D] names (`column=category`). */
export function featureNames(layout: readonly TableColumn[]): string[] {
  return layout.flatMap((c) => (c.kind === 'numeric' ? [c.name] : c.categories.map((k) => `${c.name}=${k}`)));
}

/** [D] flags: true for the one-hot features of categorical columns (left unstandardised). */
export function oneHotMask(layout: readonly TableColumn[]): boolean[] {
  return layout.flatMap((c) => (c.kind === 'numeric' ? [false] : c.categories.map(() => true)));
}

/** The categorical columns of `layout` and their categories, or null when it has none. */
export function categoriesOf(layout: readonly TableColumn[]): Record<string, string[]> | null {
  const cats = layout.filter((c) => c.kind === 'categorical');
  return cats.length === 0 ? null : Object.fromEntries(cats.map((c) => [c.name, [...c.categories]]));
}

/** What {@link numericTable} returns. */
export interface NumericTable {
  /** Every data row [N, D] in file order, float32, raw units; `columns` holds the D feature names. */
  data: Dataset;
  /** Text columns left out by the default column choice, in header order. */
  skippedColumns: string[];
  /** The feature columns in order, numeric or categorical with their categories (D = numeric + Σ categories). */
  layout: TableColumn[];
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
 *   x[n, ·] = the numbers of data row n's numeric feature columns (float32), and for each
 *             categorical column a one-hot block [K] (1 at the row's category);  labels[n] = integer label
 * Categories are sorted (numerically when all are numbers) and come from `categories` or the rows of
 * `categoryRows`.
 * @param records - the file's records in order, header first, cells trimmed
 * @returns the table in file order (no split, no scaling), its column layout and the text columns left out
 * @throws DataError for an empty file, a header that is missing (all numbers), empty or repeated
 *   column names, fewer than {@link MIN_TABLE_ROWS} data rows, a row with another number of cells
 *   than the header, an unknown column, an empty cell, a non-numeric or non-finite cell, a value
 *   beyond float32's range, a category unknown to the training rows (or the fixed categories), or a
 *   non-integer label; each names source, line and column
 * @throws ConfigError when the label column is also listed as a feature or a categorical column, a
 *   column is listed twice, or a categorical column is not among the listed features
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
  const isText = (j: number) => rows.some((r) => r.cells[j] !== '') && rows.every((r) => r.cells[j] === '' || parseNumber(r.cells[j]) === null);
  const named = [...(opts.categorical ?? []), ...Object.keys(opts.categories ?? {})];
  const categorical = new Set(named.map((c) => indexOf(c, 'categorical column')));
  if (categorical.has(labelIndex)) throw new ConfigError(`categorical: the label column '${opts.labelColumn}' cannot also be a categorical feature`);
  let featureIndex: number[];
  const skippedColumns: string[] = [];
  if (opts.columns != null) {
    featureIndex = opts.columns.map((c) => indexOf(c, 'column'));
    const twice = opts.columns.find((c, i) => opts.columns!.indexOf(c) !== i);
    if (twice !== undefined) throw new ConfigError(`columns: expected each column once, got '${twice}' twice`);
    if (featureIndex.includes(labelIndex)) {
      throw new ConfigError(`columns: the label column '${opts.labelColumn}' cannot also be a feature`);
    }
    const outside = [...categorical].find((j) => !featureIndex.includes(j));
    if (outside !== undefined) throw new ConfigError(`categorical: '${header[outside]}' is not among the feature columns (${opts.columns.join(', ')})`);
    featureIndex.forEach((j) => isText(j) && categorical.add(j));
  } else {
    featureIndex = [];
    header.forEach((name, j) => {
      if (j === labelIndex) return;
      if (isText(j) && !categorical.has(j)) skippedColumns.push(name);
      else featureIndex.push(j);
    });
  }
  if (featureIndex.length === 0) {
    throw new DataError(`${source}: expected at least one numeric feature column, got none (header: ${header.join(', ')})`);
  }

  const n = rows.length;
  const where = (r: TextRecord, col: number) => `${source}: line ${r.line}, column ${col + 1} ('${header[col]}')`;
  const fitRows = opts.categoryRows ? Array.from(opts.categoryRows(n)) : null;
  const layout: TableColumn[] = featureIndex.map((col) => {
    if (!categorical.has(col)) return { name: header[col], kind: 'numeric' };
    for (const r of rows)
      if (r.cells[col] === '') throw new DataError(`${where(r, col)}: empty cell; expected a category (fill in or drop missing values first)`);
    const fixed = opts.categories && Object.hasOwn(opts.categories, header[col]) ? opts.categories[header[col]] : undefined;
    return {
      name: header[col],
      kind: 'categorical',
      categories: fixed ? [...fixed] : sortedCategories((fitRows ?? rows.map((_, i) => i)).map((i) => rows[i].cells[col])),
    };
  });
  const widths = layout.map((c) => (c.kind === 'numeric' ? 1 : c.categories.length));
  const d = widths.reduce((a, b) => a + b, 0);
  const slots = layout.map((c) => (c.kind === 'categorical' ? new Map(c.categories.map((k, i) => [k, i])) : null));
  const x = new Float32Array(n * d); // [N, D]
  rows.forEach((r, i) => {
    let offset = i * d;
    featureIndex.forEach((col, j) => {
      const slot = slots[j];
      if (slot === null) x[offset] = cellValue(r.cells[col], where(r, col));
      else {
        const k = slot.get(r.cells[col]);
        if (k === undefined) {
          const seen =
            opts.categories && Object.hasOwn(opts.categories, header[col])
              ? "the run's categories are"
              : fitRows
                ? 'the training rows have'
                : 'expected one of';
          throw new DataError(`${where(r, col)}: unknown category '${r.cells[col]}'; ${seen} ${[...slot.keys()].join(', ')}`);
        }
        x[offset + k] = 1;
      }
      offset += widths[j];
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
  const data = makeDataset({ x, numExamples: n, dataDim: d, labels, columns: featureNames(layout), source });
  return { data, skippedColumns, layout };
}

/** The distinct values of a column, sorted: as numbers when every one is a number (codes 2 before 10), else by code unit. */
function sortedCategories(values: readonly string[]): string[] {
  const distinct = [...new Set(values)];
  if (distinct.every((v) => parseNumber(v) !== null)) return distinct.sort((a, b) => Number(a) - Number(b));
  return distinct.sort();
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
