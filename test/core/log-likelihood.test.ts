/**
 * Importance weights, the IWAE bound and the importance-sampled log-likelihood estimate, against
 * float64 oracles and against each other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeDataset } from '../../src/data/dataset.js';
import { estimateLogLikelihood } from '../../src/evaluation/log-likelihood.js';
import { Rng } from '../../src/math/rng.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { elbo } from '../../src/objectives/elbo.js';
import { iwaeBound, logImportanceWeights } from '../../src/objectives/iwae.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';
import { bernoulliLogProb64, decode64, encode64, meanAndStandardError, normalLogProb64, readVaeWeights } from '../helpers/oracles.js';

before(async () => {
  await useBackend('cpu');
});

const B = 3;
const D = 6;
const Z = 2;
const rng = new Rng('log-likelihood-test');
const X = Array.from({ length: B }, () => Array.from({ length: D }, () => (rng.next() < 0.4 ? 1 : 0)));
const vae = new VAE({ inputShape: [D], hidden: [5], latentDim: Z, activation: 'tanh', seed: 11 });
after(() => vae.dispose());

function logMeanExp64(a: number[]): number {
  const m = Math.max(...a);
  return m + Math.log(a.reduce((s, v) => s + Math.exp(v - m), 0) / a.length);
}

/** log w for one example and one ε in float64: log p(x|z) + log N(z; 0, I) − log q(z|x). */
function logWeight64(x: number[], e: number[]): number {
  const w = readVaeWeights(vae);
  const q = encode64(w, x);
  const z = Array.from(q.mean, (m, j) => m + Math.exp(0.5 * q.logVar[j]) * e[j]);
  return bernoulliLogProb64(x, decode64(w, z)) + normalLogProb64(z, [0, 0], [0, 0]) - normalLogProb64(z, q.mean, q.logVar);
}

describe('importance weights and the IWAE bound', () => {
  const K = 4;
  const EPS = Array.from({ length: K }, () => Array.from({ length: B }, () => Array.from({ length: Z }, () => rng.nextNormal())));

  test('log w = log p(x|z) + log p(z) − log q(z|x) matches a float64 computation, [K, B]', () => {
    const got = tf.tidy(() => {
      const x = tf.tensor2d(X);
      return logImportanceWeights(vae, x, vae.encode(x), tf.tensor3d(EPS)).arraySync();
    });
    const want = EPS.map((ek) => X.map((x, b) => logWeight64(x, ek[b])));
    assertAllClose(got, want, { rtol: 1e-4, atol: 1e-4 });
  });

  test('the IWAE bound is log (1/K) Σ_k w_k of those weights, [B]', () => {
    const got = tf.tidy(() => iwaeBound(vae, tf.tensor2d(X), { numSamples: K, eps: tf.tensor3d(EPS) }).arraySync());
    const want = X.map((x, b) => logMeanExp64(EPS.map((ek) => logWeight64(x, ek[b]))));
    assertAllClose(got, want, { rtol: 1e-4, atol: 1e-4 });
  });

  test('at K = 1 its expectation is the ELBO (Monte Carlo KL vs closed form), within 4 standard errors', () => {
    const n = 4000;
    const x = tf.tensor2d([X[0]]);
    const l1 = tf.tidy(() => tf.squeeze(logImportanceWeights(vae, x, vae.encode(x), tf.randomNormal([n, 1, Z], 0, 1, 'float32', 5) as tf.Tensor3D)).dataSync());
    const e = tf.tidy(() => elbo(vae, x, { numSamples: n, seed: 6 }).elbo.dataSync()[0]);
    const { mean, se } = meanAndStandardError(l1);
    x.dispose();
    assert.ok(Math.abs(mean - e) < 4 * se + 0.02, `E[L_1] ${mean} ± ${se}, ELBO ${e}`);
  });

  test('rejects a non-integer or zero K', () => {
    const x = tf.tensor2d(X);
    assert.throws(() => iwaeBound(vae, x, { numSamples: 0 }), /numSamples: expected an integer ≥ 1, got 0/);
    assert.throws(() => iwaeBound(vae, x, { numSamples: 2.5 }), /got 2.5/);
    x.dispose();
  });
});

describe('estimateLogLikelihood', () => {
  const ds = makeDataset({ x: Float32Array.from(X.flat()), numExamples: B, dataDim: D, source: 'test' });

  test('does not depend on the chunking: 7-row chunks equal one chunk, and both equal logmeanexp of all weights', async () => {
    const k = 50;
    const small = await estimateLogLikelihood(vae, ds, { numSamples: k, seed: 3, chunkRows: 7 });
    const big = await estimateLogLikelihood(vae, ds, { numSamples: k, seed: 3, chunkRows: 100000 });
    assertAllClose(small.perExample, big.perExample, { rtol: 1e-5, atol: 1e-5 });
    // The same noise through iwaeBound: example n draws from its own stream, so rebuild ε per example.
    const { tfSeed } = await import('../../src/math/rng.js');
    const want = X.map((row, n) =>
      tf.tidy(() => {
        const eps = tf.randomNormal([k, 1, Z], 0, 1, 'float32', tfSeed(3, 'loglik', n)) as tf.Tensor3D;
        return iwaeBound(vae, tf.tensor2d([row]), { numSamples: k, eps }).dataSync()[0];
      }),
    );
    assertAllClose(big.perExample, want, { rtol: 1e-5, atol: 1e-5 });
    assertAllClose(big.value, want.reduce((s, v) => s + v, 0) / B, { rtol: 1e-6, atol: 1e-5 });
  });

  test('grows with K on average and lies above the ELBO (IWAE bounds are monotone in expectation)', async () => {
    const e = tf.tidy(() => tf.mean(elbo(vae, tf.tensor2d(X), { numSamples: 2000, seed: 9 }).elbo).dataSync()[0]);
    const mean = async (k: number) => {
      let s = 0;
      for (let seed = 0; seed < 20; seed++) s += (await estimateLogLikelihood(vae, ds, { numSamples: k, seed })).value;
      return s / 20;
    };
    const l1 = await mean(1);
    const l10 = await mean(10);
    const l200 = await mean(200);
    assert.ok(l1 < l10 && l10 < l200, `L_1 ${l1}, L_10 ${l10}, L_200 ${l200}`);
    assert.ok(e < l200, `ELBO ${e} < L_200 ${l200}`);
    assert.ok(Math.abs(l1 - e) < 0.1, `E[L_1] ${l1} ≈ ELBO ${e}`);
  });

  test('reports consistent diagnostics: 1 ≤ ESS ≤ K, standard errors ≥ 0, numbers per example', async () => {
    const r = await estimateLogLikelihood(vae, ds, { numSamples: 64, seed: 1, chunkRows: 10 });
    assert.equal(r.numSamples, 64);
    assert.equal(r.numExamples, B);
    assert.equal(r.perExample.length, B);
    assert.ok(r.meanEffectiveSampleSize >= 1 && r.meanEffectiveSampleSize <= 64, `ESS ${r.meanEffectiveSampleSize}`);
    assert.ok(r.standardError > 0 && r.monteCarloStandardError > 0);
    for (const v of r.perExample) assert.ok(Number.isFinite(v) && v < 0);
  });

  test('leaks no tensors', async () => {
    await assertNoTensorLeak(() => estimateLogLikelihood(vae, ds, { numSamples: 30, chunkRows: 16 }));
  });

  test('rejects bad options with the field named', async () => {
    await assert.rejects(estimateLogLikelihood(vae, ds, { numSamples: -1 }), /numSamples: expected an integer ≥ 1, got -1/);
    await assert.rejects(estimateLogLikelihood(vae, ds, { chunkRows: 0 }), /chunkRows: expected an integer ≥ 1, got 0/);
  });
});
