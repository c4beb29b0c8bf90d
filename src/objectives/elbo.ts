/**
 * The evidence lower bound and the training loss built from it.
 */
import * as tf from '@tensorflow/tfjs';
import { klToStandardNormal } from '../distributions/normal.js';
import type { LatentVariableModel } from '../models/latent-model.js';
import { reparameterize } from './reparameterize.js';
import { tfSeed } from '../math/rng.js';

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
  /** K, the Monte Carlo samples of z per example for E_q[log p(x|z)]. Default 1 (seed 001). */
  numSamples?: number;
  /** Seed of the noise ε (any integer; 0 is a seed like any other). Ignored when `eps` is given. Default 0. */
  seed?: number;
  /** Explicit noise ε [K, B, Z] (or [B, Z] when K = 1), for tests. */
  eps?: tf.Tensor;
}

/**
 * ELBO(x) = E_q(z|x)[log p(x|z)] − KL(q(z|x) ‖ p(z)), per example, with the expectation estimated
 * by K reparameterised samples and the KL in closed form.
 * @param x - observations [B, D]
 * @returns {@link ElboTerms}, each [B], nats; caller disposes
 * @see Prince eq. 17.18 and 17.23–17.24 (seed 004); seed 001 (K-sample estimate, K = 1 in practice)
 */
export function elbo(model: LatentVariableModel, x: tf.Tensor2D, opts: ElboOptions = {}): ElboTerms {
  const k = opts.numSamples ?? 1;
  return tf.tidy(() => {
    const [b, d] = x.shape;
    const z0 = model.latentDim;
    const { mean, logVar } = model.encode(x); // [B, Z] each
    const eps = opts.eps ?? tf.randomNormal(k === 1 ? [b, z0] : [k, b, z0], 0, 1, 'float32', tfSeed(opts.seed ?? 0, 'eps'));
    const z = reparameterize(mean, logVar, eps); // [B, Z] or [K, B, Z]
    const params = model.decode(tf.reshape(z, [-1, z0]) as tf.Tensor2D); // [K·B, D]
    const logLik = model.likelihood.logProb(k === 1 ? x : tf.expandDims(x, 0), tf.reshape(params, k === 1 ? [b, d] : [k, b, d])); // [B] or [K, B]
    const reconstruction = (k === 1 ? logLik : tf.mean(logLik, 0)) as tf.Tensor1D; // [B]
    const kl = klToStandardNormal(mean, logVar) as tf.Tensor1D; // [B]
    return { elbo: tf.sub(reconstruction, kl) as tf.Tensor1D, reconstruction, kl };
  });
}

/** Batch means of the loss and its two terms, scalars, nats per example. */
export type LossTerms = {
  /** −reconstruction + β·kl, averaged over the batch: what training minimises. */
  loss: tf.Scalar;
  /** −E_q[log p(x|z)], batch mean (the reconstruction error, ≥ 0 for Bernoulli). */
  reconstructionLoss: tf.Scalar;
  /** KL(q ‖ p), batch mean. */
  kl: tf.Scalar;
};

/**
 * The β-weighted negative ELBO averaged over the batch:
 *   loss = (1/B) Σ_b [ −E_q[log p(x_b|z)] + β·KL(q(z|x_b) ‖ N(0, I)) ]
 * β = 1 gives −ELBO; β ≠ 1 is the β-VAE (Prince eq. 17.30), and β ramping from 0 is KL warm-up.
 * @param x - observations [B, D]
 * @returns scalars in nats per example; caller disposes
 * @see seed 001 (β-weighted ELBO against posterior collapse); Prince eq. 17.30 (seed 004)
 */
export function negativeElboLoss(model: LatentVariableModel, x: tf.Tensor2D, opts: ElboOptions & { beta?: number } = {}): LossTerms {
  const beta = opts.beta ?? 1;
  return tf.tidy(() => {
    const t = elbo(model, x, opts);
    const reconstructionLoss = tf.neg(tf.mean(t.reconstruction)) as tf.Scalar;
    const kl = tf.mean(t.kl) as tf.Scalar;
    const loss = (beta === 1 ? tf.add(reconstructionLoss, kl) : tf.add(reconstructionLoss, tf.mul(kl, beta))) as tf.Scalar;
    return { loss, reconstructionLoss, kl };
  });
}
