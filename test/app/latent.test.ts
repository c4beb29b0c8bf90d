/**
 * The interpolation and samples views' helpers (app/src/pure/latent.ts): the default endpoints, and
 * the maximum-likelihood diagonal Gaussian of the posterior means against hand-computed moments.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultEndpoints, diagonalGaussian } from '../../app/src/pure/latent.js';

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

describe('diagonalGaussian', () => {
  test('gives the mean and the biased (1/N) variance of each dimension', () => {
    // Points (1, 10), (3, 10), (5, 10): mean (3, 10), variance (8/3, 0 → the floor).
    const { mean, variance } = diagonalGaussian(Float32Array.from([1, 10, 3, 10, 5, 10]), 2, 1e-6);
    assert.deepEqual([...mean], [3, 10]);
    assert.ok(Math.abs(variance[0] - 8 / 3) < 1e-12, `variance ${variance[0]}`);
    assert.equal(variance[1], 1e-6);
  });

  test('rejects no points, or a length that is not a multiple of Z', () => {
    assert.throws(() => diagonalGaussian([], 2), /expected points \[N, 2\] with N ≥ 1, got 0 values/);
    assert.throws(() => diagonalGaussian([1, 2, 3], 2), /got 3 values/);
  });
});
