import { ConfigError } from '../errors.js';
import { BernoulliLikelihood } from './bernoulli.js';
import { GaussianLikelihood } from './gaussian.js';
import type { Likelihood, LikelihoodConfig } from './likelihood.js';

export type { Likelihood, LikelihoodConfig } from './likelihood.js';
export { BernoulliLikelihood } from './bernoulli.js';
export { GaussianLikelihood } from './gaussian.js';

const REGISTRY: { [K in LikelihoodConfig['kind']]: (c: Extract<LikelihoodConfig, { kind: K }>, dataDim?: number) => Likelihood } = {
  bernoulli: () => new BernoulliLikelihood(),
  gaussian: (c, dataDim) => new GaussianLikelihood(c, dataDim),
};

/** Builds the likelihood a config names. @throws ConfigError for an unknown kind */
export function makeLikelihood(config: LikelihoodConfig, dataDim?: number): Likelihood {
  const make = REGISTRY[config.kind] as ((c: LikelihoodConfig, dataDim?: number) => Likelihood) | undefined;
  if (!make) throw new ConfigError(`likelihood.kind: expected one of ${Object.keys(REGISTRY).join(', ')}, got '${config.kind}'`);
  return make(config, dataDim);
}
