/**
 * The VAE's configuration: typed data, defaults in one place, one resolve function that validates
 * every field. The CLI, the library and saved models all go through `resolveVaeConfig`.
 */
import { ConfigError } from '../errors.js';
import type { LikelihoodConfig } from '../likelihoods/likelihood.js';
import { ACTIVATIONS, type Activation, type MlpConfig } from '../nets/mlp.js';

export interface VaeOptions {
  /** Shape of one example, e.g. [28, 28, 1] for MNIST or [13] for a table. */
  inputShape: number[];
  /** Z, the latent size. Default 20. */
  latentDim?: number;
  /** Hidden widths of the MLP encoder (the decoder mirrors them). Default [400]. */
  hidden?: number[];
  /** Hidden activation. Default 'relu'. */
  activation?: Activation;
  /** Observation model p(x|z). Default Bernoulli on logits. */
  likelihood?: LikelihoodConfig;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
}

export interface VaeConfig {
  kind: 'vae';
  inputShape: number[];
  dataDim: number;
  latentDim: number;
  encoder: MlpConfig;
  decoder: MlpConfig;
  likelihood: LikelihoodConfig;
  seed: number;
}

export const VAE_DEFAULTS = Object.freeze({
  latentDim: 20,
  hidden: Object.freeze([400]) as readonly number[],
  activation: 'relu' as Activation,
  likelihood: Object.freeze({ kind: 'bernoulli' }) as LikelihoodConfig,
  seed: 0,
});

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new ConfigError(`${name}: expected a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** The options that rebuild a model of this (saved) config; inverse of {@link resolveVaeConfig}. */
export function vaeOptionsFromConfig(c: VaeConfig): VaeOptions {
  return { inputShape: c.inputShape, latentDim: c.latentDim, hidden: c.encoder.hidden, activation: c.encoder.activation, likelihood: c.likelihood, seed: c.seed };
}

/** Validates options and fills defaults. @throws ConfigError naming the bad field and value */
export function resolveVaeConfig(opts: VaeOptions): VaeConfig {
  if (!Array.isArray(opts.inputShape) || opts.inputShape.length === 0) {
    throw new ConfigError(`inputShape: expected a non-empty array of positive integers, got ${JSON.stringify(opts.inputShape)}`);
  }
  const inputShape = opts.inputShape.map((d, i) => positiveInt(`inputShape[${i}]`, d));
  const latentDim = positiveInt('latentDim', opts.latentDim ?? VAE_DEFAULTS.latentDim);
  const hidden = [...(opts.hidden ?? VAE_DEFAULTS.hidden)].map((h, i) => positiveInt(`hidden[${i}]`, h));
  const activation = opts.activation ?? VAE_DEFAULTS.activation;
  if (!ACTIVATIONS.includes(activation)) {
    throw new ConfigError(`activation: expected one of ${ACTIVATIONS.join(', ')}, got '${activation}'`);
  }
  const likelihood = opts.likelihood ?? VAE_DEFAULTS.likelihood;
  if (likelihood.kind !== 'bernoulli' && likelihood.kind !== 'gaussian') {
    throw new ConfigError(`likelihood.kind: expected 'bernoulli' or 'gaussian', got '${(likelihood as { kind: string }).kind}'`);
  }
  if (likelihood.kind === 'gaussian' && likelihood.variance !== 'learned' && likelihood.variance !== 'learned-diag' && !(likelihood.variance > 0)) {
    throw new ConfigError(`likelihood.variance: expected a positive number, 'learned' or 'learned-diag', got ${JSON.stringify(likelihood.variance)}`);
  }
  const seed = opts.seed ?? VAE_DEFAULTS.seed;
  if (!Number.isInteger(seed)) throw new ConfigError(`seed: expected an integer, got ${JSON.stringify(seed)}`);
  const mlp: MlpConfig = { kind: 'mlp', hidden, activation };
  return {
    kind: 'vae',
    inputShape,
    dataDim: inputShape.reduce((a, b) => a * b, 1),
    latentDim,
    encoder: mlp,
    decoder: { ...mlp },
    likelihood: { ...likelihood },
    seed,
  };
}
