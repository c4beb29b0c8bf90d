/**
 * What probabilistic PCA and factor analysis share once fitted: the linear Gaussian model
 *   z ~ N(0, I_Z),  x = W z + μ + e,  e ~ N(0, Ψ)  ⇒  p(x) = N(μ, W Wᵀ + Ψ)
 * with its exact log-likelihood (Woodbury identity and determinant lemma, never a D×D matrix),
 * exact posterior, posterior-mean reconstruction and ancestral sampling. PPCA has Ψ = σ² I,
 * factor analysis a diagonal Ψ.
 * @see Bishop, Pattern Recognition and Machine Learning (2006), §12.2 (PPCA) and §12.2.4 (factor analysis); ./low-rank-gaussian.ts for the formulas
 */
import { DataError, ShapeError } from '../../errors.js';
import { deriveRng } from '../../math/rng.js';
import type { Dataset } from '../../data/dataset.js';
import type { DensityModel, EmReport, LinearModelJson, ReconstructingModel } from './linear-model.js';
import { runEm, type EmCallbacks } from './em.js';
import { columnMoments, covarianceMatrix, meanOf } from './linalg.js';
import { LowRankGaussian, eStep, linearGaussianMStep, useCovariancePath, type LinearGaussianParams } from './low-rank-gaussian.js';
import { checkDataset, checkSampleArgs } from './checks.js';

/** The mean and the (1/N) variances of the training data, and the absolute noise floor. */
export interface TrainingMoments {
  mean: Float64Array;
  variance: Float64Array;
  floor: number;
}

/**
 * Data moments and the absolute floor = relativeFloor × mean_d S_dd.
 * @throws DataError when every dimension is constant (no variance to model)
 */
export function trainingMoments(ds: Dataset, relativeFloor: number, where: string): TrainingMoments {
  const { mean, variance } = columnMoments(ds);
  const meanVar = meanOf(variance);
  if (!(meanVar > 0)) throw new DataError(`${where}(${ds.source}): expected some variance in the data, got every dimension constant`);
  return { mean, variance, floor: relativeFloor * meanVar };
}

/**
 * A seeded initial loading: A_dk = 0.1 · √S_dd · n_dk, n_dk ~ N(0, 1) from deriveRng(seed, purpose).
 * @returns A [D, Z], row-major
 */
export function randomLoading(variance: Float64Array, latentDim: number, seed: number, purpose: string): Float64Array {
  const rng = deriveRng(seed, purpose);
  const d = variance.length;
  const a = new Float64Array(d * latentDim); // [D, Z]
  for (let i = 0; i < d; i++) {
    const s = 0.1 * Math.sqrt(variance[i]);
    for (let k = 0; k < latentDim; k++) a[i * latentDim + k] = s * rng.nextNormal();
  }
  return a;
}

/**
 * EM for the linear Gaussian model from `init`: E-step with the exact Gaussian posterior, M-step
 * with the expected sufficient statistics (Bishop 2006, eq. 12.54–12.57); `isotropic` ties Ψ = σ² I (PPCA), otherwise
 * Ψ is diagonal (factor analysis). Precomputes S once when N > D (see useCovariancePath).
 * @returns the fitted parameters and the EM report (monotone log-likelihood history, nats per example)
 */
export function fitLinearGaussianEm(
  ds: Dataset,
  moments: TrainingMoments,
  init: LinearGaussianParams,
  isotropic: boolean,
  opts: { maxIter: number; tol: number },
  where: string,
  callbacks?: EmCallbacks,
): { params: LinearGaussianParams; report: EmReport } {
  const { mean, variance, floor } = moments;
  const cov = useCovariancePath(ds) ? covarianceMatrix(ds, mean, variance) : undefined; // S [D, D] or none
  return runEm(
    init,
    (p) => {
      const stats = eStep(new LowRankGaussian(mean, p.loading, p.noiseVariance), ds, cov);
      return { meanLogLikelihood: stats.meanLogLikelihood, mStep: () => linearGaussianMStep(stats, variance, floor, isotropic) };
    },
    opts.maxIter,
    opts.tol,
    where,
    callbacks,
  );
}

export abstract class LinearGaussianModel implements DensityModel, ReconstructingModel {
  abstract readonly kind: 'ppca' | 'fa';
  readonly dataDim: number;
  readonly latentDim: number;
  /** The fitted Gaussian N(μ, W Wᵀ + Ψ) in low-rank form. */
  protected readonly gaussian: LowRankGaussian;

  /**
   * @param mean - μ [D], data units
   * @param loading - W [D, Z], row-major
   * @param noiseVariance - ψ [D], each > 0, squared data units
   * @param report - the EM report when fitted by EM
   * @throws DataError when I + Wᵀ Ψ⁻¹ W is not positive definite (non-finite parameters)
   */
  constructor(
    mean: Float64Array,
    loading: Float64Array,
    noiseVariance: Float64Array,
    readonly report?: EmReport,
  ) {
    this.gaussian = new LowRankGaussian(mean, loading, noiseVariance);
    this.dataDim = this.gaussian.dataDim;
    this.latentDim = this.gaussian.latentDim;
  }

  /** μ [D]. */
  get mean(): Float64Array {
    return this.gaussian.mean;
  }

  /** W [D, Z], row-major (the factor loadings). */
  get loading(): Float64Array {
    return this.gaussian.loading;
  }

  /** Training mean log-likelihood per EM iteration (nats per example); [] for a closed-form fit. */
  get history(): number[] {
    return this.report ? [...this.report.history] : [];
  }

  /**
   * Exact log-density per example.
   *   log N(x; μ, C) = −½ [D log 2π + log |C| + (x − μ)ᵀ C⁻¹ (x − μ)],  C = W Wᵀ + Ψ
   * cost O(N·D·Z) after an O(D·Z² + Z³) set-up.
   * @param ds - examples [N, D]
   * @returns log p(x_n) [N], float64, nats
   * @throws ShapeError when ds.dataDim ≠ D
   * @throws DataError for non-finite values
   */
  logLikelihood(ds: Dataset): Float64Array {
    checkDataset(ds, `${this.kind}.logLikelihood`, this.dataDim);
    return this.gaussian.logDensities(ds);
  }

  /**
   * Mean exact log-likelihood, nats per example: (1/N) Σ_n log p(x_n).
   * @throws ShapeError | DataError as {@link logLikelihood}; DataError for an empty dataset
   */
  meanLogLikelihood(ds: Dataset): number {
    checkDataset(ds, `${this.kind}.meanLogLikelihood`, this.dataDim, 1);
    const ll = this.gaussian.logDensities(ds);
    let s = 0;
    for (let i = 0; i < ll.length; i++) s += ll[i];
    return s / ll.length;
  }

  /**
   * The exact posterior over the latent variables (Bishop 2006, eq. 12.42).
   *   p(z | x) = N(Wᵀ C⁻¹ (x − μ), I − Wᵀ C⁻¹ W) = N(G Wᵀ Ψ⁻¹ (x − μ), G),  G = (I + Wᵀ Ψ⁻¹ W)⁻¹
   * @param ds - examples [N, D]
   * @returns mean [N, Z] and covariance G [Z, Z] (shared by all examples), float64
   * @throws ShapeError when ds.dataDim ≠ D
   * @throws DataError for non-finite values
   */
  posterior(ds: Dataset): { mean: Float64Array; covariance: Float64Array } {
    checkDataset(ds, `${this.kind}.posterior`, this.dataDim);
    return this.gaussian.posterior(ds);
  }

  /**
   * Reconstruction by the posterior mean of z mapped back through the loading:
   *   x̂_n = μ + W E[z | x_n],  E[z | x_n] = G Wᵀ Ψ⁻¹ (x_n − μ),  G = (I + Wᵀ Ψ⁻¹ W)⁻¹
   * Unlike PCA's orthogonal projection, x̂ is shrunk towards μ by the noise (G < (Wᵀ Ψ⁻¹ W)⁻¹); as
   * Ψ → 0 it tends to the projection onto the column space of W.
   * @param x - examples [N, D], row-major
   * @returns x̂ [N, D], float64, data units
   * @throws ShapeError when x.length is not a multiple of D
   * @see Tipping & Bishop 1999 (PPCA's posterior mean and its shrinkage); Bishop 2006, eq. 12.42
   */
  reconstruct(x: ArrayLike<number>): Float64Array {
    if (x.length % this.dataDim !== 0) {
      throw new ShapeError(`${this.kind}.reconstruct: expected x.length to be a multiple of dataDim = ${this.dataDim}, got ${x.length}`);
    }
    return this.gaussian.reconstruct(x);
  }

  /**
   * Mean squared error of the posterior-mean reconstruction, summed over dimensions:
   *   (1/N) Σ_n ‖x_n − x̂_n‖²,  x̂_n as in {@link reconstruct}
   * @param ds - examples [N, D], N >= 1
   * @returns squared data units per example
   * @throws ShapeError when ds.dataDim ≠ D
   * @throws DataError for no examples or non-finite values
   */
  reconstructionError(ds: Dataset): number {
    checkDataset(ds, `${this.kind}.reconstructionError`, this.dataDim, 1);
    const rec = this.gaussian.reconstruct(ds.x); // [N, D]
    let s = 0;
    for (let i = 0; i < rec.length; i++) s += (ds.x[i] - rec[i]) ** 2;
    return s / ds.numExamples;
  }

  /**
   * Ancestral sampling x = μ + W z + Ψ^{1/2} ε, z ~ N(0, I_Z), ε ~ N(0, I_D), from
   * `deriveRng(seed, '<kind>-sample')`.
   * @returns [numSamples, D], float32
   * @throws ConfigError for a bad count or seed
   */
  sample(numSamples: number, seed: number): Float32Array {
    checkSampleArgs(`${this.kind}.sample`, numSamples, seed);
    return this.gaussian.sample(numSamples, deriveRng(seed, `${this.kind}-sample`));
  }

  /** The EM report fields of a saved model (absent for a closed-form fit). */
  protected reportJson(): Partial<EmReport> {
    return this.report ? { history: [...this.report.history], converged: this.report.converged } : {};
  }

  abstract toJSON(): LinearModelJson;
}
