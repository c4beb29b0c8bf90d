/**
 * Principal component analysis: the Z-dimensional subspace that keeps the most variance.
 *   z = Uᵀ (x − μ),  x̂ = μ + U z,  U = [u_1 … u_Z] the leading eigenvectors of S = (1/N) Σ (x − μ)(x − μ)ᵀ
 * PCA has no density: its generative reading x = μ + U Λ^{1/2} z is a Gaussian confined to the
 * subspace (singular covariance), so PCA implements {@link ReconstructingModel} but not `logLikelihood`;
 * use probabilistic PCA for a likelihood.
 * @see Bishop 2006, §12.1 (PCA) and §12.2 (its probabilistic form)
 */
import { ShapeError } from '../../errors.js';
import { deriveRng } from '../../math/rng.js';
import type { Dataset } from '../../data/dataset.js';
import { LINEAR_MODEL_VERSION, type LinearModelJson, type ReconstructingModel } from './linear-model.js';
import { checkTag, readArray, readInt, readNumber } from './json.js';
import { PCA_SOLVERS, principalSubspace, type PcaSolver } from './principal-subspace.js';
import { checkDataset, checkSampleArgs } from './checks.js';
import { check, intAtLeast, oneOf } from '../../validate.js';

/** Options of {@link PCA.fit}. */
export interface PcaOptions {
  /** Z, how many components to keep; 1 <= Z <= D. Default 20 (the VAE's default latentDim). */
  latentDim?: number;
  /** How the axes are computed. Default 'auto' (SVD of the centred data when N < D). */
  solver?: PcaSolver;
}

export interface ResolvedPcaOptions {
  latentDim: number;
  solver: PcaSolver;
}

export const PCA_DEFAULTS: Readonly<ResolvedPcaOptions> = Object.freeze({ latentDim: 20, solver: 'auto' });

/** Validates options and fills defaults. @throws ConfigError naming the bad field and value */
export function resolvePcaOptions(options: PcaOptions = {}): ResolvedPcaOptions {
  return {
    latentDim: check('latentDim', options.latentDim ?? PCA_DEFAULTS.latentDim, intAtLeast(1)),
    solver: check('solver', options.solver ?? PCA_DEFAULTS.solver, oneOf(PCA_SOLVERS)),
  };
}

/** A saved PCA. */
export interface PcaJson extends LinearModelJson {
  kind: 'pca';
  latentDim: number;
  /** μ [D]. */
  mean: number[];
  /** U as rows [Z·D]. */
  components: number[];
  /** λ_1 … λ_Z [Z]. */
  explainedVariance: number[];
  totalVariance: number;
}

export class PCA implements ReconstructingModel {
  readonly kind = 'pca' as const;
  readonly dataDim: number;
  readonly latentDim: number;

  /**
   * @param mean - μ [D]
   * @param components - u_1 … u_Z as rows [Z, D], orthonormal
   * @param explainedVariance - λ_1 >= … >= λ_Z [Z], squared data units
   * @param totalVariance - tr S, squared data units
   */
  constructor(
    readonly mean: Float64Array,
    readonly components: Float64Array,
    readonly explainedVariance: Float64Array,
    readonly totalVariance: number,
  ) {
    this.dataDim = mean.length;
    this.latentDim = explainedVariance.length;
  }

  /**
   * Fits PCA to the training data.
   * @param ds - examples [N, D], N >= 2
   * @throws ConfigError for a bad option or latentDim > D (or > N with the SVD solver)
   * @throws DataError for fewer than 2 examples or non-finite values
   */
  static fit(ds: Dataset, options: PcaOptions = {}): PCA {
    const opts = resolvePcaOptions(options);
    checkDataset(ds, 'PCA.fit', undefined, 2);
    const sub = principalSubspace(ds, opts.latentDim, opts.solver);
    return new PCA(sub.mean, sub.components, sub.eigenvalues, sub.totalVariance);
  }

  /** λ_i / tr S per component [Z], in [0, 1]; 0s when the data has no variance. */
  get explainedVarianceRatio(): Float64Array {
    return this.explainedVariance.map((v) => (this.totalVariance > 0 ? v / this.totalVariance : 0));
  }

  /**
   * Coordinates in the principal subspace: z_n = Uᵀ (x_n − μ).
   * @param x - examples [N, D], row-major
   * @returns z [N, Z], float64, data units
   * @throws ShapeError when x.length is not a multiple of D
   */
  project(x: ArrayLike<number>): Float64Array {
    const { dataDim: d, latentDim: z, mean, components } = this;
    const n = this.rows(x, 'PCA.project');
    const out = new Float64Array(n * z); // [N, Z]
    const r = new Float64Array(d); // [D]
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < d; i++) r[i] = x[k * d + i] - mean[i];
      for (let c = 0; c < z; c++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += components[c * d + i] * r[i];
        out[k * z + c] = s;
      }
    }
    return out;
  }

  /**
   * Projection back to data space: x̂_n = μ + U Uᵀ (x_n − μ).
   * @param x - examples [N, D], row-major
   * @returns x̂ [N, D], float64
   * @throws ShapeError when x.length is not a multiple of D
   */
  reconstruct(x: ArrayLike<number>): Float64Array {
    const { dataDim: d, latentDim: z, mean, components } = this;
    const coords = this.project(x); // [N, Z]
    const n = coords.length / z;
    const out = new Float64Array(n * d); // [N, D]
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < d; i++) {
        let s = mean[i];
        for (let c = 0; c < z; c++) s += coords[k * z + c] * components[c * d + i];
        out[k * d + i] = s;
      }
    }
    return out;
  }

  /**
   * Mean squared reconstruction error per example, summed over dimensions.
   *   (1/N) Σ_n ‖x_n − x̂_n‖²;  on the training data this equals Σ_{i>Z} λ_i = tr S − Σ_{i<=Z} λ_i
   * @returns squared data units per example
   * @throws ShapeError when ds.dataDim ≠ D
   * @throws DataError for no examples or non-finite values
   */
  reconstructionError(ds: Dataset): number {
    checkDataset(ds, 'PCA.reconstructionError', this.dataDim, 1);
    const rec = this.reconstruct(ds.x); // [N, D]
    let s = 0;
    for (let i = 0; i < rec.length; i++) s += (ds.x[i] - rec[i]) ** 2;
    return s / ds.numExamples;
  }

  /**
   * Samples PCA's degenerate Gaussian N(μ, U Λ Uᵀ): x = μ + Σ_i √λ_i z_i u_i, z ~ N(0, I_Z). It has
   * no noise off the subspace (PPCA's generative story with σ² → 0; Bishop 2006, §12.2).
   * @returns [numSamples, D], float32
   * @throws ConfigError for a bad count or seed
   */
  sample(numSamples: number, seed: number): Float32Array {
    checkSampleArgs('PCA.sample', numSamples, seed);
    const { dataDim: d, latentDim: z, mean, components, explainedVariance } = this;
    const rng = deriveRng(seed, 'pca-sample');
    const out = new Float32Array(numSamples * d); // [numSamples, D]
    const lat = new Float64Array(z);
    for (let k = 0; k < numSamples; k++) {
      for (let c = 0; c < z; c++) lat[c] = Math.sqrt(explainedVariance[c]) * rng.nextNormal();
      for (let i = 0; i < d; i++) {
        let s = mean[i];
        for (let c = 0; c < z; c++) s += lat[c] * components[c * d + i];
        out[k * d + i] = s;
      }
    }
    return out;
  }

  toJSON(): PcaJson {
    return {
      kind: 'pca',
      version: LINEAR_MODEL_VERSION,
      dataDim: this.dataDim,
      latentDim: this.latentDim,
      mean: Array.from(this.mean),
      components: Array.from(this.components),
      explainedVariance: Array.from(this.explainedVariance),
      totalVariance: this.totalVariance,
    };
  }

  /**
   * Reloads a saved PCA.
   * @throws CheckpointError when the kind is not 'pca', the version is not 1, or a field is malformed
   */
  static fromJSON(json: unknown): PCA {
    const rec = checkTag(json, 'pca');
    const d = readInt(rec, 'dataDim', 1);
    const z = readInt(rec, 'latentDim', 1);
    return new PCA(readArray(rec, 'mean', d), readArray(rec, 'components', z * d), readArray(rec, 'explainedVariance', z), readNumber(rec, 'totalVariance'));
  }

  private rows(x: ArrayLike<number>, where: string): number {
    if (x.length % this.dataDim !== 0) {
      throw new ShapeError(`${where}: expected x.length to be a multiple of dataDim = ${this.dataDim}, got ${x.length}`);
    }
    return x.length / this.dataDim;
  }
}
