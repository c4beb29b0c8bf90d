/**
 * Training options: typed, defaults in one frozen constant, validated by `resolveTrainOptions`.
 */
import { BINARIZE_MODES, type BinarizeMode } from '../data/binarize.js';
import { DEFAULT_OBJECTIVE, resolveObjectiveConfig, type ObjectiveConfig } from '../objectives/index.js';
import { checkKnownKeys, checkOr, integer, intAtLeast, nullable, oneOf, positiveNumber } from '../validate.js';
import { resolveKlSchedule, type KlSchedule } from './schedules.js';

export interface TrainOptions {
  /** Passes over the training set. Default 10. */
  epochs?: number;
  /** B, examples per step. Default 128. */
  batchSize?: number;
  /** Adam step size. Default 1e-3. */
  learningRate?: number;
  /** What training minimises, tagged by kind. Default { kind: 'elbo' }, the β-weighted −ELBO. */
  objective?: ObjectiveConfig;
  /** β, the KL weight: a number (constant) or a schedule over the steps. Default 1, the plain ELBO. */
  beta?: number | KlSchedule;
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

export interface ResolvedTrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  objective: ObjectiveConfig;
  beta: KlSchedule;
  seed: number;
  patience: number | null;
  binarize: BinarizeMode;
  evalBatchSize: number;
  logEvery: number;
}

export const TRAIN_DEFAULTS: Readonly<ResolvedTrainOptions> = Object.freeze({
  epochs: 10,
  batchSize: 128,
  learningRate: 1e-3,
  objective: DEFAULT_OBJECTIVE,
  beta: Object.freeze({ kind: 'constant', value: 1 }) as KlSchedule,
  seed: 0,
  patience: null,
  binarize: 'none',
  evalBatchSize: 1000,
  logEvery: 20,
});

/** The option names, in the order they are written. */
export const TRAIN_OPTION_KEYS = Object.keys(TRAIN_DEFAULTS) as (keyof ResolvedTrainOptions)[];

/**
 * Fills defaults and validates.
 * @param field - where the options sit, for messages ('' for the library's options, 'training' in a run config)
 * @throws ConfigError naming the field and the bad value
 */
export function resolveTrainOptions(o: TrainOptions = {}, field = ''): ResolvedTrainOptions {
  const at = (name: string) => (field ? `${field}.${name}` : name);
  checkKnownKeys(field || 'train options', o, TRAIN_OPTION_KEYS);
  const d = TRAIN_DEFAULTS;
  return {
    epochs: checkOr(at('epochs'), o.epochs, intAtLeast(1), d.epochs),
    batchSize: checkOr(at('batchSize'), o.batchSize, intAtLeast(1), d.batchSize),
    learningRate: checkOr(at('learningRate'), o.learningRate, positiveNumber, d.learningRate),
    objective: resolveObjectiveConfig(o.objective ?? d.objective, at('objective')),
    beta: resolveKlSchedule(o.beta ?? d.beta, at('beta')),
    seed: checkOr(at('seed'), o.seed, integer, d.seed),
    patience: checkOr(at('patience'), o.patience, nullable(intAtLeast(1)), d.patience),
    binarize: checkOr(at('binarize'), o.binarize, oneOf(BINARIZE_MODES), d.binarize),
    evalBatchSize: checkOr(at('evalBatchSize'), o.evalBatchSize, intAtLeast(1), d.evalBatchSize),
    logEvery: checkOr(at('logEvery'), o.logEvery, intAtLeast(1), d.logEvery),
  };
}
