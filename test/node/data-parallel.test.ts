/**
 * Data-parallel gradients over worker threads equal the single-threaded gradient of the same batch
 * and noise, within float32 tolerance (only the summation order of the batch mean differs).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/math/rng.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { DataParallelGradients, shardRows } from '../../src/node/parallel/data-parallel.js';
import { negativeElboLoss } from '../../src/objectives/elbo.js';
import { negativeIwaeLoss } from '../../src/objectives/iwae.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';

const D = 30;
const B = 11;
const rng = new Rng('data-parallel-test');
const X = Float32Array.from({ length: B * D }, () => (rng.next() < 0.3 ? 1 : 0));

/** The single-threaded reference: ∇ of the batch-mean loss of the first `rows` rows, keyed by variable name. */
function referenceGradients(vae: VAE, rows: number, seed: number, beta: number): { grads: Map<string, Float32Array>; loss: number } {
  const x = tf.tensor2d(X.subarray(0, rows * D), [rows, D]);
  const { value, grads } = tf.variableGrads(() => negativeElboLoss(vae, { x }, { seed, step: 0, klWeight: beta }).loss, vae.trainableVariables());
  const out = { grads: new Map(Object.entries(grads).map(([k, g]) => [k, g.dataSync() as Float32Array])), loss: value.dataSync()[0] };
  tf.dispose([x, value, ...Object.values(grads)]);
  return out;
}

/** A step's context: its noise seed and β (the step number does not enter the ELBO). */
const ctx = (seed: number, klWeight: number) => ({ seed, step: 0, klWeight });

describe('shardRows', () => {
  test('splits B rows into S nearly equal shards that sum to B', () => {
    assert.deepEqual(shardRows(128, 2), [64, 64]);
    assert.deepEqual(shardRows(11, 3), [4, 4, 3]);
    assert.deepEqual(shardRows(2, 4), [1, 1, 0, 0]);
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`data-parallel gradients on ${backend}`, () => {
    let vae: VAE;
    let engine: DataParallelGradients;
    before(async () => {
      await useBackend(backend);
      vae = new VAE({ inputShape: [D], hidden: [16], latentDim: 3, seed: 2, likelihood: { kind: 'bernoulli' } });
      engine = await DataParallelGradients.start(vae, { numShards: 3, batchSize: B, objective: { kind: 'elbo' }, backend });
    });
    after(async () => {
      await engine.dispose();
      vae.dispose();
    });

    test('equal the single-threaded gradient of the same batch and noise (3 shards of 4, 4, 3 rows)', async () => {
      const ref = referenceGradients(vae, B, 5, 0.7);
      const { grads, stats } = await engine.gradients({ numRows: B, x: X }, ctx(5, 0.7));
      assert.deepEqual(
        grads.map((g) => g.name),
        vae.trainableVariables().map((v) => v.name),
        'gradients in trainableVariables order',
      );
      assert.deepEqual(grads.map((g) => g.name).sort(), [...ref.grads.keys()].sort());
      for (const { name, tensor: g } of grads) assertAllClose(g.dataSync(), ref.grads.get(name)!, { rtol: 1e-4, atol: 1e-6, message: name });
      assertAllClose(stats.dataSync()[0], ref.loss, { rtol: 1e-5 });
      tf.dispose([...grads.map((g) => g.tensor), stats]);
    });

    test('workers see the weights after an optimizer step, and a short batch', async () => {
      tf.tidy(() => {
        for (const v of vae.trainableVariables()) v.assign(tf.add(v, tf.mul(tf.randomNormal(v.shape, 0, 1, 'float32', 3), 0.05)));
      });
      const short = 7;
      const ref = referenceGradients(vae, short, 9, 0.7);
      const { grads, stats } = await engine.gradients({ numRows: short, x: X }, ctx(9, 0.7));
      for (const { name, tensor: g } of grads) assertAllClose(g.dataSync(), ref.grads.get(name)!, { rtol: 1e-4, atol: 1e-6, message: name });
      assertAllClose(stats.dataSync()[0], ref.loss, { rtol: 1e-5 });
      tf.dispose([...grads.map((g) => g.tensor), stats]);
    });

    test('leaks no tensors on the training thread', async () => {
      await assertNoTensorLeak(async () => {
        const { grads, stats } = await engine.gradients({ numRows: B, x: X }, ctx(1, 0.7));
        tf.dispose([...grads.map((g) => g.tensor), stats]);
      });
    });

    test('rejects a batch larger than it was started for', async () => {
      await assert.rejects(engine.gradients({ numRows: B + 1, x: X }, ctx(1, 0.7)), /batch of 12 rows, started for at most 11/);
    });
  });
}

describe('data-parallel gradients of the IWAE bound (K = 4) and the 3-sample ELBO on cpu', () => {
  test('equal the single-threaded gradient: each shard gets its rows of the batch’s [K, B, Z] noise', async () => {
    await useBackend('cpu');
    const vae = new VAE({ inputShape: [D], hidden: [16], latentDim: 3, seed: 2, likelihood: { kind: 'bernoulli' } });
    const cases = [
      { objective: { kind: 'iwae' as const, numSamples: 4 }, loss: (x: tf.Tensor2D) => negativeIwaeLoss(vae, { x }, ctx(9, 1), 4) },
      { objective: { kind: 'elbo' as const, numSamples: 3 }, loss: (x: tf.Tensor2D) => negativeElboLoss(vae, { x }, ctx(9, 1), { numSamples: 3 }) },
    ];
    for (const c of cases) {
      const engine = await DataParallelGradients.start(vae, { numShards: 3, batchSize: B, objective: c.objective, backend: 'cpu' });
      try {
        const x = tf.tensor2d(X, [B, D]);
        const ref = tf.variableGrads(() => {
          const v = c.loss(x);
          tf.dispose(Object.values(v.terms));
          return v.loss;
        }, vae.trainableVariables());
        const { grads, stats } = await engine.gradients({ numRows: B, x: X }, ctx(9, 1));
        for (const { name, tensor: g } of grads)
          assertAllClose(g.dataSync(), ref.grads[name].dataSync(), { rtol: 1e-4, atol: 1e-6, message: `${c.objective.kind}: ${name}` });
        assertAllClose(stats.dataSync()[0], ref.value.dataSync()[0], { rtol: 1e-5 });
        tf.dispose([x, ref.value, ...Object.values(ref.grads), ...grads.map((g) => g.tensor), stats]);
      } finally {
        await engine.dispose();
      }
    }
    vae.dispose();
  });
});

describe('training with data-parallel gradients', () => {
  test('gives the losses of single-threaded training, within float32 tolerance, over 2 epochs', async () => {
    await useBackend('wasm');
    const { makeDataset } = await import('../../src/data/dataset.js');
    const { train } = await import('../../src/training/trainer.js');
    const n = 200;
    const r = new Rng('dp-train');
    const data = makeDataset({ x: Float32Array.from({ length: n * D }, () => (r.next() < 0.3 ? 1 : 0)), numExamples: n, dataDim: D, source: 'test' });
    const run = async (threads: number) => {
      const vae = new VAE({ inputShape: [D], hidden: [16], latentDim: 3, seed: 7 });
      const engine = threads > 1 ? await DataParallelGradients.start(vae, { numShards: threads, batchSize: 32, objective: { kind: 'elbo' } }) : undefined;
      const losses: number[] = [];
      const res = await train(
        vae,
        { train: data },
        { options: { epochs: 2, batchSize: 32, learningRate: 1e-2, seed: 1, logEvery: 1 }, callbacks: { onStep: (s) => losses.push(s.loss) }, engine },
      );
      res.optimizer.dispose();
      await engine?.dispose();
      vae.dispose();
      return losses;
    };
    const single = await run(1);
    const parallel = await run(2);
    assert.equal(parallel.length, single.length);
    assertAllClose(parallel, single, { rtol: 1e-4 });
  });
});
