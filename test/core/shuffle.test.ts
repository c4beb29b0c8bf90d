/**
 * Minibatch order: every epoch visits each training example exactly once, in a fresh order drawn
 * from the seed (so runs repeat exactly, and epochs differ). Observed through a gradient engine
 * that records the rows of each batch it is given and returns zero gradients.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { VAE } from '../../src/models/vae.js';
import { makeDataset } from '../../src/data/dataset.js';
import { train } from '../../src/training/trainer.js';
import type { GradientEngine } from '../../src/training/engine.js';

/** Trains `epochs` epochs of 23 examples (row i holds i) in batches of 5; returns each epoch's example order. */
async function batchOrder(seed: number, epochs: number): Promise<number[][]> {
  await tf.setBackend('cpu');
  const n = 23;
  const data = makeDataset({ x: Float32Array.from({ length: n * 2 }, (_, j) => (j % 2 === 0 ? j / 2 : 0)), numExamples: n, dataDim: 2, source: 'rows' });
  const vae = new VAE({ inputShape: [2], latentDim: 1, hidden: [3], seed: 1 });
  const seen: number[] = [];
  const engine: GradientEngine = {
    numShards: 1,
    async gradients(batch) {
      for (let r = 0; r < batch.numRows; r++) seen.push(batch.x[r * 2]);
      const grads = vae.trainableVariables().map((v) => ({ name: v.name, tensor: tf.zerosLike(v) }));
      return { grads, stats: tf.tensor1d([1, 1, 0]) };
    },
    async dispose() {},
  };
  const res = await train(vae, { train: data }, { options: { epochs, batchSize: 5, learningRate: 1e-3, seed, logEvery: 1 }, engine });
  res.optimizer.dispose();
  vae.dispose();
  return Array.from({ length: epochs }, (_, e) => seen.slice(e * n, (e + 1) * n));
}

test('each epoch visits every example once, in a new order; the same seed repeats the orders', async () => {
  const orders = await batchOrder(7, 3);
  const all = Array.from({ length: 23 }, (_, i) => i);
  for (const order of orders)
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      all,
      'a permutation of the examples',
    );
  assert.notDeepEqual(orders[0], all, 'shuffled, not in file order');
  assert.notDeepEqual(orders[1], orders[0], 'epoch 2 reshuffles');
  assert.notDeepEqual(orders[2], orders[1], 'epoch 3 reshuffles');
  assert.deepEqual(await batchOrder(7, 3), orders, 'the same seed gives the same orders');
  assert.notDeepEqual((await batchOrder(8, 1))[0], orders[0], 'another seed gives another order');
});
