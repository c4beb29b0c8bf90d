/**
 * Small float64 linear-algebra pieces for the linear models. Factorisations come from ml-matrix
 * (Cholesky, symmetric eigendecomposition); the triangular solves that run once per example are
 * plain loops over row-major Float64Arrays. No explicit inverses: every A⁻¹b is a pair of solves.
 */
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { DataError } from '../../errors.js';
import type { Dataset } from '../../data/dataset.js';

/** A row-major n×n Float64Array as an ml-matrix Matrix, symmetrised as ½(A + Aᵀ). */
export function symmetricMatrix(a: Float64Array, n: number): Matrix {
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = 0.5 * (a[i * n + j] + a[j * n + i]);
      m.set(i, j, v);
      m.set(j, i, v);
    }
  }
  return m;
}

/**
 * Cholesky factor of a symmetric positive-definite matrix.
 *   A = L Lᵀ,  L lower triangular with a positive diagonal
 * @param a - A [n, n], row-major (symmetrised first)
 * @returns L [n, n], row-major, zeros above the diagonal
 * @throws DataError naming `where` when A is not positive definite
 */
export function cholesky(a: Float64Array, n: number, where: string): Float64Array {
  const chol = new CholeskyDecomposition(symmetricMatrix(a, n));
  if (!chol.isPositiveDefinite()) {
    throw new DataError(`${where}: expected a positive-definite ${n}×${n} matrix, got one that is not (singular or indefinite)`);
  }
  return Float64Array.from(chol.lowerTriangularMatrix.to1DArray()); // [n, n]
}

/** True when the symmetric matrix A [n, n] is positive definite (its Cholesky factorisation succeeds). */
export function isPositiveDefinite(a: Float64Array, n: number): boolean {
  return new CholeskyDecomposition(symmetricMatrix(a, n)).isPositiveDefinite();
}

/** log |A| = 2 Σ_i log L_ii from the Cholesky factor L [n, n] of A. */
export function logDetFromCholesky(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]);
  return 2 * s;
}

/** Solves L y = b in place (forward substitution); L [n, n] lower triangular, b [n]. */
export function solveLowerInPlace(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    const row = i * n;
    for (let k = 0; k < i; k++) s -= l[row + k] * b[k];
    b[i] = s / l[row + i];
  }
  return b;
}

/** Solves Lᵀ y = b in place (back substitution); L [n, n] lower triangular, b [n]. */
export function solveLowerTransposedInPlace(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * b[k];
    b[i] = s / l[i * n + i];
  }
  return b;
}

/**
 * Solves A X = B for symmetric positive-definite A by Cholesky, column by column.
 * @param l - Cholesky factor of A [n, n]
 * @param b - B [n, m], row-major
 * @returns X = A⁻¹B [n, m], row-major (a new array)
 */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  const x = new Float64Array(n * m); // [n, m]
  const col = new Float64Array(n);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < n; i++) col[i] = b[i * m + j];
    solveLowerTransposedInPlace(l, n, solveLowerInPlace(l, n, col));
    for (let i = 0; i < n; i++) x[i * m + j] = col[i];
  }
  return x;
}

/**
 * Eigendecomposition of a symmetric matrix, eigenvalues in decreasing order.
 *   A = Σ_i λ_i u_i u_iᵀ,  λ_1 >= … >= λ_n,  ‖u_i‖ = 1
 * Each u_i's sign is fixed so that its entry of largest magnitude is positive (reproducible axes).
 * @param a - A [n, n], row-major (symmetrised first)
 * @returns values [n] and vectors [n, n] with row i = u_iᵀ
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const evd = new EigenvalueDecomposition(symmetricMatrix(a, n), { assumeSymmetric: true });
  const lambda = evd.realEigenvalues;
  const u = evd.eigenvectorMatrix; // [n, n], column i = eigenvector of lambda[i]
  const order = [...lambda.keys()].sort((i, j) => lambda[j] - lambda[i]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n); // [n, n]
  order.forEach((src, dst) => {
    values[dst] = lambda[src];
    for (let d = 0; d < n; d++) vectors[dst * n + d] = u.get(d, src);
  });
  fixSigns(vectors, n, n);
  return { values, vectors };
}

/** Flips each row of V [rows, cols] so that its entry of largest magnitude is positive. */
export function fixSigns(v: Float64Array, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let d = 1; d < cols; d++) if (Math.abs(v[i * cols + d]) > Math.abs(v[i * cols + best])) best = d;
    if (v[i * cols + best] < 0) for (let d = 0; d < cols; d++) v[i * cols + d] = -v[i * cols + d];
  }
}

/**
 * Per-dimension mean and (biased, 1/N) variance of a dataset, in float64, two passes.
 *   μ_d = (1/N) Σ_n x_nd,  S_dd = (1/N) Σ_n (x_nd − μ_d)²
 * @returns mean [D] and variance [D], in the data's units (squared for the variance)
 */
export function columnMoments(ds: Dataset): { mean: Float64Array; variance: Float64Array } {
  const { x, numExamples: n, dataDim: d } = ds;
  const mean = new Float64Array(d); // [D]
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const variance = new Float64Array(d); // [D]
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const r = x[i * d + j] - mean[j];
      variance[j] += r * r;
    }
  }
  for (let j = 0; j < d; j++) variance[j] /= n;
  return { mean, variance };
}

/**
 * The (1/N) covariance matrix of a dataset, exploiting zeros (sparse images) without losing accuracy.
 *   S = (1/N) Σ_n (x_n − c)(x_n − c)ᵀ − (μ − c)(μ − c)ᵀ
 * with a shift c_d = 0 where |μ_d| <= 4 √S_dd (so the subtraction loses at most a factor 17 of
 * relative precision) and c_d = μ_d elsewhere; entries of x_n − c that are exactly 0 are skipped,
 * so MNIST (≈ 19% non-zero pixels) costs ≈ N·nnz²/2 instead of N·D²/2.
 * @param mean - μ [D] and variance - S_dd [D] from {@link columnMoments}
 * @returns S [D, D], row-major, exactly symmetric
 */
export function covarianceMatrix(ds: Dataset, mean: Float64Array, variance: Float64Array): Float64Array {
  const { x, numExamples: n, dataDim: d } = ds;
  const shift = mean.map((m, i) => (Math.abs(m) <= 4 * Math.sqrt(variance[i]) ? 0 : m)); // c [D]
  const s = new Float64Array(d * d); // upper triangle of Σ (x − c)(x − c)ᵀ
  const idx = new Int32Array(d);
  const val = new Float64Array(d);
  for (let k = 0; k < n; k++) {
    let nnz = 0;
    for (let i = 0; i < d; i++) {
      const y = x[k * d + i] - shift[i];
      if (y !== 0) {
        idx[nnz] = i;
        val[nnz++] = y;
      }
    }
    for (let a = 0; a < nnz; a++) {
      const row = idx[a] * d;
      const va = val[a];
      for (let b = a; b < nnz; b++) s[row + idx[b]] += va * val[b];
    }
  }
  for (let i = 0; i < d; i++) {
    const mi = mean[i] - shift[i];
    for (let j = i; j < d; j++) {
      const v = s[i * d + j] / n - mi * (mean[j] - shift[j]);
      s[i * d + j] = v;
      s[j * d + i] = v;
    }
  }
  return s;
}

/** Mean of the entries of v (used to scale relative variance floors). */
export function meanOf(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}
