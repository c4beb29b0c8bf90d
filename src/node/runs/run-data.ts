/**
 * The data of a run: its source loaded with the run's scaling, columns and (tables) the
 * standardisation recorded in its config.json, so training, evaluation, scoring and sampling all see
 * the same units; its training, validation and test examples as training saw them; and one split of
 * it with the run's example limit (and, for a VAE run, the fixed binarisation its test figures used).
 */
import { applyBinarization } from '../../data/binarize.js';
import { splitValidation, subset, takeFirst, type Dataset } from '../../data/dataset.js';
import { Standardizer } from '../../data/standardize.js';
import { categoriesOf, type TableColumn } from '../../data/table.js';
import { ConfigError, DataError, setting } from '../../errors.js';
import { describeLoaded, factorsOf, loadDataSource, splitOf, type DataKind, type LoadedData } from '../datasets/data-source.js';
import type { RunCondition, RunConfig, RunDataConfig } from './config.js';
import { columnsToLoad, fixCondition, joinedStandardizer, splitConditionColumns } from './conditions.js';

export const SPLITS = ['test', 'train', 'all'] as const;
/** 'all': a table's every row in file order, or an image source's train then test examples. */
export type Split = (typeof SPLITS)[number];

/**
 * Loads `source` (default: the run's own) as the run sees it: same scale and columns, and for tables
 * the run's recorded standardisation (fitted on the training split when the run has none yet).
 * Another table than the run's own may lack the run's label column: it is then read unlabelled.
 * @throws DataError for an unknown source, unreadable files, or a table lacking one of the run's feature columns
 */
export function loadRunData(data: RunDataConfig, source?: string): LoadedData {
  return loadRunDataWithConditions(data, source).loaded;
}

/**
 * {@link loadRunData}, and for a run conditioned on table columns the condition columns' transform:
 * they are read and standardised with the features, then moved into the datasets' conditions.
 */
function loadRunDataWithConditions(data: RunDataConfig, source?: string): { loaded: LoadedData; conditionStandardizer: Standardizer | null } {
  const cond = data.condition?.kind === 'columns' ? data.condition : null;
  const loaded = loadDataSource(source ?? data.source, {
    scale: data.scale,
    columns: cond ? columnsToLoad(data, cond) : data.columns,
    labelColumn: data.labelColumn,
    labelColumnOptional: source !== undefined && source !== data.source,
    categorical: data.categorical ?? null,
    categories: data.categories ?? null,
    resize: data.resize ?? null,
    maxExamples: data.limit,
    ...(data.window != null ? { timeColumn: data.timeColumn ?? null, window: data.window, stride: data.stride ?? null } : {}),
    standardizer: cond ? joinedStandardizer(data, cond) : data.standardization ? Standardizer.fromJSON(data.standardization) : null,
  });
  return cond ? splitConditionColumns(loaded, cond) : { loaded, conditionStandardizer: null };
}

/**
 * The training examples the run's label selection keeps (`data.includeLabels` or `data.excludeLabels`),
 * in their order; `ds` itself when the run selects none.
 * @throws DataError when the data has no labels, or the selection keeps no example
 */
export function selectTrainingLabels(ds: Dataset, data: RunDataConfig): Dataset {
  const keep = selectedTrainingRows(ds, data);
  if (keep === null) return ds;
  const include = data.includeLabels ?? null;
  const exclude = data.excludeLabels ?? null;
  const what = include !== null ? `labels ${include.join(',')}` : `without labels ${exclude!.join(',')}`;
  return subset(ds, keep, `${ds.source} (${what})`);
}

/**
 * The rows of `ds` that {@link selectTrainingLabels} keeps, ascending; null when the run selects none.
 * @throws DataError when the data has no labels, or the selection keeps no example
 */
function selectedTrainingRows(ds: Dataset, data: RunDataConfig): number[] | null {
  const include = data.includeLabels ?? null;
  const exclude = data.excludeLabels ?? null;
  if (include === null && exclude === null) return null;
  const path = include !== null ? 'data.includeLabels' : 'data.excludeLabels';
  const labels = ds.labels;
  if (!labels)
    throw new DataError(
      `${setting(path)}: ${ds.source} has no labels to select examples by (a table names its label column with ${setting('data.labelColumn')})`,
    );
  const wanted = new Set(include ?? exclude);
  const keep: number[] = [];
  for (let i = 0; i < ds.numExamples; i++) if (wanted.has(labels[i]) === (include !== null)) keep.push(i);
  if (keep.length === 0) {
    throw new DataError(`${setting(path, (include ?? exclude)!.join(','))}: no training example of ${ds.source} is left`);
  }
  return keep;
}

/** The examples a run trains on, validates on and reports on, as training sees them (before binarisation). */
export interface RunExamples {
  train: Dataset;
  /** Present when the run holds out validation examples (data.val > 0). */
  val?: Dataset;
  test: Dataset;
  /** The source's name as given (`mnist`) or its absolute path. */
  name: string;
  kind: DataKind;
  /** Tables: the transform applied (fitted on the training split unless the run recorded one). */
  standardizer: Standardizer | null;
  /** One line about the data, for a run's log. */
  description: string;
  /** Tables: the feature columns, numeric or categorical with their categories. */
  layout?: TableColumn[];
  /** PNG folders with class folders: the class names. */
  classes?: string[];
  /** The run's condition fixed from this data (classes counted, column transform fitted); absent for an unconditional run. */
  condition?: RunCondition;
}

/**
 * The run's training, validation and test examples: its source, the first `limit` training and test
 * examples, and `val` of the training examples held out by the seeded split of `seed`.
 * @throws ConfigError when val is not below the number of training examples; DataError for unreadable data
 */
export function loadRunExamples(data: RunDataConfig, seed: number): RunExamples {
  const { loaded, conditionStandardizer } = loadRunDataWithConditions(data);
  const condition = fixCondition(data.condition, loaded, conditionStandardizer);
  let train = loaded.train;
  let test = loaded.test;
  if (data.limit !== null) {
    train = takeFirst(train, data.limit);
    test = takeFirst(test, data.limit);
  }
  train = selectTrainingLabels(train, data);
  const common = {
    test,
    name: loaded.name,
    kind: loaded.kind,
    standardizer: loaded.standardizer,
    ...(condition ? { condition } : {}),
    ...(loaded.layout ? { layout: loaded.layout } : {}),
    ...(loaded.classes ? { classes: loaded.classes } : {}),
  };
  if (data.val > 0) {
    if (data.val >= train.numExamples) {
      throw new ConfigError(`${setting('data.val')}: expected fewer validation examples than the ${train.numExamples} training examples, got ${data.val}`);
    }
    const s = splitValidation(train, data.val, seed);
    return { ...common, train: s.train, val: s.val, description: describeLoaded(loaded, s.train, test, data.val) };
  }
  return { ...common, train, description: describeLoaded(loaded, train, test) };
}

/**
 * Loads `split` of `source` (default: the run's own data source), in the run's units, with the run's
 * limit (and, for its own training split, its label selection), then its first `limit` examples when given. A VAE run's binarisation as its trainer evaluated: 'dynamic' becomes one fixed 'static'
 * draw; its seed + 2 for the test split, the seed itself otherwise.
 * @returns the dataset name and examples [N, D]; for generated data (dsprites) also each example's
 *   ground-truth factors, values [N, K] row-major aligned with ds
 * @throws DataError for an unknown source or unreadable files
 */
export function loadRunSplit(
  run: RunConfig,
  split: Split,
  source?: string,
  limit?: number | null,
): { name: string; ds: Dataset; factors?: { names: string[]; sizes: number[]; values: Int32Array } } {
  const loaded = loadRunData(run.data, source);
  let ds = splitOf(loaded, split);
  const f = factorsOf(loaded, split);
  let factors = f?.values; // [N, K], kept aligned with ds
  const k = f?.names.length ?? 0;
  if (run.data.limit !== null) ds = takeFirst(ds, run.data.limit);
  if (split === 'train' && source === undefined) {
    const keep = selectedTrainingRows(ds, run.data);
    if (keep !== null) {
      ds = selectTrainingLabels(ds, run.data);
      if (factors) factors = Int32Array.from(keep.flatMap((i) => Array.from(factors!.subarray(i * k, i * k + k)))); // [M, K]
    }
  }
  if (limit != null) ds = takeFirst(ds, limit);
  if (factors) factors = factors.slice(0, ds.numExamples * k); // [N, K]: the first rows, as takeFirst keeps
  if (run.kind === 'vae-run' && run.training.binarize !== 'none') {
    const t = run.training;
    ds = applyBinarization(ds, t.binarize === 'dynamic' ? 'static' : t.binarize, split === 'test' ? t.seed + 2 : t.seed, 0);
  }
  return { name: loaded.name, ds, ...(f && factors ? { factors: { names: f.names, sizes: f.sizes, values: factors } } : {}) };
}

/**
 * What a run records in its data configuration once its data is loaded, beyond the columns, shape
 * and standardisation every run records: a table's categories, with its feature columns by their
 * names in the file (a categorical column once, not once per category); a PNG folder's class names.
 * Empty for other data, so their config.json is as before.
 * @param train - the training examples as loaded
 */
export function recordedDataExtras(
  loaded: { layout?: TableColumn[]; classes?: string[] },
  train: Dataset,
): Partial<Pick<RunDataConfig, 'columns' | 'categories' | 'classes'>> {
  const categories = loaded.layout ? categoriesOf(loaded.layout) : null;
  const features = new Set(train.columns ?? []);
  // Columns moved out of the features (a condition) are not recorded; a categorical column is, once.
  const inTrain = (c: TableColumn) => (c.kind === 'numeric' ? features.has(c.name) : c.categories.some((k) => features.has(`${c.name}=${k}`)));
  return {
    ...(categories && loaded.layout ? { columns: loaded.layout.filter(inTrain).map((c) => c.name), categories } : {}),
    ...(loaded.classes ? { classes: [...loaded.classes] } : {}),
  };
}

/**
 * The column layout a run's table was encoded with (its recorded columns and categories), or null
 * when it has no categorical column.
 */
export function tableLayoutOf(data: Partial<Pick<RunDataConfig, 'columns' | 'categories'>>): TableColumn[] | null {
  const cats = data.categories;
  if (!cats || !data.columns) return null;
  return data.columns.map((name) => (Object.hasOwn(cats, name) ? { name, kind: 'categorical', categories: [...cats[name]] } : { name, kind: 'numeric' }));
}

/**
 * The feature columns of a run's training examples: a table's layout (categorical columns with
 * their categories), every column numeric for a table without categorical ones, null for images.
 */
export function trainingLayout(loaded: { layout?: TableColumn[]; classes?: string[] }, train: Dataset): TableColumn[] | null {
  const extras = recordedDataExtras(loaded, train);
  if (extras.categories) return tableLayoutOf(extras);
  return train.columns ? train.columns.map((name) => ({ name, kind: 'numeric' })) : null;
}
