import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/math/rng.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { elbo, negativeElboLoss } from '../../src/objectives/elbo.js';
import { reparameterize } from '../../src/objectives/reparameterize.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';
import { bernoulliLogProb64, elbo64, gaussianLogProb64, readVaeWeights, type LogLik64 } from '../helpers/oracles.js';

before(async () => {
  await useBackend('cpu');
});

const B = 3;
const D = 5;
const Z = 2;
const rng = new Rng('elbo-test');
const XBIN = Array.from({ length: B }, () => Array.from({ length: D }, () => (rng.next() < 0.4 ? 1 : 0)));
const XREAL = Array.from({ length: B }, () => Array.from({ length: D }, () => 2 * rng.next() - 1));
/** Pinned noise ε [K, B, Z] for K = 3. */
const EPS = Array.from({ length: 3 }, () => Array.from({ length: B }, () => Array.from({ length: Z }, () => rng.nextNormal())));

const bernoulliVae = new VAE({ inputShape: [D], hidden: [4], latentDim: Z, activation: 'tanh', seed: 3 });
const gaussianVae = new VAE({ inputShape: [D], hidden: [4], latentDim: Z, activation: 'relu', seed: 4, likelihood: { kind: 'gaussian', variance: 0.3 } });
after(() => {
  bernoulliVae.dispose();
  gaussianVae.dispose();
});

const CASES: Array<{ name: string; vae: VAE; x: number[][]; logLik: LogLik64 }> = [
  { name: 'Bernoulli, tanh', vae: bernoulliVae, x: XBIN, logLik: bernoulliLogProb64 },
  { name: 'Gaussian σ² = 0.3, relu', vae: gaussianVae, x: XREAL, logLik: (x, m) => gaussianLogProb64(x, m, 0.3) },
];

describe('reparameterize', () => {
  test('with pinned ε equals mean + exp(½ logVar)·ε in float64, for [B, Z] and [K, B, Z] noise', () => {
    const mean = [
      [0.5, -1.0],
      [2.0, 0.1],
      [0.0, 0.3],
    ];
    const logVar = [
      [-1.0, 0.5],
      [0.0, 2.0],
      [-20, 1.3],
    ];
    const m = tf.tensor2d(mean);
    const lv = tf.tensor2d(logVar);
    const z1 = reparameterize(m, lv, tf.tensor2d(EPS[0]));
    assertAllClose(
      z1,
      mean.map((row, b) => row.map((v, j) => v + Math.exp(0.5 * logVar[b][j]) * EPS[0][b][j])),
      { rtol: 1e-5, atol: 1e-7 },
    );
    const zk = reparameterize(m, lv, tf.tensor3d(EPS));
    assert.deepEqual(zk.shape, [3, B, Z]);
    const expected = EPS.flatMap((e) => mean.flatMap((row, b) => row.map((v, j) => v + Math.exp(0.5 * logVar[b][j]) * e[b][j])));
    assertAllClose(zk.dataSync(), expected, { rtol: 1e-5, atol: 1e-7 });
    tf.dispose([m, lv, z1, zk]);
  });

  test('has gradient 1 in the mean and ½ exp(½ logVar)·ε in logVar', () => {
    const m = tf.tensor2d([[0.2, -0.4]]);
    const lv = tf.tensor2d([[0.6, -1.2]]);
    const eps = tf.tensor2d([[1.3, -0.7]]);
    const [gm, glv] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(reparameterize(a, b, eps)))([m, lv]);
    assertAllClose(gm, [[1, 1]], { rtol: 1e-6 });
    assertAllClose(glv, [[0.5 * Math.exp(0.3) * 1.3, 0.5 * Math.exp(-0.6) * -0.7]], { rtol: 1e-4 });
    tf.dispose([m, lv, eps, gm, glv]);
  });
});

describe('elbo', () => {
  for (const { name, vae, x, logLik } of CASES) {
    test(`with pinned ε equals a float64 forward pass through the network (${name})`, async () => {
      const w = readVaeWeights(vae);
      const xt = tf.tensor2d(x);
      const eps = tf.tensor2d(EPS[0]);
      const t = await assertNoTensorLeak(() => elbo(vae, xt, { eps }));
      const oracle = x.map((row, b) => elbo64(w, row, [EPS[0][b]], logLik));
      for (const key of ['elbo', 'reconstruction', 'kl'] as const) {
        assert.deepEqual(t[key].shape, [B]);
        assertAllClose(
          t[key],
          oracle.map((o) => o[key]),
          { rtol: 1e-5, atol: 1e-5, message: key },
        );
      }
      tf.dispose([xt, eps, t.elbo, t.reconstruction, t.kl]);
    });

    test(`with K = 3 pinned samples averages log p(x|z_k) over k before subtracting the KL (${name})`, () => {
      const w = readVaeWeights(vae);
      const xt = tf.tensor2d(x);
      const eps = tf.tensor3d(EPS); // [K, B, Z]
      const t = elbo(vae, xt, { numSamples: 3, eps });
      const oracle = x.map((row, b) =>
        elbo64(
          w,
          row,
          EPS.map((e) => e[b]),
          logLik,
        ),
      );
      for (const key of ['elbo', 'reconstruction', 'kl'] as const) {
        assertAllClose(
          t[key],
          oracle.map((o) => o[key]),
          { rtol: 1e-5, atol: 1e-5, message: key },
        );
      }
      // The same number from three K = 1 calls, one per noise slice.
      const singles = EPS.map((e) => tf.tidy(() => elbo(vae, xt, { eps: tf.tensor2d(e) }).reconstruction.arraySync() as number[]));
      const meanOfSingles = singles[0].map((_, b) => (singles[0][b] + singles[1][b] + singles[2][b]) / 3);
      assertAllClose(t.reconstruction, meanOfSingles, { rtol: 1e-5, atol: 1e-5 });
      tf.dispose([xt, eps, t.elbo, t.reconstruction, t.kl]);
    });
  }

  test('draws the same ε for the same seed and different ε for another seed', () => {
    const xt = tf.tensor2d(XBIN);
    const a = elbo(bernoulliVae, xt, { seed: 7 });
    const b = elbo(bernoulliVae, xt, { seed: 7 });
    const c = elbo(bernoulliVae, xt, { seed: 8 });
    assert.deepEqual(a.reconstruction.dataSync(), b.reconstruction.dataSync());
    assert.notDeepEqual(a.reconstruction.dataSync(), c.reconstruction.dataSync());
    assert.deepEqual(a.kl.dataSync(), c.kl.dataSync(), 'the KL is closed-form and does not depend on ε');
    tf.dispose([xt, ...[a, b, c].flatMap((t) => [t.elbo, t.reconstruction, t.kl])]);
  });
});

describe('negativeElboLoss', () => {
  for (const beta of [1, 0.25, 4]) {
    test(`with β = ${beta} is the batch mean of −reconstruction + β·kl`, async () => {
      const w = readVaeWeights(bernoulliVae);
      const xt = tf.tensor2d(XBIN);
      const eps = tf.tensor2d(EPS[1]);
      const t = await assertNoTensorLeak(() => negativeElboLoss(bernoulliVae, { x: xt }, { seed: 0, step: 0, klWeight: beta, noise: eps }));
      const oracle = XBIN.map((row, b) => elbo64(w, row, [EPS[1][b]], bernoulliLogProb64));
      const rec = -oracle.reduce((s, o) => s + o.reconstruction, 0) / B;
      const kl = oracle.reduce((s, o) => s + o.kl, 0) / B;
      assertAllClose(t.terms.reconstruction, rec, { rtol: 1e-5 });
      assertAllClose(t.terms.kl, kl, { rtol: 1e-5 });
      assertAllClose(t.loss, rec + beta * kl, { rtol: 1e-5 });
      assert.deepEqual(t.loss.shape, []);
      tf.dispose([xt, eps, t.loss, t.terms.reconstruction, t.terms.kl]);
    });
  }
});
