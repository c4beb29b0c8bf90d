/**
 * The data of a run: its source loaded with the run's scaling, columns and (tables) the
 * standardisation recorded in its config.json, so training, evaluation, scoring and sampling all see
 * the same units; its training, validation and test examples as training saw them; and one split of
 * it with the run's example limit (and, for a VAE run, the fixed binarisation its test figures used).
 */
import { applyBinarization } from '../../data/binarize.js';
import { splitValidation, subset, takeFirst, type Dataset } from '../../data/dataset.js';
import { Standardizer } from '../../data/standardize.js';
import { ConfigError, DataError, setting } from '../../errors.js';
import { describeLoaded, loadDataSource, splitOf, type DataKind, type LoadedData } from '../datasets/data-source.js';
import type { RunConfig, RunDataConfig } from './config.js';

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
  return loadDataSource(source ?? data.source, {
    scale: data.scale,
    columns: data.columns,
    labelColumn: data.labelColumn,
    labelColumnOptional: source !== undefined && source !== data.source,
    standardizer: data.standardization ? Standardizer.fromJSON(data.standardization) : null,
  });
}

/**
 * The training examples the run's label selection keeps (`data.includeLabels` or `data.excludeLabels`),
 * in their order; `ds` itself when the run selects none.
 * @throws DataError when the data has no labels, or the selection keeps no example
 */
export function selectTrainingLabels(ds: Dataset, data: RunDataConfig): Dataset {
  const include = data.includeLabels ?? null;
  const exclude = data.excludeLabels ?? null;
  if (include === null && exclude === null) return ds;
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
  const what = include !== null ? `labels ${include.join(',')}` : `without labels ${exclude!.join(',')}`;
  return subset(ds, keep, `${ds.source} (${what})`);
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
}

/**
 * The run's training, validation and test examples: its source, the first `limit` training and test
 * examples, and `val` of the training examples held out by the seeded split of `seed`.
 * @throws ConfigError when val is not below the number of training examples; DataError for unreadable data
 */
export function loadRunExamples(data: RunDataConfig, seed: number): RunExamples {
  const loaded = loadRunData(data);
  let train = loaded.train;
  let test = loaded.test;
  if (data.limit !== null) {
    train = takeFirst(train, data.limit);
    test = takeFirst(test, data.limit);
  }
  train = selectTrainingLabels(train, data);
  const common = { test, name: loaded.name, kind: loaded.kind, standardizer: loaded.standardizer };
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
 * limit (and, for its own training split, its label selection). A VAE run's binarisation as its trainer evaluated: 'dynamic' becomes one fixed 'static'
 * draw; its seed + 2 for the test split, the seed itself otherwise.
 * @returns the dataset name and examples [N, D]
 * @throws DataError for an unknown source or unreadable files
 */
export function loadRunSplit(run: RunConfig, split: Split, source?: string): { name: string; ds: Dataset } {
  const loaded = loadRunData(run.data, source);
  let ds = splitOf(loaded, split);
  if (run.data.limit !== null) ds = takeFirst(ds, run.data.limit);
  if (split === 'train' && source === undefined) ds = selectTrainingLabels(ds, run.data);
  if (run.kind === 'vae-run' && run.training.binarize !== 'none') {
    const t = run.training;
    ds = applyBinarization(ds, t.binarize === 'dynamic' ? 'static' : t.binarize, split === 'test' ? t.seed + 2 : t.seed, 0);
  }
  return { name: loaded.name, ds };
}
