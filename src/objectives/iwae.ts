/**
 * Importance weights of the amortised posterior and the importance-weighted (IWAE) bound.
 *
 * With z_k = μ + σ ⊙ ε_k ~ q(z|x), the log importance weight is
 *   log w_k = log p(x|z_k) + log p(z_k) − log q(z_k|x)
 * and (1/K) Σ_k w_k is an unbiased estimate of p(x) (Prince eq. 17.28). Its log is the IWAE bound
 * (Burda et al. 2016): a lower bound on log p(x) in expectation, equal to the ELBO's K-sample form
 * at K = 1 and tending to log p(x) as K → ∞.
 */
import * as tf from '@tensorflow/tfjs';
import { normalLogProb, standardNormalLogProb } from '../distributions/normal.js';
import { logMeanExp } from '../math/logmeanexp.js';
import { tfSeed } from '../math/rng.js';
import type { LatentVariableModel } from '../models/latent-model.js';
import { reparameterize } from './reparameterize.js';

/**
 * Log importance weights for K posterior samples of each example, given the encoder's output.
 * The encoder runs once per example; only the decoder sees K·B rows (the decoder-only path).
 * @param x - observations [B, D]
 * @param posterior - q(z|x) as { mean [B, Z], logVar [B, Z] }
 * @param eps - standard normal noise [K, B, Z]
 * @returns log w [K, B], nats; caller disposes
 * @see Prince eq. 17.28 (seed 004); Burda, Grosse & Salakhutdinov (2016), eq. 8
 */
export function logImportanceWeights(
  model: LatentVariableModel,
  x: tf.Tensor2D,
  posterior: { mean: tf.Tensor2D; logVar: tf.Tensor2D },
  eps: tf.Tensor3D,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [k, b, z0] = eps.shape;
    const z = reparameterize(posterior.mean, posterior.logVar, eps) as tf.Tensor3D; // [K, B, Z]
    const logQ = normalLogProb(z, posterior.mean, posterior.logVar); // [K, B]
    const logPrior = standardNormalLogProb(z); // [K, B]
    const params = model.decode(tf.reshape(z, [k * b, z0]) as tf.Tensor2D); // [K·B, D]
    const logLik = model.likelihood.logProb(tf.expandDims(x, 0), tf.reshape(params, [k, b, model.dataDim])); // [K, B]
    return tf.add(logLik, tf.sub(logPrior, logQ)) as tf.Tensor2D;
  });
}

export interface IwaeOptions {
  /** K, importance samples per example. Default 5000 would be an evaluation; training uses 5–50. */
  numSamples: number;
  /** Seed of the noise ε. Ignored when `eps` is given. Default 0. */
  seed?: number;
  /** Explicit noise ε [K, B, Z], for tests. */
  eps?: tf.Tensor3D;
}

/**
 * The importance-weighted bound L_K(x) = log (1/K) Σ_k w_k, per example. Differentiable, so it can
 * be maximised in place of the ELBO; for large K over a whole dataset use
 * `estimateLogLikelihood`, which streams the samples in chunks.
 * @param x - observations [B, D]
 * @returns L_K [B], nats, ≤ log p(x) in expectation; caller disposes
 * @throws RangeError when numSamples is not a positive integer
 * @see Burda et al. (2016) eq. 8; Prince eq. 17.28 (seed 004)
 */
export function iwaeBound(model: LatentVariableModel, x: tf.Tensor2D, opts: IwaeOptions): tf.Tensor1D {
  const k = opts.numSamples;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`numSamples: expected a positive integer, got ${k}`);
  return tf.tidy(() => {
    const posterior = model.encode(x);
    const eps = opts.eps ?? (tf.randomNormal([k, x.shape[0], model.latentDim], 0, 1, 'float32', tfSeed(opts.seed ?? 0, 'iwae')) as tf.Tensor3D);
    return logMeanExp(logImportanceWeights(model, x, posterior, eps), 0) as tf.Tensor1D;
  });
}
