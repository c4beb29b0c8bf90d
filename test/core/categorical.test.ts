/**
 * The categorical distribution and the mixed-type table likelihood: log-probabilities against a
 * float64 log-softmax computed by hand, the mixed logProb as the sum of its Gaussian and categorical
 * parts, Monte Carlo frequencies of draws against softmax probabilities, and save → load of a VAE
 * with the mixed decoder (its column layout saved with it).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { categoricalLogProb, categoricalProbs, categoricalSample } from '../../src/distributions/categorical.js';
import { ConfigError, ShapeError } from '../../src/errors.js';
import { likelihoodForColumns, makeLikelihood, MixedLikelihood, type LikelihoodConfig, type MixedColumn } from '../../src/likelihoods/index.js';
import { Rng } from '../../src/math/rng.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { VAE } from '../../src/node/index.js'; // the Node entry registers the file-system store
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';
import { LOG_2PI_64 } from '../helpers/oracles.js';

before(async () => {
  await useBackend('cpu');
});

const dir = mkdtempSync(join(tmpdir(), 'vaekit-categorical-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** log softmax(l)_k in float64: l_k − max − log Σ exp(l_j − max). */
function logSoftmax64(l: readonly number[]): number[] {
  const m = Math.max(...l);
  const lse = m + Math.log(l.reduce((s, v) => s + Math.exp(v - m), 0));
  return l.map((v) => v - lse);
}

const rng = new Rng('categorical-test');
const uniform = (a: number, b: number) => a + (b - a) * rng.next();

describe('categoricalLogProb', () => {
  test('equals the float64 log-softmax at the observed class, per row, and stays finite at logits ±80', async () => {
    const K = 5;
    const logits = Array.from({ length: 6 }, () => Array.from({ length: K }, () => uniform(-4, 4)));
    logits.push([80, -80, 0, 80, -80], [-80, -80, -80, -80, 80]);
    const classes = logits.map((_, i) => (i * 3) % K);
    const oneHot = classes.map((k) => Array.from({ length: K }, (_, j) => (j === k ? 1 : 0)));
    const got = await assertNoTensorLeak(() => tf.tidy(() => categoricalLogProb(tf.tensor2d(oneHot), tf.tensor2d(logits))));
    const values = await got.data();
    got.dispose();
    const expected = logits.map((l, i) => logSoftmax64(l)[classes[i]]);
    assertAllClose(Array.from(values), expected, { rtol: 1e-5, atol: 1e-5 });
    assert.ok(Array.from(values).every(Number.isFinite));
  });

  test('sums to 1 over the K one-hot outcomes (a normalised distribution)', async () => {
    const l = [0.3, -1.2, 2.5, 0];
    const eye = tf.eye(4);
    const lp = categoricalLogProb(eye, tf.tensor2d([l, l, l, l]));
    const total = Array.from(await lp.data()).reduce((s: number, v: number) => s + Math.exp(v), 0);
    tf.dispose([eye, lp]);
    assertAllClose(total, 1, { rtol: 1e-6 });
  });
});

describe('categoricalSample', () => {
  test('draws each class as often as softmax says, within 5 standard errors (N = 20000, fixed seed)', async () => {
    const l = [1.0, 0.0, -1.0, 2.0];
    const n = 20000;
    const draws = await assertNoTensorLeak(() => tf.tidy(() => categoricalSample(tf.tile(tf.tensor2d([l]), [n, 1]), 7)));
    const counts = tf.tidy(() => tf.sum(draws, 0));
    const freq = Array.from(await counts.data(), (c) => c / n);
    const rowSums = tf.tidy(() => tf.sum(draws, 1));
    assert.ok(
      (await rowSums.data()).every((s) => s === 1),
      'every draw is one-hot',
    );
    tf.dispose([draws, counts, rowSums]);
    const p = logSoftmax64(l).map(Math.exp);
    p.forEach((pk, k) => {
      const se = Math.sqrt((pk * (1 - pk)) / n);
      assert.ok(Math.abs(freq[k] - pk) < 5 * se, `class ${k}: frequency ${freq[k]}, softmax ${pk}, 5 SE ${5 * se}`);
    });
  });

  test('the same seed gives the same draws; another stream other ones', async () => {
    const l = tf.randomNormal([50, 6], 0, 1, 'float32', 3);
    const [a, b, c] = [categoricalSample(l, 1), categoricalSample(l, 1), categoricalSample(l, 1, 1)];
    assert.deepEqual(await a.data(), await b.data());
    assert.notDeepEqual(await a.data(), await c.data());
    tf.dispose([l, a, b, c]);
  });
});

/** x1, x2 numeric; colour (3 categories); x3 numeric; size (2 categories): D = 3 + 3 + 2 = 8. */
const COLUMNS: MixedColumn[] = [
  { name: 'x1', kind: 'numeric' },
  { name: 'x2', kind: 'numeric' },
  { name: 'colour', kind: 'categorical', categories: ['blue', 'green', 'red'] },
  { name: 'x3', kind: 'numeric' },
  { name: 'size', kind: 'categorical', categories: ['L', 'S'] },
];
const D = 8;
const NUMERIC = [0, 1, 5];
const GROUPS = [
  [2, 3],
  [6, 2],
]; // [offset, K]

function mixedBatch(b: number): { x: number[][]; params: number[][] } {
  const x: number[][] = [];
  const params: number[][] = [];
  for (let i = 0; i < b; i++) {
    const row = new Array(D).fill(0);
    for (const j of NUMERIC) row[j] = uniform(-2, 2);
    for (const [off, k] of GROUPS) row[off + Math.floor(rng.next() * k)] = 1;
    x.push(row);
    params.push(Array.from({ length: D }, () => uniform(-3, 3)));
  }
  return { x, params };
}

describe('MixedLikelihood', () => {
  test('log p(x|z) = Σ Gaussian log-densities of the numeric columns + Σ log-softmax at each group’s category, in float64', async () => {
    const variance = 0.5;
    const like = new MixedLikelihood({ kind: 'mixed', variance, columns: COLUMNS }, D);
    const { x, params } = mixedBatch(5);
    const lp = await assertNoTensorLeak(() => tf.tidy(() => like.logProb(tf.tensor2d(x), tf.tensor2d(params))));
    const got = Array.from(await lp.data());
    lp.dispose();
    const expected = x.map((row, i) => {
      let s = 0;
      for (const j of NUMERIC) s += -0.5 * (LOG_2PI_64 + Math.log(variance) + (row[j] - params[i][j]) ** 2 / variance);
      for (const [off, k] of GROUPS) {
        const ls = logSoftmax64(params[i].slice(off, off + k));
        s += ls[row.slice(off, off + k).indexOf(1)];
      }
      return s;
    });
    assertAllClose(got, expected, { rtol: 1e-5 });
    like.dispose();
  });

  test('its logProb equals the sum of its parts: the Gaussian likelihood on the numeric columns and categoricalLogProb per group', async () => {
    const like = makeLikelihood({ kind: 'mixed', variance: 'learned-diag', logVar: [0.2, -0.4, 0.1], columns: COLUMNS }, D);
    const gauss = makeLikelihood({ kind: 'gaussian', variance: 'learned-diag', logVar: [0.2, -0.4, 0.1] }, 3);
    const { x, params } = mixedBatch(4);
    const [xt, pt] = [tf.tensor2d(x), tf.tensor2d(params)];
    const parts = tf.tidy(() => {
      const idx = tf.tensor1d(NUMERIC, 'int32');
      const g = gauss.logProb(tf.gather(xt, idx, 1), tf.gather(pt, idx, 1));
      const c = GROUPS.map(([off, k]) => categoricalLogProb(tf.slice(xt, [0, off], [-1, k]), tf.slice(pt, [0, off], [-1, k])));
      return tf.addN([g, ...c]);
    });
    const whole = like.logProb(xt, pt);
    assertAllClose(Array.from(await whole.data()), Array.from(await parts.data()), { rtol: 1e-6 });
    tf.dispose([xt, pt, parts, whole]);
    like.dispose();
    gauss.dispose();
  });

  test('mean() gives the numeric columns’ means and each group’s softmax probabilities; sample() one category per group', async () => {
    const like = new MixedLikelihood({ kind: 'mixed', variance: 1, columns: COLUMNS });
    const { params } = mixedBatch(3);
    const m = like.mean(tf.tensor2d(params));
    const rowsOut = (await m.array()) as number[][];
    m.dispose();
    rowsOut.forEach((row, i) => {
      for (const j of NUMERIC) assertAllClose(row[j], params[i][j], { rtol: 1e-6 });
      for (const [off, k] of GROUPS) assertAllClose(row.slice(off, off + k), logSoftmax64(params[i].slice(off, off + k)).map(Math.exp), { rtol: 1e-5 });
    });
    const s = await assertNoTensorLeak(() => tf.tidy(() => like.sample(tf.tensor2d(params), 4)));
    const drawn = (await s.array()) as number[][];
    s.dispose();
    for (const row of drawn) for (const [off, k] of GROUPS) assert.deepEqual(row.slice(off, off + k).sort(), [...new Array(k - 1).fill(0), 1]);
    like.dispose();
  });

  test('refuses missing columns, a layout that does not add up to D, and a tensor of another width', () => {
    assert.throws(() => new MixedLikelihood({ kind: 'mixed', variance: 'learned' }), ConfigError);
    assert.throws(
      () => new MixedLikelihood({ kind: 'mixed', variance: 'learned', columns: COLUMNS }, 7),
      /expected the columns to take the 7 data dimensions.*got 8/,
    );
    const like = new MixedLikelihood({ kind: 'mixed', variance: 'learned', columns: COLUMNS });
    const bad = tf.zeros([2, 7]);
    assert.throws(() => like.logProb(bad, bad), ShapeError);
    bad.dispose();
    like.dispose();
  });

  test('likelihoodForColumns turns a table’s Gaussian into the mixed likelihood only when a column is categorical', () => {
    const g: LikelihoodConfig = { kind: 'gaussian', variance: 'learned' };
    assert.deepEqual(likelihoodForColumns(g, COLUMNS), { kind: 'mixed', variance: 'learned', columns: COLUMNS });
    const numeric: MixedColumn[] = [{ name: 'a', kind: 'numeric' }];
    assert.equal(likelihoodForColumns(g, numeric), g);
    assert.equal(likelihoodForColumns(g, null), g);
  });
});

describe('a VAE with the mixed decoder', () => {
  test('trains, then save → load gives the same decoder outputs and logProb, with the column layout saved in vaekit.json', async () => {
    const vae = new VAE({ inputShape: [D], hidden: [6], latentDim: 2, likelihood: { kind: 'mixed', variance: 'learned', columns: COLUMNS }, seed: 5 });
    // one gradient step moves the learned σ², so the saved config carries a value that is not the initial one
    const { x } = mixedBatch(8);
    const xt = tf.tensor2d(x);
    const opt = tf.train.adam(0.05);
    opt.minimize(() => tf.neg(tf.mean(vae.likelihood.logProb(xt, vae.decode(vae.encode(xt).mean)))) as tf.Scalar, false, vae.trainableVariables());
    opt.dispose();
    const path = join(dir, 'mixed-vae');
    await vae.save(path);
    const loaded = await VAE.load(path);
    const z = tf.randomNormal([5, 2], 0, 1, 'float32', 11) as tf.Tensor2D;
    const [a, b] = [vae.decode(z), loaded.decode(z)];
    assert.deepEqual(await a.data(), await b.data());
    const [la, lb] = [vae.likelihood.logProb(xt, vae.decode(vae.encode(xt).mean)), loaded.likelihood.logProb(xt, loaded.decode(loaded.encode(xt).mean))];
    assertAllClose(Array.from(await lb.data()), Array.from(await la.data()), { rtol: 1e-6 });
    const saved = JSON.parse(readFileSync(join(path, 'vaekit.json'), 'utf8'));
    assert.deepEqual(saved.config.likelihood.columns, COLUMNS);
    assert.equal(saved.config.likelihood.kind, 'mixed');
    assert.deepEqual(await loaded.likelihood.toConfig(), await vae.likelihood.toConfig());
    tf.dispose([z, a, b, la, lb, xt]);
    vae.dispose();
    loaded.dispose();
  });

  test('the probabilities of the mean sum to 1 per group', async () => {
    const p = categoricalProbs(tf.tensor2d([[1, 2, 3]]));
    assertAllClose(
      Array.from(await p.data()).reduce((s, v) => s + v, 0),
      1,
      { rtol: 1e-6 },
    );
    p.dispose();
  });
});
