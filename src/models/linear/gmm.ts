/**
 * Gaussian mixture model fitted by EM, with full or diagonal covariances.
 *   p(x) = Σ_k π_k N(x; μ_k, Σ_k),   log p(x) = logsumexp_k [log π_k + log N(x; μ_k, Σ_k)]
 *   E-step:  r_nk = π_k N(x_n; μ_k, Σ_k) / p(x_n)
 *   M-step:  N_k = Σ_n r_nk,  π_k = N_k / N,  μ_k = Σ_n r_nk x_n / N_k,
 *            Σ_k = floor_c(Σ_n r_nk (x_n − μ_k)(x_n − μ_k)ᵀ / N_k)
 * floor_c clamps eigenvalues below c up to c ('diag': each variance; 'full': the eigenvalues of
 * the scatter matrix, done only when the scatter minus c·I is not positive definite). That is the
 * exact M-step under the constraint Σ_k ⪰ c·I, so EM stays monotone, and a component sitting on
 * duplicate points cannot collapse to a singular covariance (finite log-likelihood). Adding c to
 * the diagonal instead (scikit-learn's reg_covar) is not an M-step and can lower the likelihood.
 * Cost per iteration: O(N·K·D) for 'diag'; O(N·K·D² + K·D³) for 'full', so on 784-D data
 * (MNIST) use 'diag' — 'full' would cost about 784³ ≈ 5·10⁸ per component per iteration plus
 * N·K·784² for the densities.
 * @see Prince, "Understanding Deep Learning", section 17.1.1 and problem 17.7;
 *   Bishop 2006, section 9.2.2
 */
import { CheckpointError, ConfigError, DataError } from '../../errors.js';
import { LOG_2PI } from '../../math/constants.js';
import { deriveRng } from '../../math/rng.js';
import type { Dataset } from '../../data/dataset.js';
import { LINEAR_MODEL_VERSION, type DensityModel, type EmReport, type LinearModelJson } from './linear-model.js';
import { runEm, type EmCallbacks } from './em.js';
import { checkTag, readArray, readChoice, readEmReport, readInt } from './json.js';
import { GMM_INITS, initialCentres, type GmmInit } from './kmeans-init.js';
import { floorCovariance, mStep, scatter, type GmmParams } from './gmm-em.js';
import { cholesky, columnMoments, logDetFromCholesky, meanOf, solveLowerInPlace } from './linalg.js';
import { checkDataset, checkSampleArgs } from './checks.js';
import { check, integer, intAtLeast, oneOf, positiveNumber } from '../../validate.js';

export type GmmCovariance = 'full' | 'diag';
export const GMM_COVARIANCES: readonly GmmCovariance[] = Object.freeze(['full', 'diag']);

/** Options of {@link GaussianMixture.fit}. */
export interface GmmOptions {
  /** K, the number of components; 1 <= K <= N. Default 10. */
  numComponents?: number;
  /** 'diag' (cheap, for images) or 'full'. Default 'diag'. */
  covariance?: GmmCovariance;
  /** How the initial means are chosen. Default 'kmeans++'. */
  init?: GmmInit;
  /** Most EM iterations. Default 500. */
  maxIter?: number;
  /** Stop when an iteration gains less than this, nats per example. Default 1e-4. */
  tol?: number;
  /** Seed of the initialisation. Default 0. */
  seed?: number;
  /** Smallest covariance eigenvalue c, as a fraction of the mean per-dimension data variance. Default 1e-6. */
  covarianceFloor?: number;
}

export interface ResolvedGmmOptions {
  numComponents: number;
  covariance: GmmCovariance;
  init: GmmInit;
  maxIter: number;
  tol: number;
  seed: number;
  covarianceFloor: number;
}

export const GMM_DEFAULTS: Readonly<ResolvedGmmOptions> = Object.freeze({
  numComponents: 10,
  covariance: 'diag',
  init: 'kmeans++',
  maxIter: 500,
  tol: 1e-4,
  seed: 0,
  covarianceFloor: 1e-6,
});

/** Validates options and fills defaults. @throws ConfigError naming the bad field and value */
export function resolveGmmOptions(options: GmmOptions = {}): ResolvedGmmOptions {
  return {
    numComponents: check('numComponents', options.numComponents ?? GMM_DEFAULTS.numComponents, intAtLeast(1)),
    covariance: check('covariance', options.covariance ?? GMM_DEFAULTS.covariance, oneOf(GMM_COVARIANCES)),
    init: check('init', options.init ?? GMM_DEFAULTS.init, oneOf(GMM_INITS)),
    maxIter: check('maxIter', options.maxIter ?? GMM_DEFAULTS.maxIter, intAtLeast(1)),
    tol: check('tol', options.tol ?? GMM_DEFAULTS.tol, positiveNumber),
    seed: check('seed', options.seed ?? GMM_DEFAULTS.seed, integer),
    covarianceFloor: check('covarianceFloor', options.covarianceFloor ?? GMM_DEFAULTS.covarianceFloor, positiveNumber),
  };
}

/** A saved Gaussian mixture. */
export interface GmmJson extends LinearModelJson {
  kind: 'gmm';
  numComponents: number;
  covariance: GmmCovariance;
  /** π [K]. */
  weights: number[];
  /** μ [K·D], row-major. */
  means: number[];
  /** 'diag': variances [K·D]; 'full': covariance matrices [K·D·D], row-major. */
  covariances: number[];
  history?: number[];
  converged?: boolean;
}

export class GaussianMixture implements DensityModel {
  readonly kind = 'gmm' as const;
  readonly dataDim: number;
  readonly numComponents: number;
  private readonly logWeights: Float64Array; // log π [K]
  private readonly logNorm: Float64Array; // −½ (D log 2π + log |Σ_k|) [K]
  private readonly factors: Float64Array; // 'diag': 1/σ² [K, D]; 'full': Cholesky L_k [K, D, D]

  /**
   * @param covariance - 'diag' or 'full'
   * @param weights - π [K], >= 0, summing to 1
   * @param means - μ [K, D], row-major
   * @param covariances - 'diag': variances [K, D], each > 0; 'full': Σ_k [K, D, D], positive definite
   * @param report - the EM report when fitted
   * @throws DataError when a covariance is not positive definite
   */
  constructor(
    readonly covariance: GmmCovariance,
    readonly weights: Float64Array,
    readonly means: Float64Array,
    readonly covariances: Float64Array,
    readonly report?: EmReport,
  ) {
    const k = weights.length;
    const d = means.length / k;
    this.numComponents = k;
    this.dataDim = d;
    this.logWeights = weights.map(Math.log);
    this.logNorm = new Float64Array(k);
    if (covariance === 'diag') {
      this.factors = covariances.map((v) => 1 / v);
      for (let c = 0; c < k; c++) {
        let logDet = 0;
        for (let i = 0; i < d; i++) logDet += Math.log(covariances[c * d + i]);
        this.logNorm[c] = -0.5 * (d * LOG_2PI + logDet);
      }
    } else {
      this.factors = new Float64Array(k * d * d); // [K, D, D]
      for (let c = 0; c < k; c++) {
        const l = cholesky(covariances.subarray(c * d * d, (c + 1) * d * d), d, `GaussianMixture: covariance of component ${c}`);
        this.factors.set(l, c * d * d);
        this.logNorm[c] = -0.5 * (d * LOG_2PI + logDetFromCholesky(l, d));
      }
    }
  }

  /** Training mean log-likelihood per EM iteration, nats per example. */
  get history(): number[] {
    return this.report ? [...this.report.history] : [];
  }

  /**
   * Fits the mixture by EM. Initial means are K examples chosen by `init`; every component starts
   * with the data covariance (floored) and weight 1/K.
   * @param ds - training examples [N, D], N >= max(2, K)
   * @param callbacks - `onIteration` after each E-step
   * @throws ConfigError for a bad option or numComponents > N
   * @throws DataError for too few (distinct) examples, non-finite values, or data without variance
   * @throws TrainingError when the log-likelihood becomes non-finite
   */
  static fit(ds: Dataset, options: GmmOptions = {}, callbacks: EmCallbacks = {}): GaussianMixture {
    const opts = resolveGmmOptions(options);
    checkDataset(ds, 'GaussianMixture.fit', undefined, 2);
    const { numExamples: n, dataDim: d } = ds;
    const k = opts.numComponents;
    if (k > n) throw new ConfigError(`numComponents: expected an integer <= the number of examples ${n}, got ${k}`);
    const { mean, variance } = columnMoments(ds);
    const meanVar = meanOf(variance);
    if (!(meanVar > 0)) throw new DataError(`GaussianMixture.fit(${ds.source}): expected some variance in the data, got every dimension constant`);
    const floor = opts.covarianceFloor * meanVar;
    const full = opts.covariance === 'full';

    const centres = initialCentres(ds, k, opts.init, opts.seed); // [K]
    const means = new Float64Array(k * d); // [K, D]
    centres.forEach((idx, c) => {
      for (let i = 0; i < d; i++) means[c * d + i] = ds.x[idx * d + i];
    });
    let start: Float64Array;
    if (full) {
      const resp = new Float64Array(n).fill(1); // one component holding every example: the data covariance
      start = floorCovariance(scatter(ds, resp, 0, 1, mean, n), d, floor);
    } else {
      start = variance.map((v) => Math.max(v, floor));
    }
    const covariances = new Float64Array(k * start.length);
    for (let c = 0; c < k; c++) covariances.set(start, c * start.length);
    const init: GmmParams = { weights: new Float64Array(k).fill(1 / k), means, covariances };

    const { params, report } = runEm(
      init,
      (p) => {
        const model = new GaussianMixture(opts.covariance, p.weights, p.means, p.covariances);
        const resp = new Float64Array(n * k); // [N, K]
        const ll = model.eStep(ds, resp);
        let sum = 0;
        for (let i = 0; i < n; i++) sum += ll[i];
        return { meanLogLikelihood: sum / n, mStep: () => mStep(ds, resp, k, p, full, floor) };
      },
      opts.maxIter,
      opts.tol,
      'GaussianMixture.fit',
      callbacks,
    );
    return new GaussianMixture(opts.covariance, params.weights, params.means, params.covariances, report);
  }

  /**
   * Exact log-density per example, by log-sum-exp over the components.
   *   log p(x_n) = m + log Σ_k exp(log π_k + log N(x_n; μ_k, Σ_k) − m),  m = max_k (…)
   * @param ds - examples [N, D]
   * @returns log p(x_n) [N], float64, nats
   * @throws ShapeError when ds.dataDim ≠ D
   * @throws DataError for non-finite values
   */
  logLikelihood(ds: Dataset): Float64Array {
    checkDataset(ds, 'gmm.logLikelihood', this.dataDim);
    return this.eStep(ds);
  }

  /** Mean exact log-likelihood, nats per example. @throws as {@link logLikelihood}; DataError when empty */
  meanLogLikelihood(ds: Dataset): number {
    checkDataset(ds, 'gmm.meanLogLikelihood', this.dataDim, 1);
    const ll = this.eStep(ds);
    let s = 0;
    for (let i = 0; i < ll.length; i++) s += ll[i];
    return s / ll.length;
  }

  /**
   * Posterior component probabilities r_nk = p(k | x_n).
   * @param ds - examples [N, D]
   * @returns [N, K], float64, each row summing to 1
   * @throws ShapeError | DataError as {@link logLikelihood}
   */
  responsibilities(ds: Dataset): Float64Array {
    checkDataset(ds, 'gmm.responsibilities', this.dataDim);
    const resp = new Float64Array(ds.numExamples * this.numComponents); // [N, K]
    this.eStep(ds, resp);
    return resp;
  }

  /**
   * The most probable component of each example, argmax_k r_nk.
   * @returns [N], integers in [0, K)
   * @throws ShapeError | DataError as {@link logLikelihood}
   */
  predict(ds: Dataset): Int32Array {
    const k = this.numComponents;
    const resp = this.responsibilities(ds); // [N, K]
    const out = new Int32Array(ds.numExamples); // [N]
    for (let n = 0; n < out.length; n++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (resp[n * k + c] > resp[n * k + best]) best = c;
      out[n] = best;
    }
    return out;
  }

  /**
   * Ancestral sampling from deriveRng(seed, 'gmm-sample'): per example one uniform picks
   * k ~ Categorical(π), then D normals ε give x = μ_k + L_k ε (L_k L_kᵀ = Σ_k).
   * @returns [numSamples, D], float32
   * @throws ConfigError for a bad count or seed
   */
  sample(numSamples: number, seed: number): Float32Array {
    checkSampleArgs('gmm.sample', numSamples, seed);
    const { dataDim: d, numComponents: k, weights, means, covariances, factors } = this;
    const rng = deriveRng(seed, 'gmm-sample');
    const out = new Float32Array(numSamples * d); // [numSamples, D]
    const eps = new Float64Array(d);
    for (let n = 0; n < numSamples; n++) {
      let u = rng.next();
      let c = 0;
      while (c < k - 1 && u >= weights[c]) u -= weights[c++];
      for (let i = 0; i < d; i++) eps[i] = rng.nextNormal();
      for (let i = 0; i < d; i++) {
        let s = means[c * d + i];
        if (this.covariance === 'diag') s += Math.sqrt(covariances[c * d + i]) * eps[i];
        else for (let j = 0; j <= i; j++) s += factors[c * d * d + i * d + j] * eps[j];
        out[n * d + i] = s;
      }
    }
    return out;
  }

  toJSON(): GmmJson {
    return {
      kind: 'gmm',
      version: LINEAR_MODEL_VERSION,
      dataDim: this.dataDim,
      numComponents: this.numComponents,
      covariance: this.covariance,
      weights: Array.from(this.weights),
      means: Array.from(this.means),
      covariances: Array.from(this.covariances),
      ...(this.report ? { history: [...this.report.history], converged: this.report.converged } : {}),
    };
  }

  /**
   * Reloads a saved mixture.
   * @throws CheckpointError when the kind is not 'gmm', the version is not 1, a field is
   *   malformed, the weights are not a probability vector, or a covariance is not positive definite
   */
  static fromJSON(json: unknown): GaussianMixture {
    const rec = checkTag(json, 'gmm');
    const d = readInt(rec, 'dataDim', 1);
    const k = readInt(rec, 'numComponents', 1);
    const covariance = readChoice(rec, 'covariance', GMM_COVARIANCES);
    const weights = readArray(rec, 'weights', k);
    const total = weights.reduce((a, b) => a + b, 0);
    if (weights.some((w) => w < 0) || Math.abs(total - 1) > 1e-9) {
      throw new CheckpointError(`linear model 'gmm': expected weights >= 0 summing to 1, got sum ${total}`);
    }
    const means = readArray(rec, 'means', k * d);
    const covariances = readArray(rec, 'covariances', covariance === 'diag' ? k * d : k * d * d, covariance === 'diag');
    try {
      return new GaussianMixture(covariance, weights, means, covariances, readEmReport(rec));
    } catch (err) {
      if (err instanceof DataError) {
        throw new CheckpointError(`linear model 'gmm': expected positive-definite covariances, got ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  /**
   * Log-density of each example and, when `resp` is given, the responsibilities.
   * @param resp - filled with r_nk [N, K] when given
   * @returns log p(x_n) [N]
   */
  private eStep(ds: Dataset, resp?: Float64Array): Float64Array {
    const { dataDim: d, numComponents: k, means, factors, logWeights, logNorm } = this;
    const full = this.covariance === 'full';
    const x = ds.x;
    const out = new Float64Array(ds.numExamples); // [N]
    const logp = new Float64Array(k); // [K]
    const r = new Float64Array(d); // [D]
    for (let n = 0; n < ds.numExamples; n++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        let quad = 0;
        if (full) {
          for (let i = 0; i < d; i++) r[i] = x[n * d + i] - means[c * d + i];
          solveLowerInPlace(factors.subarray(c * d * d, (c + 1) * d * d), d, r); // L_k⁻¹ (x − μ_k)
          for (let i = 0; i < d; i++) quad += r[i] * r[i];
        } else {
          for (let i = 0; i < d; i++) {
            const ri = x[n * d + i] - means[c * d + i];
            quad += ri * ri * factors[c * d + i];
          }
        }
        logp[c] = logWeights[c] + logNorm[c] - 0.5 * quad;
        if (logp[c] > max) max = logp[c];
      }
      let s = 0;
      for (let c = 0; c < k; c++) s += Math.exp(logp[c] - max);
      const lse = max + Math.log(s);
      out[n] = lse;
      if (resp) for (let c = 0; c < k; c++) resp[n * k + c] = Math.exp(logp[c] - lse);
    }
    return out;
  }
}
