/**
 * The latent map's coordinates: PCA of the codes, checked against the eigenvectors of their
 * covariance from ml-matrix (up to sign), and the codes themselves when Z ≤ 2.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { projectLatents } from '../../src/latent/projection.js';
import { deriveRng } from '../../src/math/rng.js';
import { assertAllClose } from '../helpers/assert.js';

/** N codes in Z dimensions with a correlated, anisotropic spread around an offset. */
function codes(n: number, z: number, seed: number): Dataset {
  const rng = deriveRng(seed, 'projection-test');
  const x = new Float32Array(n * z); // [N, Z]
  for (let i = 0; i < n; i++) {
    const e = Array.from({ length: z }, () => rng.nextNormal());
    for (let u = 0; u < z; u++) x[i * z + u] = 1 + (u + 1) * e[u] + 0.8 * e[0] * (u % 2 ? 1 : -1);
  }
  return makeDataset({ x, numExamples: n, dataDim: z, labels: Int32Array.from({ length: n }, (_, i) => i % 4), source: 'codes' });
}

describe('projectLatents', () => {
  test('for Z > 2 gives the coordinates on the two leading eigenvectors of the codes’ covariance (up to sign)', () => {
    const n = 300;
    const z = 5;
    const ds = codes(n, z, 1);
    const p = projectLatents(ds);
    assert.equal(p.method, 'pca');
    assert.equal(p.numComponents, 2);
    assert.equal(p.coords.length, n * 2);

    // The oracle: S = (1/N) Σ (z − m)(z − m)ᵀ in float64 and its eigen-decomposition.
    const rows = Array.from({ length: n }, (_, i) => Array.from(ds.x.subarray(i * z, (i + 1) * z), Number));
    const m = Array.from({ length: z }, (_, u) => rows.reduce((s, r) => s + r[u], 0) / n);
    const centred = new Matrix(rows.map((r) => r.map((v, u) => v - m[u])));
    const cov = centred.transpose().mmul(centred).div(n);
    const evd = new EigenvalueDecomposition(cov, { assumeSymmetric: true });
    const order = evd.realEigenvalues.map((l, i) => [l, i]).sort((a, b) => b[0] - a[0]);
    const trace = evd.realEigenvalues.reduce((s, l) => s + l, 0);
    assertAllClose(p.explainedVarianceRatio!, [order[0][0] / trace, order[1][0] / trace], { rtol: 1e-6 });
    assertAllClose(p.mean!, m, { rtol: 1e-9, atol: 1e-12 });
    for (let k = 0; k < 2; k++) {
      const u = evd.eigenvectorMatrix.getColumn(order[k][1]);
      const expected = rows.map((r) => r.reduce((s, v, j) => s + (v - m[j]) * u[j], 0));
      const got = Array.from({ length: n }, (_, i) => p.coords[i * 2 + k]);
      const sign = Math.sign(got.reduce((s, g, i) => s + g * expected[i], 0));
      assertAllClose(
        got.map((g) => sign * g),
        expected,
        { rtol: 1e-6, atol: 1e-9, message: `principal coordinate ${k + 1}` },
      );
    }
  });

  test('keeps the codes themselves for Z = 2 and Z = 1', () => {
    for (const z of [2, 1]) {
      const ds = codes(10, z, 2);
      const p = projectLatents(ds);
      assert.deepEqual([p.method, p.numComponents, p.explainedVarianceRatio], ['identity', z, null]);
      assertAllClose(p.coords, ds.x, { rtol: 0, atol: 0 });
    }
  });
});
