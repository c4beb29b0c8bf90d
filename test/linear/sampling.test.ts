/**
 * Sampling: the sample mean and covariance of 20000 draws match each model's own mean and
 * covariance within 5 standard errors computed from the samples.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { makeDataset } from '../../src/data/dataset.js';
import { deriveRng } from '../../src/math/rng.js';
import { FactorAnalysis } from '../../src/models/linear/factor-analysis.js';
import { GaussianMixture } from '../../src/models/linear/gmm.js';
import type { LinearModel } from '../../src/models/linear/linear-model.js';
import { PCA } from '../../src/models/linear/pca.js';
import { PPCA } from '../../src/models/linear/ppca.js';

const D = 4;
const NUM = 20000;

/** Checks sample moments against (mean [D], cov [D, D]) within 5 standard errors from the samples. */
function assertMomentsMatch(x: Float32Array, mean: number[], cov: number[][], label: string): void {
  const n = x.length / D;
  const m = new Array<number>(D).fill(0);
  for (let k = 0; k < n; k++) for (let i = 0; i < D; i++) m[i] += x[k * D + i] / n;
  for (let i = 0; i < D; i++) {
    let ss = 0;
    for (let k = 0; k < n; k++) ss += (x[k * D + i] - m[i]) ** 2;
    const se = Math.sqrt(ss / (n - 1) / n);
    assert.ok(Math.abs(m[i] - mean[i]) <= 5 * se + 1e-9, `${label}: mean[${i}] ${m[i]} vs ${mean[i]} (se ${se})`);
  }
  for (let i = 0; i < D; i++) {
    for (let j = i; j < D; j++) {
      let c = 0;
      for (let k = 0; k < n; k++) c += ((x[k * D + i] - m[i]) * (x[k * D + j] - m[j])) / n;
      let ss = 0;
      for (let k = 0; k < n; k++) ss += ((x[k * D + i] - m[i]) * (x[k * D + j] - m[j]) - c) ** 2;
      const se = Math.sqrt(ss / (n - 1) / n);
      assert.ok(Math.abs(c - cov[i][j]) <= 5 * se + 1e-9, `${label}: cov[${i}][${j}] ${c} vs ${cov[i][j]} (se ${se})`);
    }
  }
}

function params(seed: number): { mean: Float64Array; loading: Float64Array; psi: Float64Array } {
  const rng = deriveRng(seed, 'sampling-test');
  return {
    mean: Float64Array.from({ length: D }, () => 3 * rng.nextNormal()),
    loading: Float64Array.from({ length: D * 2 }, () => rng.nextNormal()),
    psi: Float64Array.from({ length: D }, () => 0.2 + rng.next()),
  };
}

function lowRankCov(loading: Float64Array, psi: Float64Array): number[][] {
  return Array.from({ length: D }, (_, i) =>
    Array.from({ length: D }, (_, j) => loading[i * 2] * loading[j * 2] + loading[i * 2 + 1] * loading[j * 2 + 1] + (i === j ? psi[i] : 0)),
  );
}

test('factor analysis and PPCA samples have mean μ and covariance WWᵀ + Ψ', () => {
  const { mean, loading, psi } = params(1);
  assertMomentsMatch(new FactorAnalysis(mean, loading, psi).sample(NUM, 7), Array.from(mean), lowRankCov(loading, psi), 'fa');
  const iso = new Float64Array(D).fill(0.5);
  assertMomentsMatch(new PPCA(mean, loading, iso).sample(NUM, 8), Array.from(mean), lowRankCov(loading, iso), 'ppca');
});

test('PCA samples have mean μ and the rank-Z covariance Σ_i λ_i u_i u_iᵀ', () => {
  const rng = deriveRng(2, 'sampling-pca');
  const x = Float32Array.from({ length: 200 * D }, (_, i) => (1 + (i % D)) * rng.nextNormal() + rng.nextNormal());
  const pca = PCA.fit(makeDataset({ x, numExamples: 200, dataDim: D, source: 'pca-data' }), { latentDim: 2 });
  const cov = Array.from({ length: D }, (_, i) =>
    Array.from({ length: D }, (_, j) => [0, 1].reduce((s, c) => s + pca.explainedVariance[c] * pca.components[c * D + i] * pca.components[c * D + j], 0)),
  );
  assertMomentsMatch(pca.sample(NUM, 9), Array.from(pca.mean), cov, 'pca');
});

test('Gaussian-mixture samples have the mixture’s mean Σπμ and covariance Σπ(Σ_k + μ_kμ_kᵀ) − μμᵀ (full and diag)', () => {
  const weights = Float64Array.from([0.2, 0.5, 0.3]);
  const means = Float64Array.from([0, 0, 0, 0, 4, -2, 1, 0, -3, 3, 2, 5]);
  const full = new Float64Array(3 * D * D);
  const diag = new Float64Array(3 * D);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < D; i++) {
      diag[c * D + i] = 0.5 + c + 0.25 * i;
      for (let j = 0; j < D; j++) full[c * D * D + i * D + j] = i === j ? 1 + c : 0.3 * (c + 1) * (i + j === 3 ? 1 : 0.5);
    }
  }
  for (const [kind, covs] of [
    ['full', full],
    ['diag', diag],
  ] as const) {
    const gmm = new GaussianMixture(kind, weights, means, covs);
    const mu = Array.from({ length: D }, (_, i) => [0, 1, 2].reduce((s, c) => s + weights[c] * means[c * D + i], 0));
    const cov = Array.from({ length: D }, (_, i) =>
      Array.from(
        { length: D },
        (_, j) =>
          [0, 1, 2].reduce((s, c) => {
            const sigma = kind === 'full' ? covs[c * D * D + i * D + j] : i === j ? covs[c * D + i] : 0;
            return s + weights[c] * (sigma + means[c * D + i] * means[c * D + j]);
          }, 0) -
          mu[i] * mu[j],
      ),
    );
    assertMomentsMatch(gmm.sample(NUM, 10), mu, cov, `gmm ${kind}`);
  }
});

test('equal seeds give equal samples, the first m of n draws are sample(m), other seeds differ', () => {
  const { mean, loading, psi } = params(3);
  const models: LinearModel[] = [
    new FactorAnalysis(mean, loading, psi),
    new GaussianMixture('diag', Float64Array.from([0.5, 0.5]), Float64Array.from([0, 0, 0, 0, 1, 1, 1, 1]), new Float64Array(8).fill(1)),
  ];
  for (const m of models) {
    const a = m.sample(50, 1);
    assert.deepEqual(m.sample(50, 1), a, m.kind);
    assert.deepEqual(m.sample(20, 1), a.slice(0, 20 * D), m.kind);
    assert.notDeepEqual(m.sample(50, 2), a, m.kind);
    assert.throws(
      () => m.sample(-1, 1),
      (e: unknown) => e instanceof ConfigError && /numSamples: expected an integer ≥ 0, got -1/.test(e.message),
    );
  }
});
