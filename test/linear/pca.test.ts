import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { ConfigError } from '../../src/errors.js';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { deriveRng } from '../../src/math/rng.js';
import { isDensityModel } from '../../src/models/linear/linear-model.js';
import { PCA, PCA_DEFAULTS, resolvePcaOptions } from '../../src/models/linear/pca.js';
import { assertAllClose } from '../helpers/assert.js';

/** Correlated Gaussian data: x = B g with a random B [D, D]. */
function correlated(n: number, d: number, seed: number): Dataset {
  const rng = deriveRng(seed, 'pca-test');
  const b = Float64Array.from({ length: d * d }, () => rng.nextNormal());
  const x = new Float32Array(n * d);
  const g = new Float64Array(d);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < d; i++) g[i] = rng.nextNormal();
    for (let i = 0; i < d; i++) {
      let s = 1 + i;
      for (let j = 0; j < d; j++) s += b[i * d + j] * g[j];
      x[k * d + i] = s;
    }
  }
  return makeDataset({ x, numExamples: n, dataDim: d, source: 'pca-test' });
}

/** All eigenvalues of the (1/N) covariance, decreasing, by ml-matrix on a densely built matrix. */
function eigenvalues(ds: Dataset): number[] {
  const { numExamples: n, dataDim: d } = ds;
  const x = Matrix.from1DArray(n, d, Array.from(ds.x));
  const centred = x.subRowVector(x.mean('column'));
  const s = centred.transpose().mmul(centred).div(n);
  return new EigenvalueDecomposition(s, { assumeSymmetric: true }).realEigenvalues.sort((a, b) => b - a);
}

test('training reconstruction error equals the sum of the discarded eigenvalues of the 1/N covariance', () => {
  const ds = correlated(300, 7, 1);
  const lambda = eigenvalues(ds);
  for (const z of [1, 3, 6]) {
    const pca = PCA.fit(ds, { latentDim: z });
    const discarded = lambda.slice(z).reduce((a, b) => a + b, 0);
    assertAllClose(pca.reconstructionError(ds), discarded, { rtol: 1e-9, atol: 1e-12, message: `Z = ${z}` });
    assertAllClose(pca.explainedVariance, lambda.slice(0, z), { rtol: 1e-9, atol: 0 });
    assertAllClose(
      pca.totalVariance,
      lambda.reduce((a, b) => a + b, 0),
      { rtol: 1e-9, atol: 0 },
    );
  }
});

test('components are orthonormal and the explained-variance ratios are λ_i / tr S', () => {
  const ds = correlated(200, 6, 2);
  const pca = PCA.fit(ds, { latentDim: 4 });
  const { components: u, dataDim: d } = pca;
  for (let a = 0; a < 4; a++) {
    for (let b = 0; b < 4; b++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += u[a * d + i] * u[b * d + i];
      assertAllClose(dot, a === b ? 1 : 0, { rtol: 0, atol: 1e-12, message: `u_${a}·u_${b}` });
    }
  }
  const lambda = eigenvalues(ds);
  const total = lambda.reduce((s, v) => s + v, 0);
  assertAllClose(
    pca.explainedVarianceRatio,
    lambda.slice(0, 4).map((v) => v / total),
    { rtol: 1e-9, atol: 0 },
  );
});

test('the SVD solver (used when N < D) gives the same axes and variances as the covariance eigensolver', () => {
  const ds = correlated(9, 14, 3);
  const bySvd = PCA.fit(ds, { latentDim: 5, solver: 'auto' });
  const byCov = PCA.fit(ds, { latentDim: 5, solver: 'covariance' });
  assertAllClose(bySvd.explainedVariance, byCov.explainedVariance, { rtol: 1e-9, atol: 1e-12 });
  assertAllClose(bySvd.components, byCov.components, { rtol: 0, atol: 1e-8 });
  assertAllClose(
    bySvd.reconstructionError(ds),
    eigenvalues(ds)
      .slice(5)
      .reduce((a, b) => a + b, 0),
    { rtol: 1e-8, atol: 1e-10 },
  );
});

test('reconstruct(x) = μ + U project(x), and reconstructing a reconstruction changes nothing', () => {
  const ds = correlated(50, 5, 4);
  const pca = PCA.fit(ds, { latentDim: 2 });
  const z = pca.project(ds.x);
  const rec = pca.reconstruct(ds.x);
  const d = 5;
  const manual = new Float64Array(50 * d);
  for (let n = 0; n < 50; n++) {
    for (let i = 0; i < d; i++) manual[n * d + i] = pca.mean[i] + z[n * 2] * pca.components[i] + z[n * 2 + 1] * pca.components[d + i];
  }
  assertAllClose(rec, manual, { rtol: 1e-12, atol: 1e-12 });
  assertAllClose(pca.reconstruct(rec), rec, { rtol: 1e-10, atol: 1e-10 });
});

test('PCA has no likelihood: it is not a density model and has no logLikelihood method', () => {
  const pca = PCA.fit(correlated(20, 3, 5), { latentDim: 1 });
  assert.equal(isDensityModel(pca), false);
  assert.equal('logLikelihood' in pca, false);
});

test('options: defaults are frozen, bad fields and a latentDim above D are ConfigErrors naming the field', () => {
  assert.ok(Object.isFrozen(PCA_DEFAULTS));
  assert.deepEqual(resolvePcaOptions({}), { latentDim: 20, solver: 'auto' });
  assert.throws(
    () => resolvePcaOptions({ latentDim: 0 }),
    (e: unknown) => e instanceof ConfigError && /latentDim: expected an integer ≥ 1, got 0/.test(e.message),
  );
  assert.throws(
    () => resolvePcaOptions({ solver: 'qr' as never }),
    (e: unknown) => e instanceof ConfigError && /solver: expected one of/.test(e.message),
  );
  assert.throws(
    () => PCA.fit(correlated(20, 3, 6), { latentDim: 4 }),
    (e: unknown) => e instanceof ConfigError && /latentDim: expected an integer <= 3/.test(e.message),
  );
});
