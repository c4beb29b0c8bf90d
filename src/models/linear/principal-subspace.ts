/**
 * The principal subspace of a dataset, shared by PCA and the closed-form probabilistic PCA.
 *   S = (1/N) Σ_n (x_n − μ)(x_n − μ)ᵀ = Σ_i λ_i u_i u_iᵀ,  λ_1 >= λ_2 >= …
 * The covariance is normalised by N (the maximum-likelihood estimate), not N − 1, so that PCA's
 * training reconstruction error is exactly Σ_{i>Z} λ_i and PPCA's closed form is the MLE.
 * Two solvers give the same λ_i and u_i (up to rounding): the symmetric eigendecomposition of the
 * D×D covariance (cost N·D² + D³), or the SVD of the centred data R = U_R Σ Vᵀ (λ_i = s_i² / N,
 * u_i = v_i; cost ≈ D·N² + N³), which is cheaper when N < D.
 * @see Bishop 2006, §12.1; Tipping & Bishop 1999, section 3.2
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { ConfigError } from '../../errors.js';
import type { Dataset } from '../../data/dataset.js';
import { columnMoments, covarianceMatrix, fixSigns, symmetricEigen } from './linalg.js';

/** How the principal axes are computed: 'auto' picks 'svd' when N < D, else 'covariance'. */
export type PcaSolver = 'auto' | 'covariance' | 'svd';
export const PCA_SOLVERS: readonly PcaSolver[] = Object.freeze(['auto', 'covariance', 'svd']);

/** The leading principal axes of a dataset. */
export interface PrincipalSubspace {
  /** μ [D], the data mean. */
  mean: Float64Array;
  /** Per-dimension (1/N) variance S_dd [D]. */
  variance: Float64Array;
  /** u_1 … u_Z as rows [Z, D], orthonormal; each row's largest-magnitude entry is positive. */
  components: Float64Array;
  /** λ_1 >= … >= λ_Z [Z], variances along the axes, squared data units. */
  eigenvalues: Float64Array;
  /** tr S = Σ_d S_dd = Σ_i λ_i over all D eigenvalues, squared data units. */
  totalVariance: number;
  /** The solver actually used. */
  solver: 'covariance' | 'svd';
}

/**
 * Computes the leading `latentDim` principal axes.
 * @param ds - training examples [N, D] with N >= 2 (checked by the caller)
 * @param latentDim - Z, an integer in [1, D] (and <= N for the SVD solver)
 * @throws ConfigError when latentDim exceeds what the data or the solver allows
 */
export function principalSubspace(ds: Dataset, latentDim: number, solver: PcaSolver): PrincipalSubspace {
  const { numExamples: n, dataDim: d } = ds;
  const used = solver === 'auto' ? (n < d ? 'svd' : 'covariance') : solver;
  const maxDim = used === 'svd' ? Math.min(n, d) : d;
  if (latentDim > maxDim) {
    throw new ConfigError(`latentDim: expected an integer <= ${maxDim} (dataDim ${d}, ${n} examples, solver '${used}'), got ${latentDim}`);
  }
  const { mean, variance } = columnMoments(ds);
  let totalVariance = 0;
  for (let i = 0; i < d; i++) totalVariance += variance[i];
  const { components, eigenvalues } = used === 'svd' ? bySvd(ds, mean, latentDim) : byCovariance(ds, mean, variance, latentDim);
  return { mean, variance, components, eigenvalues, totalVariance, solver: used };
}

function byCovariance(ds: Dataset, mean: Float64Array, variance: Float64Array, z: number): { components: Float64Array; eigenvalues: Float64Array } {
  const d = ds.dataDim;
  const { values, vectors } = symmetricEigen(covarianceMatrix(ds, mean, variance), d); // S [D, D]
  return { components: vectors.slice(0, z * d), eigenvalues: values.slice(0, z).map((v) => Math.max(v, 0)) };
}

function bySvd(ds: Dataset, mean: Float64Array, z: number): { components: Float64Array; eigenvalues: Float64Array } {
  const { numExamples: n, dataDim: d, x } = ds;
  const centred = new Matrix(n, d); // R [N, D]
  for (let k = 0; k < n; k++) for (let i = 0; i < d; i++) centred.set(k, i, x[k * d + i] - mean[i]);
  const svd = new SingularValueDecomposition(centred, {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: true,
    autoTranspose: true,
  });
  const sv = svd.diagonal; // [min(N, D)]
  const v = svd.rightSingularVectors; // [D, min(N, D)], column i = v_i
  const order = [...sv.keys()].sort((i, j) => sv[j] - sv[i]).slice(0, z);
  const components = new Float64Array(z * d); // [Z, D]
  const eigenvalues = new Float64Array(z); // [Z]
  order.forEach((src, dst) => {
    eigenvalues[dst] = (sv[src] * sv[src]) / n;
    for (let i = 0; i < d; i++) components[dst * d + i] = v.get(i, src);
  });
  fixSigns(components, z, d);
  return { components, eigenvalues };
}
