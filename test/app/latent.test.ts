/**
 * The interpolation and samples views' helpers (app/src/pure/latent.ts): the default endpoints, and
 * the aggregated posterior as a mixture, sampled, against the law of total variance.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GaussianMixture } from '../../src/models/linear/gmm.js';
import { aggregatedPosterior, defaultEndpoints } from '../../app/src/pure/latent.js';

describe('defaultEndpoints', () => {
  test('picks example 0 and the first example with another label', () => {
    assert.deepEqual(defaultEndpoints(Int32Array.from([7, 7, 7, 2, 1]), 5), [0, 3]);
    assert.deepEqual(defaultEndpoints([4, 1], 2), [0, 1]);
  });

  test('falls back to 0 and 1 without labels or when every label is the same', () => {
    assert.deepEqual(defaultEndpoints(null, 10), [0, 1]);
    assert.deepEqual(defaultEndpoints([3, 3, 3], 3), [0, 1]);
  });
});

describe('aggregatedPosterior', () => {
  test("sampled through the library's mixture, its moments are the law of total variance's: E[z] = mean μ, Var[z] = mean σ² + Var μ (Monte Carlo)", () => {
    // Two examples, Z = 2: μ = (−2, 0), (2, 1); σ² = (1, 0.25), (0.25, 4).
    const means = [-2, 0, 2, 1];
    const logVars = [Math.log(1), Math.log(0.25), Math.log(0.25), Math.log(4)];
    const q = aggregatedPosterior(means, logVars, 2);
    assert.deepEqual([...q.weights], [0.5, 0.5]);
    const mixture = new GaussianMixture('diag', q.weights, q.means, q.variances);
    const n = 40_000;
    const z = mixture.sample(n, 7); // [n, 2]
    const expectedMean = [0, 0.5];
    // Var = mean of σ² + variance of μ (1/N): dim 0: 0.625 + 4, dim 1: 2.125 + 0.25.
    const expectedVar = [4.625, 2.375];
    for (let u = 0; u < 2; u++) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        s += z[i * 2 + u];
        s2 += z[i * 2 + u] ** 2;
      }
      const m = s / n;
      const v = s2 / n - m * m;
      // Standard errors: sqrt(Var/n) ≈ 0.011 for the mean; the variance's is under 0.04 here.
      assert.ok(Math.abs(m - expectedMean[u]) < 0.05, `dim ${u}: mean ${m}, expected ${expectedMean[u]}`);
      assert.ok(Math.abs(v - expectedVar[u]) < 0.15, `dim ${u}: variance ${v}, expected ${expectedVar[u]}`);
    }
  });

  test('rejects no examples, or log-variances of another length', () => {
    assert.throws(() => aggregatedPosterior([], [], 2), /expected means and log-variances \[N, 2\] with N ≥ 1, got 0 and 0 values/);
    assert.throws(() => aggregatedPosterior([1, 2], [0], 2), /got 2 and 1 values/);
  });
});
