import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { ConfigError, DataError } from '../../src/errors.js';
import { makeDataset, takeFirst, type Dataset } from '../../src/data/dataset.js';
import { loadIdxDataset, mnistDataDir } from '../../src/node/datasets/mnist.js';
import { deriveRng } from '../../src/math/rng.js';
import { GaussianMixture, GMM_DEFAULTS, resolveGmmOptions, type GmmCovariance } from '../../src/models/linear/gmm.js';
import { initialCentres, type GmmInit } from '../../src/models/linear/kmeans-init.js';
import { assertAllClose } from '../helpers/assert.js';
import { mvnLogPdf64 } from '../helpers/oracles.js';

const LOG_2PI = Math.log(2 * Math.PI);
const CENTRES = [
  [0, 0, 0],
  [10, 0, 5],
  [0, -10, 10],
];

/** Three well-separated clusters in 3-D with different shapes; labels are the true cluster. */
function clusters(nPer: number, seed: number): Dataset {
  const rng = deriveRng(seed, 'gmm-test');
  const d = 3;
  const x = new Float32Array(3 * nPer * d);
  const labels = new Int32Array(3 * nPer);
  for (let c = 0; c < 3; c++) {
    for (let k = 0; k < nPer; k++) {
      const n = c * nPer + k;
      const g = [rng.nextNormal(), rng.nextNormal(), rng.nextNormal()];
      const v = [g[0] * (1 + c), g[1] + 0.8 * g[0], 0.5 * g[2]]; // correlated, per-cluster scale
      for (let i = 0; i < d; i++) x[n * d + i] = CENTRES[c][i] + v[i];
      labels[n] = c;
    }
  }
  return makeDataset({ x, numExamples: 3 * nPer, dataDim: d, labels, source: 'clusters' });
}

/** Per-component parameters read back from the model, as nested arrays. */
function components(gmm: GaussianMixture): { w: number; mu: number[]; cov: number[][] }[] {
  const d = gmm.dataDim;
  return Array.from({ length: gmm.numComponents }, (_, c) => {
    const mu = Array.from(gmm.means.subarray(c * d, (c + 1) * d));
    const cov = Array.from({ length: d }, (_, i) =>
      Array.from({ length: d }, (_, j) => (gmm.covariance === 'full' ? gmm.covariances[c * d * d + i * d + j] : i === j ? gmm.covariances[c * d + i] : 0)),
    );
    return { w: gmm.weights[c], mu, cov };
  });
}

/** log Σ_k π_k N(x; μ_k, Σ_k) by a direct float64 log-sum-exp over dense Cholesky log-densities. */
function oracleLogLikelihood(gmm: GaussianMixture, ds: Dataset): { ll: number[]; resp: number[] } {
  const comps = components(gmm);
  const d = ds.dataDim;
  const ll: number[] = [];
  const resp: number[] = [];
  for (let n = 0; n < ds.numExamples; n++) {
    const x = Array.from(ds.x.subarray(n * d, (n + 1) * d));
    const terms = comps.map((c) => Math.log(c.w) + mvnLogPdf64(x, c.mu, c.cov));
    const m = Math.max(...terms);
    const lse = m + Math.log(terms.reduce((s, t) => s + Math.exp(t - m), 0));
    ll.push(lse);
    for (const t of terms) resp.push(Math.exp(t - lse));
  }
  return { ll, resp };
}

function assertMonotone(h: number[], label: string): void {
  for (let i = 1; i < h.length; i++) {
    assert.ok(h[i] >= h[i - 1] - 1e-10 * Math.abs(h[i - 1]), `${label}: history fell at iteration ${i}: ${h[i - 1]} → ${h[i]}`);
  }
}

const SETTINGS: [GmmCovariance, GmmInit][] = [
  ['full', 'kmeans++'],
  ['diag', 'kmeans++'],
  ['full', 'random'],
  ['diag', 'random'],
];

test('EM’s log-likelihood history never decreases (full and diag, k-means++ and random)', () => {
  const ds = clusters(100, 1);
  for (const [covariance, init] of SETTINGS) {
    for (const seed of [0, 1]) {
      const gmm = GaussianMixture.fit(ds, { numComponents: 4, covariance, init, seed, tol: 1e-8, maxIter: 300 });
      assert.ok(gmm.history.length > 2);
      assertMonotone(gmm.history, `${covariance}/${init}/seed ${seed}`);
    }
  }
});

test('on well-separated clusters it recovers the means (up to permutation) and the labels', () => {
  const ds = clusters(200, 2);
  for (const covariance of ['full', 'diag'] as const) {
    const gmm = GaussianMixture.fit(ds, { numComponents: 3, covariance, tol: 1e-8 });
    const comps = components(gmm);
    const match = CENTRES.map((centre) => {
      let best = 0;
      for (let c = 1; c < 3; c++) {
        const dist = (k: number) => comps[k].mu.reduce((s, v, i) => s + (v - centre[i]) ** 2, 0);
        if (dist(c) < dist(best)) best = c;
      }
      return best;
    });
    assert.deepEqual([...new Set(match)].sort(), [0, 1, 2], `${covariance}: one component per cluster`);
    CENTRES.forEach((centre, t) => assertAllClose(comps[match[t]].mu, centre, { rtol: 0, atol: 0.35, message: `${covariance} centre ${t}` }));
    const predicted = gmm.predict(ds);
    let agree = 0;
    for (let n = 0; n < ds.numExamples; n++) if (predicted[n] === match[ds.labels![n]]) agree++;
    assert.ok(agree / ds.numExamples > 0.99, `${covariance}: ${agree} of ${ds.numExamples} labels`);
    for (const w of comps) assertAllClose(w.w, 1 / 3, { rtol: 0, atol: 0.02 });
  }
});

test('the exact log-likelihood and the responsibilities equal a direct float64 log-sum-exp oracle; responsibilities sum to 1', () => {
  const ds = clusters(60, 3);
  for (const covariance of ['full', 'diag'] as const) {
    const gmm = GaussianMixture.fit(ds, { numComponents: 3, covariance, maxIter: 20 });
    const oracle = oracleLogLikelihood(gmm, ds);
    assertAllClose(gmm.logLikelihood(ds), oracle.ll, { rtol: 1e-10, atol: 0, message: covariance });
    const resp = gmm.responsibilities(ds);
    assertAllClose(resp, oracle.resp, { rtol: 1e-8, atol: 1e-12, message: covariance });
    for (let n = 0; n < ds.numExamples; n++) assertAllClose(resp[n * 3] + resp[n * 3 + 1] + resp[n * 3 + 2], 1, { rtol: 0, atol: 1e-12 });
    assertAllClose(gmm.meanLogLikelihood(ds), oracle.ll.reduce((a, b) => a + b, 0) / ds.numExamples, { rtol: 1e-10, atol: 0 });
  }
});

test('the log-likelihood equals the log-sum-exp oracle where components overlap (points between the centres)', () => {
  const weights = Float64Array.from([0.3, 0.7]);
  const means = Float64Array.from([0, 0, 1.5, -0.5]);
  const full = Float64Array.from([1, 0.4, 0.4, 2, 0.5, -0.2, -0.2, 0.8]);
  const diag = Float64Array.from([1, 2, 0.5, 0.8]);
  const x = new Float32Array(2 * 21);
  for (let t = 0; t <= 20; t++) x.set([-1 + 0.175 * t, 0.5 - 0.05 * t], 2 * t);
  const ds = makeDataset({ x, numExamples: 21, dataDim: 2, source: 'between' });
  for (const [kind, covs] of [
    ['full', full],
    ['diag', diag],
  ] as const) {
    const gmm = new GaussianMixture(kind, weights, means, covs);
    const oracle = oracleLogLikelihood(gmm, ds);
    assertAllClose(gmm.logLikelihood(ds), oracle.ll, { rtol: 1e-12, atol: 0, message: kind });
    assertAllClose(gmm.responsibilities(ds), oracle.resp, { rtol: 1e-10, atol: 1e-14, message: kind });
  }
});

test('k-means++ seeding puts one initial centre in each of three far-apart tight clusters, for every seed', () => {
  const x = new Float32Array(3 * 100 * 2);
  const rng = deriveRng(0, 'kmeanspp');
  for (let n = 0; n < 300; n++) {
    const c = n % 3;
    x.set([100 * c + 0.01 * rng.nextNormal(), 0.01 * rng.nextNormal()], 2 * n);
  }
  const ds = makeDataset({ x, numExamples: 300, dataDim: 2, source: 'tight' });
  for (let seed = 0; seed < 20; seed++) {
    const centres = initialCentres(ds, 3, 'kmeans++', seed);
    assert.deepEqual([...centres].map((i) => i % 3).sort(), [0, 1, 2], `seed ${seed}`);
  }
});

test('a single full-covariance component is the Gaussian maximum-likelihood fit: mean LL = −½ [D log 2π + log |S| + D]', () => {
  const ds = clusters(50, 4);
  const gmm = GaussianMixture.fit(ds, { numComponents: 1, covariance: 'full' });
  const x = Matrix.from1DArray(ds.numExamples, 3, Array.from(ds.x));
  const centred = x.subRowVector(x.mean('column'));
  const s = centred.transpose().mmul(centred).div(ds.numExamples);
  const logDet = new EigenvalueDecomposition(s, { assumeSymmetric: true }).realEigenvalues.reduce((a, b) => a + Math.log(b), 0);
  assertAllClose(gmm.meanLogLikelihood(ds), -0.5 * (3 * LOG_2PI + logDet + 3), { rtol: 1e-10, atol: 0 });
  assertAllClose(gmm.covariances, s.to1DArray(), { rtol: 1e-9, atol: 1e-12 });
});

test('the covariance floor keeps a component on 40 duplicate points from collapsing: finite log-likelihoods, monotone EM', () => {
  const rng = deriveRng(5, 'gmm-dup');
  const n = 140;
  const x = new Float32Array(n * 2);
  for (let k = 0; k < 100; k++) x.set([rng.nextNormal(), rng.nextNormal()], k * 2);
  for (let k = 100; k < n; k++) x.set([6, 6], k * 2);
  const ds = makeDataset({ x, numExamples: n, dataDim: 2, source: 'duplicates' });
  for (const covariance of ['full', 'diag'] as const) {
    const gmm = GaussianMixture.fit(ds, { numComponents: 2, covariance, covarianceFloor: 1e-6, tol: 1e-8 });
    assertMonotone(gmm.history, covariance);
    const ll = gmm.logLikelihood(ds);
    assert.ok(ll.every(Number.isFinite), `${covariance}: non-finite log-likelihood`);
    // The component on the duplicates sits at the floor: variance 1e-6 × mean data variance.
    let meanVar = 0;
    for (let i = 0; i < 2; i++) {
      let m = 0;
      for (let k = 0; k < n; k++) m += x[k * 2 + i] / n;
      for (let k = 0; k < n; k++) meanVar += (x[k * 2 + i] - m) ** 2 / n / 2;
    }
    const comps = components(gmm);
    const dup = comps.findIndex((c) => Math.abs(c.mu[0] - 6) < 1e-6);
    assert.ok(dup >= 0, `${covariance}: no component on the duplicates`);
    assertAllClose([comps[dup].cov[0][0], comps[dup].cov[1][1]], [1e-6 * meanVar, 1e-6 * meanVar], { rtol: 1e-6, atol: 0 });
  }
  const k2 = makeDataset({ x: new Float32Array([1, 1, 1, 1, 1, 1, 2, 2]), numExamples: 4, dataDim: 2, source: 'two-distinct' });
  assert.throws(
    () => GaussianMixture.fit(k2, { numComponents: 3 }),
    (e: unknown) => e instanceof DataError && /expected at least numComponents = 3 distinct examples/.test(e.message),
  );
});

test('on 300 MNIST digits a diagonal mixture’s history never decreases and its log-likelihoods stay finite (constant pixels floored)', () => {
  const ds = takeFirst(loadIdxDataset(mnistDataDir()).train, 300);
  const gmm = GaussianMixture.fit(ds, { numComponents: 5, covariance: 'diag', maxIter: 15 });
  assert.ok(gmm.history.length >= 5, `only ${gmm.history.length} iterations`);
  assertMonotone(gmm.history, 'MNIST');
  assert.ok(gmm.logLikelihood(ds).every(Number.isFinite));
  assert.ok(gmm.covariances.every((v) => v > 0));
});

test('options: frozen defaults; bad covariance, init and numComponents are ConfigErrors naming the field', () => {
  assert.ok(Object.isFrozen(GMM_DEFAULTS));
  assert.deepEqual(resolveGmmOptions({}), { numComponents: 10, covariance: 'diag', init: 'kmeans++', maxIter: 500, tol: 1e-4, seed: 0, covarianceFloor: 1e-6 });
  assert.throws(
    () => resolveGmmOptions({ covariance: 'spherical' as never }),
    (e: unknown) => e instanceof ConfigError && /covariance: expected one of full, diag, got "spherical"/.test(e.message),
  );
  assert.throws(
    () => resolveGmmOptions({ init: 'kmeans' as never }),
    (e: unknown) => e instanceof ConfigError && /init: expected one of kmeans\+\+, random/.test(e.message),
  );
  assert.throws(
    () => GaussianMixture.fit(clusters(2, 6), { numComponents: 7 }),
    (e: unknown) => e instanceof ConfigError && /numComponents: expected an integer <= the number of examples 6, got 7/.test(e.message),
  );
});
