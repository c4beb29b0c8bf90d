/**
 * The aggregated posterior and a prior fitted to it after training ("ex-post density estimation").
 *   aggregated posterior  q(z) = (1/N) Σ_n q(z|x_n),  centres μ(x_n) = E_q[z|x_n]
 *   fitted prior          p̂(z) = Σ_k π_k N(z; m_k, S_k), a Gaussian mixture fitted by EM to the μ(x_n)
 *   generation            z ~ p̂(z), x̂ = E[x|z] (decoder means)
 * A trained VAE's q(z) rarely fills N(0, I): regions the prior favours may hold no training code, and
 * decoding from them gives blurred or mixed digits. Sampling z from a density fitted to where the
 * codes actually lie avoids those holes, at the price of a model of Z-dimensional points (cheap: Z is
 * small, so full covariances cost little).
 * @see Ghosh, Sajjadi, Vergari, Black & Schölkopf 2020, "From variational to deterministic
 *   autoencoders" (ICLR), section 4, ex-post density estimation with a 10-component GMM;
 *   Prince, "Understanding Deep Learning", section 17.8.2 (sampling from the aggregated posterior
 *   q(z) = (1/I) Σ_i q(z|x_i) rather than the prior)
 */
import * as tf from '@tensorflow/tfjs';
import { gatherBatch } from '../data/batch.js';
import { makeDataset, type Dataset } from '../data/dataset.js';
import { ShapeError } from '../errors.js';
import { LOG_2PI } from '../math/constants.js';
import { decodeMean } from '../models/generate.js';
import type { LatentVariableModel } from '../models/latent-model.js';
import type { EmCallbacks } from '../models/linear/em.js';
import { GaussianMixture, GMM_DEFAULTS, resolveGmmOptions, type GmmOptions, type ResolvedGmmOptions } from '../models/linear/gmm.js';
import { check, intAtLeast } from '../validate.js';

/** Options of {@link encodeMeans}. */
export interface EncodeMeansOptions {
  /** Examples encoded per chunk, an integer >= 1 (memory, not results). Default 1000. */
  batchSize?: number;
}

/** Options of {@link fitLatentMixture}: the mixture's (see {@link GmmOptions}) and the encoding chunk size. */
export interface LatentMixtureOptions extends GmmOptions, EncodeMeansOptions {}

export interface ResolvedLatentMixtureOptions extends ResolvedGmmOptions {
  batchSize: number;
}

/**
 * Defaults of the fitted latent prior: the Gaussian mixture's, except full covariances (Z is small,
 * so they cost little, and latent codes are correlated within a cluster) and K = 10, as Ghosh et al.
 */
export const LATENT_MIXTURE_DEFAULTS: Readonly<ResolvedLatentMixtureOptions> = Object.freeze({
  ...GMM_DEFAULTS,
  numComponents: 10,
  covariance: 'full',
  batchSize: 1000,
});

/** Validates options and fills defaults. @throws ConfigError naming the bad field and value */
export function resolveLatentMixtureOptions(options: LatentMixtureOptions = {}): ResolvedLatentMixtureOptions {
  const d = LATENT_MIXTURE_DEFAULTS;
  return {
    ...resolveGmmOptions({
      numComponents: options.numComponents ?? d.numComponents,
      covariance: options.covariance ?? d.covariance,
      init: options.init ?? d.init,
      maxIter: options.maxIter ?? d.maxIter,
      tol: options.tol ?? d.tol,
      seed: options.seed ?? d.seed,
      covarianceFloor: options.covarianceFloor ?? d.covarianceFloor,
    }),
    batchSize: check('batchSize', options.batchSize ?? d.batchSize, intAtLeast(1)),
  };
}

/**
 * Posterior means μ(x_n) = E_q[z|x_n] of every example: the centres of the aggregated posterior.
 *   means[n] = encoder(x_n).mean
 * Encoded in chunks of `batchSize` examples, each read back asynchronously and disposed.
 * @param model - a VAE (or any model with an amortised Gaussian q(z|x))
 * @param ds - examples [N, D], D = model.dataDim, in the model's input units
 * @returns a dataset of means [N, Z], float32, with ds's labels (copied); source '<ds.source> (latent means)'
 * @throws ShapeError when ds.dataDim ≠ model.dataDim
 * @throws ConfigError when batchSize is not an integer >= 1
 */
export async function encodeMeans(model: LatentVariableModel, ds: Dataset, options: EncodeMeansOptions = {}): Promise<Dataset> {
  const batchSize = check('batchSize', options.batchSize ?? LATENT_MIXTURE_DEFAULTS.batchSize, intAtLeast(1));
  const { numExamples: n, dataDim: d } = ds;
  if (d !== model.dataDim) {
    throw new ShapeError(`encodeMeans(${ds.source}): expected examples of size dataDim = ${model.dataDim}, got ${d}`);
  }
  const z = model.latentDim;
  const means = new Float32Array(n * z); // [N, Z]
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const batch = gatherBatch(ds, null, start, start + b, { conditionDim: model.conditionDim });
    const mean = tf.tidy(() => model.encode(tf.tensor2d(batch.x, [b, d]), batch.c && tf.tensor2d(batch.c, [b, model.conditionDim])).mean); // [B, Z]
    try {
      means.set(await mean.data(), start * z);
    } finally {
      mean.dispose();
    }
  }
  return makeDataset({ x: means, numExamples: n, dataDim: z, labels: ds.labels?.slice(), source: `${ds.source} (latent means)` });
}

/**
 * Ex-post density estimation: a Gaussian mixture fitted by EM to the posterior means of `ds`.
 *   p̂(z) = Σ_k π_k N(z; m_k, S_k),  (π, m, S) = EM on { μ(x_n) }
 * @param model - a trained VAE
 * @param ds - the training examples [N, D], in the model's input units (scaled, standardised, binarised
 *   as in training); N >= max(2, numComponents)
 * @param options - see {@link LATENT_MIXTURE_DEFAULTS}; seed fixes the k-means++ initialisation
 * @param callbacks - EM progress (`onIteration`, training mean log-likelihood of the means in nats)
 * @returns the mixture over z, dataDim = Z; its log-likelihoods are log-densities of latent points, nats
 * @throws ShapeError when ds.dataDim ≠ model.dataDim
 * @throws ConfigError for a bad option or numComponents > N
 * @throws DataError for too few distinct means or non-finite means
 * @throws TrainingError when EM's log-likelihood becomes non-finite
 * @see Ghosh et al. 2020, section 4 (ex-post density estimation)
 */
export async function fitLatentMixture(
  model: LatentVariableModel,
  ds: Dataset,
  options: LatentMixtureOptions = {},
  callbacks: EmCallbacks = {},
): Promise<GaussianMixture> {
  const { batchSize, ...gmm } = resolveLatentMixtureOptions(options);
  const means = await encodeMeans(model, ds, { batchSize }); // [N, Z]
  return GaussianMixture.fit(means, gmm, callbacks);
}

/**
 * Generation under a fitted latent prior: z ~ p̂(z), then the decoder means E[x|z].
 *   z_i = mixture.sample(numSamples, seed)[i]  (ancestral: component k ~ π, then z = m_k + L_k ε)
 *   x̂_i = decodeMean(z_i)
 * The latents are exactly `mixture.sample(numSamples, seed)`, so a caller who wants them draws them again.
 * @param model - the decoder: its latentDim Z and decoder means
 * @param mixture - a density over z [Z], e.g. from {@link fitLatentMixture}
 * @param numSamples - n, an integer >= 0
 * @param options - seed, an integer (default 0)
 * @returns decoder means [n, D] (pixel probabilities for a Bernoulli decoder); caller disposes
 * @throws ShapeError when mixture.dataDim ≠ vae.latentDim
 * @throws ConfigError for a bad count or seed
 * @see Ghosh et al. 2020, section 4; compare `sampleFromPrior` (z ~ N(0, I))
 */
export function sampleWithMixturePrior(model: LatentVariableModel, mixture: GaussianMixture, numSamples: number, options: { seed?: number } = {}): tf.Tensor2D {
  if (mixture.dataDim !== model.latentDim) {
    throw new ShapeError(`sampleWithMixturePrior: expected a mixture over z of size latentDim = ${model.latentDim}, got dataDim ${mixture.dataDim}`);
  }
  const z = mixture.sample(numSamples, options.seed ?? 0); // [n, Z]
  return tf.tidy(() => decodeMean(model, tf.tensor2d(z, [numSamples, model.latentDim]))); // [n, D]
}

/**
 * Exact log-density of each latent point under the standard normal prior, in float64.
 *   log N(z; 0, I) = −½ (Z log 2π + ‖z‖²)
 * The baseline a fitted latent prior is compared with on held-out means.
 * @param latents - points [N, Z]
 * @returns log p(z_n) [N], float64, nats
 */
export function standardNormalLogLikelihood(latents: Dataset): Float64Array {
  const { numExamples: n, dataDim: z, x } = latents;
  const out = new Float64Array(n); // [N]
  for (let i = 0; i < n; i++) {
    let sq = 0;
    for (let j = 0; j < z; j++) sq += x[i * z + j] * x[i * z + j];
    out[i] = -0.5 * (z * LOG_2PI + sq);
  }
  return out;
}
