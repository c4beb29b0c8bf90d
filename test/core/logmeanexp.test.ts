import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { logMeanExp } from '../../src/math/logmeanexp.js';
import { Rng } from '../../src/math/rng.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';

before(async () => {
  await useBackend('cpu');
});

/** log((1/K) Σ_k exp(a_k)) in float64, the literal formula. */
function logMeanExp64(a: number[]): number {
  return Math.log(a.reduce((s, v) => s + Math.exp(v), 0) / a.length);
}

describe('logMeanExp', () => {
  test('equals log(mean(exp(a))) in float64 along axis 0 (the default) and axis 1', async () => {
    const rng = new Rng('lme');
    const k = 6;
    const b = 4;
    const a = Array.from({ length: k }, () => Array.from({ length: b }, () => 10 * rng.next() - 5)); // [K, B]
    const t = tf.tensor2d(a);
    const r0 = await assertNoTensorLeak(() => logMeanExp(t));
    assert.deepEqual(r0.shape, [b]);
    assertAllClose(
      r0,
      Array.from({ length: b }, (_, j) => logMeanExp64(a.map((row) => row[j]))),
      { rtol: 1e-5 },
    );
    const r1 = logMeanExp(t, 1);
    assert.deepEqual(r1.shape, [k]);
    assertAllClose(r1, a.map(logMeanExp64), { rtol: 1e-5 });
    tf.dispose([t, r0, r1]);
  });

  test('is stable at −1e4, where exp underflows to 0', () => {
    const a = [-1e4, -1e4 + 1, -1e4 + 2];
    const t = tf.tensor2d(a, [3, 1]);
    const r = logMeanExp(t);
    const naive = tf.tidy(() => tf.log(tf.mean(tf.exp(t), 0)));
    assert.equal(naive.dataSync()[0], -Infinity, 'the naive form underflows');
    assertAllClose(r, [-1e4 + logMeanExp64([0, 1, 2])], { rtol: 1e-5 });
    tf.dispose([t, r, naive]);
  });

  test('is stable at +100, where exp overflows float32', () => {
    const t = tf.tensor2d([100, 100, 100, 100], [4, 1]);
    const r = logMeanExp(t);
    assertAllClose(r, [100], { rtol: 1e-6 });
    tf.dispose([t, r]);
  });

  test('of K equal values is that value', () => {
    const t = tf.fill([7, 2], -3.25);
    const r = logMeanExp(t);
    assertAllClose(r, [-3.25, -3.25], { rtol: 1e-6 });
    tf.dispose([t, r]);
  });
});
