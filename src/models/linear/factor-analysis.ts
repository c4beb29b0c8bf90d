/**
 * Factor analysis: the linear Gaussian model x = Wz + μ + e, e ~ N(0, diag ψ), fitted by EM.
 *   z ~ N(0, I_Z),  x = A z + μ + e,  e ~ N(0, Ψ),  Ψ = diag(ψ)  ⇒  p(x) = N(μ, A Aᵀ + Ψ)
 * μ is the sample mean (its maximum-likelihood value whatever A and Ψ are); A and Ψ come from EM:
 *   E-step:  E[z_n] = G Aᵀ Ψ⁻¹ (x_n − μ),  E[z_n z_nᵀ] = G + E[z_n] E[z_n]ᵀ,  G = (I + Aᵀ Ψ⁻¹ A)⁻¹
 *   M-step:  A = (Σ_n (x_n − μ) E[z_n]ᵀ)(Σ_n E[z_n z_nᵀ])⁻¹
 *            ψ_d = max(S_dd − [A (1/N) Σ_n E[z_n] (x_n − μ)ᵀ]_dd, floor)
 * With N > D the E-step statistics come from the (1/N) covariance S, computed once, so an
 * iteration costs O(D²·Z) whatever N is; otherwise from the examples, O(N·D·Z).
 * The floor (relative to the mean per-dimension variance) keeps Ψ non-singular when some
 * dimensions are constant (MNIST has 67 constant pixels), so log-likelihoods stay finite.
 * @see Ghahramani & Hinton 1996 (EM for factor analysis); Bishop 2006, §12.2.4
 */
import { ConfigError } from '../../errors.js';
import type { Dataset } from '../../data/dataset.js';
import { LINEAR_MODEL_VERSION, type EmReport, type LinearModelJson } from './linear-model.js';
import type { EmCallbacks } from './em.js';
import { checkTag, readArray, readEmReport, readInt } from './json.js';
import { fitLinearGaussianEm, LinearGaussianModel, randomLoading, trainingMoments } from './linear-gaussian-model.js';
import type { LinearGaussianParams } from './low-rank-gaussian.js';
import { checkDataset } from './checks.js';
import { check, integer, intAtLeast, positiveNumber } from '../../validate.js';

/** Options of {@link FactorAnalysis.fit}. */
export interface FactorAnalysisOptions {
  /** Z, the number of factors; 1 <= Z < D. Default 20 (the VAE's default latentDim). */
  latentDim?: number;
  /** Most EM iterations. Default 1000. */
  maxIter?: number;
  /** Stop when an iteration raises the mean log-likelihood by less than this, nats per example. Default 1e-4. */
  tol?: number;
  /** Seed of the random initial loading. Default 0. */
  seed?: number;
  /** Floor on each ψ_d, as a fraction of the mean per-dimension data variance. Default 1e-6. */
  varianceFloor?: number;
}

export interface ResolvedFactorAnalysisOptions {
  latentDim: number;
  maxIter: number;
  tol: number;
  seed: number;
  varianceFloor: number;
}

export const FA_DEFAULTS: Readonly<ResolvedFactorAnalysisOptions> = Object.freeze({
  latentDim: 20,
  maxIter: 1000,
  tol: 1e-4,
  seed: 0,
  varianceFloor: 1e-6,
});

/** Validates options and fills defaults. @throws ConfigError naming the bad field and value */
export function resolveFactorAnalysisOptions(options: FactorAnalysisOptions = {}): ResolvedFactorAnalysisOptions {
  return {
    latentDim: check('latentDim', options.latentDim ?? FA_DEFAULTS.latentDim, intAtLeast(1)),
    maxIter: check('maxIter', options.maxIter ?? FA_DEFAULTS.maxIter, intAtLeast(1)),
    tol: check('tol', options.tol ?? FA_DEFAULTS.tol, positiveNumber),
    seed: check('seed', options.seed ?? FA_DEFAULTS.seed, integer),
    varianceFloor: check('varianceFloor', options.varianceFloor ?? FA_DEFAULTS.varianceFloor, positiveNumber),
  };
}

/** A saved factor-analysis model. */
export interface FactorAnalysisJson extends LinearModelJson {
  kind: 'fa';
  latentDim: number;
  /** μ [D]. */
  mean: number[];
  /** A [D·Z], row-major. */
  loading: number[];
  /** ψ [D]. */
  noiseVariance: number[];
  history?: number[];
  converged?: boolean;
}

export class FactorAnalysis extends LinearGaussianModel {
  readonly kind = 'fa' as const;

  /** ψ [D], the noise variance of each dimension (the diagonal of Ψ), squared data units. */
  get noiseVariance(): Float64Array {
    return Float64Array.from(this.gaussian.noiseVariance);
  }

  /**
   * Fits factor analysis by EM from a seeded random loading A and Ψ = diag(S).
   * @param ds - training examples [N, D], N >= 2
   * @param callbacks - `onIteration` after each E-step
   * @returns the fitted model; `history` holds the monotone training log-likelihood
   * @throws ConfigError for a bad option or latentDim >= D
   * @throws DataError for fewer than 2 examples, non-finite values, or data without variance
   * @throws TrainingError when the log-likelihood becomes non-finite
   */
  static fit(ds: Dataset, options: FactorAnalysisOptions = {}, callbacks: EmCallbacks = {}): FactorAnalysis {
    const opts = resolveFactorAnalysisOptions(options);
    checkDataset(ds, 'FactorAnalysis.fit', undefined, 2);
    if (opts.latentDim >= ds.dataDim) {
      throw new ConfigError(`latentDim: expected an integer < dataDim = ${ds.dataDim}, got ${opts.latentDim}`);
    }
    const moments = trainingMoments(ds, opts.varianceFloor, 'FactorAnalysis.fit');
    const { variance, floor } = moments;
    const init: LinearGaussianParams = {
      loading: randomLoading(variance, opts.latentDim, opts.seed, 'fa-init'),
      noiseVariance: variance.map((v) => Math.max(v, floor)),
    };
    const { params, report } = fitLinearGaussianEm(ds, moments, init, false, opts, 'FactorAnalysis.fit', callbacks);
    return new FactorAnalysis(moments.mean, params.loading, params.noiseVariance, report);
  }

  toJSON(): FactorAnalysisJson {
    return {
      kind: 'fa',
      version: LINEAR_MODEL_VERSION,
      dataDim: this.dataDim,
      latentDim: this.latentDim,
      mean: Array.from(this.mean),
      loading: Array.from(this.loading),
      noiseVariance: Array.from(this.gaussian.noiseVariance),
      ...this.reportJson(),
    };
  }

  /**
   * Reloads a saved factor-analysis model.
   * @throws CheckpointError when the kind is not 'fa', the version is not 1, or a field is malformed
   */
  static fromJSON(json: unknown): FactorAnalysis {
    const rec = checkTag(json, 'fa');
    const d = readInt(rec, 'dataDim', 1);
    const z = readInt(rec, 'latentDim', 1);
    const report: EmReport | undefined = readEmReport(rec);
    return new FactorAnalysis(readArray(rec, 'mean', d), readArray(rec, 'loading', d * z), readArray(rec, 'noiseVariance', d, true), report);
  }
}
