/**
 * The contract shared by vaekit's linear latent-variable models (PCA, probabilistic PCA, factor
 * analysis, Gaussian mixtures). They are plain float64 JavaScript (ml-matrix for factorisations),
 * browser-safe, with exact log-likelihoods in nats per example where the model has a density.
 */
import type { Dataset } from '../../data/dataset.js';

/** The tag of every saved linear model; the registry in ./index.ts is keyed by it. */
export type LinearModelKind = 'pca' | 'ppca' | 'fa' | 'gmm';

/** Format version written by every `toJSON` and required by every `fromJSON`. */
export const LINEAR_MODEL_VERSION = 1;

/** A saved linear model: a tagged, JSON-serialisable object (numbers only, no typed arrays). */
export interface LinearModelJson {
  kind: LinearModelKind;
  version: typeof LINEAR_MODEL_VERSION;
  /** D, the size of one flattened example. */
  dataDim: number;
}

/** How an EM fit went; absent for closed-form fits. */
export interface EmReport {
  /**
   * Mean log-likelihood of the training data, nats per example: entry 0 at the initial
   * parameters, entry i after i EM iterations. Never decreases (up to float rounding).
   */
  history: number[];
  /** True when the last iteration raised the mean log-likelihood by less than `tol`. */
  converged: boolean;
}

/** What every linear model offers: its data size, sampling and a tagged JSON form. */
export interface LinearModel {
  readonly kind: LinearModelKind;
  /** D, the size of one flattened example. */
  readonly dataDim: number;
  /**
   * Draws examples from the model, using only `deriveRng(seed, '<kind>-sample')`: equal seeds
   * give equal samples, and the first m rows of `sample(n, s)` equal `sample(m, s)`.
   * @param numSamples - how many examples, an integer >= 0
   * @param seed - an integer
   * @returns examples [numSamples, D], float32, row-major
   * @throws ConfigError when numSamples or seed is not an integer of the right range
   */
  sample(numSamples: number, seed: number): Float32Array;
  /** A tagged object that `JSON.stringify` saves losslessly and `fromJSON` reloads. */
  toJSON(): LinearModelJson;
}

/** A linear model with a normalised density p(x): PPCA, factor analysis, Gaussian mixtures (not PCA). */
export interface DensityModel extends LinearModel {
  /**
   * Exact log-density of each example, in nats, constants included.
   *   logLikelihood(x_n) = log p(x_n)
   * @param ds - examples [N, D] with D = dataDim
   * @returns log p(x_n) per example [N], float64, nats
   * @throws ShapeError when ds.dataDim differs from the model's
   * @throws DataError when an example holds NaN or ±Inf
   */
  logLikelihood(ds: Dataset): Float64Array;
  /** Mean of {@link DensityModel.logLikelihood} over the examples, nats per example. */
  meanLogLikelihood(ds: Dataset): number;
}

/** True for models with a density (every kind except PCA). */
export function isDensityModel(model: LinearModel): model is DensityModel {
  return typeof (model as Partial<DensityModel>).logLikelihood === 'function';
}

/**
 * A linear model that maps each example to a point of its fitted subspace and back: PCA by
 * projection, PPCA and factor analysis by the posterior mean of z (not a Gaussian mixture, whose
 * latent variable is a component label).
 */
export interface ReconstructingModel extends LinearModel {
  /**
   * The reconstruction x̂_n of each example, in data units.
   * @param x - examples [N, D], row-major
   * @returns x̂ [N, D], float64
   * @throws ShapeError when x.length is not a multiple of D
   */
  reconstruct(x: ArrayLike<number>): Float64Array;
  /**
   * Mean squared reconstruction error per example, summed over dimensions: (1/N) Σ_n ‖x_n − x̂_n‖².
   * @returns squared data units per example
   * @throws ShapeError when ds.dataDim ≠ D; DataError for no examples or non-finite values
   */
  reconstructionError(ds: Dataset): number;
}

/** True for models with a reconstruction x̂(x) (PCA, PPCA, factor analysis; not a Gaussian mixture). */
export function hasReconstruction(model: LinearModel): model is ReconstructingModel {
  const m = model as Partial<ReconstructingModel>;
  return typeof m.reconstruct === 'function' && typeof m.reconstructionError === 'function';
}
