/**
 * No synchronous tensor reads on the training and evaluation paths: the library must run on
 * backends that cannot read synchronously (WebGPU), so `Tensor.prototype.dataSync`, `arraySync`
 * and `bufferSync` are replaced by functions that throw while the library runs, and every result
 * must equal what the same call gave before the patch (same backend, same seed), bit for bit.
 * Run on the cpu backend (the reference) and on wasm with the native kernels 'auto' and 'off'.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { subset, takeFirst, type Dataset } from '../../src/data/dataset.js';
import { elboPerExample, evaluateElbo } from '../../src/evaluation/elbo-eval.js';
import { estimateLogLikelihood } from '../../src/evaluation/log-likelihood.js';
import { encodeMeans } from '../../src/latent/aggregated-posterior.js';
import { sampleFromPrior } from '../../src/models/generate.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend, type BackendName } from '../../src/node/compute/backend.js';
import { nativeKernelsInfo, type NativeChoice } from '../../src/node/compute/native-kernels.js';
import { loadIdxDataset, mnistDataDir } from '../../src/node/datasets/mnist.js';
import { train, type EpochMetrics } from '../../src/training/trainer.js';
import type { TrainOptions } from '../../src/training/options.js';
import { assertAllClose } from '../helpers/assert.js';

const mnist = loadIdxDataset(mnistDataDir());
/** 64 training examples; batches of 6 give 10 full batches and a short one of 4 per epoch (11 steps). */
const TRAIN: Dataset = takeFirst(mnist.train, 64);
/** 24 validation and 24 test examples, disjoint. */
const VAL: Dataset = takeFirst(mnist.test, 24);
const TEST: Dataset = subset(
  mnist.test,
  Array.from({ length: 24 }, (_, i) => 24 + i),
);
/** 2 epochs of 11 steps: past the 20th step, where Adam's tiny slots are flushed (SLOT_FLUSH_EVERY). */
const TRAIN_OPTS: TrainOptions = { epochs: 2, batchSize: 6, learningRate: 3e-3, seed: 5, logEvery: 1, evalBatchSize: 10 };

const SYNC_READS = ['dataSync', 'arraySync', 'bufferSync'] as const;
type Proto = Record<(typeof SYNC_READS)[number], unknown>;

/**
 * Replaces the synchronous reads of every tensor (variables included) with functions that throw
 * and record the call, in case library code catches the error.
 * @returns the calls seen and a function that puts the originals back
 */
function forbidSyncReads(): { calls: string[]; restore: () => void } {
  const proto = tf.Tensor.prototype as unknown as Proto;
  const saved = SYNC_READS.map((name) => [name, proto[name]] as const);
  const calls: string[] = [];
  for (const name of SYNC_READS) {
    proto[name] = function forbidden(): never {
      const err = new Error(`synchronous tensor read: Tensor.${name}() called`);
      calls.push(err.stack ?? err.message);
      throw err;
    };
  }
  let restored = false;
  return {
    calls,
    restore: () => {
      if (restored) return;
      for (const [name, f] of saved) proto[name] = f;
      restored = true;
    },
  };
}

/**
 * Runs `fn` with synchronous reads forbidden, then checks that none was attempted and that the
 * number of live tensors is what it was (results read and disposed inside `fn`).
 */
async function withoutSyncReads<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const tensorsBefore = tf.memory().numTensors;
  const guard = forbidSyncReads();
  let out: T;
  try {
    out = await fn();
  } finally {
    guard.restore();
  }
  assert.deepEqual(guard.calls, [], `${what}: synchronous reads`);
  assert.equal(tf.memory().numTensors, tensorsBefore, `${what}: live tensors before and after`);
  return out;
}

function tinyVae(seed = 1): VAE {
  return new VAE({ inputShape: [28, 28, 1], hidden: [16], latentDim: 3, activation: 'tanh', seed });
}

/** An epoch's metrics without its wall-clock timings: what must repeat exactly. */
function numbers(m: EpochMetrics): Omit<EpochMetrics, 'seconds' | 'examplesPerSecond' | 'evalSeconds'> {
  const { seconds: _s, examplesPerSecond: _e, evalSeconds: _v, ...rest } = m;
  return rest;
}

/** Trains a fresh tiny VAE and returns the running losses after every step, the epochs' metrics and the final weights. */
async function trainRun(): Promise<{ losses: number[]; history: ReturnType<typeof numbers>[]; weights: Float32Array[] }> {
  const vae = tinyVae();
  const losses: number[] = [];
  try {
    const r = await train(vae, { train: TRAIN, val: VAL, test: TEST }, { options: TRAIN_OPTS, callbacks: { onStep: (s) => losses.push(s.loss) } });
    r.optimizer.dispose();
    const weights = await Promise.all(vae.trainableVariables().map(async (v) => (await v.data()) as Float32Array));
    return { losses, history: r.history.map(numbers), weights };
  } finally {
    vae.dispose();
  }
}

/** Reads a tensor asynchronously and disposes it. */
async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

describe('the synchronous-read guard', () => {
  test('throws on dataSync, arraySync and bufferSync of tensors and variables, and restores them', () => {
    const t = tf.tensor1d([1, 2]);
    const v = tf.variable(tf.tensor1d([3]));
    const guard = forbidSyncReads();
    try {
      assert.throws(() => t.dataSync(), /Tensor\.dataSync\(\) called/);
      assert.throws(() => t.arraySync(), /Tensor\.arraySync\(\) called/);
      assert.throws(() => t.bufferSync(), /Tensor\.bufferSync\(\) called/);
      assert.throws(() => v.dataSync(), /Tensor\.dataSync\(\) called/);
    } finally {
      guard.restore();
    }
    assert.equal(guard.calls.length, 4);
    assert.deepEqual(Array.from(t.dataSync()), [1, 2]);
    assert.deepEqual(v.arraySync(), [3]);
    tf.dispose([t, v]);
  });
});

const BACKENDS: Array<{ label: string; backend: BackendName; native?: NativeChoice }> = [
  { label: 'cpu', backend: 'cpu' },
  // 'auto' before 'off': useBackend writes an explicit 'off' into VAEKIT_NATIVE, which 'auto' then follows.
  { label: 'wasm, native kernels auto', backend: 'wasm', native: 'auto' },
  { label: 'wasm, native kernels off', backend: 'wasm', native: 'off' },
];

const savedNativeEnv = process.env.VAEKIT_NATIVE;
after(() => {
  if (savedNativeEnv === undefined) delete process.env.VAEKIT_NATIVE;
  else process.env.VAEKIT_NATIVE = savedNativeEnv;
});

for (const { label, backend, native } of BACKENDS) {
  describe(`no synchronous tensor reads on the training and evaluation paths (${label})`, () => {
    let vae: VAE;
    before(async () => {
      await useBackend(backend, native ? { native } : {});
      vae = tinyVae(3);
    });
    after(() => vae.dispose());

    test('train() with validation and test sets completes and repeats the unpatched run exactly, step by step', async (t) => {
      if (backend === 'wasm') t.diagnostic(`native kernels: ${JSON.stringify(nativeKernelsInfo())}`);
      const reference = await trainRun();
      const guarded = await withoutSyncReads('train', trainRun);
      assert.equal(reference.losses.length, 22, 'two epochs of 11 steps, one loss read-back each');
      assert.deepEqual(guarded.losses, reference.losses);
      assert.deepEqual(guarded.history, reference.history);
      assert.ok(
        guarded.history.every((m) => m.valLoss !== null && m.testLoss !== null),
        'validation and test losses are reported',
      );
      guarded.weights.forEach((w, i) => assert.deepEqual(w, reference.weights[i], `weights of variable ${i}`));
    });

    test('evaluateElbo and elboPerExample read asynchronously, equal the unpatched values, and agree with each other', async () => {
      const opts = { batchSize: 10, seed: 7 };
      const refSummary = await evaluateElbo(vae, VAL, opts);
      const refPerExample = await elboPerExample(vae, VAL, opts);
      const summary = await withoutSyncReads('evaluateElbo', () => evaluateElbo(vae, VAL, opts));
      const perExample = await withoutSyncReads('elboPerExample', () => elboPerExample(vae, VAL, opts));
      assert.deepEqual(summary, refSummary);
      assert.deepEqual(perExample, refPerExample);
      // The same chunks and noise: the mean of the per-example ELBOs is −loss (float32 chunk sums vs float64).
      const mean = perExample.reduce((s, v) => s + v, 0) / perExample.length;
      assertAllClose(-mean, summary.loss, { rtol: 1e-5 });
      assertAllClose(summary.loss, summary.reconstructionLoss + summary.kl, { rtol: 1e-6 });
    });

    test('estimateLogLikelihood with K = 8 in chunks of 3 samples reads asynchronously and equals the unpatched estimate', async () => {
      const data = takeFirst(VAL, 6);
      const opts = { numSamples: 8, chunkRows: 3, seed: 2 };
      const ref = await estimateLogLikelihood(vae, data, opts);
      const est = await withoutSyncReads('estimateLogLikelihood', () => estimateLogLikelihood(vae, data, opts));
      assert.deepEqual(est, ref);
      assert.equal(est.perExample.length, 6);
      assert.ok(est.perExample.every(Number.isFinite), `finite log-likelihoods: ${est.perExample}`);
    });

    test('encodeMeans reads asynchronously and equals the encoder means of an unpatched forward pass', async () => {
      const expected = tf.tidy(() => vae.encode(tf.tensor2d(VAL.x, [VAL.numExamples, VAL.dataDim])).mean);
      const expectedValues = await readAndDispose(expected);
      const means = await withoutSyncReads('encodeMeans', () => encodeMeans(vae, VAL, { batchSize: 10 }));
      assert.equal(means.numExamples, VAL.numExamples);
      assert.equal(means.dataDim, 3);
      assertAllClose(means.x, expectedValues, { rtol: 1e-5, atol: 1e-6 });
      assert.deepEqual(means.labels, VAL.labels);
    });

    test('sampleFromPrior read with await data() equals the unpatched samples', async () => {
      const ref = await readAndDispose(sampleFromPrior(vae, 5, { seed: 4, temperature: 0.8 }));
      const got = await withoutSyncReads('sampleFromPrior', () => readAndDispose(sampleFromPrior(vae, 5, { seed: 4, temperature: 0.8 })));
      assert.equal(got.length, 5 * 784);
      assert.deepEqual(got, ref);
    });

    test("a Gaussian VAE's describe() reads its learned variances asynchronously (shared and per dimension)", async () => {
      const shared = new VAE({ inputShape: [4], hidden: [4], latentDim: 2, seed: 0, likelihood: { kind: 'gaussian', variance: 'learned', logVar: -0.7 } });
      const diag = new VAE({
        inputShape: [3],
        hidden: [4],
        latentDim: 2,
        seed: 0,
        likelihood: { kind: 'gaussian', variance: 'learned-diag', logVar: [0.25, -1.5, 2] },
      });
      try {
        const [a, b] = await withoutSyncReads('describe', () => Promise.all([shared.describe(), diag.describe()]));
        assert.deepEqual(a.config.likelihood, { kind: 'gaussian', variance: 'learned', logVar: Math.fround(-0.7) });
        assert.deepEqual(b.config.likelihood, { kind: 'gaussian', variance: 'learned-diag', logVar: [0.25, -1.5, 2] });
        assert.equal(a.config.latentDim, 2);
      } finally {
        shared.dispose();
        diag.dispose();
      }
    });
  });
}
