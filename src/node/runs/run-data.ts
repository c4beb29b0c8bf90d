/**
 * The data of a run: its source loaded with the run's scaling, columns and (tables) the
 * standardisation recorded in its config.json, so training, evaluation, scoring and sampling all see
 * the same units; and one split of it with the run's example limit (and, for a VAE run, the fixed
 * binarisation its test figures used).
 */
import { applyBinarization, type BinarizeMode } from '../../data/binarize.js';
import { takeFirst, type Dataset } from '../../data/dataset.js';
import { Standardizer, type StandardizerJSON } from '../../data/standardize.js';
import { loadDataSource, splitOf, type LoadedData } from '../datasets/data-source.js';

export const SPLITS = ['test', 'train', 'all'] as const;
/** 'all': a table's every row in file order, or an image source's train then test examples. */
export type Split = (typeof SPLITS)[number];

/** What a run's config.json says about its data (VAE and linear runs both hold these fields). */
/** The data fields every run's config.json records (VAE and linear runs alike). */
export interface RunDataFields {
  /** 'mnist', 'boston', a folder of MNIST-format IDX files, or a numeric CSV file. */
  data: string;
  /** Raw values are divided by this (255: bytes to [0, 1]; 1 for tables, which are standardised). */
  scale: number;
  /** Use only the first N training and test examples (null = all). */
  limit: number | null;
  /** Tables: feature columns by name (null = every numeric column but the label); config.json records those used. */
  columns?: string[] | null;
  /** Tables: a column of integer labels, not a feature. */
  labelColumn?: string | null;
  /**
   * Tables: the z-score transform, fitted on the training split (validation examples included) at
   * the start of a run; config.json records it and every later command applies it. Log-likelihoods
   * and ELBOs are in these standardised units; add `standardization.logJacobian` (−Σ log std) to
   * a log-likelihood (subtract it from a −ELBO) for raw units. null for images.
   */
  standardization?: StandardizerJSON | null;
}

/** What reloading a run's data needs: its data fields, and for VAE runs the training binarisation and seed. */
export interface RunDataConfig extends RunDataFields {
  training?: { binarize: BinarizeMode; seed: number };
}

/**
 * Loads `data` (default: the run's own source) as the run sees it: same scale and columns, and for
 * tables the run's recorded standardisation (fitted on the training split when the config has none yet).
 * Another table than the run's own may lack the run's label column: it is then read unlabelled.
 * @throws DataError for an unknown source, unreadable files, or a table lacking one of the run's feature columns
 */
export function loadRunData(cfg: RunDataConfig, data?: string): LoadedData {
  return loadDataSource(data ?? cfg.data, {
    scale: cfg.scale,
    columns: cfg.columns ?? null,
    labelColumn: cfg.labelColumn ?? null,
    labelColumnOptional: data !== undefined && data !== cfg.data,
    standardizer: cfg.standardization ? Standardizer.fromJSON(cfg.standardization) : null,
  });
}

/**
 * Loads `split` of `data` (default: the run's own data source), in the run's units.
 * Binarisation as the trainer evaluates: 'dynamic' becomes one fixed 'static' draw; seed + 2 for test.
 * @returns the dataset name and examples [N, D]
 * @throws DataError for an unknown source or unreadable files
 */
export function loadRunSplit(cfg: RunDataConfig, split: Split, data?: string): { name: string; ds: Dataset } {
  const loaded = loadRunData(cfg, data);
  let ds = splitOf(loaded, split);
  if (cfg.limit !== null && cfg.limit !== undefined) ds = takeFirst(ds, cfg.limit);
  const t = cfg.training;
  if (t && t.binarize !== 'none') {
    ds = applyBinarization(ds, t.binarize === 'dynamic' ? 'static' : t.binarize, split === 'test' ? t.seed + 2 : t.seed, 0);
  }
  return { name: loaded.name, ds };
}
