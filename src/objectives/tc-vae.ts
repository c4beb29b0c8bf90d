/**
 * The β-TCVAE objective (Chen, Li, Grosse & Duvenaud 2018): the ELBO with its KL term split in three,
 *   E_p(n)[KL(q(z|n) ‖ p(z))] = I_q(z; n) + KL(q(z) ‖ Π_j q(z_j)) + Σ_j KL(q(z_j) ‖ p(z_j))
 *                             = index-code MI  + total correlation (TC) + dimension-wise KL
 * and the TC weighted by β: a penalty on statistical dependence between latent dimensions alone,
 * where the β-VAE's β also penalises the information the code carries about the example (the MI).
 *
 * q(z) = (1/N) Σ_n q(z|n) is the aggregate posterior over the N training examples; its log-density
 * and those of its marginals q(z_j) are estimated from the batch by minibatch-weighted sampling
 * (Chen et al. 2018, eq. S6 / appendix C.1): for the samples z_i ~ q(z|n_i) of a batch of M examples,
 *   log q(z_i)        ≈ logsumexp_k log q(z_i|n_k)          − log(N·M)
 *   log Π_j q(z_ij)   ≈ Σ_j [ logsumexp_k log q(z_ij|n_k)   − log(N·M) ]
 * Each example's z is compared with every example's posterior in the batch, so the estimate needs
 * the whole batch in one place (a run on several threads is refused, src/node/runs/config.ts).
 *
 * The weights 1/(N·M) of minibatch-weighted sampling sum to 1/N, not 1: against the same estimate
 * with weights 1/M, its log q(z) is exactly log N lower, so the reported terms carry constant
 * offsets, MI + log N, TC + (Z − 1)·log N, dimension-wise KL − Z·log N (their sum is unchanged, and
 * so are the gradients). Minibatch stratified sampling ('mss', appendix C.2) has weights summing to
 * 1 for each sample, and its terms read as nats of the decomposition.
 */
import * as tf from '@tensorflow/tfjs';
import { klToStandardNormal, normalLogProb, standardNormalLogProb } from '../distributions/normal.js';
import { ConfigError } from '../errors.js';
import { elboNoise } from '../math/noise.js';
import type { LatentVariableModel, Posterior } from '../models/latent-model.js';
import { shown } from '../validate.js';
import type { Batch, ObjectiveValue, StepContext } from './objective.js';
import { reparameterize } from './reparameterize.js';

/** The three parts of the KL term per example, each [B], nats; their sum is log q(z|x) − log p(z) at the sample. */
export interface KlDecomposition {
  /** Index-code mutual information I_q(z; n): log q(z|x) − log q(z). */
  mi: tf.Tensor1D;
  /** Total correlation KL(q(z) ‖ Π_j q(z_j)): log q(z) − log Π_j q(z_j). */
  tc: tf.Tensor1D;
  /** Dimension-wise KL Σ_j KL(q(z_j) ‖ p(z_j)): log Π_j q(z_j) − log p(z). */
  dimKl: tf.Tensor1D;
}

/**
 * How log q(z) is estimated from a batch: 'mws', minibatch-weighted sampling (Chen et al. 2018,
 * eq. S6), every pair weighted 1/(N·M); 'mss', minibatch stratified sampling (appendix C.2), the
 * example's own posterior weighted 1/N, one other (N − M + 1)/(N·(M − 1)) and the rest 1/(M − 1),
 * weights that sum to 1 for each sample.
 */
export type TcEstimator = 'mws' | 'mss';

/** The estimators of log q(z): 'mws' (the default, the paper's eq. S6) and 'mss'. */
export const TC_ESTIMATORS: readonly TcEstimator[] = Object.freeze(['mws', 'mss']);

/**
 * The log weights log w_ik of posterior k in the estimate of q(z_i) for a batch of M examples drawn
 * from N: 'mws' −log(N·M) everywhere; 'mss' −log N on the diagonal (k = i), log((N − M + 1)/(N·(M − 1)))
 * at k = i + 1 (mod M), −log(M − 1) elsewhere, each row summing to 1 (M = 1: the one weight is 1).
 * @returns [M, M], float32; caller disposes
 * @see Chen, Li, Grosse & Duvenaud 2018, appendix C.1 (eq. S6) and C.2
 */
export function logImportanceWeightMatrix(estimator: TcEstimator, batchSize: number, datasetSize: number): tf.Tensor2D {
  const m = batchSize;
  const n = datasetSize;
  const w = new Float32Array(m * m);
  if (estimator === 'mws') w.fill(-Math.log(n) - Math.log(m));
  else if (m === 1) w.fill(0);
  else {
    w.fill(-Math.log(m - 1));
    const strat = Math.log(n - m + 1) - Math.log(n) - Math.log(m - 1);
    for (let i = 0; i < m; i++) {
      w[i * m + i] = -Math.log(n);
      w[i * m + ((i + 1) % m)] = strat;
    }
  }
  return tf.tensor2d(w, [m, m]);
}

/**
 * Estimates of log q(z_i) and log Π_j q(z_ij) at each sample of a batch, from every example's posterior:
 *   log q(z_i)      ≈ logsumexp_k [ log w_ik + Σ_j log q(z_ij|n_k) ]
 *   log Π_j q(z_ij) ≈ Σ_j logsumexp_k [ log w_ik + log q(z_ij|n_k) ]
 * with the weights of {@link logImportanceWeightMatrix} (minibatch-weighted sampling: log w = −log(N·M)).
 * @param z - one sample of each example's posterior [M, Z]
 * @param posterior - q(z|n_k) of the batch's examples, mean and logVar [M, Z]
 * @param datasetSize - N, the number of training examples the batch is drawn from, ≥ M
 * @param estimator - 'mws' (default) or 'mss'
 * @returns logQz and logProdMarginals, each [M], nats; caller disposes
 * @throws ConfigError when datasetSize is not an integer ≥ M
 * @see Chen, Li, Grosse & Duvenaud 2018, eq. S6 and appendix C.1–C.2
 */
export function aggregatePosteriorLogDensities(
  z: tf.Tensor2D,
  posterior: Posterior,
  datasetSize: number,
  estimator: TcEstimator = 'mws',
): { logQz: tf.Tensor1D; logProdMarginals: tf.Tensor1D } {
  const [m, z0] = z.shape;
  if (!(Number.isSafeInteger(datasetSize) && datasetSize >= m)) {
    throw new ConfigError(
      `tc-vae objective: expected datasetSize N (StepContext.datasetSize, the training set's size) to be an integer ≥ the batch size ${m}, got ${shown(datasetSize)}`,
    );
  }
  return tf.tidy(() => {
    // log q(z_ij | n_k) of every sample i, posterior k and dimension j: normalLogProb sums over the
    // last axis, here a trailing axis of size 1, so each dimension keeps its own density.
    const zi = tf.reshape(z, [m, 1, z0, 1]); // [M, 1, Z, 1]
    const meanK = tf.reshape(posterior.mean, [1, m, z0, 1]); // [1, M, Z, 1]
    const logVarK = tf.reshape(posterior.logVar, [1, m, z0, 1]); // [1, M, Z, 1]
    const pairs = normalLogProb(zi, meanK, logVarK); // [M, M, Z]: i, k, j
    const logW = logImportanceWeightMatrix(estimator, m, datasetSize); // [M, M]: i, k
    const logQz = tf.logSumExp(tf.add(tf.sum(pairs, -1), logW), 1) as tf.Tensor1D; // [M]
    const logProdMarginals = tf.sum(tf.logSumExp(tf.add(pairs, tf.expandDims(logW, -1)), 1), -1) as tf.Tensor1D; // [M, Z] → [M]
    return { logQz, logProdMarginals };
  });
}

/**
 * The KL term's decomposition at one sample per example, minibatch-weighted estimates:
 *   mi    = log q(z|x) − log q(z)
 *   tc    = log q(z) − log Π_j q(z_j)
 *   dimKl = log Π_j q(z_j) − log p(z)
 * Their sum is the one-sample Monte Carlo KL log q(z|x) − log p(z) exactly, whatever N.
 * @param z - z_i ~ q(z|x_i), one per example [M, Z]
 * @param posterior - q(z|x) of the batch, mean and logVar [M, Z]
 * @param datasetSize - N, training examples, ≥ M
 * @param estimator - how log q(z) is estimated, 'mws' (default) or 'mss' ({@link TcEstimator})
 * @returns {@link KlDecomposition}, each [M], nats; caller disposes
 * @throws ConfigError when datasetSize is not an integer ≥ M
 * @see Chen, Li, Grosse & Duvenaud 2018, eq. 2 and appendix C.1
 */
export function klDecomposition(z: tf.Tensor2D, posterior: Posterior, datasetSize: number, estimator: TcEstimator = 'mws'): KlDecomposition {
  return tf.tidy(() => {
    const { logQz, logProdMarginals } = aggregatePosteriorLogDensities(z, posterior, datasetSize, estimator); // [M] each
    const logQzGivenX = normalLogProb(z, posterior.mean, posterior.logVar); // [M]
    const logPz = standardNormalLogProb(z); // [M]
    return {
      mi: tf.sub(logQzGivenX, logQz) as tf.Tensor1D,
      tc: tf.sub(logQz, logProdMarginals) as tf.Tensor1D,
      dimKl: tf.sub(logProdMarginals, logPz) as tf.Tensor1D,
    };
  });
}

/**
 * The β-TCVAE training loss averaged over the batch, one reparameterised sample per example:
 *   loss = (1/M) Σ_i [ −log p(x_i|z_i) + mi_i + β·tc_i + dimKl_i ],   z_i = μ_i + σ_i ⊙ ε_i
 * (α = γ = 1, the weights of the paper's experiments); β = ctx.klWeight, so β schedules apply to
 * the TC. With β = 1 it is the one-sample −ELBO with the KL estimated by Monte Carlo.
 * @param batch - observations x [M, D] (and conditions c [M, C])
 * @param ctx - the step: its noise seed (or the noise ε [M, Z] itself), β, and `datasetSize` N
 * @param estimator - how log q(z) is estimated from the batch, 'mws' (default) or 'mss'
 * @returns loss and the terms `reconstruction` (−log p(x|z)), `kl` (closed-form KL(q(z|x) ‖ p(z)),
 *   a diagnostic, not in the loss), `mi`, `tc` and `dimKl`, scalars in nats per example; caller disposes
 * @throws ConfigError when ctx.datasetSize is missing or below the batch size
 * @see Chen, Li, Grosse & Duvenaud 2018, eq. 2 (decomposition), eq. 4 (β-TCVAE), appendix C.1;
 *   Prince, Understanding Deep Learning, §17.8.4
 */
export function negativeTcVaeLoss(model: LatentVariableModel, batch: Batch, ctx: StepContext, estimator: TcEstimator = 'mws'): ObjectiveValue {
  const beta = ctx.klWeight;
  return tf.tidy(() => {
    const m = batch.x.shape[0];
    const posterior = model.encode(batch.x, batch.c); // [M, Z] each
    const eps = ctx.noise ?? elboNoise(1, m, model.latentDim, ctx.seed); // [M, Z]
    const z = reparameterize(posterior.mean, posterior.logVar, eps) as tf.Tensor2D; // [M, Z]
    const { mi, tc, dimKl } = klDecomposition(z, posterior, ctx.datasetSize as number, estimator); // [M] each
    const params = model.decode(z, batch.c); // [M, D]
    const logLik = model.likelihood.logProb(batch.x, params); // [M]
    const reconstruction = tf.neg(tf.mean(logLik)) as tf.Scalar;
    const terms = {
      reconstruction,
      kl: tf.mean(klToStandardNormal(posterior.mean, posterior.logVar)) as tf.Scalar,
      mi: tf.mean(mi) as tf.Scalar,
      tc: tf.mean(tc) as tf.Scalar,
      dimKl: tf.mean(dimKl) as tf.Scalar,
    };
    const weightedTc = beta === 1 ? terms.tc : tf.mul(terms.tc, beta);
    const loss = tf.addN([reconstruction, terms.mi, weightedTc, terms.dimKl]) as tf.Scalar;
    return { loss, terms };
  });
}
