/**
 * Training options: typed, defaults in one frozen constant, validated by `resolveTrainOptions`.
 */
import { BINARIZE_MODES, type BinarizeMode } from '../data/binarize.js';
import { DEFAULT_OBJECTIVE, resolveObjectiveConfig, type ObjectiveConfig } from '../objectives/index.js';
import { ConfigError, setting } from '../errors.js';
import { check, checkKnownKeys, checkOr, integer, intAtLeast, nullable, oneOf, positiveNumber } from '../validate.js';
import { scheduleFromShorthand, type KlSchedule, type KlScheduleShorthand } from './schedules.js';

/**
 * The importance-sampled log p(x) of the first `limit` test examples (validation when there is no
 * test set) after every epoch, K = `numSamples`: the likelihood curve over training.
 */
export interface EpochLogLikelihoodOptions {
  /** K, importance samples per example. */
  numSamples: number;
  /** N, examples estimated (the first N). Default 1000. */
  limit?: number;
}

export interface TrainOptions extends KlScheduleShorthand {
  /** Passes over the training set. Default 10. */
  epochs?: number;
  /** B, examples per step. Default 128. */
  batchSize?: number;
  /** Adam step size. Default 1e-3. */
  learningRate?: number;
  /** What training minimises, tagged by kind. Default { kind: 'elbo' }, the β-weighted −ELBO. */
  objective?: ObjectiveConfig;
  /**
   * β, the KL weight: a number (constant, or the end of the schedule the shorthand `klWarmup`,
   * `betaStart`, `klCycles`, `klRatio` describes) or a schedule over the steps. Default 1, the plain ELBO.
   */
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
  /** The importance-sampled log p(x) of held-out examples after every epoch; null (default) = off. */
  evalLogLikelihood?: EpochLogLikelihoodOptions | null;
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
  evalLogLikelihood: Required<EpochLogLikelihoodOptions> | null;
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
  evalLogLikelihood: null,
});

/** The default N of the per-epoch log-likelihood. */
export const EPOCH_LOGLIK_DEFAULT_LIMIT = 1000;

/** The shorthand keys of the β schedule (folded into `beta` when options are resolved). */
const SHORTHAND_KEYS = ['klWarmup', 'betaStart', 'klCycles', 'klRatio'] as const;

/** The option names, in the order they are written. */
export const TRAIN_OPTION_KEYS = Object.keys(TRAIN_DEFAULTS) as (keyof ResolvedTrainOptions)[];

/**
 * Fills defaults and validates.
 * @param field - where the options sit, for messages ('' for the library's options, 'training' in a run config)
 * @throws ConfigError naming the field and the bad value
 */
export function resolveTrainOptions(o: TrainOptions = {}, field = ''): ResolvedTrainOptions {
  const at = (name: string) => (field ? `${field}.${name}` : name);
  checkKnownKeys(field || 'train options', o, [...TRAIN_OPTION_KEYS, ...SHORTHAND_KEYS]);
  const d = TRAIN_DEFAULTS;
  const epochs = checkOr(at('epochs'), o.epochs, intAtLeast(1), d.epochs);
  const shorthand = Object.fromEntries(SHORTHAND_KEYS.map((k) => [k, o[k]])) as KlScheduleShorthand;
  const beta = scheduleFromShorthand(o.beta, shorthand, epochs, at);
  // A partial objective ({ numSamples: 5 }) is the default objective's kind with those settings.
  const objective = resolveObjectiveConfig({ ...(o.objective?.kind === undefined ? d.objective : {}), ...o.objective } as ObjectiveConfig, at('objective'));
  if (objective.kind === 'iwae' && !(beta.kind === 'constant' && beta.value === 1)) {
    throw new ConfigError(
      `${setting(at('beta'))}: β and KL schedules weigh the ELBO's KL term, and the IWAE bound (${setting(at('objective.kind'), 'iwae')}) has none; ` +
        `use ${setting(at('objective.kind'), 'elbo')} or leave β at 1`,
    );
  }
  return {
    epochs,
    batchSize: checkOr(at('batchSize'), o.batchSize, intAtLeast(1), d.batchSize),
    learningRate: checkOr(at('learningRate'), o.learningRate, positiveNumber, d.learningRate),
    objective,
    beta,
    seed: checkOr(at('seed'), o.seed, integer, d.seed),
    patience: checkOr(at('patience'), o.patience, nullable(intAtLeast(1)), d.patience),
    binarize: checkOr(at('binarize'), o.binarize, oneOf(BINARIZE_MODES), d.binarize),
    evalBatchSize: checkOr(at('evalBatchSize'), o.evalBatchSize, intAtLeast(1), d.evalBatchSize),
    logEvery: checkOr(at('logEvery'), o.logEvery, intAtLeast(1), d.logEvery),
    evalLogLikelihood: resolveEpochLogLikelihood(o.evalLogLikelihood ?? d.evalLogLikelihood, at('evalLogLikelihood')),
  };
}

function resolveEpochLogLikelihood(e: EpochLogLikelihoodOptions | null, field: string): Required<EpochLogLikelihoodOptions> | null {
  if (e === null) return null;
  if (typeof e !== 'object') throw new ConfigError(`${setting(field)}: expected { numSamples, limit } or null, got ${JSON.stringify(e)}`);
  checkKnownKeys(field, e, ['numSamples', 'limit']);
  return {
    numSamples: check(`${field}.numSamples`, e.numSamples, intAtLeast(1)),
    limit: checkOr(`${field}.limit`, e.limit, intAtLeast(1), EPOCH_LOGLIK_DEFAULT_LIMIT),
  };
}
