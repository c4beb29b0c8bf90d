import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/node/compute/backend.js';
import { flushTinySlots, makeOptimizer, SLOT_FLUSH_THRESHOLD } from '../../src/training/optimizer.js';
import { VAE } from '../../src/models/vae.js';
import { makeDataset } from '../../src/data/dataset.js';
import { train } from '../../src/training/trainer.js';

const MIN_NORMAL = 1.1754943508222875e-38;

function denormals(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0 && Math.abs(values[i]) < MIN_NORMAL) n++;
  return n;
}

describe('flushTinySlots', () => {
  before(async () => {
    await useBackend('wasm');
  });

  test('zeroes Adam moments below 1e-30 and leaves every other value bit-identical', async () => {
    const w = tf.variable(tf.zeros([6]));
    const opt = makeOptimizer(1e-3);
    opt.minimize(() => tf.sum(tf.mul(w, tf.tensor1d([1, -2, 3, -4, 5, 6]))), false, [w]);
    const slots = (await opt.getWeights()).slice(1); // [m, v]
    const values = [1e-31, -1e-35, 2e-38, 1e-29, -0.5, 0];
    for (const s of slots) (s.tensor as tf.Variable).assign(tf.tensor1d(values));
    flushTinySlots(opt);
    const expected = Float32Array.from(values.map((v) => (Math.abs(Math.fround(v)) < SLOT_FLUSH_THRESHOLD ? 0 : v)));
    for (const s of (await opt.getWeights()).slice(1)) assert.deepEqual(s.tensor.dataSync(), expected);
    opt.dispose();
    w.dispose();
  });

  test('keeps Adam moments out of the denormal range while weights with zero gradient decay for hundreds of steps', async () => {
    // Features 0..3 are always 0: their encoder weights get zero gradient after the first batch,
    // where a one-off spike gives m a value that then decays by 0.9 a step, into denormals by step ~800.
    const n = 64;
    const d = 12;
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 4; j < d; j++) x[i * d + j] = ((i * 7 + j * 3) % 10) / 10;
    for (let j = 0; j < 4; j++) x[j] = 1; // example 0 lights features 0..3 once
    const ds = makeDataset({ x, numExamples: n, dataDim: d, source: 'synthetic' });
    const vae = new VAE({ inputShape: [d], hidden: [8], latentDim: 2, seed: 3 });
    const r = await train(vae, { train: ds }, { options: { epochs: 100, batchSize: 8, seed: 3, logEvery: 100 } }); // 800 steps
    const slots = (await r.optimizer.getWeights()).slice(1);
    const total = slots.reduce((s, w) => s + denormals(w.tensor.dataSync()), 0);
    assert.equal(total, 0, `${total} denormal Adam moments after 800 steps`);
    r.optimizer.dispose();
    vae.dispose();
  });
});
