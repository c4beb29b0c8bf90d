import { ConfigError } from '../errors.js';
import { BernoulliLikelihood } from './bernoulli.js';
import { GaussianLikelihood } from './gaussian.js';
import type { Likelihood, LikelihoodConfig } from './likelihood.js';

export type { Likelihood, LikelihoodConfig } from './likelihood.js';
export { BernoulliLikelihood } from './bernoulli.js';
export { GaussianLikelihood } from './gaussian.js';

const REGISTRY: { [K in LikelihoodConfig['kind']]: (c: Extract<LikelihoodConfig, { kind: K }>) => Likelihood } = {
  bernoulli: () => new BernoulliLikelihood(),
  gaussian: (c) => new GaussianLikelihood(c),
};

/** Builds the likelihood a config names. @throws ConfigError for an unknown kind */
export function makeLikelihood(config: LikelihoodConfig): Likelihood {
  const make = REGISTRY[config.kind] as ((c: LikelihoodConfig) => Likelihood) | undefined;
  if (!make) throw new ConfigError(`likelihood.kind: expected one of ${Object.keys(REGISTRY).join(', ')}, got '${config.kind}'`);
  return make(config);
}
