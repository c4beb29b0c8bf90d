/**
 * Training options: typed, defaults in one frozen constant, validated by `resolveTrainOptions`.
 */
import { ConfigError } from '../errors.js';
import type { BinarizeMode } from '../data/binarize.js';

export interface TrainOptions {
  /** Passes over the training set. Default 10. */
  epochs?: number;
  /** B, examples per step. Default 128. */
  batchSize?: number;
  /** Adam step size. Default 1e-3. */
  learningRate?: number;
  /** β, the KL weight in the loss (1 = the plain ELBO). Default 1. */
  beta?: number;
  /** Seed of shuffling, ε and dynamic binarisation. Default 0. */
  seed?: number;
  /** Stop after this many epochs without a better validation loss; null = never. Default null. */
  patience?: number | null;
  /** 'dynamic' resamples training inputs x ~ Bernoulli(x) every epoch (Burda et al. 2016). Default 'none'. */
  binarize?: BinarizeMode;
  /** Examples per evaluation chunk. Default 1000. */
  evalBatchSize?: number;
  /** Steps between loss read-backs (progress callbacks and the non-finite check). Default 20. */
  logEvery?: number;
}

export type ResolvedTrainOptions = Required<TrainOptions>;

export const TRAIN_DEFAULTS: Readonly<ResolvedTrainOptions> = Object.freeze({
  epochs: 10,
  batchSize: 128,
  learningRate: 1e-3,
  beta: 1,
  seed: 0,
  patience: null,
  binarize: 'none',
  evalBatchSize: 1000,
  logEvery: 20,
});

const BINARIZE = ['none', 'static', 'dynamic', 'threshold'];

function check(name: string, ok: boolean, v: unknown, what: string): void {
  if (!ok) throw new ConfigError(`${name}: expected ${what}, got ${JSON.stringify(v)}`);
}

/** Fills defaults and validates. @throws ConfigError naming the field and the bad value */
export function resolveTrainOptions(o: TrainOptions = {}): ResolvedTrainOptions {
  const r = { ...TRAIN_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as ResolvedTrainOptions;
  const isInt = (v: unknown, min: number) => typeof v === 'number' && Number.isInteger(v) && v >= min;
  check('epochs', isInt(r.epochs, 1), r.epochs, 'an integer ≥ 1');
  check('batchSize', isInt(r.batchSize, 1), r.batchSize, 'an integer ≥ 1');
  check('learningRate', typeof r.learningRate === 'number' && r.learningRate > 0 && Number.isFinite(r.learningRate), r.learningRate, 'a positive number');
  check('beta', typeof r.beta === 'number' && r.beta >= 0 && Number.isFinite(r.beta), r.beta, 'a number ≥ 0');
  check('seed', Number.isInteger(r.seed), r.seed, 'an integer');
  check('patience', r.patience === null || isInt(r.patience, 1), r.patience, 'an integer ≥ 1 or null');
  check('binarize', BINARIZE.includes(r.binarize), r.binarize, `one of ${BINARIZE.join(', ')}`);
  check('evalBatchSize', isInt(r.evalBatchSize, 1), r.evalBatchSize, 'an integer ≥ 1');
  check('logEvery', isInt(r.logEvery, 1), r.logEvery, 'an integer ≥ 1');
  return r;
}
