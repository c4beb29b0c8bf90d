/**
 * Importance weights of the amortised posterior and the importance-weighted (IWAE) bound.
 *
 * With z_k = μ + σ ⊙ ε_k ~ q(z|x), the log importance weight is
 *   log w_k = log p(x|z_k) + log p(z_k) − log q(z_k|x)
 * and (1/K) Σ_k w_k is an unbiased estimate of p(x) (Prince, Understanding Deep Learning, eq. 17.28). Its log is the IWAE bound
 * (Burda et al. 2016): a lower bound on log p(x) in expectation, equal to the ELBO's K-sample form
 * at K = 1 and tending to log p(x) as K → ∞.
 */
import * as tf from '@tensorflow/tfjs';
import { klToStandardNormal, normalLogProb, standardNormalLogProb } from '../distributions/normal.js';
import { logMeanExp } from '../math/logmeanexp.js';
import { iwaeNoise } from '../math/noise.js';
import { isHierarchical, noiseDimOf, type LatentVariableModel, type Posterior } from '../models/latent-model.js';
import { hierarchicalSampleTerms } from './hierarchical.js';
import { check, intAtLeast } from '../validate.js';
import type { Batch, ObjectiveValue, StepContext } from './objective.js';
import { reparameterize } from './reparameterize.js';

/**
 * Log importance weights for K posterior samples of each example, given the encoder's output.
 * The encoder runs once per example; only the decoder sees K·B rows (the decoder-only path).
 * @param x - observations [B, D]
 * @param posterior - q(z|x) as { mean [B, Z], logVar [B, Z] }
 * @param eps - standard normal noise [K, B, Z] ([K, B, Z₁ + Z₂] for a two-layer model, whose
 *   posterior argument is then not used: it samples both layers, objectives/hierarchical.ts)
 * @param c - conditions [B, C] of a conditional model
 * @returns log w [K, B], nats; caller disposes
 * @see Prince, Understanding Deep Learning, eq. 17.28; Burda, Grosse & Salakhutdinov 2016, eq. 8
 */
export function logImportanceWeights(model: LatentVariableModel, x: tf.Tensor2D, posterior: Posterior, eps: tf.Tensor3D, c?: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => importanceParts(model, x, posterior, eps, c).logW);
}

/**
 * A faster computation of {@link logImportanceWeights}' value for the models it can describe: for
 * (model, x [B, D], posterior [B, Z], ε [K, B, Z], c [B, C]?) it returns the log w [K, B] that
 * logImportanceWeights would (nats, float32, equal up to float32 summation order; the caller
 * disposes), or null to leave the model to tfjs. Its result need not be differentiable.
 * The Node addon registers one for MLP VAEs on the wasm backend (native/mlp_log_weights.c;
 * src/node/compute/native-log-weights.ts).
 */
export type LogWeightsProvider = (model: LatentVariableModel, x: tf.Tensor2D, posterior: Posterior, eps: tf.Tensor3D, c?: tf.Tensor2D) => tf.Tensor2D | null;

let logWeightsProvider: LogWeightsProvider | null = null;

/**
 * Registers the provider {@link evaluateLogImportanceWeights} tries first (null: tfjs alone).
 * @returns the provider registered before, so a caller can put it back
 */
export function registerLogWeightsProvider(provider: LogWeightsProvider | null): LogWeightsProvider | null {
  const previous = logWeightsProvider;
  logWeightsProvider = provider;
  return previous;
}

/**
 * {@link logImportanceWeights} for evaluation, without gradients: by the registered
 * {@link LogWeightsProvider} where it takes the model, else by tfjs. The same ε gives the same
 * weights either way (up to float32 summation order), so an estimate does not depend on which ran.
 *   log w_k = log p(x|z_k) + log p(z_k) − log q(z_k|x),   z_k = μ + exp(½·logVar) ⊙ ε_k
 * @param x - observations [B, D]
 * @param posterior - q(z|x) as { mean [B, Z], logVar [B, Z] }
 * @param eps - standard normal noise [K, B, Z]
 * @param c - conditions [B, C] of a conditional model
 * @returns log w [K, B], nats; caller disposes
 * @see Burda, Grosse & Salakhutdinov 2016, eq. 8; Prince, Understanding Deep Learning, eq. 17.28
 */
export function evaluateLogImportanceWeights(model: LatentVariableModel, x: tf.Tensor2D, posterior: Posterior, eps: tf.Tensor3D, c?: tf.Tensor2D): tf.Tensor2D {
  return logWeightsProvider?.(model, x, posterior, eps, c) ?? logImportanceWeights(model, x, posterior, eps, c);
}

/**
 * log w [K, B], its first part log p(x|z_k) [K, B], and the KL term [B] (closed form; a Monte Carlo
 * estimate for a two-layer model), tensors of the caller's tidy scope.
 */
function importanceParts(
  model: LatentVariableModel,
  x: tf.Tensor2D,
  posterior: Posterior,
  eps: tf.Tensor3D,
  c?: tf.Tensor2D,
): { logLik: tf.Tensor2D; logW: tf.Tensor2D; kl: () => tf.Tensor1D } {
  if (isHierarchical(model)) {
    const t = hierarchicalSampleTerms(model, x, eps);
    return { logLik: t.logLik, logW: t.logW, kl: () => tf.mean(t.kl, 0) as tf.Tensor1D };
  }
  const [k, b, z0] = eps.shape;
  const z = reparameterize(posterior.mean, posterior.logVar, eps) as tf.Tensor3D; // [K, B, Z]
  const logQ = normalLogProb(z, posterior.mean, posterior.logVar); // [K, B]
  const logPrior = standardNormalLogProb(z); // [K, B]
  const ck = c && (tf.tile(c, [k, 1]) as tf.Tensor2D); // [K·B, C]
  const params = model.decode(tf.reshape(z, [k * b, z0]) as tf.Tensor2D, ck); // [K·B, D]
  const logLik = model.likelihood.logProb(tf.expandDims(x, 0), tf.reshape(params, [k, b, model.dataDim])) as tf.Tensor2D; // [K, B]
  return { logLik, logW: tf.add(logLik, tf.sub(logPrior, logQ)) as tf.Tensor2D, kl: () => klToStandardNormal(posterior.mean, posterior.logVar) as tf.Tensor1D };
}

export interface IwaeOptions {
  /** K, importance samples per example. Default 5000 would be an evaluation; training uses 5–50. */
  numSamples: number;
  /** Seed of the noise ε. Ignored when `eps` is given. Default 0. */
  seed?: number;
  /** Explicit noise ε [K, B, Z], for tests. */
  eps?: tf.Tensor3D;
  /** Conditions c [B, C] of a conditional model. */
  c?: tf.Tensor2D;
}

/**
 * The importance-weighted bound L_K(x) = log (1/K) Σ_k w_k, per example. Differentiable, so it can
 * be maximised in place of the ELBO; for large K over a whole dataset use
 * `estimateLogLikelihood`, which streams the samples in chunks.
 * @param x - observations [B, D]
 * @returns L_K [B], nats, ≤ log p(x) in expectation; caller disposes
 * @throws ConfigError when numSamples is not an integer ≥ 1
 * @see Burda, Grosse & Salakhutdinov 2016, eq. 8; Prince, Understanding Deep Learning, eq. 17.28
 */
export function iwaeBound(model: LatentVariableModel, x: tf.Tensor2D, opts: IwaeOptions): tf.Tensor1D {
  const k = check('numSamples', opts.numSamples, intAtLeast(1));
  return tf.tidy(() => {
    const posterior = model.encode(x, opts.c);
    const eps = opts.eps ?? iwaeNoise(k, x.shape[0], noiseDimOf(model), opts.seed ?? 0);
    return logMeanExp(logImportanceWeights(model, x, posterior, eps, opts.c), 0) as tf.Tensor1D;
  });
}

/**
 * The negative IWAE bound averaged over the batch, trainable in place of the −ELBO:
 *   loss = −(1/B) Σ_b log (1/K) Σ_k w_bk,   log w_bk = log p(x_b|z_bk) + log p(z_bk) − log q(z_bk|x_b)
 * with z_bk = μ_b + σ_b ⊙ ε_bk, so the gradient is the importance-weighted average of the K
 * single-sample gradients (Burda et al. 2016, eq. 14). At K = 1 it is the one-sample ELBO with the KL
 * estimated by Monte Carlo. β does not apply (the bound has no separate KL term).
 * @param batch - observations x [B, D] (and conditions c [B, C])
 * @param ctx - the step: its noise seed, or the noise ε [K, B, Z] itself
 * @param numSamples - K ≥ 1
 * @returns loss (−L_K) and the diagnostic terms `reconstruction` (−(1/K) Σ_k log p(x|z_k)) and `kl`
 *   (closed-form KL(q ‖ p), not in the loss), scalars in nats per example; caller disposes
 * @see Burda, Grosse & Salakhutdinov 2016, eq. 8 and 14
 */
export function negativeIwaeLoss(model: LatentVariableModel, batch: Batch, ctx: StepContext, numSamples: number): ObjectiveValue {
  const k = check('numSamples', numSamples, intAtLeast(1));
  return tf.tidy(() => {
    const posterior = model.encode(batch.x, batch.c); // [B, Z] each
    const eps = (ctx.noise ?? iwaeNoise(k, batch.x.shape[0], noiseDimOf(model), ctx.seed)) as tf.Tensor3D; // [K, B, Z]
    const { logLik, logW, kl } = importanceParts(model, batch.x, posterior, eps, batch.c); // [K, B] each
    const bound = logMeanExp(logW, 0); // [B]
    return {
      loss: tf.neg(tf.mean(bound)) as tf.Scalar,
      terms: {
        reconstruction: tf.neg(tf.mean(logLik)) as tf.Scalar,
        kl: tf.mean(kl()) as tf.Scalar,
      },
    };
  });
}
