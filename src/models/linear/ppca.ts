/**
 * Probabilistic PCA (Tipping & Bishop 1999): the linear Gaussian model with isotropic noise.
 *   z ~ N(0, I_Z),  x = W z + μ + e,  e ~ N(0, σ² I)  ⇒  p(x) = N(μ, W Wᵀ + σ² I)
 * Closed-form maximum likelihood (their eq. 7 and 8, with R = I), λ_i the eigenvalues of the (1/N)
 * covariance S and U_Z its leading eigenvectors:
 *   σ² = (1/(D − Z)) Σ_{i>Z} λ_i,   W = U_Z (Λ_Z − σ² I)^{1/2}
 * or EM (their eq. 29–30, the factor-analysis EM with Ψ = σ² I), which reaches the same
 * log-likelihood with W determined up to a rotation. Posterior p(z|x) = N(M⁻¹ Wᵀ (x − μ), σ² M⁻¹),
 * M = Wᵀ W + σ² I (the same Gaussian as G Wᵀ Ψ⁻¹ (x − μ), G with Ψ = σ² I).
 * @see Tipping & Bishop 1999, "Probabilistic principal component analysis", JRSS B 61(3)
 * @see Tipping & Bishop 1999; Bishop 2006, §12.2.1 (closed form) and §12.2.2 (EM)
 */
import { ConfigError } from '../../errors.js';
import type { Dataset } from '../../data/dataset.js';
import { LINEAR_MODEL_VERSION, type EmReport, type LinearModelJson } from './linear-model.js';
import type { EmCallbacks } from './em.js';
import { checkTag, readArray, readEmReport, readInt, readNumber } from './json.js';
import { fitLinearGaussianEm, LinearGaussianModel, randomLoading, trainingMoments } from './linear-gaussian-model.js';
import type { LinearGaussianParams } from './low-rank-gaussian.js';
import { PCA_SOLVERS, principalSubspace, type PcaSolver } from './principal-subspace.js';
import { checkDataset } from './checks.js';
import { check, integer, intAtLeast, oneOf, positiveNumber } from '../../validate.js';

export type PpcaMethod = 'closed-form' | 'em';
export const PPCA_METHODS: readonly PpcaMethod[] = Object.freeze(['closed-form', 'em']);

/** Options of {@link PPCA.fit}. */
export interface PpcaOptions {
  /** Z; 1 <= Z < D. Default 20 (the VAE's default latentDim). */
  latentDim?: number;
  /** 'closed-form' (eigendecomposition) or 'em'. Default 'closed-form'. */
  method?: PpcaMethod;
  /** Eigen-solver of the closed form (see PCA). Default 'auto'. */
  solver?: PcaSolver;
  /** Most EM iterations. Default 1000. */
  maxIter?: number;
  /** EM stops when an iteration gains less than this, nats per example. Default 1e-4. */
  tol?: number;
  /** Seed of EM's random initial W. Default 0. */
  seed?: number;
  /** Floor on σ², as a fraction of the mean per-dimension data variance. Default 1e-6. */
  varianceFloor?: number;
}

export interface ResolvedPpcaOptions {
  latentDim: number;
  method: PpcaMethod;
  solver: PcaSolver;
  maxIter: number;
  tol: number;
  seed: number;
  varianceFloor: number;
}

export const PPCA_DEFAULTS: Readonly<ResolvedPpcaOptions> = Object.freeze({
  latentDim: 20,
  method: 'closed-form',
  solver: 'auto',
  maxIter: 1000,
  tol: 1e-4,
  seed: 0,
  varianceFloor: 1e-6,
});

/** Validates options and fills defaults. @throws ConfigError naming the bad field and value */
export function resolvePpcaOptions(options: PpcaOptions = {}): ResolvedPpcaOptions {
  return {
    latentDim: check('latentDim', options.latentDim ?? PPCA_DEFAULTS.latentDim, intAtLeast(1)),
    method: check('method', options.method ?? PPCA_DEFAULTS.method, oneOf(PPCA_METHODS)),
    solver: check('solver', options.solver ?? PPCA_DEFAULTS.solver, oneOf(PCA_SOLVERS)),
    maxIter: check('maxIter', options.maxIter ?? PPCA_DEFAULTS.maxIter, intAtLeast(1)),
    tol: check('tol', options.tol ?? PPCA_DEFAULTS.tol, positiveNumber),
    seed: check('seed', options.seed ?? PPCA_DEFAULTS.seed, integer),
    varianceFloor: check('varianceFloor', options.varianceFloor ?? PPCA_DEFAULTS.varianceFloor, positiveNumber),
  };
}

/** A saved probabilistic PCA. */
export interface PpcaJson extends LinearModelJson {
  kind: 'ppca';
  latentDim: number;
  /** μ [D]. */
  mean: number[];
  /** W [D·Z], row-major. */
  loading: number[];
  /** σ². */
  noiseVariance: number;
  history?: number[];
  converged?: boolean;
}

export class PPCA extends LinearGaussianModel {
  readonly kind = 'ppca' as const;

  /** σ², the isotropic noise variance, squared data units. */
  get noiseVariance(): number {
    return this.gaussian.noiseVariance[0];
  }

  /**
   * Fits probabilistic PCA by the closed form or by EM.
   * @param ds - training examples [N, D], N >= 2
   * @param callbacks - `onIteration` after each E-step (EM only)
   * @throws ConfigError for a bad option, latentDim >= D, or latentDim > N with the SVD solver
   * @throws DataError for fewer than 2 examples, non-finite values, or data without variance
   * @throws TrainingError when EM's log-likelihood becomes non-finite
   */
  static fit(ds: Dataset, options: PpcaOptions = {}, callbacks: EmCallbacks = {}): PPCA {
    const opts = resolvePpcaOptions(options);
    checkDataset(ds, 'PPCA.fit', undefined, 2);
    const d = ds.dataDim;
    const z = opts.latentDim;
    if (z >= d) throw new ConfigError(`latentDim: expected an integer < dataDim = ${d}, got ${z}`);
    const { mean, variance, floor } = trainingMoments(ds, opts.varianceFloor, 'PPCA.fit');
    if (opts.method === 'closed-form') {
      const sub = principalSubspace(ds, z, opts.solver);
      let kept = 0;
      for (let k = 0; k < z; k++) kept += sub.eigenvalues[k];
      const sigma2 = Math.max((sub.totalVariance - kept) / (d - z), floor); // mean of the discarded λ_i
      const loading = new Float64Array(d * z); // [D, Z]
      for (let k = 0; k < z; k++) {
        const scale = Math.sqrt(Math.max(sub.eigenvalues[k] - sigma2, 0));
        for (let i = 0; i < d; i++) loading[i * z + k] = sub.components[k * d + i] * scale;
      }
      return new PPCA(mean, loading, new Float64Array(d).fill(sigma2));
    }
    let meanVar = 0;
    for (let i = 0; i < d; i++) meanVar += variance[i] / d;
    const init: LinearGaussianParams = {
      loading: randomLoading(variance, z, opts.seed, 'ppca-init'),
      noiseVariance: new Float64Array(d).fill(Math.max(meanVar, floor)),
    };
    const { params, report } = fitLinearGaussianEm(ds, { mean, variance, floor }, init, true, opts, 'PPCA.fit', callbacks);
    return new PPCA(mean, params.loading, params.noiseVariance, report);
  }

  toJSON(): PpcaJson {
    return {
      kind: 'ppca',
      version: LINEAR_MODEL_VERSION,
      dataDim: this.dataDim,
      latentDim: this.latentDim,
      mean: Array.from(this.mean),
      loading: Array.from(this.loading),
      noiseVariance: this.noiseVariance,
      ...this.reportJson(),
    };
  }

  /**
   * Reloads a saved probabilistic PCA.
   * @throws CheckpointError when the kind is not 'ppca', the version is not 1, or a field is malformed
   */
  static fromJSON(json: unknown): PPCA {
    const rec = checkTag(json, 'ppca');
    const d = readInt(rec, 'dataDim', 1);
    const z = readInt(rec, 'latentDim', 1);
    const report: EmReport | undefined = readEmReport(rec);
    const sigma2 = readNumber(rec, 'noiseVariance', true);
    return new PPCA(readArray(rec, 'mean', d), readArray(rec, 'loading', d * z), new Float64Array(d).fill(sigma2), report);
  }
}
