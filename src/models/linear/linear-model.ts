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
