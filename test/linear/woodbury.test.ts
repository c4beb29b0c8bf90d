/**
 * The low-rank (Woodbury identity + determinant lemma) log-likelihood, posterior and posterior-mean
 * reconstruction of PPCA and factor analysis against dense float64 computations that build the D×D covariance explicitly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { deriveRng } from '../../src/math/rng.js';
import { FactorAnalysis } from '../../src/models/linear/factor-analysis.js';
import { PPCA } from '../../src/models/linear/ppca.js';
import { LowRankGaussian, linearGaussianMStep } from '../../src/models/linear/low-rank-gaussian.js';
import { columnMoments, covarianceMatrix } from '../../src/models/linear/linalg.js';
import { assertAllClose } from '../helpers/assert.js';
import { mvnLogPdf64 } from '../helpers/oracles.js';

const D = 6;
const Z = 2;

function randomParams(seed: number): { mean: Float64Array; loading: Float64Array; psi: Float64Array } {
  const rng = deriveRng(seed, 'woodbury-test');
  const mean = Float64Array.from({ length: D }, () => rng.nextNormal());
  const loading = Float64Array.from({ length: D * Z }, () => rng.nextNormal());
  const psi = Float64Array.from({ length: D }, () => 0.1 + rng.next());
  return { mean, loading, psi };
}

function randomData(n: number, seed: number, scale = 2): Dataset {
  const rng = deriveRng(seed, 'woodbury-data');
  const x = Float32Array.from({ length: n * D }, () => scale * rng.nextNormal());
  return makeDataset({ x, numExamples: n, dataDim: D, source: 'woodbury-test' });
}

/** C = W Wᵀ + diag(ψ) as nested arrays, built entry by entry. */
function denseCovariance(loading: Float64Array, psi: Float64Array): number[][] {
  const c: number[][] = [];
  for (let i = 0; i < D; i++) {
    c.push([]);
    for (let j = 0; j < D; j++) {
      let s = i === j ? psi[i] : 0;
      for (let k = 0; k < Z; k++) s += loading[i * Z + k] * loading[j * Z + k];
      c[i].push(s);
    }
  }
  return c;
}

function denseLogLikelihood(ds: Dataset, mean: Float64Array, loading: Float64Array, psi: Float64Array): number[] {
  const cov = denseCovariance(loading, psi);
  const out: number[] = [];
  for (let n = 0; n < ds.numExamples; n++) out.push(mvnLogPdf64(Array.from(ds.x.subarray(n * D, n * D + D)), Array.from(mean), cov));
  return out;
}

/** Seed 002's posterior, densely: mean Aᵀ C⁻¹ (x − μ) [N, Z], covariance I − Aᵀ C⁻¹ A [Z, Z]. */
function densePosterior(ds: Dataset, mean: Float64Array, loading: Float64Array, psi: Float64Array): { mean: number[]; cov: number[] } {
  const chol = new CholeskyDecomposition(new Matrix(denseCovariance(loading, psi)));
  const a = Matrix.from1DArray(D, Z, Array.from(loading));
  const r = new Matrix(D, ds.numExamples);
  for (let n = 0; n < ds.numExamples; n++) for (let i = 0; i < D; i++) r.set(i, n, ds.x[n * D + i] - mean[i]);
  const postMean = a.transpose().mmul(chol.solve(r)).transpose(); // [N, Z]
  const postCov = Matrix.eye(Z).sub(a.transpose().mmul(chol.solve(a))); // [Z, Z]
  return { mean: postMean.to1DArray(), cov: postCov.to1DArray() };
}

test('factor analysis log-likelihood by Woodbury and the determinant lemma equals the dense N(μ, AAᵀ + Ψ) log-density (rtol 1e-9)', () => {
  const { mean, loading, psi } = randomParams(1);
  const ds = randomData(50, 2);
  const fa = new FactorAnalysis(mean, loading, psi);
  assertAllClose(fa.logLikelihood(ds), denseLogLikelihood(ds, mean, loading, psi), { rtol: 1e-9, atol: 0 });
  const expectedMean = denseLogLikelihood(ds, mean, loading, psi).reduce((a, b) => a + b, 0) / ds.numExamples;
  assertAllClose(fa.meanLogLikelihood(ds), expectedMean, { rtol: 1e-9, atol: 0 });
});

test('probabilistic PCA log-likelihood by Woodbury equals the dense N(μ, WWᵀ + σ²I) log-density (rtol 1e-9)', () => {
  const { mean, loading } = randomParams(3);
  const psi = new Float64Array(D).fill(0.37);
  const ds = randomData(50, 4);
  const ppca = new PPCA(mean, loading, psi);
  assertAllClose(ppca.logLikelihood(ds), denseLogLikelihood(ds, mean, loading, psi), { rtol: 1e-9, atol: 0 });
});

test('the Woodbury log-likelihood stays equal to the dense one when some noise variances are 1e-7 (floored constant pixels)', () => {
  const { mean, loading, psi } = randomParams(5);
  psi[0] = 1e-7;
  psi[3] = 1e-7;
  for (let k = 0; k < Z; k++) loading[0 * Z + k] = 0;
  const ds = randomData(20, 6, 0.5);
  for (let n = 0; n < ds.numExamples; n++) ds.x[n * D] = mean[0]; // a constant pixel at the mean
  const fa = new FactorAnalysis(mean, loading, psi);
  const got = fa.logLikelihood(ds);
  assert.ok(got.every(Number.isFinite));
  // cond(C) ≈ 1e7 here, so the dense Cholesky oracle itself is only good to about 1e-16 · 1e7 · D.
  assertAllClose(got, denseLogLikelihood(ds, mean, loading, psi), { rtol: 1e-9, atol: 1e-7 });
});

test('the posterior p(z|x) equals seed 002’s N(Aᵀ(AAᵀ+D)⁻¹(x−μ), I − Aᵀ(AAᵀ+D)⁻¹A) computed densely', () => {
  const { mean, loading, psi } = randomParams(7);
  const ds = randomData(30, 8);
  const got = new FactorAnalysis(mean, loading, psi).posterior(ds);
  const want = densePosterior(ds, mean, loading, psi);
  assertAllClose(got.mean, want.mean, { rtol: 1e-9, atol: 1e-12 });
  assertAllClose(got.covariance, want.cov, { rtol: 1e-9, atol: 1e-12 });
});

test('reconstruct is μ + A E[z|x] with E[z|x] = Aᵀ(AAᵀ+D)⁻¹(x−μ) computed densely, for factor analysis and PPCA', () => {
  const { mean, loading, psi } = randomParams(17);
  const ds = randomData(30, 18);
  const isotropic = new Float64Array(D).fill(0.42);
  for (const [model, noise] of [
    [new FactorAnalysis(mean, loading, psi), psi],
    [new PPCA(mean, loading, isotropic), isotropic],
  ] as const) {
    const post = densePosterior(ds, mean, loading, noise);
    const a = Matrix.from1DArray(D, Z, Array.from(loading));
    const want = Matrix.from1DArray(ds.numExamples, Z, post.mean).mmul(a.transpose()); // [N, D]
    for (let n = 0; n < ds.numExamples; n++) for (let i = 0; i < D; i++) want.set(n, i, want.get(n, i) + mean[i]);
    const expected = want.to1DArray();
    assertAllClose(model.reconstruct(ds.x), expected, { rtol: 1e-9, atol: 1e-12, message: model.kind });
    let sq = 0;
    for (let k = 0; k < expected.length; k++) sq += (ds.x[k] - expected[k]) ** 2;
    assertAllClose(model.reconstructionError(ds), sq / ds.numExamples, { rtol: 1e-9, atol: 0, message: model.kind });
  }
});

test('the posterior-mean reconstruction tends to the projection onto the columns of W as σ² → 0, and is shrunk towards μ otherwise', () => {
  const { mean, loading } = randomParams(19);
  const ds = randomData(10, 20);
  const a = Matrix.from1DArray(D, Z, Array.from(loading));
  const projector = a.mmul(new CholeskyDecomposition(a.transpose().mmul(a)).solve(a.transpose())); // W (WᵀW)⁻¹ Wᵀ [D, D]
  const r = new Matrix(ds.numExamples, D);
  for (let n = 0; n < ds.numExamples; n++) for (let i = 0; i < D; i++) r.set(n, i, ds.x[n * D + i] - mean[i]);
  const projected = r.mmul(projector); // [N, D], x̂ − μ of the projection
  const offsetNorm = (x: Float64Array) => {
    let s = 0;
    for (let n = 0; n < ds.numExamples; n++) for (let i = 0; i < D; i++) s += (x[n * D + i] - mean[i]) ** 2;
    return Math.sqrt(s);
  };
  const tiny = new PPCA(mean, loading, new Float64Array(D).fill(1e-10)).reconstruct(ds.x);
  const expected = projected.to1DArray().map((v, k) => v + mean[k % D]);
  assertAllClose(tiny, expected, { rtol: 1e-6, atol: 1e-8 });
  const noisy = new PPCA(mean, loading, new Float64Array(D).fill(1)).reconstruct(ds.x);
  assert.ok(offsetNorm(noisy) < offsetNorm(Float64Array.from(expected)), 'σ² = 1 shrinks x̂ − μ');
});

test('reconstruct refuses a buffer whose length is not a multiple of D', () => {
  const { mean, loading, psi } = randomParams(21);
  assert.throws(
    () => new FactorAnalysis(mean, loading, psi).reconstruct(new Float32Array(D + 1)),
    /fa\.reconstruct: expected x\.length to be a multiple of dataDim = 6, got 7/,
  );
});

test('one EM step equals seed 002’s M-step from densely computed posterior moments', () => {
  const { mean, loading, psi } = randomParams(9);
  const ds = randomData(40, 10);
  const n = ds.numExamples;
  const post = densePosterior(ds, mean, loading, psi);
  // Σ_n r_n E[z_n]ᵀ [D, Z] and Σ_n E[z_n z_nᵀ] = N·G + Σ_n E[z_n] E[z_n]ᵀ [Z, Z]
  const xz = new Matrix(D, Z);
  const zz = Matrix.from1DArray(Z, Z, post.cov).mul(n);
  for (let k = 0; k < n; k++) {
    for (let a = 0; a < Z; a++) {
      const ez = post.mean[k * Z + a];
      for (let i = 0; i < D; i++) xz.set(i, a, xz.get(i, a) + (ds.x[k * D + i] - mean[i]) * ez);
      for (let b = 0; b < Z; b++) zz.set(a, b, zz.get(a, b) + ez * post.mean[k * Z + b]);
    }
  }
  const zzSym = zz.add(zz.transpose()).div(2);
  const aNew = xz.mmul(new CholeskyDecomposition(zzSym).solve(Matrix.eye(Z))); // [D, Z]
  const variance = new Float64Array(D);
  for (let i = 0; i < D; i++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += (ds.x[k * D + i] - mean[i]) ** 2;
    variance[i] = s / n;
  }
  const psiNew = variance.map((v, i) => {
    let s = 0;
    for (let a = 0; a < Z; a++) s += aNew.get(i, a) * xz.get(i, a);
    return v - s / n;
  });
  const stats = new LowRankGaussian(mean, loading, psi).expectedStatistics(ds);
  const got = linearGaussianMStep(stats, variance, 1e-12, false);
  assertAllClose(got.loading, aNew.to1DArray(), { rtol: 1e-9, atol: 1e-12 });
  assertAllClose(got.noiseVariance, psiNew, { rtol: 1e-9, atol: 1e-12 });
  const iso = linearGaussianMStep(stats, variance, 1e-12, true);
  const meanPsi = psiNew.reduce((a, b) => a + b, 0) / D;
  assertAllClose(iso.noiseVariance, new Float64Array(D).fill(meanPsi), { rtol: 1e-9, atol: 0 });
});

test('the E-step’s mean log-likelihood equals the mean of the dense log-densities', () => {
  const { mean, loading, psi } = randomParams(11);
  const ds = randomData(25, 12);
  const stats = new LowRankGaussian(mean, loading, psi).expectedStatistics(ds);
  const dense = denseLogLikelihood(ds, mean, loading, psi);
  assertAllClose(stats.meanLogLikelihood, dense.reduce((a, b) => a + b, 0) / dense.length, { rtol: 1e-9, atol: 0 });
});

test('E-step statistics from the covariance S equal those from the examples (the fast path for N > D)', () => {
  const { mean, loading, psi } = randomParams(13);
  const ds = randomData(60, 14);
  const moments = columnMoments(ds);
  const g = new LowRankGaussian(moments.mean, loading, psi);
  const fromData = g.expectedStatistics(ds);
  const fromCov = g.statisticsFromCovariance(covarianceMatrix(ds, moments.mean, moments.variance));
  assertAllClose(fromCov.meanLogLikelihood, fromData.meanLogLikelihood, { rtol: 1e-10, atol: 0 });
  assertAllClose(fromCov.crossMoment, fromData.crossMoment, { rtol: 1e-9, atol: 1e-12 });
  assertAllClose(fromCov.latentMoment, fromData.latentMoment, { rtol: 1e-9, atol: 1e-12 });
  assert.ok(mean.length === D);
});

test('the sparse, shifted covariance equals the two-pass dense covariance, with zeros and with a large offset', () => {
  const n = 40;
  const rng = deriveRng(15, 'covariance');
  const x = new Float32Array(n * D);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < D; i++) {
      const v = rng.next() < 0.6 ? 0 : rng.next(); // sparse columns
      x[k * D + i] = i === 4 ? 1000 + v : i === 5 ? 7 : v; // an offset column and a constant column
    }
  }
  const ds = makeDataset({ x, numExamples: n, dataDim: D, source: 'sparse' });
  const { mean, variance } = columnMoments(ds);
  const dense = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < D; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (x[k * D + i] - mean[i]) * (x[k * D + j] - mean[j]);
      dense[i * D + j] = s / n;
    }
  }
  assertAllClose(covarianceMatrix(ds, mean, variance), dense, { rtol: 1e-9, atol: 1e-14 });
});

test('784-dimensional log-likelihoods are cheap: 200 examples with Z = 20 in well under a second', () => {
  const d = 784;
  const z = 20;
  const rng = deriveRng(0, 'woodbury-784');
  const mean = new Float64Array(d);
  const loading = Float64Array.from({ length: d * z }, () => 0.1 * rng.nextNormal());
  const psi = new Float64Array(d).fill(0.05);
  const x = Float32Array.from({ length: 200 * d }, () => rng.nextNormal());
  const ds = makeDataset({ x, numExamples: 200, dataDim: d, source: 'woodbury-784' });
  const t0 = performance.now();
  const ll = new FactorAnalysis(mean, loading, psi).logLikelihood(ds);
  const ms = performance.now() - t0;
  assert.ok(ll.every(Number.isFinite));
  assert.ok(ms < 1000, `expected < 1000 ms, took ${ms.toFixed(0)} ms`);
});
