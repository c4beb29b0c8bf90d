import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, DataError, ShapeError } from '../../src/errors.js';
import { makeDataset, takeFirst, type Dataset } from '../../src/data/dataset.js';
import { deriveRng } from '../../src/math/rng.js';
import { FactorAnalysis, FA_DEFAULTS, resolveFactorAnalysisOptions } from '../../src/models/linear/factor-analysis.js';
import { PPCA } from '../../src/models/linear/ppca.js';
import { loadIdxDataset, mnistDataDir } from '../../src/node/datasets/mnist.js';
import { assertAllClose } from '../helpers/assert.js';
import { mvnLogPdf64 } from '../helpers/oracles.js';

const D = 8;
const TRUE_MEAN = [1, -1, 0.5, 0, 2, -2, 0.25, 3];
const TRUE_A = [
  [2, 0],
  [1.5, 0.5],
  [0, 1.8],
  [-1, 1],
  [0.7, -0.6],
  [1.2, 1.2],
  [0, 0.3],
  [-0.4, 0],
];
const TRUE_PSI = [0.1, 0.5, 0.05, 1.0, 0.3, 0.2, 0.8, 0.4];

/** Examples from the true factor-analysis model, drawn here (not by the library's sampler). */
function faData(n: number, seed: number): Dataset {
  const rng = deriveRng(seed, 'fa-test-data');
  const x = new Float32Array(n * D);
  for (let k = 0; k < n; k++) {
    const z = [rng.nextNormal(), rng.nextNormal()];
    for (let i = 0; i < D; i++) {
      x[k * D + i] = TRUE_MEAN[i] + TRUE_A[i][0] * z[0] + TRUE_A[i][1] * z[1] + Math.sqrt(TRUE_PSI[i]) * rng.nextNormal();
    }
  }
  return makeDataset({ x, numExamples: n, dataDim: D, source: 'fa-test' });
}

/** The true model's exact log-densities, densely (C = AAᵀ + Ψ, Cholesky). */
function trueLogLikelihood(ds: Dataset): number[] {
  const cov = TRUE_A.map((ai, i) => TRUE_A.map((aj, j) => ai[0] * aj[0] + ai[1] * aj[1] + (i === j ? TRUE_PSI[i] : 0)));
  const out: number[] = [];
  for (let n = 0; n < ds.numExamples; n++) out.push(mvnLogPdf64(Array.from(ds.x.subarray(n * D, n * D + D)), TRUE_MEAN, cov));
  return out;
}

function meanAndSe(v: ArrayLike<number>): { mean: number; se: number } {
  let m = 0;
  for (let i = 0; i < v.length; i++) m += v[i] / v.length;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] - m) ** 2;
  return { mean: m, se: Math.sqrt(s / (v.length - 1) / v.length) };
}

function assertMonotone(h: number[], label: string): void {
  for (let i = 1; i < h.length; i++) {
    assert.ok(h[i] >= h[i - 1] - 1e-10 * Math.abs(h[i - 1]), `${label}: history fell at iteration ${i}: ${h[i - 1]} → ${h[i]}`);
  }
}

test('EM’s log-likelihood history never decreases on synthetic factor-analysis data', () => {
  const ds = faData(1000, 1);
  for (const seed of [0, 1, 2]) {
    const fa = FactorAnalysis.fit(ds, { latentDim: 2, tol: 1e-8, maxIter: 2000, seed });
    assert.ok(fa.history.length > 5);
    assertMonotone(fa.history, `seed ${seed}`);
    assertAllClose(fa.meanLogLikelihood(ds), fa.history[fa.history.length - 1], { rtol: 1e-12, atol: 0 });
  }
});

test('the fitted model’s held-out log-likelihood is within 3 standard errors of the true model’s, and it beats the true parameters on its training data', () => {
  const train = faData(3000, 2);
  const heldOut = faData(3000, 3);
  const fa = FactorAnalysis.fit(train, { latentDim: 2, tol: 1e-8, maxIter: 3000 });
  assert.equal(fa.report?.converged, true);
  const truth = meanAndSe(trueLogLikelihood(heldOut));
  const fitted = meanAndSe(fa.logLikelihood(heldOut));
  assert.ok(Math.abs(fitted.mean - truth.mean) < 3 * truth.se, `fitted ${fitted.mean}, true ${truth.mean} ± ${truth.se}`);
  // The maximum-likelihood fit scores its own training data at least as well as the true parameters.
  assert.ok(fa.meanLogLikelihood(train) >= meanAndSe(trueLogLikelihood(train)).mean);
  // The recovered noise variances match the true ones (up to sampling error).
  assertAllClose(fa.noiseVariance, TRUE_PSI, { rtol: 0.2, atol: 0.03 });
});

test('on factor-analysis data the right model beats latentDim = 1 and beats PPCA on the training data', () => {
  const train = faData(2000, 4);
  const fa2 = FactorAnalysis.fit(train, { latentDim: 2, tol: 1e-7 }).meanLogLikelihood(train);
  const fa1 = FactorAnalysis.fit(train, { latentDim: 1, tol: 1e-7 }).meanLogLikelihood(train);
  const ppca2 = PPCA.fit(train, { latentDim: 2 }).meanLogLikelihood(train);
  assert.ok(fa2 > fa1 + 0.1, `FA Z=2 ${fa2} vs Z=1 ${fa1}`);
  assert.ok(fa2 > ppca2 + 0.1, `FA ${fa2} vs PPCA ${ppca2}`);
});

test('on 500 MNIST digits (67+ constant pixels) EM’s history never decreases and every log-likelihood is finite', () => {
  const { train, test: testSplit } = loadIdxDataset(mnistDataDir());
  const ds = takeFirst(train, 500);
  const fa = FactorAnalysis.fit(ds, { latentDim: 8, maxIter: 25, tol: 1e-4 });
  assert.equal(fa.history.length >= 10, true, `only ${fa.history.length} iterations`);
  assertMonotone(fa.history, 'MNIST');
  assert.ok(fa.history.every(Number.isFinite));
  assert.ok(fa.logLikelihood(ds).every(Number.isFinite));
  assert.ok(fa.logLikelihood(takeFirst(testSplit, 100)).every(Number.isFinite));
  const floor = Math.min(...fa.noiseVariance);
  assert.ok(floor > 0, `noise variance floor ${floor}`);
});

test('stops when an iteration gains less than tol, reports each iteration, and is reproducible by seed', () => {
  const ds = faData(300, 5);
  const seen: number[] = [];
  const fa = FactorAnalysis.fit(ds, { latentDim: 2, tol: 0.01, seed: 3 }, { onIteration: (p) => seen.push(p.meanLogLikelihood) });
  const h = fa.history;
  assert.equal(fa.report?.converged, true);
  assert.ok(h[h.length - 1] - h[h.length - 2] < 0.01);
  assert.ok(h[h.length - 2] - h[h.length - 3] >= 0.01);
  assert.deepEqual(seen, h);
  assert.deepEqual(FactorAnalysis.fit(ds, { latentDim: 2, tol: 0.01, seed: 3 }).logLikelihood(ds), fa.logLikelihood(ds));
});

test('options and data errors: frozen defaults, ConfigError naming the field, ShapeError and DataError for bad data', () => {
  assert.ok(Object.isFrozen(FA_DEFAULTS));
  assert.deepEqual(resolveFactorAnalysisOptions({}), { latentDim: 20, maxIter: 1000, tol: 1e-4, seed: 0, varianceFloor: 1e-6 });
  assert.throws(
    () => resolveFactorAnalysisOptions({ maxIter: 2.5 }),
    (e: unknown) => e instanceof ConfigError && /maxIter: expected an integer ≥ 1, got 2.5/.test(e.message),
  );
  assert.throws(
    () => resolveFactorAnalysisOptions({ varianceFloor: 0 }),
    (e: unknown) => e instanceof ConfigError && /varianceFloor: expected a positive number, got 0/.test(e.message),
  );
  const ds = faData(50, 6);
  assert.throws(
    () => FactorAnalysis.fit(ds, { latentDim: 8 }),
    (e: unknown) => e instanceof ConfigError && /latentDim: expected an integer < dataDim = 8, got 8/.test(e.message),
  );
  const fa = FactorAnalysis.fit(ds, { latentDim: 1, maxIter: 5 });
  const wrong = makeDataset({ x: new Float32Array(7), numExamples: 1, dataDim: 7, source: 'wrong' });
  assert.throws(
    () => fa.logLikelihood(wrong),
    (e: unknown) => e instanceof ShapeError && /expected examples of size dataDim = 8, got 7/.test(e.message),
  );
  const bad = makeDataset({ x: new Float32Array(16).fill(1), numExamples: 2, dataDim: 8, source: 'bad' });
  bad.x[3] = NaN;
  assert.throws(
    () => fa.logLikelihood(bad),
    (e: unknown) => e instanceof DataError && /expected finite values, got NaN at example 0, index 3/.test(e.message),
  );
  const constant = makeDataset({ x: new Float32Array(16).fill(1), numExamples: 2, dataDim: 8, source: 'constant' });
  assert.throws(
    () => FactorAnalysis.fit(constant, { latentDim: 1 }),
    (e: unknown) => e instanceof DataError && /expected some variance/.test(e.message),
  );
});
