/**
 * MAP encoding (Prince §17.8.3, resynthesis option ii): Adam on J(z) = log p(x|z) + log p(z) from the
 * encoder mean. Checked against the exact posterior mode of a linear-Gaussian model computed here in
 * float64, against J recomputed in float64 from the networks' weights, and for its guarantee that the
 * objective of each example never decreases even when Adam's own steps overshoot.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeDataset, subset } from '../../src/data/dataset.js';
import { ConfigError, ShapeError } from '../../src/errors.js';
import { attributeVector } from '../../src/latent/attribute.js';
import { encodeDataset, mapEncode } from '../../src/latent/map-encode.js';
import { deriveRng } from '../../src/math/rng.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';
import { bernoulliLogProb64, decode64, encode64, gaussianLogProb64, LOG_2PI_64, readVaeWeights, rows } from '../helpers/oracles.js';

const D = 6;
const Z = 3;
const B = 5;
const SIGMA2 = 0.5;

/** Rows of N(0, scale²) values [n, D], seeded. */
function gaussianRows(n: number, seed: number, scale = 1.5): Float32Array {
  const rng = deriveRng(seed, 'map-encode-test');
  return Float32Array.from({ length: n * D }, () => scale * rng.nextNormal());
}

/** J(z) = log p(x|z) + log N(z; 0, I) in float64, from the networks' weights. */
function logJoint64(vae: VAE, x: ArrayLike<number>, z: ArrayLike<number>): number {
  const params = decode64(readVaeWeights(vae), z);
  const lik = vae.config.likelihood.kind === 'gaussian' ? gaussianLogProb64(x, params, SIGMA2) : bernoulliLogProb64(x, params);
  return lik - 0.5 * Array.from(z).reduce((s, v) => s + LOG_2PI_64 + v * v, 0);
}

/** Solves A y = r in float64 by Gaussian elimination with partial pivoting (A [n, n], small). */
function solve64(a: number[][], r: number[]): number[] {
  const n = r.length;
  const m = a.map((row, i) => [...row, r[i]]);
  for (let k = 0; k < n; k++) {
    const p = m.slice(k).reduce((best, row, i) => (Math.abs(row[k]) > Math.abs(m[best][k]) ? k + i : best), k);
    [m[k], m[p]] = [m[p], m[k]];
    for (let i = k + 1; i < n; i++) {
      const f = m[i][k] / m[k][k];
      for (let j = k; j <= n; j++) m[i][j] -= f * m[k][j];
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) y[i] = (m[i][n] - m[i].slice(i + 1, n).reduce((s, v, j) => s + v * y[i + 1 + j], 0)) / m[i][i];
  return y;
}

let mlp: VAE;
let linear: VAE;
before(async () => {
  await useBackend('cpu');
  mlp = new VAE({ inputShape: [D], latentDim: Z, hidden: [8], activation: 'tanh', likelihood: { kind: 'gaussian', variance: SIGMA2 }, seed: 3 });
  linear = new VAE({ inputShape: [D], latentDim: Z, hidden: [], likelihood: { kind: 'gaussian', variance: SIGMA2 }, seed: 5 });
});
after(() => {
  mlp.dispose();
  linear.dispose();
});

describe('mapEncode', () => {
  test("the objective of every example never decreases over the steps, though Adam's own steps overshoot", async () => {
    const x = tf.tensor2d(gaussianRows(B, 1), [B, D]);
    const r = await mapEncode(mlp, x, { steps: 40, learningRate: 0.8, recordHistory: true });
    const { current, best } = r.history!;
    assert.equal(current.length, 41);
    assert.equal(best.length, 41);
    let numOvershoots = 0;
    for (let t = 0; t <= 40; t++) {
      for (let b = 0; b < B; b++) {
        if (t > 0) {
          assert.ok(best[t][b] >= best[t - 1][b], `step ${t}, example ${b}: J fell from ${best[t - 1][b]} to ${best[t][b]}`);
          if (current[t][b] < current[t - 1][b]) numOvershoots++;
        }
        const bestSoFar = Math.max(...current.slice(0, t + 1).map((c) => c[b]));
        assert.equal(best[t][b], bestSoFar, `step ${t}, example ${b}: the best so far`);
      }
    }
    assert.ok(numOvershoots > 0, 'with a learning rate of 0.8 some of Adam’s steps lower J (else the guard is not exercised)');
    assert.deepEqual(Array.from(r.logJointBefore), Array.from(current[0]));
    assert.deepEqual(Array.from(r.logJointAfter), Array.from(best[40]));
    for (let b = 0; b < B; b++) assert.ok(r.logJointAfter[b] > r.logJointBefore[b] + 1e-3, `example ${b} gained nothing`);
    tf.dispose([x, r.z]);
  });

  test('reports J and log p(x|z) at the encoder mean and at the code it returns, as recomputed in float64', async () => {
    const xs = gaussianRows(B, 2);
    const x = tf.tensor2d(xs, [B, D]);
    const r = await mapEncode(mlp, x, { steps: 25, learningRate: 0.05 });
    const z = rows(await r.z.data(), B, Z);
    const w = readVaeWeights(mlp);
    for (let b = 0; b < B; b++) {
      const xb = xs.subarray(b * D, (b + 1) * D);
      const mean = encode64(w, xb).mean;
      assertAllClose(r.logJointBefore[b], logJoint64(mlp, xb, mean), { rtol: 1e-5, atol: 1e-5, message: `J before, example ${b}` });
      assertAllClose(r.logJointAfter[b], logJoint64(mlp, xb, z[b]), { rtol: 1e-5, atol: 1e-5, message: `J after, example ${b}` });
      assertAllClose(r.logLikelihoodBefore[b], gaussianLogProb64(xb, decode64(w, mean), SIGMA2), { rtol: 1e-5, atol: 1e-5 });
      assertAllClose(r.logLikelihoodAfter[b], gaussianLogProb64(xb, decode64(w, z[b]), SIGMA2), { rtol: 1e-5, atol: 1e-5 });
    }
    tf.dispose([x, r.z]);
  });

  test('finds the exact posterior mode z* = (WᵀW/σ² + I)⁻¹ Wᵀ(x − b)/σ² of a linear-Gaussian model', async () => {
    const [kernel, bias] = linear.decoder.getLayer('decoder_output').getWeights(); // W as tfjs stores it, [Z, D]; b [D]
    const k = await kernel.data();
    const b0 = await bias.data();
    const w = Array.from({ length: D }, (_, i) => Array.from({ length: Z }, (_, j) => k[j * D + i])); // W [D, Z], float64
    const precision = Array.from({ length: Z }, (_, j) =>
      Array.from({ length: Z }, (_, l) => w.reduce((s, row) => s + row[j] * row[l], 0) / SIGMA2 + (j === l ? 1 : 0)),
    ); // WᵀW/σ² + I [Z, Z]
    const xs = gaussianRows(B, 3);
    const x = tf.tensor2d(xs, [B, D]);
    const r = await mapEncode(linear, x, { steps: 1500, learningRate: 0.02 });
    const z = rows(await r.z.data(), B, Z);
    const start = rows(await tf.tidy(() => linear.encode(x).mean).data(), B, Z);
    for (let n = 0; n < B; n++) {
      const xn = xs.subarray(n * D, (n + 1) * D);
      const rhs = Array.from({ length: Z }, (_, j) => w.reduce((s, row, i) => s + (row[j] * (xn[i] - b0[i])) / SIGMA2, 0)); // Wᵀ(x − b)/σ² [Z]
      const mode = solve64(precision, rhs); // z* [Z]
      assert.ok(Math.hypot(...mode.map((m, j) => m - start[n][j])) > 0.3, `example ${n}: the encoder mean starts away from z*`);
      assertAllClose(z[n], mode, { rtol: 1e-3, atol: 2e-3, message: `example ${n}: ẑ vs z*` });
      assertAllClose(r.logJointAfter[n], logJoint64(linear, xn, mode), { rtol: 1e-5, atol: 1e-4, message: `example ${n}: J(ẑ) vs J(z*)` });
    }
    tf.dispose([x, r.z]);
  });

  test('with 0 steps gives the encoder mean, J unchanged', async () => {
    const x = tf.tensor2d(gaussianRows(B, 4), [B, D]);
    const r = await mapEncode(mlp, x, { steps: 0 });
    assert.deepEqual(await r.z.data(), await tf.tidy(() => mlp.encode(x).mean).data());
    assert.deepEqual(r.logJointAfter, r.logJointBefore);
    tf.dispose([x, r.z]);
  });

  test('leaves no tensor behind but the code it returns, with or without a history, and for a conditional model', async () => {
    const x = tf.tensor2d(gaussianRows(B, 5), [B, D]);
    const r = await assertNoTensorLeak(() => mapEncode(mlp, x, { steps: 7, recordHistory: true }));
    r.z.dispose();
    const cvae = new VAE({ inputShape: [D], latentDim: Z, conditionDim: 2, hidden: [4], likelihood: { kind: 'bernoulli' }, seed: 1 });
    const c = tf.oneHot(tf.tensor1d([0, 1, 1, 0, 1], 'int32'), 2).toFloat() as tf.Tensor2D;
    const xb = tf.tidy(() => tf.sigmoid(x));
    const rc = await assertNoTensorLeak(() => mapEncode(cvae, xb, { steps: 5, c }));
    for (let b = 0; b < B; b++) assert.ok(rc.logJointAfter[b] >= rc.logJointBefore[b]);
    await assert.rejects(() => mapEncode(cvae, xb, { steps: 5 }), ShapeError);
    tf.dispose([x, xb, c, rc.z]);
    cvae.dispose();
  });

  test('refuses bad options and misshapen data, naming them', async () => {
    const x = tf.tensor2d(gaussianRows(2, 6), [2, D]);
    await assert.rejects(
      () => mapEncode(mlp, x, { steps: -1 }),
      (e: unknown) => e instanceof ConfigError && /steps: expected an integer ≥ 0/.test(e.message),
    );
    await assert.rejects(() => mapEncode(mlp, x, { steps: 1.5 }), ConfigError);
    await assert.rejects(
      () => mapEncode(mlp, x, { learningRate: 0 }),
      (e: unknown) => e instanceof ConfigError && /learningRate/.test(e.message),
    );
    const bad = tf.zeros([2, D + 1]);
    await assert.rejects(() => mapEncode(mlp, bad), ShapeError);
    tf.dispose([x, bad]);
  });
});

describe('encodeDataset', () => {
  const n = 7;
  const ds = makeDataset({ x: gaussianRows(n, 7), numExamples: n, dataDim: D, labels: Int32Array.from({ length: n }, (_, i) => i % 2), source: 'rows' });

  test('gives the same codes whatever the chunk size (each example follows its own path)', async () => {
    const whole = await assertNoTensorLeak(() => encodeDataset(mlp, ds, { method: 'map', steps: 20, batchSize: 1000 }));
    const chunks = await encodeDataset(mlp, ds, { method: 'map', steps: 20, batchSize: 3 });
    assertAllClose(chunks.codes.x, whole.codes.x, { rtol: 1e-4, atol: 1e-5 });
    assertAllClose(chunks.logJointAfter, whole.logJointAfter, { rtol: 1e-5, atol: 1e-4 });
    assert.deepEqual(whole.codes.labels, ds.labels);
    assert.deepEqual([whole.codes.numExamples, whole.codes.dataDim, whole.method, whole.steps], [n, Z, 'map', 20]);
    for (let i = 0; i < n; i++) assert.ok(whole.logJointAfter[i] >= whole.logJointBefore[i]);
  });

  test("'mean' gives the encoder means and J there, before = after", async () => {
    const r = await encodeDataset(mlp, ds, { method: 'mean', batchSize: 4 });
    assertAllClose(r.codes.x, await tf.tidy(() => mlp.encode(tf.tensor2d(ds.x, [n, D])).mean).data(), { rtol: 1e-6, atol: 1e-7 });
    assert.deepEqual(r.logJointAfter, r.logJointBefore);
    assert.equal(r.steps, 0);
  });

  test('refuses an unknown method and data of another size', async () => {
    await assert.rejects(
      () => encodeDataset(mlp, ds, { method: 'mode' as never }),
      (e: unknown) => e instanceof ConfigError && /method/.test(e.message),
    );
    const other = makeDataset({ x: new Float32Array(2 * (D + 1)), numExamples: 2, dataDim: D + 1, source: 'wide' });
    await assert.rejects(() => encodeDataset(mlp, other), ShapeError);
  });
});

describe("attributeVector with method 'map'", () => {
  test("is the difference of the two groups' mean MAP codes, each example encoded alone", async () => {
    const n = 12;
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3); // groups 0, 1, 2 of 4
    const ds = makeDataset({ x: gaussianRows(n, 8), numExamples: n, dataDim: D, labels, source: 'groups' });
    const v = await assertNoTensorLeak(() => attributeVector(mlp, ds, { fromLabel: 0, toLabel: 2, method: 'map', steps: 15, learningRate: 0.1, batchSize: 5 }));
    const groupMean = async (label: number) => {
      const idx = Array.from({ length: n }, (_, i) => i).filter((i) => labels[i] === label);
      const codes = (await encodeDataset(mlp, subset(ds, idx), { method: 'map', steps: 15, learningRate: 0.1, batchSize: 1 })).codes.x;
      return Array.from({ length: Z }, (_, u) => idx.reduce((s, _, k) => s + codes[k * Z + u], 0) / idx.length);
    };
    const [a, b] = [await groupMean(0), await groupMean(2)];
    assert.deepEqual([v.numFrom, v.numTo], [4, 4]);
    assertAllClose(v.fromMean, a, { rtol: 1e-4, atol: 1e-5 });
    assertAllClose(
      v.vector,
      b.map((m, u) => m - a[u]),
      { rtol: 1e-4, atol: 1e-5 },
    );
    const byMean = await attributeVector(mlp, ds, { fromLabel: 0, toLabel: 2 });
    assert.ok(Math.hypot(...byMean.fromMean.map((m, u) => m - v.fromMean[u])) > 1e-3, 'MAP codes differ from the encoder means');
    await assert.rejects(() => attributeVector(mlp, ds, { fromLabel: 0, toLabel: 2, method: 'mode' as never }), ConfigError);
  });
});
