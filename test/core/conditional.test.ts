/**
 * Conditions end to end (the conditional VAE, Sohn, Lee & Yan 2015): the batch gatherer's c (numeric
 * conditions, or labels one-hot), dataset helpers that keep each example's condition with it, the
 * model's shape checks, the conditional ELBO against a float64 forward pass of [x, c] and [z, c],
 * training, save → load, and data-parallel gradients. On the cpu backend, the reference.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { gatherBatch } from '../../src/data/batch.js';
import { concatDatasets, makeDataset, splitValidation, subset, takeFirst, type Dataset } from '../../src/data/dataset.js';
import { DataError, ShapeError, type VaeError } from '../../src/errors.js';
import { evaluateElbo } from '../../src/evaluation/elbo-eval.js';
import { priorNoise } from '../../src/math/noise.js';
import { Rng } from '../../src/math/rng.js';
import { decodeMean, sampleFromPrior } from '../../src/models/generate.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { fsModelStore, readModelDescription } from '../../src/node/formats/model-store.js';
import { DataParallelGradients } from '../../src/node/parallel/data-parallel.js';
import { elbo, negativeElboLoss } from '../../src/objectives/elbo.js';
import { train, type EpochMetrics } from '../../src/training/trainer.js';
import type { TrainOptions } from '../../src/training/options.js';
import { assertAllClose } from '../helpers/assert.js';
import {
  bernoulliLogProb64,
  decode64,
  encode64,
  gaussianLogProb64,
  klStd64,
  logSigmoid64,
  readVaeWeights,
  type LogLik64,
  type VaeWeights64,
} from '../helpers/oracles.js';

before(async () => {
  await useBackend('cpu');
});

/** Asserts that `fn` throws an error of class `cls` whose message matches every pattern. */
function assertThrowsClass(fn: () => unknown, cls: typeof VaeError, ...patterns: RegExp[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof cls, `expected a ${cls.name}, got ${String(err)}`);
    for (const p of patterns) assert.match((err as Error).message, p);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Float64 oracle of a conditional MLP VAE: the first layer of each network sees [x, c] (encoder)
// or [z, c] (decoder), x or z first. test/helpers/oracles.ts's encode64 / decode64 run a dense
// stack on whatever vector they are given, so the concatenation is the only addition.
// ---------------------------------------------------------------------------------------------

/** q(z|x, c): encoder forward of [x, c] → mean [Z], logVar [Z], float64. */
function encodeC64(w: VaeWeights64, x: ArrayLike<number>, c: ArrayLike<number>): { mean: Float64Array; logVar: Float64Array } {
  return encode64(w, [...Array.from(x), ...Array.from(c)]);
}

/** p(x|z, c): decoder forward of [z, c] → likelihood parameters [D], float64. */
function decodeC64(w: VaeWeights64, z: ArrayLike<number>, c: ArrayLike<number>): Float64Array {
  return decode64(w, [...Array.from(z), ...Array.from(c)]);
}

/** Conditional ELBO terms of one example with explicit noise eps[k][z], float64. */
function conditionalElbo64(w: VaeWeights64, x: number[], c: number[], eps: number[][], logLik: LogLik64): { elbo: number; reconstruction: number; kl: number } {
  const { mean, logVar } = encodeC64(w, x, c);
  let rec = 0;
  for (const e of eps) {
    const z = Array.from(mean, (m, j) => m + Math.exp(0.5 * logVar[j]) * e[j]);
    rec += logLik(x, decodeC64(w, z, c));
  }
  rec /= eps.length;
  const kl = klStd64(mean, logVar);
  return { elbo: rec - kl, reconstruction: rec, kl };
}

// ---------------------------------------------------------------------------------------------
// gatherBatch
// ---------------------------------------------------------------------------------------------

/** n examples of dimension d where x[i, j] = 100·i + j; labels i mod 3; optional conditions [i + 0.25, −2i]. */
function ramp(n: number, d: number, opts: { labels?: boolean; conditions?: boolean; first?: number; source?: string } = {}): Dataset {
  const first = opts.first ?? 0;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = 100 * (first + i) + j;
  const labels = opts.labels === false ? undefined : Int32Array.from({ length: n }, (_, i) => (first + i) % 3);
  const conditions = opts.conditions ? Float32Array.from({ length: 2 * n }, (_, k) => conditionOf(first + Math.floor(k / 2))[k % 2]) : undefined;
  return makeDataset({ x, numExamples: n, dataDim: d, labels, ...(conditions ? { conditions, conditionDim: 2 } : {}), source: opts.source ?? 'ramp' });
}

/** The condition ramp gives example `id`. */
const conditionOf = (id: number): [number, number] => [id + 0.25, -2 * id];

/** One-hot rows [B, C] of labels, flat. */
function oneHot(labels: number[], numClasses: number): number[] {
  return labels.flatMap((l) => Array.from({ length: numClasses }, (_, k) => (k === l ? 1 : 0)));
}

describe('gatherBatch', () => {
  const D = 4;

  test('with a null order returns rows [start, end) as views of x, and their labels one-hot as c', () => {
    const ds = ramp(6, D);
    const b = gatherBatch(ds, null, 1, 5, { conditionDim: 3 });
    assert.equal(b.numRows, 4);
    assert.equal(b.x.buffer, ds.x.buffer, 'x is a view of the dataset, not a copy');
    assert.equal(b.x.byteOffset, 1 * D * 4);
    assert.equal(b.x.length, 4 * D);
    assert.deepEqual(Array.from(b.x), Array.from(ds.x.subarray(D, 5 * D)));
    assert.deepEqual(Array.from(b.c!), oneHot([1, 2, 0, 1], 3));
  });

  test('with an order gathers those rows and one-hot labels of their examples, in that order', () => {
    const ds = ramp(6, D);
    const order = Int32Array.from([4, 0, 5, 3, 2, 1]);
    const b = gatherBatch(ds, order, 1, 4, { conditionDim: 4 });
    assert.equal(b.numRows, 3);
    assert.deepEqual(
      Array.from({ length: 3 }, (_, i) => b.x[i * D] / 100),
      [0, 5, 3],
      'rows of examples 0, 5, 3',
    );
    assert.deepEqual(Array.from(b.c!), oneHot([0, 2, 0], 4), 'labels 0, 2, 0 one-hot in 4 classes');
    assert.notEqual(b.x.buffer, ds.x.buffer, 'gathered rows are a copy');
  });

  test('gives no c for an unconditional model (conditionDim 0)', () => {
    const b = gatherBatch(ramp(3, D, { conditions: true }), null, 0, 3);
    assert.equal(b.c, undefined);
    assert.equal(gatherBatch(ramp(3, D), Int32Array.from([2, 1, 0]), 0, 2, { conditionDim: 0 }).c, undefined);
  });

  test("takes the dataset's numeric conditions before its labels: views without an order, gathered rows with one", () => {
    const ds = ramp(5, D, { conditions: true });
    const view = gatherBatch(ds, null, 2, 4, { conditionDim: 2 });
    assert.equal(view.c!.buffer, ds.conditions!.buffer, 'c is a view of the conditions');
    assert.equal(view.c!.byteOffset, 2 * 2 * 4);
    assert.deepEqual(Array.from(view.c!), [...conditionOf(2), ...conditionOf(3)]);
    const gathered = gatherBatch(ds, Int32Array.from([3, 1, 4]), 0, 3, { conditionDim: 2 });
    assert.deepEqual(Array.from(gathered.c!), [...conditionOf(3), ...conditionOf(1), ...conditionOf(4)]);
  });

  test('fills the buffers given for a full batch, clearing the one-hot rows of the previous batch', () => {
    const ds = ramp(6, D);
    const buffers = { x: new Float32Array(3 * D), c: new Float32Array(3 * 3) };
    const first = gatherBatch(ds, Int32Array.from([0, 1, 2, 3, 4, 5]), 0, 3, { conditionDim: 3, buffers });
    assert.equal(first.x, buffers.x);
    assert.equal(first.c, buffers.c);
    const second = gatherBatch(ds, Int32Array.from([5, 4, 3, 2, 1, 0]), 0, 3, { conditionDim: 3, buffers });
    assert.equal(second.c, buffers.c);
    assert.deepEqual(Array.from(second.c!), oneHot([2, 1, 0], 3), 'exactly one 1 per row, none left from the first batch');
    assert.deepEqual(
      Array.from({ length: 3 }, (_, i) => second.x[i * D] / 100),
      [5, 4, 3],
    );
    const short = gatherBatch(ds, Int32Array.from([5, 4, 3, 2, 1, 0]), 4, 6, { conditionDim: 3, buffers });
    assert.notEqual(short.c, buffers.c, 'a short batch does not use the full-size buffers');
    assert.deepEqual(Array.from(short.c!), oneHot([1, 0], 3));
  });

  test('throws ShapeError for a bad range or index, naming the data source', () => {
    const ds = ramp(4, D, { source: 'toy' });
    assertThrowsClass(() => gatherBatch(ds, null, 2, 5), ShapeError, /gatherBatch\(toy\): expected 0 <= start <= end <= 4, got 2, 5/);
    assertThrowsClass(() => gatherBatch(ds, null, 3, 2), ShapeError, /expected 0 <= start <= end <= 4, got 3, 2/);
    assertThrowsClass(
      () => gatherBatch(ds, Int32Array.from([0, 1]), 0, 3, { conditionDim: 3 }),
      ShapeError,
      /gatherBatch\(toy\): expected 0 <= start <= end <= 2, got 0, 3/,
    );
    assertThrowsClass(() => gatherBatch(ds, [0, 9], 0, 2, { conditionDim: 3 }), ShapeError, /expected example indices in \[0, 4\), got 9 at position 1/);
  });

  test("throws ShapeError when the dataset's conditions have another size than the model's conditionDim", () => {
    const ds = ramp(4, D, { conditions: true, source: 'toy' });
    assertThrowsClass(
      () => gatherBatch(ds, null, 0, 2, { conditionDim: 3 }),
      ShapeError,
      /gatherBatch\(toy\): expected conditions of size 3 \(the model's conditionDim\), got 2/,
    );
    assertThrowsClass(
      () => gatherBatch(ds, [1, 0], 0, 2, { conditionDim: 1 }),
      ShapeError,
      /expected conditions of size 1 \(the model's conditionDim\), got 2/,
    );
  });

  test('throws DataError for a conditional model on data with neither conditions nor labels', () => {
    const ds = ramp(4, D, { labels: false, source: 'unlabelled' });
    assertThrowsClass(
      () => gatherBatch(ds, null, 0, 2, { conditionDim: 3 }),
      DataError,
      /gatherBatch\(unlabelled\): a conditional model \(conditionDim 3\) needs conditions or class labels, and this data has neither/,
    );
    assert.equal(gatherBatch(ds, null, 0, 2).c, undefined, 'an unconditional model needs neither');
  });

  test('throws DataError for a label outside [0, C), naming the label and the example', () => {
    const ds = makeDataset({ x: new Float32Array(4 * D), numExamples: 4, dataDim: D, labels: Int32Array.from([0, 1, 3, -1]), source: 'toy' });
    assertThrowsClass(
      () => gatherBatch(ds, null, 0, 4, { conditionDim: 3 }),
      DataError,
      /gatherBatch\(toy\): expected class labels in \[0, 3\) for a one-hot condition of size 3, got 3 at example 2/,
    );
    assertThrowsClass(() => gatherBatch(ds, [3, 0], 0, 2, { conditionDim: 3 }), DataError, /expected class labels in \[0, 3\).*got -1 at example 3/);
    assert.deepEqual(Array.from(gatherBatch(ds, null, 0, 3, { conditionDim: 4 }).c!), oneHot([0, 1, 3], 4), 'label 3 is valid for C = 4');
  });
});

// ---------------------------------------------------------------------------------------------
// Dataset helpers
// ---------------------------------------------------------------------------------------------

/** Checks that every row's condition and label are those of the example its x came from, and returns the example ids. */
function assertConditionsFollowExamples(ds: Dataset): number[] {
  assert.equal(ds.conditionDim, 2);
  assert.equal(ds.conditions!.length, 2 * ds.numExamples);
  const ids = Array.from({ length: ds.numExamples }, (_, i) => ds.x[i * ds.dataDim] / 100);
  ids.forEach((id, i) => {
    assert.deepEqual([ds.conditions![2 * i], ds.conditions![2 * i + 1]], conditionOf(id), `condition of row ${i} (example ${id})`);
    assert.equal(ds.labels![i], id % 3, `label of row ${i} (example ${id})`);
  });
  return ids;
}

describe('dataset helpers with conditions', () => {
  test('makeDataset takes conditions and conditionDim together only, of length numExamples · conditionDim', () => {
    const x = new Float32Array(6);
    assertThrowsClass(
      () => makeDataset({ x, numExamples: 3, dataDim: 2, conditions: new Float32Array(3), source: 's' }),
      ShapeError,
      /makeDataset\(s\): expected conditions and conditionDim together, got conditions only/,
    );
    assertThrowsClass(() => makeDataset({ x, numExamples: 3, dataDim: 2, conditionDim: 1, source: 's' }), ShapeError, /got conditionDim only/);
    assertThrowsClass(
      () => makeDataset({ x, numExamples: 3, dataDim: 2, conditions: new Float32Array(5), conditionDim: 2, source: 's' }),
      ShapeError,
      /expected conditions.length = numExamples · conditionDim = 6, got 5/,
    );
    assertThrowsClass(
      () => makeDataset({ x, numExamples: 3, dataDim: 2, conditions: [1, 2, 3] as unknown as Float32Array, conditionDim: 1, source: 's' }),
      DataError,
      /expected conditions to be a Float32Array/,
    );
  });

  test('subset keeps each example’s condition with it, in the order and with the repeats asked for', () => {
    const s = subset(ramp(8, 3, { conditions: true }), [6, 2, 2, 7, 0]);
    assert.deepEqual(assertConditionsFollowExamples(s), [6, 2, 2, 7, 0]);
  });

  test('takeFirst copies the first conditions', () => {
    const ds = ramp(8, 3, { conditions: true });
    const first = takeFirst(ds, 3);
    assert.deepEqual(assertConditionsFollowExamples(first), [0, 1, 2]);
    assert.notEqual(first.conditions!.buffer, ds.conditions!.buffer, 'a copy, not a view');
  });

  test('concatDatasets puts the conditions of b after those of a, and refuses to mix condition sizes', () => {
    const a = ramp(3, 3, { conditions: true });
    const b = ramp(4, 3, { conditions: true, first: 10 });
    assert.deepEqual(assertConditionsFollowExamples(concatDatasets(a, b)), [0, 1, 2, 10, 11, 12, 13]);
    assertThrowsClass(() => concatDatasets(a, ramp(2, 3)), ShapeError, /concatDatasets\(ramp, ramp\)/);
  });

  test('splitValidation keeps every condition with its example in both parts, which together cover the data', () => {
    const { train: tr, val } = splitValidation(ramp(10, 3, { conditions: true }), 4, 11);
    const trIds = assertConditionsFollowExamples(tr);
    const valIds = assertConditionsFollowExamples(val);
    assert.equal(valIds.length, 4);
    assert.deepEqual(
      [...trIds, ...valIds].sort((p, q) => p - q),
      Array.from({ length: 10 }, (_, i) => i),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The conditional VAE
// ---------------------------------------------------------------------------------------------

const B = 3;
const D = 5;
const Z = 2;
const C = 3;
const rng = new Rng('conditional-test');
const XBIN = Array.from({ length: B }, () => Array.from({ length: D }, () => (rng.next() < 0.4 ? 1 : 0)));
const XREAL = Array.from({ length: B }, () => Array.from({ length: D }, () => 2 * rng.next() - 1));
/** Numeric conditions [B, C], not one-hot, so every condition weight matters. */
const COND = Array.from({ length: B }, () => Array.from({ length: C }, () => rng.nextNormal()));
/** Pinned noise ε [K, B, Z] for K = 3. */
const EPS = Array.from({ length: 3 }, () => Array.from({ length: B }, () => Array.from({ length: Z }, () => rng.nextNormal())));

describe('conditional VAE: shapes', () => {
  let cvae: VAE;
  let plain: VAE;
  before(() => {
    cvae = new VAE({ inputShape: [D], hidden: [4], latentDim: Z, conditionDim: C, activation: 'tanh', seed: 3 });
    plain = new VAE({ inputShape: [D], hidden: [4], latentDim: Z, activation: 'tanh', seed: 3 });
  });
  after(() => {
    cvae.dispose();
    plain.dispose();
  });

  test('feeds c to the first layer of each network: kernels [D + C, H] and [Z + C, H]', () => {
    assert.equal(cvae.conditionDim, C);
    assert.equal(plain.conditionDim, 0);
    assert.deepEqual(cvae.encoder.getLayer('encoder_hidden_0').getWeights()[0].shape, [D + C, 4]);
    assert.deepEqual(cvae.decoder.getLayer('decoder_hidden_0').getWeights()[0].shape, [Z + C, 4]);
    assert.deepEqual(plain.encoder.getLayer('encoder_hidden_0').getWeights()[0].shape, [D, 4]);
  });

  test('encode and decode throw ShapeError for a missing c, a c of the wrong shape, or a c given to an unconditional model, and leak nothing', () => {
    const x = tf.tensor2d(XBIN);
    const z = tf.zeros([B, Z]) as tf.Tensor2D;
    const c = tf.tensor2d(COND);
    const narrow = tf.zeros([B, 2]) as tf.Tensor2D;
    const tall = tf.zeros([B + 1, C]) as tf.Tensor2D;
    const flat = tf.zeros([B * C]) as unknown as tf.Tensor2D;
    const live = tf.memory().numTensors;
    assertThrowsClass(() => cvae.encode(x), ShapeError, /VAE\.encode: expected a condition c of shape \[3, 3\], got none/);
    assertThrowsClass(() => cvae.encode(x, narrow), ShapeError, /VAE\.encode: expected a condition c of shape \[3, 3\], got \[3, 2\]/);
    assertThrowsClass(() => cvae.encode(x, tall), ShapeError, /expected a condition c of shape \[3, 3\], got \[4, 3\]/);
    assertThrowsClass(() => cvae.encode(x, flat), ShapeError, /got \[9\]/);
    assertThrowsClass(() => cvae.decode(z), ShapeError, /VAE\.decode: expected a condition c of shape \[3, 3\], got none/);
    assertThrowsClass(() => cvae.decode(z, narrow), ShapeError, /VAE\.decode: expected a condition c of shape \[3, 3\], got \[3, 2\]/);
    assertThrowsClass(() => plain.encode(x, c), ShapeError, /VAE\.encode: expected no condition \(the model is unconditional\), got c of shape \[3, 3\]/);
    assertThrowsClass(() => plain.decode(z, c), ShapeError, /VAE\.decode: expected no condition \(the model is unconditional\), got c of shape \[3, 3\]/);
    assertThrowsClass(() => elbo(cvae, x), ShapeError, /VAE\.encode: expected a condition c/);
    assert.equal(tf.memory().numTensors, live, 'no tensor left behind by a rejected call');
    tf.dispose([x, z, c, narrow, tall, flat]);
  });
});

describe('conditional VAE: the ELBO and the decoder against a float64 forward pass of [x, c] and [z, c]', () => {
  let bernoulli: VAE;
  let gaussian: VAE;
  before(() => {
    bernoulli = new VAE({ inputShape: [D], hidden: [4], latentDim: Z, conditionDim: C, activation: 'tanh', seed: 5 });
    gaussian = new VAE({
      inputShape: [D],
      hidden: [4, 3],
      latentDim: Z,
      conditionDim: C,
      activation: 'relu',
      seed: 6,
      likelihood: { kind: 'gaussian', variance: 0.3 },
    });
  });
  after(() => {
    bernoulli.dispose();
    gaussian.dispose();
  });
  const CASES: Array<{ name: string; vae: () => VAE; x: number[][]; logLik: LogLik64 }> = [
    { name: 'Bernoulli, tanh, hidden [4]', vae: () => bernoulli, x: XBIN, logLik: bernoulliLogProb64 },
    { name: 'Gaussian σ² = 0.3, relu, hidden [4, 3]', vae: () => gaussian, x: XREAL, logLik: (x, m) => gaussianLogProb64(x, m, 0.3) },
  ];

  for (const { name, vae: model, x, logLik } of CASES) {
    for (const k of [1, 3]) {
      test(`with pinned ε and K = ${k} equals the float64 oracle (${name})`, () => {
        const vae = model();
        const w = readVaeWeights(vae);
        const live = tf.memory().numTensors;
        const xt = tf.tensor2d(x);
        const ct = tf.tensor2d(COND);
        const eps = k === 1 ? tf.tensor2d(EPS[0]) : tf.tensor3d(EPS);
        const t = elbo(vae, xt, { eps, c: ct, numSamples: k });
        const oracle = x.map((row, b) =>
          conditionalElbo64(
            w,
            row,
            COND[b],
            EPS.slice(0, k).map((e) => e[b]),
            logLik,
          ),
        );
        for (const key of ['elbo', 'reconstruction', 'kl'] as const) {
          assert.deepEqual(t[key].shape, [B]);
          assertAllClose(
            t[key],
            oracle.map((o) => o[key]),
            { rtol: 1e-5, atol: 1e-5, message: key },
          );
        }
        tf.dispose([xt, ct, eps, t.elbo, t.reconstruction, t.kl]);
        assert.equal(tf.memory().numTensors, live);
      });
    }
  }

  test('negativeElboLoss with c is the β-weighted batch mean of the oracle’s terms', () => {
    const w = readVaeWeights(bernoulli);
    const oracle = XBIN.map((row, b) => conditionalElbo64(w, row, COND[b], [EPS[0][b]], bernoulliLogProb64));
    const rec = -oracle.reduce((s, o) => s + o.reconstruction, 0) / B;
    const kl = oracle.reduce((s, o) => s + o.kl, 0) / B;
    const [x, c, noise] = [tf.tensor2d(XBIN), tf.tensor2d(COND), tf.tensor2d(EPS[0])];
    const v = negativeElboLoss(bernoulli, { x, c }, { seed: 0, step: 0, klWeight: 0.4, noise });
    assertAllClose(v.loss, rec + 0.4 * kl, { rtol: 1e-5 });
    assertAllClose(v.terms.reconstruction, rec, { rtol: 1e-5 });
    assertAllClose(v.terms.kl, kl, { rtol: 1e-5 });
    tf.dispose([x, c, noise, v.loss, v.terms.reconstruction, v.terms.kl]);
  });

  test('the condition changes the decoder output, as the oracle of [z, c] says', () => {
    const w = readVaeWeights(bernoulli);
    const zs = [
      [0.3, -1.1],
      [0.3, -1.1],
      [-0.7, 0.5],
    ];
    const cs = [
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
    ];
    const probs = tf.tidy(() => decodeMean(bernoulli, tf.tensor2d(zs), tf.tensor2d(cs)));
    const expected = zs.map((z, i) => Array.from(decodeC64(w, z, cs[i]), (l) => Math.exp(logSigmoid64(l))));
    assertAllClose(probs, expected, { rtol: 1e-5, atol: 1e-6 });
    const values = probs.arraySync() as number[][];
    const change = Math.max(...values[0].map((p, j) => Math.abs(p - values[1][j])));
    assert.ok(change > 1e-2, `the same z under two conditions decodes differently (largest change ${change})`);
    probs.dispose();
  });

  test('sampleFromPrior decodes the prior draw of its seed under the conditions given', () => {
    const w = readVaeWeights(bernoulli);
    const c = tf.tensor2d(COND);
    const samples = sampleFromPrior(bernoulli, B, { seed: 9, temperature: 0.7, c });
    const z = priorNoise(B, Z, 9, 0.7);
    const zs = z.arraySync();
    const expected = zs.map((zi, i) => Array.from(decodeC64(w, zi, COND[i]), (l) => Math.exp(logSigmoid64(l))));
    assertAllClose(samples, expected, { rtol: 1e-5, atol: 1e-6 });
    assertThrowsClass(() => sampleFromPrior(bernoulli, B, { seed: 9 }), ShapeError, /VAE\.decode: expected a condition c of shape \[3, 3\], got none/);
    tf.dispose([c, samples, z]);
  });
});

// ---------------------------------------------------------------------------------------------
// Training, saving, and data-parallel gradients
// ---------------------------------------------------------------------------------------------

const NUM_CLASSES = 3;
const PIXELS = 12;
/** P(pixel on) for pixels of the example's class block (pixels 4k..4k+3 for class k), and elsewhere. */
const P_ON = 0.9;
const P_OFF = 0.1;

/** n binary examples whose class k (= i mod 3) switches on pixel block k: x depends on its label. */
function classBlocks(n: number, seed: string): Dataset {
  const r = new Rng(seed);
  const labels = Int32Array.from({ length: n }, (_, i) => i % NUM_CLASSES);
  const x = new Float32Array(n * PIXELS);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < PIXELS; j++) x[i * PIXELS + j] = r.next() < (Math.floor(j / 4) === labels[i] ? P_ON : P_OFF) ? 1 : 0;
  }
  return makeDataset({ x, numExamples: n, dataDim: PIXELS, labels, source: seed });
}

/** −log p(x|k) under the generating process, nats, mean over examples: what a perfect conditional model scores. */
function trueNll(ds: Dataset): number {
  let s = 0;
  for (let i = 0; i < ds.numExamples; i++) {
    for (let j = 0; j < PIXELS; j++) {
      const p = Math.floor(j / 4) === ds.labels![i] ? P_ON : P_OFF;
      s -= ds.x[i * PIXELS + j] === 1 ? Math.log(p) : Math.log(1 - p);
    }
  }
  return s / ds.numExamples;
}

const TRAIN_SET = classBlocks(96, 'conditional-train');
const VAL_SET = classBlocks(48, 'conditional-val');
const TRAIN_OPTS: TrainOptions = { epochs: 10, batchSize: 16, learningRate: 2e-2, seed: 3, logEvery: 1 };

function classVae(): VAE {
  return new VAE({ inputShape: [PIXELS], latentDim: 2, conditionDim: NUM_CLASSES, hidden: [8], activation: 'tanh', seed: 1 });
}

function numbers(m: EpochMetrics): Omit<EpochMetrics, 'seconds' | 'examplesPerSecond' | 'evalSeconds'> {
  const { seconds: _s, examplesPerSecond: _e, evalSeconds: _v, ...rest } = m;
  return rest;
}

async function trainClassVae(
  data: { train: Dataset; val: Dataset },
  opts: TrainOptions = TRAIN_OPTS,
): Promise<{ vae: VAE; losses: number[]; history: ReturnType<typeof numbers>[] }> {
  const vae = classVae();
  const losses: number[] = [];
  const r = await train(vae, data, { options: opts, callbacks: { onStep: (s) => losses.push(s.loss) } });
  r.optimizer.dispose();
  return { vae, losses, history: r.history.map(numbers) };
}

/** The same examples with numeric conditions equal to their labels one-hot, and no labels. */
function withOneHotConditions(ds: Dataset): Dataset {
  return makeDataset({
    x: ds.x,
    numExamples: ds.numExamples,
    dataDim: ds.dataDim,
    conditions: Float32Array.from(oneHot(Array.from(ds.labels!), NUM_CLASSES)),
    conditionDim: NUM_CLASSES,
    source: `${ds.source} (one-hot conditions)`,
  });
}

describe('training a conditional VAE on data whose examples depend on their label', () => {
  test('lowers the held-out −ELBO to within 0.5 nats of the true −log p(x|c), and the model relies on c', async () => {
    const live = tf.memory().numTensors;
    const vae = classVae();
    const initial = (await evaluateElbo(vae, VAL_SET)).loss;
    const r = await train(vae, { train: TRAIN_SET, val: VAL_SET }, { options: TRAIN_OPTS });
    r.optimizer.dispose();
    const final = r.history.at(-1)!.valLoss!;
    const target = trueNll(VAL_SET);
    assert.ok(final < initial - 3, `held-out −ELBO ${final} after training, ${initial} before`);
    assert.ok(Math.abs(final - target) < 0.5, `held-out −ELBO ${final}, true −log p(x|c) ${target}`);
    // The same examples under the wrong class (k + 1 mod 3) must score far worse: training fed c.
    const wrong = makeDataset({ ...VAL_SET, labels: VAL_SET.labels!.map((l) => (l + 1) % NUM_CLASSES) as Int32Array });
    const wrongLoss = (await evaluateElbo(vae, wrong)).loss;
    assert.ok(wrongLoss > target + 5, `−ELBO under wrong labels ${wrongLoss}, true −log p(x|c) ${target}`);
    vae.dispose();
    assert.equal(tf.memory().numTensors, live, 'no tensor left once the model and optimizer are disposed');
  });

  test('repeats exactly for a seed, and gives the same losses from one-hot labels as from equal numeric conditions', async () => {
    const a = await trainClassVae({ train: TRAIN_SET, val: VAL_SET });
    const b = await trainClassVae({ train: TRAIN_SET, val: VAL_SET });
    const numeric = await trainClassVae({ train: withOneHotConditions(TRAIN_SET), val: withOneHotConditions(VAL_SET) });
    const otherSeed = await trainClassVae({ train: TRAIN_SET, val: VAL_SET }, { ...TRAIN_OPTS, seed: 4 });
    assert.equal(a.losses.length, 60, '10 epochs of 6 steps');
    assert.deepEqual(b.losses, a.losses);
    assert.deepEqual(b.history, a.history);
    assert.deepEqual(numeric.losses, a.losses);
    assert.deepEqual(
      numeric.history.map((m) => m.valLoss),
      a.history.map((m) => m.valLoss),
    );
    assert.notDeepEqual(otherSeed.losses, a.losses, 'another seed shuffles and draws differently');
    for (const r of [a, b, numeric, otherSeed]) r.vae.dispose();
  });

  test('throws DataError when a split has neither conditions nor labels, naming it', async () => {
    const vae = classVae();
    const unlabelled = makeDataset({ x: VAL_SET.x, numExamples: VAL_SET.numExamples, dataDim: PIXELS, source: 'no-labels' });
    await assert.rejects(
      train(vae, { train: TRAIN_SET, val: unlabelled }, { options: { ...TRAIN_OPTS, epochs: 1 } }),
      (e: unknown) =>
        e instanceof DataError &&
        /train: val data \(no-labels\) has neither conditions nor labels, and the model is conditional \(conditionDim 3\)/.test(e.message),
    );
    vae.dispose();
  });
});

describe('a saved conditional VAE', () => {
  const root = mkdtempSync(join(tmpdir(), 'vaekit-conditional-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('loads with its conditionDim and gives identical encoder, decoder and ELBO outputs', async () => {
    const vae = new VAE({ inputShape: [D], hidden: [4], latentDim: Z, conditionDim: C, activation: 'tanh', seed: 8 });
    // Weights away from their initial values, so a load that re-initialised would show.
    for (const m of [vae.encoder, vae.decoder]) m.setWeights(m.getWeights().map((w) => tf.tidy(() => tf.add(tf.mul(w, 1.7), 0.05))));
    const dir = join(root, 'model');
    await vae.save(dir, fsModelStore);
    assert.equal((await readModelDescription(dir)).config.conditionDim, C);
    const loaded = await VAE.load(dir, fsModelStore);
    assert.equal(loaded.conditionDim, C);
    assert.deepEqual(loaded.config, vae.config);
    const outputs = (m: VAE) =>
      tf.tidy(() => {
        const x = tf.tensor2d(XBIN);
        const c = tf.tensor2d(COND);
        const { mean, logVar } = m.encode(x, c);
        const t = elbo(m, x, { c, eps: tf.tensor3d(EPS), numSamples: 3 });
        return [mean, logVar, m.decode(tf.tensor2d(EPS[1]), c), t.elbo].map((v) => Array.from(v.dataSync()));
      });
    const expected = outputs(vae);
    assert.deepEqual(outputs(loaded), expected);
    const x = tf.tensor2d(XBIN);
    assertThrowsClass(() => loaded.encode(x), ShapeError, /expected a condition c of shape \[3, 3\], got none/);
    x.dispose();
    vae.dispose();
    loaded.dispose();
  });
});

describe('data-parallel gradients of a conditional VAE (cpu, 3 shards)', () => {
  const BATCH = 11;
  const DIM = 10;
  const COND_DIM = 2;
  const r = new Rng('conditional-data-parallel');
  const X = Float32Array.from({ length: BATCH * DIM }, () => (r.next() < 0.3 ? 1 : 0));
  const CONDS = Float32Array.from({ length: BATCH * COND_DIM }, () => r.nextNormal());
  let vae: VAE;
  let engine: DataParallelGradients;
  before(async () => {
    vae = new VAE({ inputShape: [DIM], hidden: [8], latentDim: 3, conditionDim: COND_DIM, seed: 2 });
    engine = await DataParallelGradients.start(vae, { numShards: 3, batchSize: BATCH, objective: { kind: 'elbo' }, backend: 'cpu' });
  });
  after(async () => {
    await engine.dispose();
    vae.dispose();
  });

  /** The single-threaded reference: ∇ of the batch-mean loss on the first `rows` rows with their conditions. */
  function reference(rows: number, seed: number, beta: number, conds: Float32Array): { grads: Map<string, Float32Array>; stats: number[] } {
    const x = tf.tensor2d(X.subarray(0, rows * DIM), [rows, DIM]);
    const c = tf.tensor2d(conds.subarray(0, rows * COND_DIM), [rows, COND_DIM]);
    let terms: number[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const v = negativeElboLoss(vae, { x, c }, { seed, step: 0, klWeight: beta });
      terms = [v.terms.reconstruction.dataSync()[0], v.terms.kl.dataSync()[0]];
      return v.loss;
    }, vae.trainableVariables());
    const out = { grads: new Map(Object.entries(grads).map(([k, g]) => [k, g.dataSync() as Float32Array])), stats: [value.dataSync()[0], ...terms] };
    tf.dispose([x, c, value, ...Object.values(grads)]);
    return out;
  }

  test('equal the single-threaded gradient of the same batch, conditions and noise (shards of 4, 4, 3 rows)', async () => {
    const ref = reference(BATCH, 5, 0.7, CONDS);
    const { grads, stats } = await engine.gradients({ numRows: BATCH, x: X, c: CONDS }, { seed: 5, step: 0, klWeight: 0.7 });
    assert.deepEqual(
      grads.map((g) => g.name),
      vae.trainableVariables().map((v) => v.name),
      'gradients in trainableVariables order',
    );
    for (const { name, tensor } of grads) assertAllClose(tensor.dataSync(), ref.grads.get(name)!, { rtol: 1e-4, atol: 1e-6, message: name });
    assertAllClose(stats.dataSync(), ref.stats, { rtol: 1e-4, atol: 1e-6 });
    // The conditions reach every shard: other conditions give another gradient in the first encoder kernel.
    const other = reference(
      BATCH,
      5,
      0.7,
      CONDS.map((v) => -v),
    );
    const kernel = grads[0].name;
    const diff = Math.max(...Array.from(other.grads.get(kernel)!, (g, i) => Math.abs(g - ref.grads.get(kernel)![i])));
    assert.ok(diff > 1e-3, `gradient of ${kernel} depends on c (largest change ${diff})`);
    tf.dispose([...grads.map((g) => g.tensor), stats]);
  });

  test('equal the single-threaded gradient for a short batch after the weights change', async () => {
    tf.tidy(() => {
      for (const v of vae.trainableVariables()) v.assign(tf.add(v, tf.mul(tf.randomNormal(v.shape, 0, 1, 'float32', 3), 0.05)));
    });
    const short = 7;
    const ref = reference(short, 9, 1, CONDS);
    const { grads, stats } = await engine.gradients(
      { numRows: short, x: X.subarray(0, short * DIM), c: CONDS.subarray(0, short * COND_DIM) },
      { seed: 9, step: 3, klWeight: 1 },
    );
    for (const { name, tensor } of grads) assertAllClose(tensor.dataSync(), ref.grads.get(name)!, { rtol: 1e-4, atol: 1e-6, message: name });
    assertAllClose(stats.dataSync(), ref.stats, { rtol: 1e-4, atol: 1e-6 });
    tf.dispose([...grads.map((g) => g.tensor), stats]);
  });
});
