/**
 * The objective registry: each training objective by its config's `kind`, with the names of the
 * terms it reports and the noise it draws for a batch. The trainer, the local gradient engine and
 * the worker threads reach objectives only through {@link objectiveValue}; a new objective (the
 * IWAE bound) is a file in objectives/ and one entry in {@link OBJECTIVES}.
 */
import type * as tf from '@tensorflow/tfjs';
import { elboNoise, iwaeNoise } from '../math/noise.js';
import type { LatentVariableModel } from '../models/latent-model.js';
import { check, checkKnownKeys, checkOr, intAtLeast, nonNegativeNumber, nullable, oneOf } from '../validate.js';
import { negativeElboLoss } from './elbo.js';
import { negativeIwaeLoss } from './iwae.js';
import { negativeTcVaeLoss, TC_ESTIMATORS, type TcEstimator } from './tc-vae.js';
import type { Batch, ObjectiveValue, StepContext } from './objective.js';

export type { Batch, ObjectiveValue, StepContext } from './objective.js';

/**
 * A training objective's config, tagged by `kind`.
 * - `elbo`: the β-weighted negative ELBO with E_q[log p(x|z)] estimated from `numSamples` (K)
 *   reparameterised samples, and optional free bits λ on each latent dimension's KL.
 * - `iwae`: the negative importance-weighted bound L_K of Burda et al. 2016, K = `numSamples`.
 * - `tc-vae`: the β-TCVAE of Chen et al. 2018, the ELBO's KL split into index-code mutual
 *   information, total correlation (weighted by β) and dimension-wise KL, one sample per example,
 *   log q(z) estimated from the batch by minibatch-weighted ('mws') or stratified ('mss') sampling
 *   (`estimator`), with N = the training set's size (StepContext.datasetSize).
 */
export type ObjectiveConfig =
  { kind: 'elbo'; numSamples?: number; freeBits?: number | null } | { kind: 'iwae'; numSamples?: number } | { kind: 'tc-vae'; estimator?: TcEstimator };

/**
 * Defaults of the objectives' settings: one sample for the ELBO (Kingma & Welling 2014), five for the
 * IWAE bound, minibatch-weighted sampling for the β-TCVAE (Chen et al. 2018, eq. S6).
 */
export const OBJECTIVE_DEFAULTS = Object.freeze({
  elbo: Object.freeze({ numSamples: 1, freeBits: null }),
  iwae: Object.freeze({ numSamples: 5 }),
  'tc-vae': Object.freeze({ estimator: 'mws' as TcEstimator }),
});

interface ObjectiveEntry<C extends ObjectiveConfig> {
  /** Validates a config of this kind; `field` names it in messages. */
  resolve(config: C, field: string): C;
  /** The names of the terms `value` returns, in the order they are reported. */
  terms: readonly string[];
  /** The objective on a batch. */
  value(model: LatentVariableModel, batch: Batch, ctx: StepContext, config: C): ObjectiveValue;
  /**
   * The noise `value` draws from `seed` for a batch of `batchSize` rows, batch axis second to last,
   * so that a batch split into shards gives each shard its own rows of the same draw.
   */
  noise(config: C, batchSize: number, latentDim: number, seed: number): tf.Tensor;
}

const OBJECTIVES: { [K in ObjectiveConfig['kind']]: ObjectiveEntry<Extract<ObjectiveConfig, { kind: K }>> } = {
  elbo: {
    resolve: (c, field) => {
      checkKnownKeys(field, c, ['kind', 'numSamples', 'freeBits']);
      const d = OBJECTIVE_DEFAULTS.elbo;
      return {
        kind: 'elbo',
        numSamples: checkOr(`${field}.numSamples`, c.numSamples, intAtLeast(1), d.numSamples),
        freeBits: checkOr(`${field}.freeBits`, c.freeBits, nullable(nonNegativeNumber), d.freeBits),
      };
    },
    terms: ['reconstruction', 'kl'],
    value: (model, batch, ctx, c) => negativeElboLoss(model, batch, ctx, { numSamples: c.numSamples, freeBits: c.freeBits }),
    noise: (c, batchSize, latentDim, seed) => elboNoise(c.numSamples ?? 1, batchSize, latentDim, seed),
  },
  iwae: {
    resolve: (c, field) => {
      checkKnownKeys(field, c, ['kind', 'numSamples']);
      return { kind: 'iwae', numSamples: checkOr(`${field}.numSamples`, c.numSamples, intAtLeast(1), OBJECTIVE_DEFAULTS.iwae.numSamples) };
    },
    terms: ['reconstruction', 'kl'],
    value: (model, batch, ctx, c) => negativeIwaeLoss(model, batch, ctx, c.numSamples ?? OBJECTIVE_DEFAULTS.iwae.numSamples),
    noise: (c, batchSize, latentDim, seed) => iwaeNoise(c.numSamples ?? OBJECTIVE_DEFAULTS.iwae.numSamples, batchSize, latentDim, seed),
  },
  'tc-vae': {
    resolve: (c, field) => {
      checkKnownKeys(field, c, ['kind', 'estimator']);
      return { kind: 'tc-vae', estimator: checkOr(`${field}.estimator`, c.estimator, oneOf(TC_ESTIMATORS), OBJECTIVE_DEFAULTS['tc-vae'].estimator) };
    },
    terms: ['reconstruction', 'kl', 'mi', 'tc', 'dimKl'],
    value: (model, batch, ctx, c) => negativeTcVaeLoss(model, batch, ctx, c.estimator ?? OBJECTIVE_DEFAULTS['tc-vae'].estimator),
    noise: (_c, batchSize, latentDim, seed) => elboNoise(1, batchSize, latentDim, seed),
  },
};

/** The kinds of objective: 'elbo', 'iwae', 'tc-vae'. */
export const OBJECTIVE_KINDS = Object.keys(OBJECTIVES) as ObjectiveConfig['kind'][];

/** The default objective: the one-sample ELBO without free bits. */
export const DEFAULT_OBJECTIVE: Readonly<ObjectiveConfig> = Object.freeze({ kind: 'elbo', ...OBJECTIVE_DEFAULTS.elbo });

function entryOf(config: ObjectiveConfig, field = 'objective'): ObjectiveEntry<ObjectiveConfig> {
  return OBJECTIVES[check(`${field}.kind`, config?.kind, oneOf(OBJECTIVE_KINDS))] as ObjectiveEntry<ObjectiveConfig>;
}

/**
 * Validates an objective config.
 * @param field - where it sits, for messages (e.g. 'training.objective')
 * @throws ConfigError naming the bad field and value
 */
export function resolveObjectiveConfig(config: ObjectiveConfig, field = 'objective'): ObjectiveConfig {
  return entryOf(config, field).resolve(config, field);
}

/** The names of the terms an objective reports, in order: ['reconstruction', 'kl'] for the ELBO. */
export function objectiveTerms(config: ObjectiveConfig): readonly string[] {
  return entryOf(config).terms;
}

/**
 * The objective a config names, on one batch at one step.
 * @returns loss and terms, scalars in nats per example; caller disposes
 */
export function objectiveValue(config: ObjectiveConfig, model: LatentVariableModel, batch: Batch, ctx: StepContext): ObjectiveValue {
  return entryOf(config).value(model, batch, ctx, config);
}

/**
 * The noise the objective draws from `seed` for a whole batch, batch axis second to last
 * ([B, Z] for the ELBO): cut along that axis, it gives each shard of the batch its rows.
 * @returns float32; caller disposes
 */
export function objectiveNoise(config: ObjectiveConfig, batchSize: number, latentDim: number, seed: number): tf.Tensor {
  return entryOf(config).noise(config, batchSize, latentDim, seed);
}
