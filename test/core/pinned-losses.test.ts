/**
 * The numbers of a short MNIST-subset run, pinned: the same seed on the same backend gives, to the
 * last digit, the per-step losses and per-epoch metrics that vaekit 0.1.0 gave before the redesign
 * of issue 9 (test/fixtures/pinned-losses.json says how they were recorded). The cpu backend and
 * wasm without the native kernels are deterministic across machines; the native kernels' OpenBLAS
 * products depend on the processor, so they are not pinned here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { takeFirst } from '../../src/data/dataset.js';
import type { LikelihoodConfig } from '../../src/likelihoods/likelihood.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { loadIdxDataset, mnistDataDir } from '../../src/node/datasets/mnist.js';
import { train } from '../../src/training/trainer.js';

interface PinnedRun {
  losses: number[];
  history: Array<Record<string, number | null>>;
}
const pinned = JSON.parse(readFileSync(new URL('../fixtures/pinned-losses.json', import.meta.url), 'utf8')) as Record<
  'cpu' | 'wasmNativeOff',
  Record<string, PinnedRun>
>;

const mnist = loadIdxDataset(mnistDataDir());
const small = takeFirst(mnist.train, 64);
const held = takeFirst(mnist.test, 100);
const RUNS: Array<[string, LikelihoodConfig, number]> = [
  ['bernoulli', { kind: 'bernoulli' }, 1],
  ['gaussian-learned', { kind: 'gaussian', variance: 'learned' }, 0.5],
];

async function trainPinnedRun(likelihood: LikelihoodConfig, beta: number): Promise<PinnedRun> {
  const vae = new VAE({ inputShape: [28, 28, 1], hidden: [16], latentDim: 4, seed: 1, likelihood });
  const losses: number[] = [];
  const r = await train(
    vae,
    { train: small, val: held, test: held },
    {
      options: { batchSize: 8, learningRate: 3e-3, seed: 4, logEvery: 1, epochs: 2, beta, binarize: 'none' },
      callbacks: { onStep: (s) => losses.push(s.loss) },
    },
  );
  const history = r.history.map(({ seconds: _s, examplesPerSecond: _e, evalSeconds: _v, ...rest }) => rest as unknown as Record<string, number | null>);
  r.optimizer.dispose();
  vae.dispose();
  return { losses, history };
}

for (const [backend, key] of [
  ['cpu', 'cpu'],
  ['wasm', 'wasmNativeOff'],
] as const) {
  describe(`pinned losses (${backend}${backend === 'wasm' ? ', native kernels off' : ''})`, () => {
    for (const [name, likelihood, beta] of RUNS) {
      test(`${name}, β = ${beta}: 16 steps and 2 epochs give exactly the losses of vaekit 0.1.0`, async () => {
        await useBackend(backend, { native: 'off' });
        const start = tf.memory().numTensors;
        const run = await trainPinnedRun(likelihood, beta);
        const expected = pinned[key][name];
        assert.deepEqual(run.losses, expected.losses);
        for (const [i, h] of expected.history.entries()) {
          for (const [field, value] of Object.entries(h)) assert.equal(run.history[i][field], value, `epoch ${i + 1} ${field}`);
        }
        assert.equal(tf.memory().numTensors, start);
      });
    }
  });
}
