import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { bernoulliLogProb } from '../../src/distributions/bernoulli.js';
import { BernoulliLikelihood } from '../../src/likelihoods/bernoulli.js';
import { Rng } from '../../src/math/rng.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';
import { bernoulliLogProb64, meanAndStandardError } from '../helpers/oracles.js';

before(async () => {
  await useBackend('cpu');
});

/** Logits and observations [N, 1], one Bernoulli per row, so logProb is per element. */
function perElement(logits: number[], x: number[]): { l: tf.Tensor2D; xs: tf.Tensor2D } {
  return { l: tf.tensor2d(logits, [logits.length, 1]), xs: tf.tensor2d(x, [x.length, 1]) };
}

describe('bernoulliLogProb', () => {
  test('equals x log σ(l) + (1 − x) log(1 − σ(l)) in float64, summed over the last axis', () => {
    const rng = new Rng('bern-batch');
    const b = 4;
    const d = 30;
    const logits = Array.from({ length: b }, () => Array.from({ length: d }, () => 24 * rng.next() - 12));
    const x = Array.from({ length: b }, () => Array.from({ length: d }, () => (rng.next() < 0.5 ? 0 : 1)));
    const lp = bernoulliLogProb(tf.tensor2d(x), tf.tensor2d(logits));
    assert.deepEqual(lp.shape, [b]);
    assertAllClose(
      lp,
      x.map((row, i) => bernoulliLogProb64(row, logits[i])),
      { rtol: 1e-5 },
    );
    lp.dispose();
  });

  test('equals the naive formula computed in float64 where that is finite, element by element', () => {
    const logits = Array.from({ length: 61 }, (_, i) => -15 + 0.5 * i);
    for (const xv of [0, 1, 0.25]) {
      const x = logits.map(() => xv);
      const { l, xs } = perElement(logits, x);
      const lp = bernoulliLogProb(xs, l);
      const naive = logits.map((v) => {
        const p = 1 / (1 + Math.exp(-v));
        return xv * Math.log(p) + (1 - xv) * Math.log(1 - p);
      });
      assertAllClose(lp, naive, { rtol: 1e-5, atol: 1e-6, message: `x = ${xv}` });
      tf.dispose([l, xs, lp]);
    }
  });

  test('equals the naive float32 tfjs formula where both are finite', () => {
    const logits = Array.from({ length: 41 }, (_, i) => -8 + 0.4 * i);
    const { l, xs } = perElement(
      logits,
      logits.map((_, i) => (i % 3) / 2),
    );
    const naive = tf.tidy(() => {
      const p = tf.sigmoid(l);
      return tf.add(tf.mul(xs, tf.log(p)), tf.mul(tf.sub(1, xs), tf.log(tf.sub(1, p)))).reshape([-1]);
    });
    const lp = bernoulliLogProb(xs, l);
    assertAllClose(lp, naive, { rtol: 1e-4, atol: 1e-6 });
    tf.dispose([l, xs, lp, naive]);
  });

  test('stays finite and exact at logits ±80, where the naive form gives −Infinity', () => {
    const logits = [80, -80, 80, -80];
    const x = [0, 1, 1, 0];
    const { l, xs } = perElement(logits, x);
    const lp = bernoulliLogProb(xs, l);
    assertAllClose(lp, [-80, -80, -Math.exp(-80), -Math.exp(-80)], { rtol: 1e-5, atol: 1e-30 });
    const naive = tf.tidy(() => tf.add(tf.mul(xs, tf.log(tf.sigmoid(l))), tf.mul(tf.sub(1, xs), tf.log(tf.sub(1, tf.sigmoid(l))))));
    assert.equal(naive.dataSync()[0], -Infinity, 'the naive form overflows at x = 0, l = 80 (the reason for the stable form)');
    tf.dispose([l, xs, lp, naive]);
  });

  test('has gradient x − σ(l) in the logits, finite at ±80', () => {
    const logits = [-80, -3, -0.5, 0, 0.7, 4, 80];
    const x = [1, 0, 0.3, 1, 0.9, 0, 0];
    const { l, xs } = perElement(logits, x);
    const g = tf.grad((t: tf.Tensor) => tf.sum(bernoulliLogProb(xs, t)))(l);
    assertAllClose(
      g,
      logits.map((v, i) => x[i] - 1 / (1 + Math.exp(-v))),
      { rtol: 1e-4, atol: 1e-7 },
    );
    tf.dispose([l, xs, g]);
  });

  test('accepts continuous x in [0, 1], maximised over the logit at σ(l) = x', () => {
    const x = [0.05, 0.3, 0.5, 0.82];
    const best = x.map((p) => Math.log(p / (1 - p)));
    const lp = tf.tidy(() => bernoulliLogProb(tf.tensor2d([x]), tf.tensor2d([best])));
    const expected = bernoulliLogProb64(x, best);
    assertAllClose(lp, [expected], { rtol: 1e-5 });
    for (const delta of [-0.1, 0.1]) {
      const moved = tf.tidy(() => bernoulliLogProb(tf.tensor2d([x]), tf.tensor2d([best.map((v) => v + delta)])));
      assert.ok(moved.dataSync()[0] < lp.dataSync()[0], `moving the logits by ${delta} lowers log p`);
      moved.dispose();
    }
    lp.dispose();
  });
});

describe('BernoulliLikelihood', () => {
  test('logProb is bernoulliLogProb, mean is σ(logits), and it has no variables', async () => {
    const like = new BernoulliLikelihood();
    const logits = [-2, 0, 1.5];
    const x = [0, 1, 1];
    const lp = tf.tidy(() => like.logProb(tf.tensor2d([x]), tf.tensor2d([logits])));
    assertAllClose(lp, [bernoulliLogProb64(x, logits)], { rtol: 1e-5 });
    const m = tf.tidy(() => like.mean(tf.tensor2d([logits])));
    assertAllClose(m, [logits.map((v) => 1 / (1 + Math.exp(-v)))], { rtol: 1e-5 });
    assert.deepEqual(like.variables(), []);
    assert.deepEqual(await like.toConfig(), { kind: 'bernoulli' });
    tf.dispose([lp, m]);
  });

  test('sample draws 0/1 with frequency σ(l) within 5 standard errors, the same for a seed', async () => {
    const like = new BernoulliLikelihood();
    const n = 100_000;
    const logits = tf.fill([n, 2], 0);
    const shifted = tf.tidy(() => tf.add(logits, tf.tensor1d([Math.log(0.3 / 0.7), Math.log(0.9 / 0.1)])));
    const s = await assertNoTensorLeak(() => like.sample(shifted, 11));
    const v = s.dataSync();
    assert.ok(v.every((u) => u === 0 || u === 1));
    for (const [col, p] of [
      [0, 0.3],
      [1, 0.9],
    ] as const) {
      const draws = Float64Array.from({ length: n }, (_, i) => v[2 * i + col]);
      const { mean, se } = meanAndStandardError(draws);
      assert.ok(Math.abs(mean - p) < 5 * se, `column ${col}: frequency ${mean}, expected ${p} ± ${se}`);
    }
    const again = like.sample(shifted, 11);
    assert.deepEqual(again.dataSync(), v);
    tf.dispose([logits, shifted, s, again]);
  });
});

describe('bernoulliLogProb gradients', () => {
  test('match float64 central differences of the oracle, w.r.t. logits and x, weighted per row, extreme logits included', () => {
    const L = [
      [-30, -2.5, 0, 0.7, 30],
      [4, -0.1, 12, -8, 0.05],
    ];
    const X = [
      [0, 1, 0.3, 1, 0],
      [1, 0, 0.5, 0.9, 1],
    ];
    const w = [0.7, -1.3]; // upstream weights per row
    const f = (x: tf.Tensor, l: tf.Tensor) => tf.sum(tf.mul(bernoulliLogProb(x, l), tf.tensor1d(w)));
    const [gx, gl] = tf.grads(f)([tf.tensor2d(X), tf.tensor2d(L)]);
    const h = 1e-6;
    const num = (which: 'x' | 'l') =>
      L.map((row, b) =>
        row.map((_, d) => {
          const at = (delta: number) => {
            const xs = X[b].slice();
            const ls = L[b].slice();
            (which === 'x' ? xs : ls)[d] += delta;
            return w[b] * bernoulliLogProb64(xs, ls);
          };
          return (at(h) - at(-h)) / (2 * h);
        }),
      );
    assertAllClose(gl.arraySync() as number[][], num('l'), { rtol: 1e-4, atol: 1e-5 });
    assertAllClose(gx.arraySync() as number[][], num('x'), { rtol: 1e-4, atol: 1e-5 });
    tf.dispose([gx, gl]);
  });
});
