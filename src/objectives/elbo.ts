/**
 * The evidence lower bound and the training loss built from it.
 */
import * as tf from '@tensorflow/tfjs';
import { klToStandardNormal, klToStandardNormalPerDimension } from '../distributions/normal.js';
import { elboNoise } from '../math/noise.js';
import { ConfigError } from '../errors.js';
import { isHierarchical, noiseDimOf, type LatentVariableModel } from '../models/latent-model.js';
import { hierarchicalElbo } from './hierarchical.js';
import type { Batch, ObjectiveValue, StepContext } from './objective.js';
import { reparameterize } from './reparameterize.js';

/** Per-example ELBO terms, each [B], nats. */
export type ElboTerms = {
  /** ELBO = reconstruction − kl, a lower bound on log p(x). */
  elbo: tf.Tensor1D;
  /** Reconstruction term E_q[log p(x|z)] (a log-likelihood: higher is better), K-sample estimate. */
  reconstruction: tf.Tensor1D;
  /** KL(q(z|x) ‖ N(0, I)), closed form, ≥ 0. */
  kl: tf.Tensor1D;
  /** KL of each latent dimension [B, Z] (when asked for with `perDimensionKl`). */
  klPerDimension?: tf.Tensor2D;
};

export interface ElboOptions {
  /** K, the Monte Carlo samples of z per example for E_q[log p(x|z)]. Default 1 (Kingma & Welling 2014). */
  numSamples?: number;
  /** Seed of the noise ε (any integer; 0 is a seed like any other). Ignored when `eps` is given. Default 0. */
  seed?: number;
  /** Explicit noise ε [K, B, Z] (or [B, Z] when K = 1), for tests and sharded batches; Z₁ + Z₂ wide for a two-layer model. */
  eps?: tf.Tensor;
  /** Conditions c [B, C] of a conditional model. */
  c?: tf.Tensor2D;
  /** Also return the KL of each latent dimension, `klPerDimension` [B, Z]. Default false. */
  perDimensionKl?: boolean;
}

/**
 * ELBO(x) = E_q(z|x)[log p(x|z)] − KL(q(z|x) ‖ p(z)), per example, with the expectation estimated
 * by K reparameterised samples and the KL in closed form.
 * @param x - observations [B, D]
 * @returns {@link ElboTerms}, each [B], nats; caller disposes
 * A model with two stochastic layers (models/hvae.ts) samples both (objectives/hierarchical.ts); its KL
 * term is then a Monte Carlo estimate, and it has no per-dimension KL.
 * @throws ShapeError when x (or c) does not fit the model
 * @throws ConfigError when `perDimensionKl` is asked of a two-layer model
 * @see Prince, Understanding Deep Learning, eq. 17.18 and 17.23–17.24; Kingma & Welling 2014, eq. 10
 */
export function elbo(model: LatentVariableModel, x: tf.Tensor2D, opts: ElboOptions = {}): ElboTerms {
  const k = opts.numSamples ?? 1;
  if (isHierarchical(model)) {
    if (opts.perDimensionKl) throw new ConfigError('free bits and per-dimension KL need a model with one stochastic layer; this one has two');
    return tf.tidy(() => hierarchicalElbo(model, x, opts.eps ?? elboNoise(k, x.shape[0], noiseDimOf(model), opts.seed ?? 0)));
  }
  return tf.tidy(() => {
    const [b, d] = x.shape;
    const z0 = model.latentDim;
    const { mean, logVar } = model.encode(x, opts.c); // [B, Z] each
    const eps = opts.eps ?? elboNoise(k, b, z0, opts.seed ?? 0); // [B, Z] or [K, B, Z]
    const z = reparameterize(mean, logVar, eps); // [B, Z] or [K, B, Z]
    const c = k === 1 || !opts.c ? opts.c : (tf.tile(opts.c, [k, 1]) as tf.Tensor2D); // [K·B, C]
    const params = model.decode(tf.reshape(z, [-1, z0]) as tf.Tensor2D, c); // [K·B, D]
    const logLik = model.likelihood.logProb(k === 1 ? x : tf.expandDims(x, 0), tf.reshape(params, k === 1 ? [b, d] : [k, b, d])); // [B] or [K, B]
    const reconstruction = (k === 1 ? logLik : tf.mean(logLik, 0)) as tf.Tensor1D; // [B]
    if (opts.perDimensionKl) {
      const klPerDimension = klToStandardNormalPerDimension(mean, logVar) as tf.Tensor2D; // [B, Z]
      const kl = tf.sum(klPerDimension, -1) as tf.Tensor1D; // [B]
      return { elbo: tf.sub(reconstruction, kl) as tf.Tensor1D, reconstruction, kl, klPerDimension };
    }
    const kl = klToStandardNormal(mean, logVar) as tf.Tensor1D; // [B]
    return { elbo: tf.sub(reconstruction, kl) as tf.Tensor1D, reconstruction, kl };
  });
}

/** Settings of the ELBO objective. */
export interface NegativeElboOptions {
  /** K, reparameterised samples per example for E_q[log p(x|z)]. Default 1. */
  numSamples?: number;
  /**
   * Free bits λ (Kingma et al. 2016): the KL of each latent dimension, averaged over the batch, is
   * floored at λ nats in the loss, so no dimension is pushed below λ. null (default) = off.
   */
  freeBits?: number | null;
}

/**
 * The β-weighted negative ELBO averaged over the batch, the VAE's training objective:
 *   loss = (1/B) Σ_b [ −(1/K) Σ_k log p(x_b|z_bk) ] + β·KL
 * with KL = (1/B) Σ_b KL(q(z|x_b) ‖ N(0, I)), or with free bits λ,
 *   KL_λ = Σ_u max(λ, (1/B) Σ_b KL_u(x_b))   (u over latent dimensions)
 * β = ctx.klWeight: 1 gives −ELBO; β ≠ 1 is the β-VAE (Higgins et al. 2017); a β schedule is KL
 * warm-up or cyclical annealing.
 * @param batch - observations x [B, D] (and conditions c [B, C])
 * @param ctx - the step: its noise seed (or the noise itself, [B, Z] or [K, B, Z]) and β
 * @returns loss and the terms `reconstruction` (−E_q[log p(x|z)], ≥ 0 for Bernoulli) and `kl` (the
 *   KL itself, not floored), scalars in nats per example; caller disposes
 * @see Prince, Understanding Deep Learning, eq. 17.30 (β-VAE); Higgins et al. 2017; Kingma et al. 2016, eq. 15 (free bits)
 */
export function negativeElboLoss(model: LatentVariableModel, batch: Batch, ctx: StepContext, opts: NegativeElboOptions = {}): ObjectiveValue {
  const beta = ctx.klWeight;
  const freeBits = opts.freeBits ?? null;
  return tf.tidy(() => {
    const t = elbo(model, batch.x, { numSamples: opts.numSamples, seed: ctx.seed, eps: ctx.noise, c: batch.c, perDimensionKl: freeBits !== null });
    const reconstruction = tf.neg(tf.mean(t.reconstruction)) as tf.Scalar;
    const kl = tf.mean(t.kl) as tf.Scalar;
    const klInLoss = freeBits === null ? kl : (tf.sum(tf.maximum(tf.mean(t.klPerDimension as tf.Tensor2D, 0), freeBits)) as tf.Scalar); // Σ_u max(λ, mean_b KL_u)
    const loss = (beta === 1 ? tf.add(reconstruction, klInLoss) : tf.add(reconstruction, tf.mul(klInLoss, beta))) as tf.Scalar;
    return { loss, terms: { reconstruction, kl } };
  });
}
