/**
 * The examples a saved run is evaluated or scored on: one split of its data source, loaded with the
 * run's scaling and example limit (and, for a VAE run, the fixed binarisation its test figures used).
 */
import { applyBinarization, type BinarizeMode } from '../data/binarize.js';
import { takeFirst, type Dataset } from '../data/dataset.js';
import { loadDataSource } from './data-source.js';

export const SPLITS = ['test', 'train'] as const;
export type Split = (typeof SPLITS)[number];

/** What a run's config.json says about its data (VAE and linear runs both hold these fields). */
export interface RunDataConfig {
  data: string;
  scale: number;
  limit: number | null;
  /** VAE runs only: the training binarisation and seed. */
  training?: { binarize: BinarizeMode; seed: number };
}

/**
 * Loads `split` of `data` (default: the run's own data source).
 * Binarisation as the trainer evaluates: 'dynamic' becomes one fixed 'static' draw; seed + 2 for test.
 * @returns the dataset name and examples [N, D]
 * @throws DataError for an unknown source or unreadable files
 */
export function loadRunSplit(cfg: RunDataConfig, split: Split, data?: string): { name: string; ds: Dataset } {
  const loaded = loadDataSource(data ?? cfg.data, { scale: cfg.scale });
  let ds = loaded[split];
  if (cfg.limit !== null && cfg.limit !== undefined) ds = takeFirst(ds, cfg.limit);
  const t = cfg.training;
  if (t && t.binarize !== 'none') {
    ds = applyBinarization(ds, t.binarize === 'dynamic' ? 'static' : t.binarize, split === 'test' ? t.seed + 2 : t.seed, 0);
  }
  return { name: loaded.name, ds };
}
