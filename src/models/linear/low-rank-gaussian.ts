/**
 * The Gaussian shared by probabilistic PCA and factor analysis: a linear Gaussian model
 *   z ~ N(0, I_Z),  x | z ~ N(W z + μ, Ψ),  Ψ = diag(ψ)  ⇒  p(x) = N(x; μ, C),  C = W Wᵀ + Ψ
 * evaluated without ever forming or inverting the D×D matrix C. With M = I_Z + Wᵀ Ψ⁻¹ W = L Lᵀ:
 *   Woodbury:                C⁻¹ = Ψ⁻¹ − Ψ⁻¹ W M⁻¹ Wᵀ Ψ⁻¹
 *   determinant lemma:       log |C| = log |Ψ| + log |M|
 *   so with r = x − μ, u = Wᵀ Ψ⁻¹ r:   rᵀ C⁻¹ r = Σ_d r_d² / ψ_d − ‖L⁻¹ u‖²
 * Cost O(D·Z) per example plus O(D·Z² + Z³) once, never O(D²).
 * The exact posterior (Tipping & Bishop 1999, eq. 6 and appendix) is
 *   p(z | x) = N(G Wᵀ Ψ⁻¹ r, G),  G = M⁻¹ = I − Wᵀ C⁻¹ W,  G Wᵀ Ψ⁻¹ = Wᵀ C⁻¹.
 * @see Bishop 2006, §12.2 (the linear Gaussian model x = Wz + μ + e, p(x) = N(μ, WWᵀ + Ψ), its posterior and EM); Ghahramani & Hinton 1996
 */
import { LOG_2PI } from '../../math/constants.js';
import type { Rng } from '../../math/rng.js';
import type { Dataset } from '../../data/dataset.js';
import { cholesky, choleskySolve, logDetFromCholesky, solveLowerInPlace, solveLowerTransposedInPlace } from './linalg.js';

/** Expected sufficient statistics of one E-step (per example means over the data). */
export interface LowRankStatistics {
  /** Mean log-likelihood at the current parameters, nats per example. */
  meanLogLikelihood: number;
  /** (1/N) Σ_n r_n E[z_n]ᵀ [D, Z], with r_n = x_n − μ. */
  crossMoment: Float64Array;
  /** (1/N) Σ_n E[z_n z_nᵀ] = G + (1/N) Σ_n E[z_n] E[z_n]ᵀ [Z, Z]. */
  latentMoment: Float64Array;
}

/** The parameters EM updates: loading W [D, Z] and noise variances ψ [D]. */
export interface LinearGaussianParams {
  loading: Float64Array;
  noiseVariance: Float64Array;
}

export class LowRankGaussian {
  readonly dataDim: number;
  readonly latentDim: number;
  /** log |W Wᵀ + Ψ|, by the determinant lemma. */
  readonly logDetCovariance: number;
  /** G = M⁻¹ [Z, Z], the posterior covariance (the same for every x). */
  readonly posteriorCovariance: Float64Array;
  private readonly invNoise: Float64Array; // 1/ψ [D]
  private readonly proj: Float64Array; // Wᵀ Ψ⁻¹ [Z, D]
  private readonly cholM: Float64Array; // L, M = I + Wᵀ Ψ⁻¹ W = L Lᵀ [Z, Z]

  /**
   * @param mean - μ [D]
   * @param loading - W [D, Z], row-major
   * @param noiseVariance - ψ [D], each > 0, in squared data units
   */
  constructor(
    readonly mean: Float64Array,
    readonly loading: Float64Array,
    readonly noiseVariance: Float64Array,
  ) {
    const d = mean.length;
    const z = loading.length / d;
    this.dataDim = d;
    this.latentDim = z;
    this.invNoise = noiseVariance.map((v) => 1 / v);
    this.proj = new Float64Array(z * d); // [Z, D]
    for (let i = 0; i < d; i++) for (let k = 0; k < z; k++) this.proj[k * d + i] = loading[i * z + k] * this.invNoise[i];
    const m = new Float64Array(z * z); // [Z, Z]
    for (let a = 0; a < z; a++) {
      for (let b = a; b < z; b++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += this.proj[a * d + i] * loading[i * z + b];
        m[a * z + b] = m[b * z + a] = s + (a === b ? 1 : 0);
      }
    }
    this.cholM = cholesky(m, z, 'LowRankGaussian: M = I + Wᵀ Ψ⁻¹ W');
    let logDetNoise = 0;
    for (let i = 0; i < d; i++) logDetNoise += Math.log(noiseVariance[i]);
    this.logDetCovariance = logDetNoise + logDetFromCholesky(this.cholM, z);
    const eye = new Float64Array(z * z);
    for (let a = 0; a < z; a++) eye[a * z + a] = 1;
    this.posteriorCovariance = choleskySolve(this.cholM, z, eye, z); // [Z, Z]
  }

  /**
   * Visits every example with r = x − μ, E[z|x] = M⁻¹ Wᵀ Ψ⁻¹ r and log N(x; μ, C).
   * The callback's arrays are reused between calls: copy what you keep.
   */
  private visit(x: ArrayLike<number>, numExamples: number, fn: (n: number, r: Float64Array, posteriorMean: Float64Array, logDensity: number) => void): void {
    const { dataDim: d, latentDim: z, mean, invNoise, proj, cholM } = this;
    const r = new Float64Array(d); // [D]
    const v = new Float64Array(z); // [Z]
    const c0 = -0.5 * (d * LOG_2PI + this.logDetCovariance);
    for (let n = 0; n < numExamples; n++) {
      const off = n * d;
      let quad = 0;
      for (let i = 0; i < d; i++) {
        const ri = x[off + i] - mean[i];
        r[i] = ri;
        quad += ri * ri * invNoise[i];
      }
      for (let k = 0; k < z; k++) {
        let s = 0;
        const row = k * d;
        for (let i = 0; i < d; i++) s += proj[row + i] * r[i];
        v[k] = s; // u = Wᵀ Ψ⁻¹ r
      }
      solveLowerInPlace(cholM, z, v); // L⁻¹ u
      for (let k = 0; k < z; k++) quad -= v[k] * v[k];
      solveLowerTransposedInPlace(cholM, z, v); // M⁻¹ u = E[z|x]
      fn(n, r, v, c0 - 0.5 * quad);
    }
  }

  /**
   * log N(x_n; μ, W Wᵀ + Ψ) per example, nats.
   * @param ds - examples [N, D] (checked by the caller)
   * @returns [N], float64
   */
  logDensities(ds: Dataset): Float64Array {
    const out = new Float64Array(ds.numExamples); // [N]
    this.visit(ds.x, ds.numExamples, (n, _r, _m, ll) => {
      out[n] = ll;
    });
    return out;
  }

  /**
   * The exact posterior p(z | x_n) = N(m_n, G).
   * @returns mean [N, Z] (m_n = M⁻¹ Wᵀ Ψ⁻¹ (x_n − μ)) and covariance G [Z, Z], float64
   */
  posterior(ds: Dataset): { mean: Float64Array; covariance: Float64Array } {
    const z = this.latentDim;
    const mean = new Float64Array(ds.numExamples * z); // [N, Z]
    this.visit(ds.x, ds.numExamples, (n, _r, m) => mean.set(m, n * z));
    return { mean, covariance: Float64Array.from(this.posteriorCovariance) };
  }

  /**
   * The posterior-mean reconstruction of each example, mapped back through the loading:
   *   x̂_n = μ + W E[z | x_n] = μ + W M⁻¹ Wᵀ Ψ⁻¹ (x_n − μ)
   * cost O(D·Z) per example, never O(D²).
   * @param x - examples [N, D], row-major (its size is checked by the caller)
   * @returns x̂ [N, D], float64, data units
   */
  reconstruct(x: ArrayLike<number>): Float64Array {
    const { dataDim: d, latentDim: z, mean, loading } = this;
    const n = x.length / d;
    const out = new Float64Array(n * d); // [N, D]
    this.visit(x, n, (k, _r, m) => {
      for (let i = 0; i < d; i++) {
        let s = mean[i];
        const row = i * z;
        for (let a = 0; a < z; a++) s += loading[row + a] * m[a];
        out[k * d + i] = s;
      }
    });
    return out;
  }

  /**
   * E-step: the expected sufficient statistics of the complete data under p(z | x_n), and the
   * mean log-likelihood at the current parameters (Ghahramani & Hinton 1996, the E-step).
   */
  expectedStatistics(ds: Dataset): LowRankStatistics {
    const { dataDim: d, latentDim: z } = this;
    const n = ds.numExamples;
    const cross = new Float64Array(d * z); // [D, Z]
    const latent = new Float64Array(z * z); // [Z, Z]
    let sumLl = 0;
    this.visit(ds.x, ds.numExamples, (_n, r, m, ll) => {
      sumLl += ll;
      for (let i = 0; i < d; i++) {
        const ri = r[i];
        if (ri === 0) continue;
        const row = i * z;
        for (let k = 0; k < z; k++) cross[row + k] += ri * m[k];
      }
      for (let a = 0; a < z; a++) for (let b = 0; b < z; b++) latent[a * z + b] += m[a] * m[b];
    });
    for (let i = 0; i < cross.length; i++) cross[i] /= n;
    for (let i = 0; i < latent.length; i++) latent[i] = latent[i] / n + this.posteriorCovariance[i];
    return { meanLogLikelihood: sumLl / n, crossMoment: cross, latentMoment: latent };
  }

  /**
   * The same E-step statistics as {@link expectedStatistics}, from the (1/N) covariance S instead
   * of the examples: with β = M⁻¹ Wᵀ Ψ⁻¹ [Z, D] (so E[z|x] = β r),
   *   (1/N) Σ r E[z]ᵀ = S βᵀ,   (1/N) Σ E[z zᵀ] = G + β S βᵀ,
   *   (1/N) Σ rᵀ C⁻¹ r = Σ_d S_dd / ψ_d − Σ_{d,k} (S βᵀ)_dk (Wᵀ Ψ⁻¹)_kd
   * Cost O(D²·Z) per call, independent of N: EM's iterations on N > D examples use this.
   * @param s - S [D, D], row-major, of the data the statistics are for (mean μ)
   */
  statisticsFromCovariance(s: Float64Array): LowRankStatistics {
    const { dataDim: d, latentDim: z, proj, cholM, invNoise } = this;
    const beta = choleskySolve(cholM, z, proj, d); // M⁻¹ Wᵀ Ψ⁻¹ [Z, D]
    const cross = new Float64Array(d * z); // S βᵀ [D, Z]
    for (let i = 0; i < d; i++) {
      const row = i * d;
      for (let k = 0; k < z; k++) {
        const bk = k * d;
        let acc = 0;
        for (let j = 0; j < d; j++) acc += s[row + j] * beta[bk + j];
        cross[i * z + k] = acc;
      }
    }
    const latent = Float64Array.from(this.posteriorCovariance); // [Z, Z]
    for (let a = 0; a < z; a++) {
      for (let b = 0; b < z; b++) {
        let acc = 0;
        for (let i = 0; i < d; i++) acc += beta[a * d + i] * cross[i * z + b];
        latent[a * z + b] += acc;
      }
    }
    let quad = 0;
    for (let i = 0; i < d; i++) {
      quad += s[i * d + i] * invNoise[i];
      for (let k = 0; k < z; k++) quad -= cross[i * z + k] * proj[k * d + i];
    }
    const meanLogLikelihood = -0.5 * (d * LOG_2PI + this.logDetCovariance + quad);
    return { meanLogLikelihood, crossMoment: cross, latentMoment: latent };
  }

  /**
   * Ancestral sampling: z ~ N(0, I), ε ~ N(0, I), x = μ + W z + Ψ^{1/2} ε.
   * Per example the stream gives Z normals for z, then D for ε.
   * @returns [numSamples, D], float32
   */
  sample(numSamples: number, rng: Rng): Float32Array {
    const { dataDim: d, latentDim: z, mean, loading, noiseVariance } = this;
    const out = new Float32Array(numSamples * d); // [numSamples, D]
    const lat = new Float64Array(z);
    for (let n = 0; n < numSamples; n++) {
      for (let k = 0; k < z; k++) lat[k] = rng.nextNormal();
      for (let i = 0; i < d; i++) {
        let s = mean[i];
        for (let k = 0; k < z; k++) s += loading[i * z + k] * lat[k];
        out[n * d + i] = s + Math.sqrt(noiseVariance[i]) * rng.nextNormal();
      }
    }
    return out;
  }
}

/**
 * M-step of EM for the linear Gaussian model (Ghahramani & Hinton 1996; Bishop 2006, eq. 12.56–12.57), from the E-step's statistics:
 *   W_new = [(1/N) Σ r E[z]ᵀ] [(1/N) Σ E[z zᵀ]]⁻¹
 *   ψ_new,d = max(S_dd − Σ_k W_new,dk [(1/N) Σ r E[z]ᵀ]_dk, floor)     (factor analysis)
 *   σ²_new = max((1/D) Σ_d (S_dd − Σ_k W_new,dk [(1/N) Σ r E[z]ᵀ]_dk), floor)   (probabilistic PCA)
 * Clamping at the floor is the exact maximiser of the expected complete log-likelihood subject to
 * ψ_d >= floor (it is unimodal in each ψ_d), so EM stays monotone.
 * @param stats - the E-step's statistics at the current parameters
 * @param variance - S_dd, the per-dimension (1/N) variance of the training data [D]
 * @param floor - the smallest noise variance allowed, > 0
 * @param isotropic - true for PPCA (one σ² shared by all dimensions)
 * @returns the new loading W [D, Z] and noise variances ψ [D]
 * @throws DataError when (1/N) Σ E[z zᵀ] is not positive definite (cannot happen for G ≻ 0)
 */
/**
 * The E-step for a fit: from the covariance S when it is cheaper (N > D, and D <= 2048 so S takes
 * at most 32 MiB), else from the examples. Both give the same statistics up to rounding.
 * @param covariance - S [D, D] when the fit computed it, else undefined
 */
export function eStep(g: LowRankGaussian, ds: Dataset, covariance: Float64Array | undefined): LowRankStatistics {
  return covariance ? g.statisticsFromCovariance(covariance) : g.expectedStatistics(ds);
}

/** Whether an EM fit on ds should precompute the covariance (see {@link eStep}). */
export function useCovariancePath(ds: Dataset): boolean {
  return ds.numExamples > ds.dataDim && ds.dataDim <= 2048;
}

export function linearGaussianMStep(stats: LowRankStatistics, variance: Float64Array, floor: number, isotropic: boolean): LinearGaussianParams {
  const d = variance.length;
  const z = stats.latentMoment.length === 0 ? 0 : Math.round(Math.sqrt(stats.latentMoment.length));
  const cross = stats.crossMoment; // [D, Z]
  const crossT = new Float64Array(z * d); // [Z, D]
  for (let i = 0; i < d; i++) for (let k = 0; k < z; k++) crossT[k * d + i] = cross[i * z + k];
  const l = cholesky(stats.latentMoment, z, 'EM M-step: (1/N) Σ E[z zᵀ]');
  const loadingT = choleskySolve(l, z, crossT, d); // W_newᵀ = E[zzᵀ]⁻¹ E[z rᵀ] [Z, D]
  const loading = new Float64Array(d * z); // [D, Z]
  const residual = new Float64Array(d); // [D]
  for (let i = 0; i < d; i++) {
    let s = variance[i];
    for (let k = 0; k < z; k++) {
      const w = loadingT[k * d + i];
      loading[i * z + k] = w;
      s -= w * cross[i * z + k];
    }
    residual[i] = s;
  }
  if (isotropic) {
    let s = 0;
    for (let i = 0; i < d; i++) s += residual[i];
    return { loading, noiseVariance: new Float64Array(d).fill(Math.max(s / d, floor)) };
  }
  return { loading, noiseVariance: residual.map((v) => Math.max(v, floor)) };
}
