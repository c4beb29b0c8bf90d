/**
 * Training with `train` on small MNIST subsets, on the cpu backend (the reference) and on wasm
 * (the CLI's default, whose kernels differ). The larger loss-lowering run uses wasm only: on the
 * cpu backend it would take about 20 s.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeDataset, takeFirst, type Dataset } from '../../src/data/dataset.js';
import { TrainingError } from '../../src/errors.js';
import { evaluateElbo } from '../../src/evaluation/elbo-eval.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend, type BackendName } from '../../src/node/compute/backend.js';
import { loadIdxDataset, mnistDataDir } from '../../src/node/datasets/mnist.js';
import { train, type EpochMetrics, type TrainResult } from '../../src/training/trainer.js';
import type { TrainOptions } from '../../src/training/options.js';

const mnist = loadIdxDataset(mnistDataDir());
/** 64 training examples (8 steps of 8 per epoch: the cpu backend takes about 20 ms a step) and 100 held-out test examples. */
const small: Dataset = takeFirst(mnist.train, 64);
const held: Dataset = takeFirst(mnist.test, 100);
const SMALL_OPTS: TrainOptions = { batchSize: 8, learningRate: 3e-3, seed: 4, logEvery: 1 };

function smallVae(): VAE {
  return new VAE({ inputShape: [28, 28, 1], hidden: [16], latentDim: 4, seed: 1 });
}

/** The metrics that must repeat exactly: everything except wall-clock timings. */
function numbers(m: EpochMetrics): Omit<EpochMetrics, 'seconds' | 'examplesPerSecond' | 'evalSeconds'> {
  const { seconds: _s, examplesPerSecond: _e, evalSeconds: _v, ...rest } = m;
  return rest;
}

function weights(vae: VAE): number[] {
  return vae.trainableVariables().flatMap((v) => Array.from(v.dataSync()));
}

/** Trains and records the running loss after every step (logEvery 1). */
async function trainRecording(vae: VAE, opts: TrainOptions): Promise<{ result: TrainResult; losses: number[] }> {
  const losses: number[] = [];
  const result = await train(vae, { train: small, val: held }, { options: { ...SMALL_OPTS, ...opts }, callbacks: { onStep: (s) => losses.push(s.loss) } });
  return { result, losses };
}

describe('train on 2000 MNIST examples (wasm)', () => {
  before(async () => {
    await useBackend('wasm');
  });

  test('about 190 Adam steps lower the held-out −ELBO to under half its initial value, epoch by epoch', async () => {
    const data = takeFirst(mnist.train, 2000);
    const val = takeFirst(mnist.test, 500);
    const vae = new VAE({ inputShape: [28, 28, 1], hidden: [64], latentDim: 8, seed: 0 });
    const before = (await evaluateElbo(vae, val, { seed: 0 })).loss;
    const r = await train(vae, { train: data, val }, { options: { epochs: 3, batchSize: 32, learningRate: 3e-3, seed: 0 } });
    const losses = r.history.map((m) => m.valLoss ?? NaN);
    assert.ok(
      losses.every((v, i) => i === 0 || v < losses[i - 1]),
      `validation loss falls every epoch: ${losses}`,
    );
    const trainLosses = r.history.map((m) => m.trainLoss);
    assert.ok(
      trainLosses.every((v, i) => i === 0 || v < trainLosses[i - 1]),
      `training loss falls every epoch: ${trainLosses}`,
    );
    assert.ok(losses[2] < 0.5 * before, `validation loss ${losses[2]} after 3 epochs, ${before} before`);
    for (const m of r.history) assert.ok(Math.abs(m.trainLoss - (m.reconstruction! + m.kl!)) < 1e-6 * m.trainLoss, 'trainLoss = reconstruction + β·kl');
    r.optimizer.dispose();
    vae.dispose();
  });
});

for (const backend of ['cpu', 'wasm'] as BackendName[]) {
  describe(`train on 64 MNIST examples (${backend})`, () => {
    before(async () => {
      await useBackend(backend);
    });

    test('lowers the held-out loss in 16 steps and leaks no tensor once the optimizer is disposed', async () => {
      const vae = smallVae();
      const start = tf.memory().numTensors;
      const initial = (await evaluateElbo(vae, held, { seed: 4 })).loss;
      const { result } = await trainRecording(vae, { epochs: 2 });
      assert.ok((result.history[1].valLoss ?? Infinity) < initial - 50, `held-out loss ${result.history[1].valLoss}, initially ${initial}`);
      result.optimizer.dispose();
      assert.equal(tf.memory().numTensors, start);
      vae.dispose();
    });

    test('the same seed gives bit-identical per-step losses and weights, another seed different ones', async () => {
      const [a, b, c] = [smallVae(), smallVae(), smallVae()];
      const ra = await trainRecording(a, { epochs: 2 });
      const rb = await trainRecording(b, { epochs: 2 });
      const rc = await trainRecording(c, { epochs: 2, seed: 5 });
      assert.equal(ra.losses.length, 16);
      assert.deepEqual(rb.losses, ra.losses);
      assert.deepEqual(weights(b), weights(a));
      assert.deepEqual(rb.result.history.map(numbers), ra.result.history.map(numbers));
      assert.notDeepEqual(rc.losses, ra.losses);
      for (const r of [ra, rb, rc]) r.result.optimizer.dispose();
      [a, b, c].forEach((m) => m.dispose());
    });

    test('holds as many tensors after step 100 as after step 10', async () => {
      const vae = smallVae();
      const counts: number[] = [];
      const r = await train(
        vae,
        { train: small },
        { options: { ...SMALL_OPTS, epochs: 13 }, callbacks: { onStep: () => counts.push(tf.memory().numTensors) } },
      );
      assert.equal(counts.length, 104);
      assert.equal(counts[99], counts[9], `numTensors after step 10: ${counts[9]}, after step 100: ${counts[99]}`);
      r.optimizer.dispose();
      vae.dispose();
    });

    test('a NaN weight makes the next epoch throw a TrainingError naming that epoch', async () => {
      const vae = smallVae();
      const poison = () => {
        const layer = vae.decoder.getLayer('decoder_output');
        const [kernel, bias] = layer.getWeights();
        const bad = tf.tidy(() => tf.where(tf.equal(tf.range(0, bias.size), 3), tf.scalar(NaN), bias));
        layer.setWeights([kernel, bad]);
        bad.dispose();
      };
      await assert.rejects(
        train(
          vae,
          { train: small },
          { options: { ...SMALL_OPTS, epochs: 3, logEvery: 4 }, callbacks: { onEpochEnd: (m) => (m.epoch === 1 ? poison() : undefined) } },
        ),
        (e: unknown) => {
          assert.ok(e instanceof TrainingError, `expected a TrainingError, got ${String(e)}`);
          assert.match(e.message, /training: the loss became NaN at epoch 2, step 1 of 8 /);
          return true;
        },
      );
      vae.dispose();
    });

    // Fails until train() disposes its optimizer when it throws: Adam's slots (2 per variable, plus
    // β₁ᵗ and β₂ᵗ) outlive a TrainingError, and the caller has no handle to free them.
    test('leaves no tensor behind when a NaN in the data throws a TrainingError', async () => {
      const x = new Float32Array(16 * 4).fill(0.5);
      x[9] = NaN;
      const data = makeDataset({ x, numExamples: 16, dataDim: 4, source: 'nan-fixture' });
      const vae = new VAE({ inputShape: [4], hidden: [3], latentDim: 2, likelihood: { kind: 'gaussian', variance: 1 } });
      const start = tf.memory().numTensors;
      await assert.rejects(train(vae, { train: data }, { options: { epochs: 1, batchSize: 4, logEvery: 1 } }), TrainingError);
      assert.equal(tf.memory().numTensors, start, `${tf.memory().numTensors - start} tensors outlive the error`);
      vae.dispose();
    });

    test('one epoch, then a resume from its state and optimizer slots, repeats epoch 2 of a straight run exactly', async () => {
      const straight = smallVae();
      const rs = await trainRecording(straight, { epochs: 2 });
      const resumed = smallVae();
      const r1 = await trainRecording(resumed, { epochs: 1 });
      assert.equal(r1.result.state.epoch, 1);
      const r2 = await train(
        resumed,
        { train: small, val: held },
        {
          options: { ...SMALL_OPTS, epochs: 2 },
          resumeFrom: { state: r1.result.state, optimizerWeights: await r1.result.optimizer.getWeights() },
        },
      );
      assert.deepEqual(r2.history.map(numbers), rs.result.history.map(numbers));
      assert.deepEqual(weights(resumed), weights(straight));
      for (const r of [rs.result, r1.result, r2]) r.optimizer.dispose();
      straight.dispose();
      resumed.dispose();
    });

    // Guards restoreOptimizer (src/training/optimizer.ts): tfjs's Adam.setWeights recomputes β₁ᵗ, β₂ᵗ
    // with pow(), which differs in the last float32 bit from the running product (e.g. 0.9^12).
    test('an interrupt mid-epoch through shouldStop, then a resume, ends with the metrics of an uninterrupted run', async () => {
      const straight = smallVae();
      const rs = await trainRecording(straight, { epochs: 2 });
      const resumed = smallVae();
      let steps = 0;
      const r1 = await train(
        resumed,
        { train: small, val: held },
        {
          options: { ...SMALL_OPTS, epochs: 2 },
          callbacks: { onStep: () => steps++, shouldStop: () => steps === 11 },
        },
      );
      assert.equal(r1.interrupted, true);
      assert.deepEqual([r1.state.epoch, r1.state.step], [1, 3], 'stopped after step 3 of epoch 2');
      const r2 = await train(
        resumed,
        { train: small, val: held },
        {
          options: { ...SMALL_OPTS, epochs: 2 },
          resumeFrom: { state: r1.state, optimizerWeights: await r1.optimizer.getWeights() },
        },
      );
      assert.equal(r2.interrupted, false);
      assert.deepEqual(r2.history.map(numbers), rs.result.history.map(numbers));
      assert.deepEqual(weights(resumed), weights(straight));
      for (const r of [rs.result, r1, r2]) r.optimizer.dispose();
      straight.dispose();
      resumed.dispose();
    });
  });
}
