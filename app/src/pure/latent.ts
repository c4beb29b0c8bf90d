/**
 * Small computations on the explorer's posterior means and labels, for the interpolation and the
 * samples views: the default pair of endpoints, and the aggregated posterior of the examples as a
 * mixture (used when the run has no fitted mixture).
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
 * The aggregated posterior of N examples as a mixture: q(z) = (1/N) Σ_n N(z; μ_n, diag σ_n²), one
 * diagonal component per example, for the library's GaussianMixture ('diag': covariances are the
 * variances [K, Z]).
 * @param means - μ [N, Z] row-major
 * @param logVars - log σ² [N, Z]
 * @param z - Z
 * @returns weights [N] (each 1/N), means [N, Z] and variances [N, Z], float64
 * @throws Error when there is no example or the lengths disagree
 * @see Makhzani et al. 2016 and Hoffman & Johnson 2016 (the aggregated posterior q(z) = E_x[q(z|x)])
 */
export function aggregatedPosterior(
  means: ArrayLike<number>,
  logVars: ArrayLike<number>,
  z: number,
): { weights: Float64Array; means: Float64Array; variances: Float64Array } {
  const n = means.length / z;
  if (!Number.isInteger(n) || n < 1 || logVars.length !== means.length) {
    throw new Error(`aggregatedPosterior: expected means and log-variances [N, ${z}] with N ≥ 1, got ${means.length} and ${logVars.length} values`);
  }
  return {
    weights: new Float64Array(n).fill(1 / n),
    means: Float64Array.from(means),
    variances: Float64Array.from(logVars, (v) => Math.exp(v)),
  };
}
