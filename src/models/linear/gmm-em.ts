/**
 * The M-step of the Gaussian mixture's EM (see ./gmm.ts for the model):
 *   N_k = Σ_n r_nk,  π_k = N_k / N,  μ_k = Σ_n r_nk x_n / N_k,
 *   Σ_k = floor_c(Σ_n r_nk (x_n − μ_k)(x_n − μ_k)ᵀ / N_k)
 * where floor_c raises every eigenvalue below c to c: the exact maximiser of the expected
 * complete log-likelihood subject to Σ_k ⪰ c·I, so EM stays monotone.
 * @see Prince, Understanding Deep Learning, problem 17.7; Bishop 2006, eq. 9.24–9.26
 */
import type { Dataset } from '../../data/dataset.js';
import { isPositiveDefinite, symmetricEigen } from './linalg.js';

/** Mixture parameters: π [K], μ [K, D], Σ [K, D] ('diag') or [K, D, D] ('full'). */
export interface GmmParams {
  weights: Float64Array;
  means: Float64Array;
  covariances: Float64Array;
}

/** A component with zero responsibility mass below this keeps its previous mean and covariance. */
export const EMPTY_COMPONENT = 1e-12;

/**
 * M-step from responsibilities r [N, K]: weights, means, then floored covariances about the new
 * means. A component with N_k below {@link EMPTY_COMPONENT} keeps its mean and covariance.
 */
export function mStep(ds: Dataset, resp: Float64Array, k: number, prev: GmmParams, full: boolean, floor: number): GmmParams {
  const { x, numExamples: n, dataDim: d } = ds;
  const counts = new Float64Array(k); // N_k [K]
  const means = new Float64Array(k * d); // [K, D]
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const w = resp[i * k + c];
      if (w === 0) continue;
      counts[c] += w;
      for (let j = 0; j < d; j++) means[c * d + j] += w * x[i * d + j];
    }
  }
  const size = full ? d * d : d;
  const covariances = new Float64Array(k * size);
  const empty = Array.from(counts, (v) => v < EMPTY_COMPONENT);
  for (let c = 0; c < k; c++) {
    if (empty[c]) means.set(prev.means.subarray(c * d, (c + 1) * d), c * d);
    else for (let j = 0; j < d; j++) means[c * d + j] /= counts[c];
  }
  if (!full) {
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        const w = resp[i * k + c];
        if (w === 0 || empty[c]) continue;
        for (let j = 0; j < d; j++) {
          const r = x[i * d + j] - means[c * d + j];
          covariances[c * d + j] += w * r * r; // Σ_n r_nc (x_nj − μ_cj)²
        }
      }
    }
  }
  for (let c = 0; c < k; c++) {
    if (empty[c]) {
      covariances.set(prev.covariances.subarray(c * size, (c + 1) * size), c * size);
    } else if (full) {
      const mu = means.subarray(c * d, (c + 1) * d);
      covariances.set(floorCovariance(scatter(ds, resp, c, k, mu, counts[c]), d, floor), c * size);
    } else {
      for (let j = 0; j < d; j++) covariances[c * d + j] = Math.max(covariances[c * d + j] / counts[c], floor);
    }
  }
  const weights = counts.map((v) => v / n);
  return { weights, means, covariances };
}

/** (1/total) Σ_n r_nc (x_n − μ)(x_n − μ)ᵀ [D, D] for component c of responsibilities r [N, K]. */
export function scatter(ds: Dataset, resp: Float64Array, c: number, k: number, mu: Float64Array, total: number): Float64Array {
  const { x, numExamples: n, dataDim: d } = ds;
  const s = new Float64Array(d * d); // [D, D]
  const r = new Float64Array(d); // [D]
  for (let i = 0; i < n; i++) {
    const w = resp[i * k + c];
    if (w === 0) continue;
    for (let j = 0; j < d; j++) r[j] = x[i * d + j] - mu[j];
    for (let a = 0; a < d; a++) {
      const wa = w * r[a];
      if (wa === 0) continue;
      for (let b = a; b < d; b++) s[a * d + b] += wa * r[b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      s[a * d + b] /= total;
      s[b * d + a] = s[a * d + b];
    }
  }
  return s;
}

/**
 * The nearest covariance with every eigenvalue >= floor: unchanged when S − floor·I is positive
 * definite, else S's eigenvectors with eigenvalues max(λ_i, floor) (the maximiser of
 * −log|Σ| − tr(Σ⁻¹S) subject to Σ ⪰ floor·I).
 * @param s - S [D, D], symmetric
 * @returns [D, D]
 */
export function floorCovariance(s: Float64Array, d: number, floor: number): Float64Array {
  const shifted = Float64Array.from(s);
  for (let i = 0; i < d; i++) shifted[i * d + i] -= floor;
  if (isPositiveDefinite(shifted, d)) return s;
  const { values, vectors } = symmetricEigen(s, d);
  const out = new Float64Array(d * d); // [D, D]
  for (let e = 0; e < d; e++) {
    const lambda = Math.max(values[e], floor);
    for (let a = 0; a < d; a++) {
      const va = lambda * vectors[e * d + a];
      for (let b = a; b < d; b++) out[a * d + b] += va * vectors[e * d + b];
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) out[a * d + b] = out[b * d + a]; // exactly symmetric
  return out;
}
