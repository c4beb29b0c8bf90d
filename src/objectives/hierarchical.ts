/**
 * The ELBO and the importance weights of a model with two stochastic layers, z₂ → z₁ → x (Burda,
 * Grosse & Salakhutdinov 2016, §5). Both layers are sampled by reparameterisation, bottom first,
 * from the proposal q(z₁|x) q(z₂|z₁):
 *   z₁ = μ₁(x) + σ₁(x) ⊙ ε₁,   z₂ = μ₂(z₁) + σ₂(z₁) ⊙ ε₂,   ε = [ε₁, ε₂] ~ N(0, I)
 *   log w = log p(x|z₁) + log p(z₁|z₂) + log p(z₂) − log q(z₁|x) − log q(z₂|z₁)
 * The ELBO is E[log w]; its KL term, E[log q(z₁|x) − log p(z₁|z₂)] + E[KL(q(z₂|z₁) ‖ N(0, I))], takes
 * the top layer's KL in closed form given z₁. The one-layer forms (elbo.ts, iwae.ts) call these for
 * a {@link HierarchicalLatentModel}, so every objective, bound and estimate works on both.
 */
import * as tf from '@tensorflow/tfjs';
import { klToStandardNormal, normalLogProb, standardNormalLogProb } from '../distributions/normal.js';
import { ShapeError } from '../errors.js';
import type { HierarchicalLatentModel } from '../models/latent-model.js';
import { reparameterize } from './reparameterize.js';

/** The parts of K two-layer samples per example, each [K, B], nats. */
export interface HierarchicalSampleTerms {
  /** log p(x|z₁). */
  logLik: tf.Tensor2D;
  /** log w = log p(x, z₁, z₂) − log q(z₁, z₂|x). */
  logW: tf.Tensor2D;
  /** log q(z₁|x) − log p(z₁|z₂) + KL(q(z₂|z₁) ‖ N(0, I)): an unbiased estimate of the KL term. */
  kl: tf.Tensor2D;
}

/**
 * The terms of K two-layer samples of each example.
 * @param x - observations [B, D]
 * @param eps - standard normal noise [K, B, Z₁ + Z₂] (or [B, Z₁ + Z₂] for K = 1): ε₁ first, then ε₂
 * @returns {@link HierarchicalSampleTerms}, each [K, B]; caller disposes
 * @throws ShapeError when eps is not [K, B, Z₁ + Z₂]
 * @see Burda, Grosse & Salakhutdinov 2016, §5 and eq. 8
 */
export function hierarchicalSampleTerms(model: HierarchicalLatentModel, x: tf.Tensor2D, eps: tf.Tensor): HierarchicalSampleTerms {
  const [z1Dim, z2Dim] = model.latentDims;
  const b = x.shape[0];
  if ((eps.rank !== 2 && eps.rank !== 3) || eps.shape[eps.rank - 1] !== z1Dim + z2Dim || eps.shape[eps.rank - 2] !== b) {
    throw new ShapeError(`two-layer sample: expected noise of shape [K, ${b}, ${z1Dim + z2Dim}], got [${eps.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const e = (eps.rank === 2 ? tf.expandDims(eps, 0) : eps) as tf.Tensor3D; // [K, B, Z₁+Z₂]
    const k = e.shape[0];
    const kb = k * b;
    const eps1 = tf.slice(e, [0, 0, 0], [k, b, z1Dim]); // [K, B, Z₁]
    const eps2 = tf.reshape(tf.slice(e, [0, 0, z1Dim], [k, b, z2Dim]), [kb, z2Dim]); // [K·B, Z₂]
    const q1 = model.encodeBottom(x); // [B, Z₁] each
    const z1 = reparameterize(q1.mean, q1.logVar, eps1); // [K, B, Z₁]
    const z1Flat = tf.reshape(z1, [kb, z1Dim]) as tf.Tensor2D; // [K·B, Z₁]
    const q2 = model.encodeTop(z1Flat); // [K·B, Z₂] each
    const z2 = reparameterize(q2.mean, q2.logVar, eps2) as tf.Tensor2D; // [K·B, Z₂]
    const p1 = model.priorBottom(z2); // [K·B, Z₁] each
    const params = model.decodeBottom(z1Flat); // [K·B, D]
    const logLik = model.likelihood.logProb(tf.expandDims(x, 0), tf.reshape(params, [k, b, model.dataDim])) as tf.Tensor2D; // [K, B]
    const kb2 = (t: tf.Tensor) => tf.reshape(t, [k, b]) as tf.Tensor2D; // [K·B] → [K, B]
    const logQ1 = normalLogProb(z1, q1.mean, q1.logVar) as tf.Tensor2D; // [K, B]
    const logQ2 = kb2(normalLogProb(z2, q2.mean, q2.logVar));
    const logP1 = kb2(normalLogProb(z1Flat, p1.mean, p1.logVar));
    const logP2 = kb2(standardNormalLogProb(z2));
    const logW = tf.sub(tf.add(logLik, tf.add(logP1, logP2)), tf.add(logQ1, logQ2)) as tf.Tensor2D;
    const kl = tf.add(tf.sub(logQ1, logP1), kb2(klToStandardNormal(q2.mean, q2.logVar))) as tf.Tensor2D;
    return { logLik, logW, kl };
  });
}

/**
 * The two-layer ELBO per example from K samples: reconstruction = (1/K) Σ_k log p(x|z₁ₖ), kl the
 * mean of {@link HierarchicalSampleTerms.kl}, elbo = reconstruction − kl.
 * @param eps - [K, B, Z₁ + Z₂] or [B, Z₁ + Z₂]
 * @returns each [B], nats; caller disposes
 */
export function hierarchicalElbo(
  model: HierarchicalLatentModel,
  x: tf.Tensor2D,
  eps: tf.Tensor,
): { elbo: tf.Tensor1D; reconstruction: tf.Tensor1D; kl: tf.Tensor1D } {
  return tf.tidy(() => {
    const t = hierarchicalSampleTerms(model, x, eps);
    const reconstruction = tf.mean(t.logLik, 0) as tf.Tensor1D; // [B]
    const kl = tf.mean(t.kl, 0) as tf.Tensor1D; // [B]
    return { elbo: tf.sub(reconstruction, kl) as tf.Tensor1D, reconstruction, kl };
  });
}
