/**
 * The recurrent encoder and decoder (src/nets/rnn.ts): shapes at the flat boundary, a loss that
 * falls, save → load → the same outputs, the saved networks loading in plain tf.loadLayersModel, the
 * condition c, and the config's defaults and errors. Tiny on purpose: tfjs's GRU loops over the steps
 * in JavaScript, slow on the cpu backend (W = 6, F = 2, H ≤ 8).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeDataset } from '../../src/data/dataset.js';
import { ConfigError } from '../../src/errors.js';
import { Rng } from '../../src/math/rng.js';
import { VAE } from '../../src/models/vae.js';
import { resolveNetConfig } from '../../src/nets/index.js';
import { RNN_DEFAULTS, resolveRnnConfig } from '../../src/nets/rnn.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { train } from '../../src/training/trainer.js';
import { assertNoTensorLeak } from '../helpers/assert.js';

before(async () => {
  await useBackend('cpu');
});

const W = 6;
const F = 2;
const D = W * F;
const Z = 2;
const rng = new Rng('rnn-test');
/** N windows of a noisy sine wave in each feature, step-major [N, W·F]. */
function sineWindows(n: number): Float32Array {
  const x = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const phase = rng.next() * 2 * Math.PI;
    for (let w = 0; w < W; w++) for (let f = 0; f < F; f++) x[i * D + w * F + f] = Math.sin(phase + 0.7 * w + f) + 0.05 * (rng.next() - 0.5);
  }
  return x;
}

const gaussian = { kind: 'gaussian' as const, variance: 'learned' as const };

describe('rnn networks', () => {
  const vae = new VAE({ inputShape: [W, F], latentDim: Z, encoder: { kind: 'rnn', hidden: [8] }, likelihood: gaussian, seed: 3 });
  after(() => vae.dispose());

  test('the config holds its defaults (one GRU of 64, tanh) and names a bad field', () => {
    assert.deepEqual(resolveRnnConfig({}, 'model.encoder'), { kind: 'rnn', cell: 'gru', hidden: [64], activation: 'tanh' });
    assert.deepEqual(RNN_DEFAULTS, { kind: 'rnn', cell: 'gru', hidden: [64], activation: 'tanh' });
    assert.deepEqual(resolveNetConfig({ kind: 'rnn', cell: 'lstm', hidden: [4, 3] }, 'model.encoder'), {
      kind: 'rnn',
      cell: 'lstm',
      hidden: [4, 3],
      activation: 'tanh',
    });
    assert.throws(() => resolveRnnConfig({ cell: 'rnn' as 'gru' }, 'model.encoder'), /^ConfigError: model.encoder.cell: expected one of gru, lstm, got "rnn"/);
    assert.throws(() => resolveRnnConfig({ hidden: [] }, 'model.encoder'), /model.encoder.hidden: expected at least one recurrent layer/);
    assert.throws(() => resolveRnnConfig({ channels: [3] } as never, 'model.encoder'), ConfigError);
  });

  test('encode maps [B, W·F] to mean and logVar [B, Z]; decode maps [B, Z] to [B, W·F]; no tensor is left', async () => {
    const x = tf.tensor2d(sineWindows(5), [5, D]);
    const { mean, logVar } = await assertNoTensorLeak(() => vae.encode(x));
    assert.deepEqual(
      [mean.shape, logVar.shape],
      [
        [5, Z],
        [5, Z],
      ],
    );
    const out = await assertNoTensorLeak(() => vae.decode(mean));
    assert.deepEqual(out.shape, [5, D]);
    assert.ok(out.dataSync().every(Number.isFinite));
    const classes = new Set([vae.encoder, vae.decoder].flatMap((m) => m.layers.map((l) => l.getClassName())));
    assert.deepEqual([...classes].sort(), ['Dense', 'Flatten', 'GRU', 'InputLayer', 'RepeatVector', 'Reshape', 'TimeDistributed']);
    tf.dispose([x, mean, logVar, out]);
  });

  test('examples that are not [W, F] are refused with a ConfigError naming the shape', () => {
    assert.throws(
      () => new VAE({ inputShape: [12], encoder: { kind: 'rnn', hidden: [4] }, likelihood: gaussian }),
      (e: unknown) => e instanceof ConfigError && /'rnn': expected examples of shape \[W, F\].*got \[12\]/.test(e.message),
    );
  });

  test('training lowers the loss of a GRU VAE and of an LSTM VAE', async () => {
    const data = makeDataset({ x: sineWindows(48), numExamples: 48, dataDim: D, exampleShape: [W, F], source: 'sine windows' });
    for (const cell of ['gru', 'lstm'] as const) {
      const m = new VAE({ inputShape: [W, F], latentDim: Z, encoder: { kind: 'rnn', cell, hidden: [8] }, likelihood: gaussian, seed: 1 });
      try {
        const r = await train(m, { train: data }, { options: { epochs: 30, batchSize: 16, learningRate: 1e-2, seed: 0 } });
        const first = r.history[0].trainLoss;
        const last = r.history.at(-1)!.trainLoss;
        assert.ok(last < first - 1, `${cell}: loss ${first.toFixed(3)} → ${last.toFixed(3)} nats should fall by more than 1 nat`);
      } finally {
        m.dispose();
      }
    }
  });

  test('save → load gives identical outputs, and the saved networks load in plain tf.loadLayersModel', async () => {
    const a = await vae.toArtifacts();
    const back = await VAE.fromArtifacts(a);
    const x = tf.tensor2d(sineWindows(3), [3, D]);
    const z = tf.tensor2d([0.3, -1, 1.2, 0.1, -0.4, 0.8], [3, Z]);
    try {
      const [e1, e2] = [vae.encode(x), back.encode(x)];
      assert.deepEqual(e2.mean.dataSync(), e1.mean.dataSync());
      assert.deepEqual(e2.logVar.dataSync(), e1.logVar.dataSync());
      const [d1, d2] = [vae.decode(z), back.decode(z)];
      assert.deepEqual(d2.dataSync(), d1.dataSync());
      tf.dispose([e1.mean, e1.logVar, e2.mean, e2.logVar, d1, d2]);
      // What a browser does with the saved files: built-in layers only, no custom classes.
      const plain = (net: tf.io.ModelArtifacts) => tf.loadLayersModel(tf.io.fromMemory(net));
      const [encoder, decoder] = [await plain(a.encoder), await plain(a.decoder)];
      try {
        const [mean] = encoder.predict(x) as tf.Tensor[];
        const expected = vae.encode(x);
        assert.deepEqual(mean.dataSync(), expected.mean.dataSync());
        const decoded = decoder.predict(z) as tf.Tensor;
        const expectedDecoded = vae.decode(z);
        assert.deepEqual(decoded.dataSync(), expectedDecoded.dataSync());
        tf.dispose([mean, decoded, expected.mean, expected.logVar, expectedDecoded]);
      } finally {
        encoder.dispose();
        decoder.dispose();
      }
    } finally {
      tf.dispose([x, z]);
      back.dispose();
    }
  });

  test('a conditional rnn VAE takes c [B, C] as a second input, and c changes the outputs', async () => {
    const C = 3;
    const m = new VAE({ inputShape: [W, F], latentDim: Z, conditionDim: C, encoder: { kind: 'rnn', hidden: [4] }, likelihood: gaussian, seed: 2 });
    const x = tf.tensor2d(sineWindows(2), [2, D]);
    const c0 = tf.tensor2d([1, 0, 0, 1, 0, 0], [2, C]);
    const c1 = tf.tensor2d([0, 0, 1, 0, 0, 1], [2, C]);
    try {
      assert.equal(m.encoder.inputs.length, 2);
      const [q0, q1] = [m.encode(x, c0), m.encode(x, c1)];
      assert.deepEqual(q0.mean.shape, [2, Z]);
      assert.notDeepEqual(q0.mean.dataSync(), q1.mean.dataSync());
      const [p0, p1] = [m.decode(q0.mean, c0), m.decode(q0.mean, c1)];
      assert.deepEqual(p0.shape, [2, D]);
      assert.notDeepEqual(p0.dataSync(), p1.dataSync());
      tf.dispose([q0.mean, q0.logVar, q1.mean, q1.logVar, p0, p1]);
    } finally {
      tf.dispose([x, c0, c1]);
      m.dispose();
    }
  });
});
