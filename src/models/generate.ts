/**
 * Generation and reconstruction with any model of the contract: decoder means, reconstructions at
 * the posterior mean, and draws from the prior.
 */
import * as tf from '@tensorflow/tfjs';
import { priorNoise } from '../math/noise.js';
import type { LatentVariableModel } from './latent-model.js';

/**
 * E[x|z, c]: the decoder's means (pixel probabilities for a Bernoulli decoder).
 * @param z - latents [N, Z]
 * @param c - conditions [N, C] for a conditional model
 * @returns [N, D]; caller disposes
 */
export function decodeMean(model: LatentVariableModel, z: tf.Tensor2D, c?: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => model.likelihood.mean(model.decode(z, c)) as tf.Tensor2D);
}

/**
 * E[x|z_n, c] for every code under one condition: c [1, C] repeated over the N codes (a conditional
 * model), or none (an unconditional one).
 * @param z - latents [N, Z]
 * @param c - one condition [1, C], or conditions [N, C]
 * @returns [N, D]; caller disposes
 */
export function decodeMeanUnder(model: LatentVariableModel, z: tf.Tensor2D, c?: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => decodeMean(model, z, c && c.shape[0] === 1 && z.shape[0] !== 1 ? (tf.tile(c, [z.shape[0], 1]) as tf.Tensor2D) : c));
}

/**
 * Reconstruction at the posterior mean: x̂ = E[x | z = mean(x), c].
 * @param x - [B, D] or [B, ...inputShape]
 * @param c - conditions [B, C] for a conditional model
 * @returns [B, D]; caller disposes
 */
export function reconstruct(model: LatentVariableModel, x: tf.Tensor, c?: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => decodeMean(model, model.encode(x, c).mean, c));
}

/** Options of {@link sampleFromPrior}. */
export interface PriorSampleOptions {
  /** Seed of z (any integer). Default 0. */
  seed?: number;
  /** Standard deviation of z; 1 is the prior, below 1 trades variety for typical samples. Default 1. */
  temperature?: number;
  /** Conditions [n, C] for a conditional model. */
  c?: tf.Tensor2D;
}

/**
 * Generation from the prior: z ~ N(0, temperature² I), then the decoder means E[x|z, c].
 * @param n - number of samples
 * @returns [n, D]; caller disposes
 * @see Prince, Understanding Deep Learning, §17.6 (generation); Kingma & Welling 2014, §3
 */
export function sampleFromPrior(model: LatentVariableModel, n: number, opts: PriorSampleOptions = {}): tf.Tensor2D {
  return tf.tidy(() => decodeMean(model, priorNoise(n, model.latentDim, opts.seed ?? 0, opts.temperature ?? 1), opts.c));
}
