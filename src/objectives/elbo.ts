/**
 * The evidence lower bound and the training loss built from it.
 */
import * as tf from '@tensorflow/tfjs';
import { klToStandardNormal } from '../distributions/normal.js';
import { elboNoise } from '../math/noise.js';
import type { LatentVariableModel } from '../models/latent-model.js';
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
};

export interface ElboOptions {
  /** K, the Monte Carlo samples of z per example for E_q[log p(x|z)]. Default 1 (Kingma & Welling 2014). */
  numSamples?: number;
  /** Seed of the noise ε (any integer; 0 is a seed like any other). Ignored when `eps` is given. Default 0. */
  seed?: number;
  /** Explicit noise ε [K, B, Z] (or [B, Z] when K = 1), for tests and sharded batches. */
  eps?: tf.Tensor;
  /** Conditions c [B, C] of a conditional model. */
  c?: tf.Tensor2D;
}

/**
 * ELBO(x) = E_q(z|x)[log p(x|z)] − KL(q(z|x) ‖ p(z)), per example, with the expectation estimated
 * by K reparameterised samples and the KL in closed form.
 * @param x - observations [B, D]
 * @returns {@link ElboTerms}, each [B], nats; caller disposes
 * @throws ShapeError when x (or c) does not fit the model
 * @see Prince, Understanding Deep Learning, eq. 17.18 and 17.23–17.24; Kingma & Welling 2014, eq. 10
 */
export function elbo(model: LatentVariableModel, x: tf.Tensor2D, opts: ElboOptions = {}): ElboTerms {
  const k = opts.numSamples ?? 1;
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
    const kl = klToStandardNormal(mean, logVar) as tf.Tensor1D; // [B]
    return { elbo: tf.sub(reconstruction, kl) as tf.Tensor1D, reconstruction, kl };
  });
}

/**
 * The β-weighted negative ELBO averaged over the batch, the VAE's training objective:
 *   loss = (1/B) Σ_b [ −E_q[log p(x_b|z)] + β·KL(q(z|x_b) ‖ N(0, I)) ],  β = ctx.klWeight
 * β = 1 gives −ELBO; β ≠ 1 is the β-VAE (Higgins et al. 2017), and β ramping from 0 is KL warm-up.
 * @param batch - observations x [B, D] (and conditions c [B, C])
 * @param ctx - the step: its noise seed (or the noise itself) and β
 * @returns loss and the terms `reconstruction` (−E_q[log p(x|z)], ≥ 0 for Bernoulli) and `kl`,
 *   scalars in nats per example; caller disposes
 * @see Prince, Understanding Deep Learning, eq. 17.30 (β-VAE); Higgins et al. 2017
 */
export function negativeElboLoss(model: LatentVariableModel, batch: Batch, ctx: StepContext): ObjectiveValue {
  const beta = ctx.klWeight;
  return tf.tidy(() => {
    const t = elbo(model, batch.x, { seed: ctx.seed, eps: ctx.noise, c: batch.c });
    const reconstruction = tf.neg(tf.mean(t.reconstruction)) as tf.Scalar;
    const kl = tf.mean(t.kl) as tf.Scalar;
    const loss = (beta === 1 ? tf.add(reconstruction, kl) : tf.add(reconstruction, tf.mul(kl, beta))) as tf.Scalar;
    return { loss, terms: { reconstruction, kl } };
  });
}
