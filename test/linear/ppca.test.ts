import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { ConfigError } from '../../src/errors.js';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { deriveRng } from '../../src/math/rng.js';
import { PPCA, PPCA_DEFAULTS, resolvePpcaOptions } from '../../src/models/linear/ppca.js';
import { assertAllClose } from '../helpers/assert.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** Data with a clear 2-D signal: x = W z + μ + noise, noise std 0.3, D = 6. */
function lowRankData(n: number, seed: number): Dataset {
  const d = 6;
  const rng = deriveRng(seed, 'ppca-test');
  const w = [3, 0, 0, 2, 1, 1, -1, 0.5, 0.5, -1.5, 2, 0.2];
  const x = new Float32Array(n * d);
  for (let k = 0; k < n; k++) {
    const z0 = rng.nextNormal();
    const z1 = rng.nextNormal();
    for (let i = 0; i < d; i++) x[k * d + i] = i + w[i * 2] * z0 + w[i * 2 + 1] * z1 + 0.3 * rng.nextNormal();
  }
  return makeDataset({ x, numExamples: n, dataDim: d, source: 'ppca-test' });
}

function eigenvalues(ds: Dataset): number[] {
  const x = Matrix.from1DArray(ds.numExamples, ds.dataDim, Array.from(ds.x));
  const centred = x.subRowVector(x.mean('column'));
  const s = centred.transpose().mmul(centred).div(ds.numExamples);
  return new EigenvalueDecomposition(s, { assumeSymmetric: true }).realEigenvalues.sort((a, b) => b - a);
}

/** Tipping & Bishop's maximised log-likelihood per example: −½ [D log 2π + Σ_{i<=Z} log λ_i + (D − Z) log σ² + D]. */
function maximumLogLikelihood(lambda: number[], z: number): number {
  const d = lambda.length;
  const sigma2 = lambda.slice(z).reduce((a, b) => a + b, 0) / (d - z);
  const logDet = lambda.slice(0, z).reduce((a, b) => a + Math.log(b), 0) + (d - z) * Math.log(sigma2);
  return -0.5 * (d * LOG_2PI + logDet + d);
}

test('closed form: σ² is the mean of the discarded eigenvalues and WᵀW = Λ_Z − σ²I', () => {
  const ds = lowRankData(400, 1);
  const lambda = eigenvalues(ds);
  for (const z of [1, 2, 5]) {
    const ppca = PPCA.fit(ds, { latentDim: z });
    const sigma2 = lambda.slice(z).reduce((a, b) => a + b, 0) / (6 - z);
    assertAllClose(ppca.noiseVariance, sigma2, { rtol: 1e-9, atol: 0, message: `Z = ${z}` });
    const w = Matrix.from1DArray(6, z, Array.from(ppca.loading));
    const wtw = w.transpose().mmul(w);
    for (let a = 0; a < z; a++) {
      for (let b = 0; b < z; b++) {
        assertAllClose(wtw.get(a, b), a === b ? lambda[a] - sigma2 : 0, { rtol: 1e-9, atol: 1e-10, message: `Z = ${z} (${a}, ${b})` });
      }
    }
  }
});

test('closed form attains Tipping & Bishop’s maximum log-likelihood on the training data', () => {
  const ds = lowRankData(400, 2);
  const lambda = eigenvalues(ds);
  for (const z of [1, 2, 5]) {
    assertAllClose(PPCA.fit(ds, { latentDim: z }).meanLogLikelihood(ds), maximumLogLikelihood(lambda, z), { rtol: 1e-10, atol: 0, message: `Z = ${z}` });
  }
});

test('EM converges to the closed-form log-likelihood from below, with a never-decreasing history', () => {
  const ds = lowRankData(400, 3);
  const closed = PPCA.fit(ds, { latentDim: 2 }).meanLogLikelihood(ds);
  const em = PPCA.fit(ds, { latentDim: 2, method: 'em', tol: 1e-10, maxIter: 5000, seed: 4 });
  const h = em.history;
  assert.ok(h.length > 2, `expected several EM iterations, got ${h.length}`);
  for (let i = 1; i < h.length; i++) assert.ok(h[i] >= h[i - 1] - 1e-10 * Math.abs(h[i - 1]), `history fell at ${i}: ${h[i - 1]} → ${h[i]}`);
  assertAllClose(em.meanLogLikelihood(ds), h[h.length - 1], { rtol: 1e-12, atol: 0 });
  assert.ok(em.meanLogLikelihood(ds) <= closed + 1e-9, 'EM cannot beat the maximum');
  assertAllClose(em.meanLogLikelihood(ds), closed, { rtol: 1e-6, atol: 0 });
  assertAllClose(em.noiseVariance, PPCA.fit(ds, { latentDim: 2 }).noiseVariance, { rtol: 1e-3, atol: 0 });
});

test('with Z = D − 1, σ² equals the smallest eigenvalue and the model covariance equals S', () => {
  const ds = lowRankData(300, 5);
  const lambda = eigenvalues(ds);
  const ppca = PPCA.fit(ds, { latentDim: 5 });
  assertAllClose(ppca.noiseVariance, lambda[5], { rtol: 1e-9, atol: 0 });
  // With C = S the log-likelihood is the Gaussian MLE: −½ [D log 2π + log |S| + D].
  const logDetS = lambda.reduce((a, b) => a + Math.log(b), 0);
  assertAllClose(ppca.meanLogLikelihood(ds), -0.5 * (6 * LOG_2PI + logDetS + 6), { rtol: 1e-10, atol: 0 });
});

test('closed form by the SVD solver equals closed form by the covariance eigensolver', () => {
  const ds = lowRankData(200, 6);
  const a = PPCA.fit(ds, { latentDim: 2, solver: 'svd' });
  const b = PPCA.fit(ds, { latentDim: 2, solver: 'covariance' });
  assertAllClose(a.logLikelihood(ds), b.logLikelihood(ds), { rtol: 1e-10, atol: 0 });
});

test('data on an exact Z-dimensional subspace keeps σ² at the floor and finite log-likelihoods', () => {
  const rng = deriveRng(7, 'ppca-flat');
  const n = 50;
  const x = new Float32Array(n * 4);
  for (let k = 0; k < n; k++) {
    const t = rng.nextNormal();
    x.set([t, 2 * t, -t, 0.5], k * 4);
  }
  const ds = makeDataset({ x, numExamples: n, dataDim: 4, source: 'flat' });
  const ppca = PPCA.fit(ds, { latentDim: 1, varianceFloor: 1e-6 });
  let meanVar = 0;
  for (let i = 0; i < 4; i++) {
    let m = 0;
    for (let k = 0; k < n; k++) m += x[k * 4 + i] / n;
    for (let k = 0; k < n; k++) meanVar += (x[k * 4 + i] - m) ** 2 / n / 4;
  }
  assertAllClose(ppca.noiseVariance, 1e-6 * meanVar, { rtol: 1e-9, atol: 0 });
  assert.ok(ppca.logLikelihood(ds).every(Number.isFinite));
});

test('options: defaults are frozen; bad method, latentDim >= D and a bad tol are ConfigErrors naming the field', () => {
  assert.ok(Object.isFrozen(PPCA_DEFAULTS));
  assert.equal(resolvePpcaOptions({}).method, 'closed-form');
  assert.throws(
    () => resolvePpcaOptions({ method: 'gradient' as never }),
    (e: unknown) => e instanceof ConfigError && /method: expected one of closed-form, em, got "gradient"/.test(e.message),
  );
  assert.throws(
    () => resolvePpcaOptions({ tol: -1 }),
    (e: unknown) => e instanceof ConfigError && /tol: expected a positive number, got -1/.test(e.message),
  );
  assert.throws(
    () => PPCA.fit(lowRankData(20, 8), { latentDim: 6 }),
    (e: unknown) => e instanceof ConfigError && /latentDim: expected an integer < dataDim = 6, got 6/.test(e.message),
  );
});
