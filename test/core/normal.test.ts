import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { klDivergence, klToStandardNormal, normalLogProb, standardNormalLogProb } from '../../src/distributions/normal.js';
import { Rng } from '../../src/math/rng.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';
import { klGauss64, klStd64, LOG_2PI_64, meanAndStandardError, normalLogProb64 } from '../helpers/oracles.js';

before(async () => {
  await useBackend('cpu');
});

/** Reads a tensor into a plain array and disposes it. */
function take(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

/**
 * Monte Carlo estimate of KL(q ‖ p) = E_q[log q(z) − log p(z)] in float64 with `n` draws of
 * z = m1 + exp(½ lv1) ε, ε ~ N(0, I) from the Rng class; returns the mean and its standard error.
 */
function klMonteCarlo(m1: number[], lv1: number[], m2: number[], lv2: number[], n: number, key: string) {
  const rng = new Rng(key);
  const f = new Float64Array(n);
  const z = new Float64Array(m1.length);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < m1.length; d++) z[d] = m1[d] + Math.exp(0.5 * lv1[d]) * rng.nextNormal();
    f[i] = normalLogProb64(z, m1, lv1) - normalLogProb64(z, m2, lv2);
  }
  return meanAndStandardError(f);
}

describe('klToStandardNormal', () => {
  test('is 0 at N(0, I)', () => {
    const kl = take(klToStandardNormal(tf.zeros([2, 3]), tf.zeros([2, 3])));
    assert.deepEqual(kl, [0, 0]);
  });

  test('is ½ per dimension at mean 1 and logVar 0', () => {
    const kl = klToStandardNormal(tf.ones([2, 3]), tf.zeros([2, 3]));
    assertAllClose(kl, [1.5, 1.5], { rtol: 1e-5 });
    assert.deepEqual(kl.shape, [2]);
    kl.dispose();
  });

  test('equals a 200k-sample float64 Monte Carlo estimate within 5 standard errors', () => {
    const mean = [0.7, -1.2, 0.3];
    const logVar = [-0.5, 0.8, 0.0];
    const kl = take(klToStandardNormal(tf.tensor2d([mean]), tf.tensor2d([logVar])))[0];
    const mc = klMonteCarlo(mean, logVar, [0, 0, 0], [0, 0, 0], 200_000, 'kl-std-mc');
    assert.ok(Math.abs(kl - mc.mean) < 5 * mc.se, `closed form ${kl}, Monte Carlo ${mc.mean} ± ${mc.se}`);
  });

  test('equals the float64 closed form on a batch, summing over the last axis only', () => {
    const rng = new Rng('kl-batch');
    const m = Array.from({ length: 4 }, () => Array.from({ length: 5 }, () => 4 * rng.next() - 2));
    const lv = Array.from({ length: 4 }, () => Array.from({ length: 5 }, () => 6 * rng.next() - 3));
    const kl = klToStandardNormal(tf.tensor2d(m), tf.tensor2d(lv));
    assertAllClose(
      kl,
      m.map((row, b) => klStd64(row, lv[b])),
      { rtol: 1e-5 },
    );
    kl.dispose();
  });

  test('has gradients mean and ½(exp(logVar) − 1)', () => {
    const m = tf.tensor2d([[0.5, -1.5, 2]]);
    const lv = tf.tensor2d([[-1, 0.3, 2]]);
    const [gm, glv] = tf.grads((a, b) => klToStandardNormal(a, b))([m, lv]);
    assertAllClose(gm, [0.5, -1.5, 2], { rtol: 1e-4 });
    assertAllClose(
      glv,
      [-1, 0.3, 2].map((v) => 0.5 * (Math.exp(v) - 1)),
      { rtol: 1e-4 },
    );
    tf.dispose([m, lv, gm, glv]);
  });

  test('is non-negative over a grid of means and log variances, and leaks no tensor', async () => {
    const rng = new Rng('kl-nonneg');
    const m = tf.tensor2d(
      Float32Array.from({ length: 4000 }, () => 6 * rng.next() - 3),
      [1000, 4],
    );
    const lv = tf.tensor2d(
      Float32Array.from({ length: 4000 }, () => 10 * rng.next() - 5),
      [1000, 4],
    );
    const kl = await assertNoTensorLeak(() => klToStandardNormal(m, lv));
    assert.ok(take(kl).every((v) => v >= 0 && Number.isFinite(v)));
    tf.dispose([m, lv]);
  });
});

describe('klDivergence', () => {
  test('equals klToStandardNormal when p is N(0, I)', () => {
    const rng = new Rng('kl-vs-std');
    const m = tf.tensor2d(
      Float32Array.from({ length: 12 }, () => 4 * rng.next() - 2),
      [3, 4],
    );
    const lv = tf.tensor2d(
      Float32Array.from({ length: 12 }, () => 4 * rng.next() - 2),
      [3, 4],
    );
    const zeros = tf.zerosLike(m);
    const a = klDivergence(m, lv, zeros, zeros);
    const b = klToStandardNormal(m, lv);
    assertAllClose(a, b, { rtol: 1e-5 });
    tf.dispose([m, lv, zeros, a, b]);
  });

  test('equals a 200k-sample float64 Monte Carlo estimate for two non-standard Gaussians', () => {
    const m1 = [0.4, -0.9];
    const lv1 = [-0.7, 0.5];
    const m2 = [1.1, 0.3];
    const lv2 = [0.4, -0.2];
    const kl = take(klDivergence(tf.tensor2d([m1]), tf.tensor2d([lv1]), tf.tensor2d([m2]), tf.tensor2d([lv2])))[0];
    assertAllClose(kl, klGauss64(m1, lv1, m2, lv2), { rtol: 1e-5 });
    const mc = klMonteCarlo(m1, lv1, m2, lv2, 200_000, 'kl-two-mc');
    assert.ok(Math.abs(kl - mc.mean) < 5 * mc.se, `closed form ${kl}, Monte Carlo ${mc.mean} ± ${mc.se}`);
  });

  test('is 0 for q = p and positive otherwise', () => {
    const rng = new Rng('kl-div-nonneg');
    const make = (scale: number) =>
      tf.tensor2d(
        Float32Array.from({ length: 2000 }, () => scale * (rng.next() - 0.5)),
        [500, 4],
      );
    const [m1, lv1, m2, lv2] = [make(6), make(8), make(6), make(8)];
    const kl = take(klDivergence(m1, lv1, m2, lv2));
    assert.ok(
      kl.every((v) => v > 0 && Number.isFinite(v)),
      'KL(q ‖ p) > 0 for q ≠ p',
    );
    const self = klDivergence(m1, lv1, m1, lv1);
    assertAllClose(self, new Float32Array(500), { atol: 1e-6 });
    tf.dispose([m1, lv1, m2, lv2, self]);
  });

  test('has gradients (m1 − m2)/exp(lv2) and ½(exp(lv1 − lv2) − 1) in q', () => {
    const m1 = tf.tensor1d([0.5, -1.5]);
    const lv1 = tf.tensor1d([-1, 0.3]);
    const m2 = tf.tensor1d([1.0, 0.5]);
    const lv2 = tf.tensor1d([0.2, -0.4]);
    const [gm, glv] = tf.grads((a, b) => klDivergence(a, b, m2, lv2))([m1, lv1]);
    assertAllClose(gm, [(0.5 - 1) / Math.exp(0.2), (-1.5 - 0.5) / Math.exp(-0.4)], { rtol: 1e-4 });
    assertAllClose(glv, [0.5 * (Math.exp(-1 - 0.2) - 1), 0.5 * (Math.exp(0.3 + 0.4) - 1)], { rtol: 1e-4 });
    tf.dispose([m1, lv1, m2, lv2, gm, glv]);
  });
});

describe('normalLogProb', () => {
  test('equals the float64 density with its −½ log 2π per dimension, broadcasting mean and logVar', () => {
    const x = [
      [0.3, -1.2, 2.5],
      [1.0, 0.0, -0.7],
    ];
    const mean = [0.1, -0.5, 1.0];
    const logVar = [-0.3, 0.9, 0.0];
    const lp = normalLogProb(tf.tensor2d(x), tf.tensor1d(mean), tf.tensor1d(logVar));
    assert.deepEqual(lp.shape, [2]);
    assertAllClose(
      lp,
      x.map((row) => normalLogProb64(row, mean, logVar)),
      { rtol: 1e-5 },
    );
    lp.dispose();
  });

  test('at the mean of N(0, I) in D dimensions is −(D/2) log 2π', () => {
    const lp = normalLogProb(tf.zeros([1, 7]), tf.zeros([7]), tf.zeros([7]));
    assertAllClose(lp, [-3.5 * LOG_2PI_64], { rtol: 1e-5 });
    lp.dispose();
  });

  test('stays finite and exact at logVar ±20', () => {
    const x = [[0.5, -0.5, 3.0, -2.0]];
    const mean = [0.0, 0.0, 1.0, 1.0];
    const logVar = [20, -20, 20, -20];
    const lp = normalLogProb(tf.tensor2d(x), tf.tensor2d([mean]), tf.tensor2d([logVar]));
    assertAllClose(lp, [normalLogProb64(x[0], mean, logVar)], { rtol: 1e-5 });
    lp.dispose();
  });

  test('standardNormalLogProb equals normalLogProb with mean 0 and logVar 0', () => {
    const x = [
      [0.3, -1.2],
      [4.0, 0.5],
    ];
    const a = standardNormalLogProb(tf.tensor2d(x));
    assertAllClose(
      a,
      x.map((row) => normalLogProb64(row, [0, 0], [0, 0])),
      { rtol: 1e-5 },
    );
    a.dispose();
  });
});
