/**
 * The likelihood registry: each decoder observation model by its config's `kind`, with the check of
 * its config. A new likelihood is a file here and one entry in {@link LIKELIHOODS}.
 */
import { ConfigError, setting } from '../errors.js';
import { check, listOf, nonEmptyString, oneOf, positiveNumber, shown } from '../validate.js';
import { BernoulliLikelihood } from './bernoulli.js';
import { GaussianLikelihood } from './gaussian.js';
import { MixedLikelihood } from './mixed.js';
import type { Likelihood, LikelihoodConfig, MixedColumn } from './likelihood.js';

export type { Likelihood, LikelihoodConfig, MixedColumn } from './likelihood.js';
export { BernoulliLikelihood } from './bernoulli.js';
export { GaussianLikelihood } from './gaussian.js';
export { likelihoodForColumns, MixedLikelihood, mixedLayout, type MixedLayout } from './mixed.js';

interface LikelihoodEntry<C extends LikelihoodConfig> {
  /** Validates a config of this kind; `field` names it in messages (e.g. 'model.likelihood'). */
  resolve(config: C, field: string): C;
  make(config: C, dataDim?: number): Likelihood;
}

const GAUSSIAN_VARIANCES = ['learned', 'learned-diag'] as const;

/** Defaults of the likelihood configs: a Gaussian's σ² is 1 unless given. */
export const LIKELIHOOD_DEFAULTS = Object.freeze({ gaussianVariance: 1 });

const LIKELIHOODS: { [K in LikelihoodConfig['kind']]: LikelihoodEntry<Extract<LikelihoodConfig, { kind: K }>> } = {
  bernoulli: { resolve: () => ({ kind: 'bernoulli' }), make: () => new BernoulliLikelihood() },
  gaussian: {
    resolve: (c, field) => {
      const v = c.variance ?? LIKELIHOOD_DEFAULTS.gaussianVariance;
      if (typeof v === 'number') check(`${field}.variance`, v, positiveNumber);
      else if (!(GAUSSIAN_VARIANCES as readonly string[]).includes(v)) {
        throw new ConfigError(`${setting(`${field}.variance`)}: expected a positive number, 'learned' or 'learned-diag', got ${shown(v)}`);
      }
      return { kind: 'gaussian', variance: v, ...(c.logVar !== undefined ? { logVar: c.logVar } : {}) };
    },
    make: (c, dataDim) => new GaussianLikelihood(c, dataDim),
  },
  mixed: {
    resolve: (c, field) => {
      const { logVar, ...g } = LIKELIHOODS.gaussian.resolve({ kind: 'gaussian', variance: c.variance, logVar: c.logVar }, field);
      return {
        ...g,
        kind: 'mixed',
        ...(logVar !== undefined ? { logVar } : {}),
        ...(c.columns !== undefined ? { columns: mixedColumns(c.columns, `${field}.columns`) } : {}),
      };
    },
    make: (c, dataDim) => new MixedLikelihood(c, dataDim),
  },
};

/** Checks a mixed likelihood's columns: a list of { name, kind: 'numeric' } or { name, kind: 'categorical', categories }. */
function mixedColumns(columns: unknown, field: string): MixedColumn[] {
  if (!Array.isArray(columns) || columns.length === 0) throw new ConfigError(`${setting(field)}: expected a non-empty list of columns, got ${shown(columns)}`);
  return columns.map((c: Partial<{ name: unknown; kind: unknown; categories: unknown }>, i) => {
    const name = check(`${field}[${i}].name`, c?.name, nonEmptyString);
    const kind = check(`${field}[${i}].kind`, c?.kind, oneOf(['numeric', 'categorical'] as const));
    if (kind === 'numeric') return { name, kind };
    return { name, kind, categories: [...check(`${field}[${i}].categories`, c.categories, listOf(nonEmptyString))] };
  });
}

/** The kinds of likelihood: 'bernoulli', 'gaussian', 'mixed' (a table's numeric and categorical columns). */
export const LIKELIHOOD_KINDS = Object.keys(LIKELIHOODS) as LikelihoodConfig['kind'][];

function entryOf(config: LikelihoodConfig, field: string): LikelihoodEntry<LikelihoodConfig> {
  const kind = check(`${field}.kind`, config?.kind, oneOf(LIKELIHOOD_KINDS));
  return LIKELIHOODS[kind] as LikelihoodEntry<LikelihoodConfig>;
}

/**
 * Validates a likelihood config and fills its defaults (a Gaussian's σ² is 1 unless given).
 * @param field - where the config sits, for messages (default 'likelihood')
 * @throws ConfigError naming the bad field and value
 */
export function resolveLikelihoodConfig(config: LikelihoodConfig, field = 'likelihood'): LikelihoodConfig {
  return entryOf(config, field).resolve(config, field);
}

/** Builds the likelihood a config names. @throws ConfigError for an unknown kind or a bad field */
export function makeLikelihood(config: LikelihoodConfig, dataDim?: number): Likelihood {
  const entry = entryOf(config, 'likelihood');
  return entry.make(entry.resolve(config, 'likelihood'), dataDim);
}
