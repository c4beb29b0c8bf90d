/**
 * Small computations on the explorer's posterior means and labels, for the interpolation and the
 * samples views: the default pair of endpoints, and the diagonal Gaussian fitted to the means (the
 * aggregated posterior's simplest summary, used when the run has no fitted mixture).
 *   m_u = (1/N) Σ_n μ_nu,   s²_u = (1/N) Σ_n (μ_nu − m_u)²   (maximum likelihood)
 */

/**
 * The first two examples with different labels: 0 and the first i with labels[i] ≠ labels[0];
 * without labels, or when all share one, 0 and 1.
 * @param labels - [N] or null
 * @param n - N, at least 2
 */
export function defaultEndpoints(labels: ArrayLike<number> | null, n: number): [number, number] {
  if (labels) for (let i = 1; i < Math.min(n, labels.length); i++) if (labels[i] !== labels[0]) return [0, i];
  return [0, Math.min(1, n - 1)];
}

/**
 * The maximum-likelihood diagonal Gaussian of N points, in float64; variances below `floor` raised to it
 * (a dimension every point shares would give a degenerate density).
 * @param means - points [N, Z] row-major
 * @param z - Z
 * @returns mean [Z] and variance [Z]
 * @throws Error when there is no point or the length is not a multiple of Z
 */
export function diagonalGaussian(means: ArrayLike<number>, z: number, floor = 1e-6): { mean: Float64Array; variance: Float64Array } {
  const n = means.length / z;
  if (!Number.isInteger(n) || n < 1) throw new Error(`diagonalGaussian: expected points [N, ${z}] with N ≥ 1, got ${means.length} values`);
  const mean = new Float64Array(z); // [Z]
  const variance = new Float64Array(z); // [Z]
  for (let i = 0; i < n; i++) for (let u = 0; u < z; u++) mean[u] += means[i * z + u];
  for (let u = 0; u < z; u++) mean[u] /= n;
  for (let i = 0; i < n; i++)
    for (let u = 0; u < z; u++) {
      const d = means[i * z + u] - mean[u];
      variance[u] += d * d;
    }
  for (let u = 0; u < z; u++) variance[u] = Math.max(floor, variance[u] / n);
  return { mean, variance };
}
