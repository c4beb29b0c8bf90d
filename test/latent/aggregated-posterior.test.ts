/**
 * The fitted latent prior (ex-post density estimation): a tiny Gaussian-decoder VAE trained in
 * process on three well-separated clusters in 6-D, its posterior means, a 3-component mixture fitted
 * to them, and generation through it. Figures are checked against float64 oracles written here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { ConfigError, ShapeError } from '../../src/errors.js';
import {
  encodeMeans,
  fitLatentMixture,
  LATENT_MIXTURE_DEFAULTS,
  resolveLatentMixtureOptions,
  sampleWithMixturePrior,
  standardNormalLogLikelihood,
} from '../../src/latent/aggregated-posterior.js';
import { deriveRng } from '../../src/math/rng.js';
import { GaussianMixture } from '../../src/models/linear/gmm.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { train } from '../../src/training/trainer.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';
import { mvnLogPdf64 } from '../helpers/oracles.js';

const D = 6;
const Z = 2;
const CENTRES = [
  [3, 3, 0, 0, -3, 0],
  [-3, 0, 3, 0, 0, 3],
  [0, -3, -3, 3, 0, 0],
];

/** 3·nPer points, cluster n % 3 at CENTRES[n % 3] plus N(0, 0.3² I); labels are the cluster. */
function clusters(nPer: number, seed: number): Dataset {
  const rng = deriveRng(seed, 'latent-prior-test');
  const x = new Float32Array(3 * nPer * D); // [N, D]
  const labels = new Int32Array(3 * nPer); // [N]
  for (let n = 0; n < 3 * nPer; n++) {
    labels[n] = n % 3;
    for (let i = 0; i < D; i++) x[n * D + i] = CENTRES[n % 3][i] + 0.3 * rng.nextNormal();
  }
  return makeDataset({ x, numExamples: 3 * nPer, dataDim: D, labels, source: 'clusters' });
}

/** The mixture's components as nested float64 arrays (full covariances). */
function components(gmm: GaussianMixture): { w: number; mu: number[]; cov: number[][] }[] {
  assert.equal(gmm.covariance, 'full');
  const d = gmm.dataDim;
  return Array.from({ length: gmm.numComponents }, (_, c) => ({
    w: gmm.weights[c],
    mu: Array.from(gmm.means.subarray(c * d, (c + 1) * d)),
    cov: Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => gmm.covariances[c * d * d + i * d + j])),
  }));
}

/** Row n of a dataset as plain numbers. */
const row = (ds: Dataset, n: number) => Array.from(ds.x.subarray(n * ds.dataDim, (n + 1) * ds.dataDim));

const trainSet = clusters(200, 1);
const testSet = clusters(100, 2);
let vae: VAE;

before(async () => {
  await useBackend('cpu');
  vae = new VAE({ inputShape: [D], latentDim: Z, hidden: [16], activation: 'tanh', likelihood: { kind: 'gaussian', variance: 0.1 }, seed: 3 });
  const { optimizer } = await train(vae, { train: trainSet }, { options: { epochs: 30, batchSize: 32, learningRate: 1e-2, seed: 0 } });
  optimizer.dispose();
});
after(() => vae.dispose());

describe('encodeMeans', () => {
  test('equals vae.encode(x).mean row for row, in chunks that do not divide N, and keeps the labels', async () => {
    const means = await assertNoTensorLeak(() => encodeMeans(vae, testSet, { batchSize: 64 }));
    assert.deepEqual([means.numExamples, means.dataDim], [300, Z]);
    assert.deepEqual(means.labels, testSet.labels);
    assert.equal(means.source, 'clusters (latent means)');
    const expected = tf.tidy(() => vae.encode(tf.tensor2d(testSet.x, [300, D])).mean); // [N, Z]
    assertAllClose(means.x, expected.dataSync(), { rtol: 1e-6, atol: 1e-7 });
    expected.dispose();
  });

  test('a dataset of the wrong size is a ShapeError; batchSize 0 a ConfigError naming it', async () => {
    const wrong = makeDataset({ x: new Float32Array(10), numExamples: 2, dataDim: 5, source: 'five' });
    await assert.rejects(
      encodeMeans(vae, wrong),
      (e: unknown) => e instanceof ShapeError && /encodeMeans\(five\): expected examples of size dataDim = 6, got 5/.test(e.message),
    );
    await assert.rejects(
      encodeMeans(vae, testSet, { batchSize: 0 }),
      (e: unknown) => e instanceof ConfigError && /batchSize: expected an integer ≥ 1, got 0/.test(e.message),
    );
  });
});

describe('fitLatentMixture', () => {
  let gmm: GaussianMixture;
  let testMeans: Dataset;
  before(async () => {
    gmm = await assertNoTensorLeak(() => fitLatentMixture(vae, trainSet, { numComponents: 3, batchSize: 100 }));
    testMeans = await encodeMeans(vae, testSet);
  });

  test('is GaussianMixture.fit on the training means, with the latent defaults (full covariances)', async () => {
    const direct = GaussianMixture.fit(await encodeMeans(vae, trainSet), { numComponents: 3, covariance: 'full' });
    assert.equal(gmm.covariance, 'full');
    assert.deepEqual(gmm.toJSON(), direct.toJSON());
  });

  test('on clustered data, one component per cluster, and a held-out log-likelihood far above N(0, I)’s (float64 oracles)', () => {
    // Held-out means of each true cluster all go to one component, a different one per cluster.
    const predicted = gmm.predict(testMeans);
    const owner = [0, 1, 2].map((c) => predicted[testMeans.labels!.indexOf(c)]);
    assert.deepEqual([...new Set(owner)].sort(), [0, 1, 2]);
    for (let n = 0; n < testMeans.numExamples; n++) assert.equal(predicted[n], owner[testMeans.labels![n]], `test example ${n}`);

    // The mixture's log-density by a direct log-sum-exp of dense Cholesky log-densities.
    const comps = components(gmm);
    const mixtureOracle = Array.from({ length: testMeans.numExamples }, (_, n) => {
      const terms = comps.map((c) => Math.log(c.w) + mvnLogPdf64(row(testMeans, n), c.mu, c.cov));
      const m = Math.max(...terms);
      return m + Math.log(terms.reduce((s, t) => s + Math.exp(t - m), 0));
    });
    // N(0, I) as a product of one-dimensional densities exp(−z²/2)/√(2π).
    const normalOracle = Array.from({ length: testMeans.numExamples }, (_, n) =>
      row(testMeans, n).reduce((s, z) => s + Math.log(Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI)), 0),
    );
    assertAllClose(gmm.logLikelihood(testMeans), mixtureOracle, { rtol: 1e-10, atol: 1e-12 });
    assertAllClose(standardNormalLogLikelihood(testMeans), normalOracle, { rtol: 1e-12, atol: 1e-12 });
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const mixtureLl = mean(mixtureOracle);
    const normalLl = mean(normalOracle);
    assert.ok(mixtureLl > normalLl + 1, `held-out latent means: mixture ${mixtureLl} vs N(0, I) ${normalLl} nats per example`);
  });

  test('options: defaults in one frozen constant (the mixture’s, but K = 10 and full covariances); bad fields are ConfigErrors', async () => {
    assert.ok(Object.isFrozen(LATENT_MIXTURE_DEFAULTS));
    assert.deepEqual(resolveLatentMixtureOptions({}), {
      numComponents: 10,
      covariance: 'full',
      init: 'kmeans++',
      maxIter: 500,
      tol: 1e-4,
      seed: 0,
      covarianceFloor: 1e-6,
      batchSize: 1000,
    });
    assert.equal(resolveLatentMixtureOptions({ covariance: undefined }).covariance, 'full');
    assert.throws(
      () => resolveLatentMixtureOptions({ covariance: 'spherical' as never }),
      (e: unknown) => e instanceof ConfigError && /covariance: expected one of full, diag/.test(e.message),
    );
    await assert.rejects(
      fitLatentMixture(vae, trainSet, { numComponents: 601 }),
      (e: unknown) => e instanceof ConfigError && /numComponents: expected an integer <= the number of examples 600, got 601/.test(e.message),
    );
  });

  describe('sampleWithMixturePrior', () => {
    test('its latents have the mixture’s mean and covariance (within 5 standard errors), before decoding', () => {
      const n = 20000;
      const z = gmm.sample(n, 7); // [n, Z], the latents sampleWithMixturePrior decodes
      const comps = components(gmm);
      // Mixture moments: m = Σ π_k μ_k, C = Σ π_k (S_k + μ_k μ_kᵀ) − m mᵀ.
      const m = [0, 1].map((i) => comps.reduce((s, c) => s + c.w * c.mu[i], 0));
      const cov = [0, 1].map((i) => [0, 1].map((j) => comps.reduce((s, c) => s + c.w * (c.cov[i][j] + c.mu[i] * c.mu[j]), 0) - m[i] * m[j]));
      const sm = [0, 1].map((i) => {
        let s = 0;
        for (let k = 0; k < n; k++) s += z[k * Z + i];
        return s / n;
      });
      for (let i = 0; i < Z; i++) {
        for (let j = 0; j <= i; j++) {
          let s = 0;
          let s2 = 0;
          for (let k = 0; k < n; k++) {
            const p = (z[k * Z + i] - sm[i]) * (z[k * Z + j] - sm[j]);
            s += p;
            s2 += p * p;
          }
          const c = s / n;
          const se = Math.sqrt((s2 / n - c * c) / n);
          assert.ok(Math.abs(c - cov[i][j]) < 5 * se, `cov[${i}][${j}]: ${c} vs ${cov[i][j]} (se ${se})`);
          if (i === j) {
            const seMean = Math.sqrt(c / n);
            assert.ok(Math.abs(sm[i] - m[i]) < 5 * seMean, `mean[${i}]: ${sm[i]} vs ${m[i]} (se ${seMean})`);
          }
        }
      }
    });

    test('returns the decoder means of those latents, [n, D], the same for the same seed', async () => {
      const x = await assertNoTensorLeak(() => sampleWithMixturePrior(vae, gmm, 50, { seed: 7 }));
      assert.deepEqual(x.shape, [50, D]);
      const expected = tf.tidy(() => vae.decodeMean(tf.tensor2d(gmm.sample(50, 7), [50, Z])));
      assertAllClose(x, expected, { rtol: 0, atol: 0 });
      const again = sampleWithMixturePrior(vae, gmm, 50, { seed: 7 });
      const other = sampleWithMixturePrior(vae, gmm, 50, { seed: 8 });
      assertAllClose(again, x, { rtol: 0, atol: 0 });
      assert.notDeepEqual(Array.from(other.dataSync()), Array.from(x.dataSync()));
      // Decoded samples land near the data clusters: each within 1.5 of some centre (the clusters are ~8 apart).
      const v = x.arraySync();
      for (const [k, r] of v.entries()) {
        const dist = Math.min(...CENTRES.map((c) => Math.hypot(...c.map((ci, i) => r[i] - ci))));
        assert.ok(dist < 1.5, `sample ${k} is ${dist} from the nearest centre`);
      }
      tf.dispose([x, expected, again, other]);
    });

    test('under a Bernoulli decoder it returns pixel probabilities E[x|z] = σ(logits), not the logits', () => {
      const bernoulli = new VAE({ inputShape: [D], latentDim: Z, hidden: [8], seed: 1 });
      try {
        const x = sampleWithMixturePrior(bernoulli, gmm, 20, { seed: 3 }); // [20, D]
        const logits = bernoulli.decode(tf.tensor2d(gmm.sample(20, 3), [20, Z])); // [20, D]
        const sigmoid = Array.from(logits.dataSync(), (l) => 1 / (1 + Math.exp(-l)));
        assertAllClose(x.dataSync(), sigmoid, { rtol: 1e-5, atol: 1e-7 });
        tf.dispose([x, logits]);
      } finally {
        bernoulli.dispose();
      }
    });

    test('a mixture over another latent size is a ShapeError; a bad count a ConfigError', () => {
      const wrong = new GaussianMixture('diag', Float64Array.of(1), Float64Array.of(0, 0, 0), Float64Array.of(1, 1, 1));
      assert.throws(
        () => sampleWithMixturePrior(vae, wrong, 4),
        (e: unknown) => e instanceof ShapeError && /expected a mixture over z of size latentDim = 2, got dataDim 3/.test(e.message),
      );
      assert.throws(() => sampleWithMixturePrior(vae, gmm, -1), ConfigError);
    });
  });
});
