/**
 * The VAE's configuration: typed data, defaults in one place ({@link VAE_DEFAULTS}, and each
 * network's and likelihood's own), and one resolve function that validates every field. The CLI,
 * the library and saved models all go through `resolveVaeConfig`.
 */
import { ConfigError } from '../errors.js';
import { resolveLikelihoodConfig } from '../likelihoods/index.js';
import type { LikelihoodConfig } from '../likelihoods/likelihood.js';
import { MLP_DEFAULTS, resolveNetConfig, type Activation, type NetConfig } from '../nets/index.js';
import { check, checkOr, expectThat, intAtLeast, integer } from '../validate.js';

export interface VaeOptions {
  /** Shape of one example, e.g. [28, 28, 1] for MNIST or [13] for a table. */
  inputShape: readonly number[];
  /** Z, the latent size. Default 20. */
  latentDim?: number;
  /** C, the size of the condition c fed to both networks (a conditional VAE); 0 = none. Default 0. */
  conditionDim?: number;
  /** The encoder network, tagged by `kind`. Default an MLP with one hidden layer of 400 ReLU units. */
  encoder?: Partial<NetConfig>;
  /** The decoder network. Default: the encoder's config, mirrored (an MLP's hidden widths reversed). */
  decoder?: Partial<NetConfig>;
  /** Shorthand for `encoder.hidden` (an MLP's hidden widths, mirrored in the decoder; a conv net's dense widths). */
  hidden?: readonly number[];
  /** Shorthand for `encoder.activation`. */
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
  /** 0 for a plain VAE. Absent in models saved before conditions existed (read as 0). */
  conditionDim: number;
  encoder: NetConfig;
  decoder: NetConfig;
  likelihood: LikelihoodConfig;
  seed: number;
}

/** Defaults of a VAE (each network's own defaults are its kind's, e.g. MLP_DEFAULTS). */
export const VAE_DEFAULTS = Object.freeze({
  latentDim: 20,
  conditionDim: 0,
  encoder: MLP_DEFAULTS as Readonly<NetConfig>,
  likelihood: Object.freeze({ kind: 'bernoulli' }) as Readonly<LikelihoodConfig>,
  seed: 0,
});

/** The options that rebuild a model of this (saved) config, both networks included; inverse of {@link resolveVaeConfig}. */
export function vaeOptionsFromConfig(c: VaeConfig): VaeOptions {
  return {
    inputShape: c.inputShape,
    latentDim: c.latentDim,
    conditionDim: c.conditionDim ?? 0,
    encoder: c.encoder,
    decoder: c.decoder,
    likelihood: c.likelihood,
    seed: c.seed,
  };
}

/**
 * The encoder and decoder configs of options: `encoder` (any kind; default an MLP), with the
 * shorthand `hidden` and `activation` filled into it (an MLP's hidden widths, a conv net's dense
 * widths after its convolutions, a recurrent net's state sizes; each kind rejects what it does not
 * take), and `decoder` or the encoder's mirror (each kind's decoder builder mirrors its config).
 * @param field - where the options sit, for messages ('' at the top level, 'model' in a run config)
 * @throws ConfigError for a bad network config, or a shorthand also given inside `encoder`
 */
export function resolveNetworks(
  opts: Pick<VaeOptions, 'encoder' | 'decoder' | 'hidden' | 'activation'>,
  field = '',
): { encoder: NetConfig; decoder: NetConfig } {
  const at = (name: string) => (field ? `${field}.${name}` : name);
  const given = { ...(opts.encoder ?? {}) } as Record<string, unknown>;
  for (const key of ['hidden', 'activation'] as const) {
    if (opts[key] === undefined) continue;
    if (given[key] !== undefined) {
      throw new ConfigError(`${at(key)}: a shorthand for ${at(`encoder.${key}`)}, which is also given; give one of them, not both`);
    }
    given[key] = key === 'hidden' ? [...opts.hidden!] : opts.activation;
  }
  const encoder = resolveNetConfig(given as Partial<NetConfig>, opts.encoder ? at('encoder') : field);
  const decoder = opts.decoder ? resolveNetConfig(opts.decoder, at('decoder')) : structuredClone(encoder);
  return { encoder, decoder };
}

/** Validates options and fills defaults. @throws ConfigError naming the bad field and value */
export function resolveVaeConfig(opts: VaeOptions): VaeConfig {
  const shape = opts.inputShape;
  expectThat(Array.isArray(shape) && shape.length > 0, 'inputShape', 'a non-empty array of integers ≥ 1', shape);
  const inputShape = shape.map((d, i) => check(`inputShape[${i}]`, d, intAtLeast(1)));
  const { encoder, decoder } = resolveNetworks(opts);
  return {
    kind: 'vae',
    inputShape,
    dataDim: inputShape.reduce((a, b) => a * b, 1),
    latentDim: checkOr('latentDim', opts.latentDim, intAtLeast(1), VAE_DEFAULTS.latentDim),
    conditionDim: checkOr('conditionDim', opts.conditionDim, intAtLeast(0), VAE_DEFAULTS.conditionDim),
    encoder,
    decoder,
    likelihood: resolveLikelihoodConfig(opts.likelihood ?? VAE_DEFAULTS.likelihood),
    seed: checkOr('seed', opts.seed, integer, VAE_DEFAULTS.seed),
  };
}
