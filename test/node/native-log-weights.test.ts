/**
 * The native log importance weights of MLP VAEs (native/mlp_log_weights.c,
 * src/node/compute/native-log-weights.ts): for the same weights, x, posterior and ε they equal
 * `logImportanceWeights` computed by tfjs on the `cpu` backend, for Bernoulli and Gaussian
 * likelihoods (fixed, learned and per-dimension variance), every activation, deep and shallow
 * decoders, conditional models, several examples per call and any split over threads and blocks;
 * the importance-sampled estimate is the same with them and without; they leak no tensor, step
 * aside for what they cannot describe, and reject bad operands with a clear error.
 *
 * Skipped, and saying so, where the addon (with its GEMM) is not built; VAEKIT_NATIVE=on (CI) makes
 * that a failure, as in test/backend/native-engine.test.ts.
 */
import { test } from 'node:test';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/node/compute/backend.js';
import { ShapeError } from '../../src/errors.js';

import { nativeLogImportanceWeights, planNativeLogWeights, setNativeLogWeightsSplit } from '../../src/node/compute/native-log-weights.js';
import { VAE } from '../../src/models/vae.js';
import type { VaeOptions } from '../../src/models/vae-config.js';
import { evaluateLogImportanceWeights, logImportanceWeights } from '../../src/objectives/iwae.js';
import { estimateLogLikelihood } from '../../src/evaluation/log-likelihood.js';
import { makeDataset } from '../../src/data/dataset.js';
import { deriveRng } from '../../src/math/rng.js';
import { nativeSkip } from '../helpers/backends.js';
import { assertAllClose } from '../helpers/assert.js';

await useBackend('wasm');
const skip = nativeSkip('blas');

/** Uniform numbers in [lo, hi) from a named stream. */
function uniform(n: number, name: string, lo = 0, hi = 1): Float32Array {
  const rng = deriveRng(7, name);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
}

/** Standard normal numbers (Box–Muller) from a named stream. */
function normal(n: number, name: string): Float32Array {
  const rng = deriveRng(7, name);
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next()));
}

/** Runs `fn` with VAEKIT_NATIVE_ENGINE set to `value`, then puts it back. */
async function withNativeEngine<T>(value: string, fn: () => Promise<T> | T): Promise<T> {
  const saved = process.env.VAEKIT_NATIVE_ENGINE;
  process.env.VAEKIT_NATIVE_ENGINE = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.VAEKIT_NATIVE_ENGINE;
    else process.env.VAEKIT_NATIVE_ENGINE = saved;
  }
}

interface Case {
  name: string;
  options: VaeOptions;
  /** G examples, K samples. */
  g: number;
  k: number;
  /** x in {0, 1} (Bernoulli) or real-valued (Gaussian). */
  gaussian?: boolean;
  split?: { threads: number; rowsPerBlock: number };
}

const base = { inputShape: [30], latentDim: 4, seed: 11 } as const;
const cases: Case[] = [
  { name: 'Bernoulli, one relu layer', options: { ...base, hidden: [24], activation: 'relu' }, g: 3, k: 7 },
  { name: 'Bernoulli, two tanh layers', options: { ...base, hidden: [24, 12], activation: 'tanh' }, g: 4, k: 5 },
  { name: 'Bernoulli, no hidden layer', options: { ...base, hidden: [], activation: 'relu' }, g: 2, k: 9 },
  { name: 'Bernoulli, selu, conditional on 3 values', options: { ...base, hidden: [16], activation: 'selu', conditionDim: 3 }, g: 3, k: 6 },
  {
    name: 'Gaussian with fixed variance 0.5, two elu layers',
    options: { ...base, hidden: [16, 8], activation: 'elu', likelihood: { kind: 'gaussian', variance: 0.5 } },
    g: 3,
    k: 5,
    gaussian: true,
  },
  {
    name: 'Gaussian with a learned variance, sigmoid',
    options: { ...base, hidden: [20], activation: 'sigmoid', likelihood: { kind: 'gaussian', variance: 'learned', logVar: -0.7 } },
    g: 2,
    k: 8,
    gaussian: true,
  },
  {
    name: 'Gaussian with a learned variance per dimension, softplus then swish layers',
    options: {
      ...base,
      encoder: { kind: 'mlp', hidden: [20], activation: 'softplus' },
      decoder: { kind: 'mlp', hidden: [18, 10], activation: 'swish' },
      likelihood: { kind: 'gaussian', variance: 'learned-diag', logVar: Array.from(uniform(30, 'lik-logvar', -1.5, 1)) },
    },
    g: 3,
    k: 4,
    gaussian: true,
  },
  {
    name: 'Bernoulli, linear decoder, 3 threads and blocks of 5 rows',
    options: { ...base, hidden: [12], activation: 'linear' },
    g: 5,
    k: 11,
    split: { threads: 3, rowsPerBlock: 5 },
  },
  {
    name: 'Gaussian per dimension, relu, 2 threads and blocks of 1 row',
    options: { ...base, hidden: [9], activation: 'relu', likelihood: { kind: 'gaussian', variance: 'learned-diag' } },
    g: 2,
    k: 3,
    gaussian: true,
    split: { threads: 2, rowsPerBlock: 1 },
  },
];

/** The case's operands as plain arrays: x [G, D], c [G, C], ε [K, G, Z]. */
function operands(c: Case) {
  const d = c.options.inputShape![0];
  const z = c.options.latentDim!;
  const cd = c.options.conditionDim ?? 0;
  const x = c.gaussian ? uniform(c.g * d, `${c.name} x`, -1.5, 1.5) : uniform(c.g * d, `${c.name} x`).map((v) => (v < 0.3 ? 1 : 0));
  const cond = cd > 0 ? uniform(c.g * cd, `${c.name} c`) : null;
  const eps = normal(c.k * c.g * z, `${c.name} eps`);
  return { d, z, cd, x, cond, eps };
}

/** log w [K, G] of tfjs on the cpu backend, and the weights it used (one array per variable). */
async function cpuLogWeights(c: Case): Promise<{ logW: Float32Array; weights: Float32Array[] }> {
  const { d, z, cd, x, cond, eps } = operands(c);
  await useBackend('cpu');
  const model = new VAE(c.options);
  // Nudge the biases off zero so every term of the weights is exercised.
  model.trainableVariables().forEach((v, i) => v.shape.length === 1 && v.size > 1 && v.assign(tf.tensor(uniform(v.size, `bias ${i}`, -0.3, 0.3), v.shape)));
  try {
    const weights = model.trainableVariables().map((v) => v.dataSync().slice() as Float32Array);
    const logW = tf.tidy(() => {
      const xt = tf.tensor2d(x, [c.g, d]);
      const ct = cond ? tf.tensor2d(cond, [c.g, cd]) : undefined;
      const posterior = model.encode(xt, ct);
      return logImportanceWeights(model, xt, posterior, tf.tensor3d(eps, [c.k, c.g, z]), ct);
    });
    const values = logW.dataSync().slice() as Float32Array;
    logW.dispose();
    return { logW: values, weights };
  } finally {
    model.dispose();
    await useBackend('wasm');
  }
}

for (const c of cases) {
  test(`equals logImportanceWeights on the cpu backend: ${c.name}, G ${c.g}, K ${c.k}`, { skip }, async () => {
    const expected = await cpuLogWeights(c);
    const { d, z, cd, x, cond, eps } = operands(c);
    const model = new VAE(c.options);
    model.trainableVariables().forEach((v, i) => v.assign(tf.tensor(expected.weights[i], v.shape)));
    const previous = setNativeLogWeightsSplit(c.split ?? { threads: 0, rowsPerBlock: 0 });
    try {
      const xt = tf.tensor2d(x, [c.g, d]);
      const ct = cond ? tf.tensor2d(cond, [c.g, cd]) : undefined;
      const epsT = tf.tensor3d(eps, [c.k, c.g, z]);
      const posterior = model.encode(xt, ct);
      const before = tf.memory().numTensors;
      const logW = nativeLogImportanceWeights(model, xt, posterior, epsT, ct);
      assert.ok(logW != null, `the native path refused: ${String(planNativeLogWeights(model, (why) => assert.fail(why)))}`);
      assert.equal(tf.memory().numTensors, before + 1, 'the native call made tensors besides its result');
      assert.deepEqual(logW.shape, [c.k, c.g]);
      // log w is a few hundred nats at most here; float32 sums over D = 30 and Z = 4 in another order.
      assertAllClose(logW.dataSync(), expected.logW, { rtol: 1e-5, atol: 2e-5 });
      tf.dispose([logW, xt, epsT, posterior.mean, posterior.logVar, ...(ct ? [ct] : [])]);
    } finally {
      setNativeLogWeightsSplit(previous);
      model.dispose();
    }
  });
}

test('the importance-sampled estimate is the same with the native weights, without them and on cpu, leaking no tensor', { skip }, async () => {
  const d = 30;
  const n = 7;
  const options: VaeOptions = { ...base, hidden: [24, 16], activation: 'relu' };
  const ds = makeDataset({ x: uniform(n * d, 'estimate x').map((v) => (v < 0.25 ? 1 : 0)), numExamples: n, dataDim: d, source: 'test' });
  // 150 rows a chunk: one example of K = 200 samples in two chunks; and with K = 40, three examples a group.
  for (const [numSamples, chunkRows] of [
    [200, 150],
    [40, 150],
  ]) {
    const opts = { numSamples, chunkRows, seed: 3 };
    await useBackend('cpu');
    const ref = new VAE(options);
    const weights = ref.trainableVariables().map((v) => v.dataSync().slice());
    const onCpu = await estimateLogLikelihood(ref, ds, opts);
    ref.dispose();
    await useBackend('wasm');
    const model = new VAE(options);
    model.trainableVariables().forEach((v, i) => v.assign(tf.tensor(weights[i], v.shape)));
    const before = tf.memory().numTensors;
    const native = await estimateLogLikelihood(model, ds, opts);
    assert.equal(tf.memory().numTensors, before, 'the estimate left tensors behind');
    const tfjs = await withNativeEngine('off', () => estimateLogLikelihood(model, ds, opts));
    model.dispose();
    assertAllClose(native.perExample, tfjs.perExample, { rtol: 0, atol: 1e-4 });
    assertAllClose(native.perExample, onCpu.perExample, { rtol: 0, atol: 1e-4 });
    assertAllClose(native.value, tfjs.value, { rtol: 0, atol: 1e-4 });
    assertAllClose(native.perExampleEffectiveSampleSize, tfjs.perExampleEffectiveSampleSize, { rtol: 1e-3 });
  }
});

test('steps aside (tfjs computes the weights) with VAEKIT_NATIVE_ENGINE=off, on cpu, and for a conv VAE', { skip }, async () => {
  const model = new VAE({ ...base, hidden: [8] });
  const conv = new VAE({ inputShape: [8, 8, 1], latentDim: 2, encoder: { kind: 'conv', channels: [4] }, decoder: { kind: 'conv', channels: [4] } });
  try {
    const x = tf.zeros([2, 30]) as tf.Tensor2D;
    const posterior = model.encode(x);
    const eps = tf.zeros([3, 2, 4]) as tf.Tensor3D;
    assert.equal(await withNativeEngine('off', () => nativeLogImportanceWeights(model, x, posterior, eps)), null);
    const reasons: string[] = [];
    assert.equal(
      planNativeLogWeights(conv, (why) => reasons.push(why)),
      null,
    );
    assert.match(reasons.join(), /conv/);
    const xc = tf.zeros([2, 64]) as tf.Tensor2D;
    const pc = conv.encode(xc);
    assert.equal(nativeLogImportanceWeights(conv, xc, pc, tf.zeros([3, 2, 2]) as tf.Tensor3D), null);
    // The seam falls back to tfjs for it, with the same shape of result.
    const viaSeam = tf.tidy(() => evaluateLogImportanceWeights(conv, xc, pc, tf.zeros([3, 2, 2]) as tf.Tensor3D));
    assert.deepEqual(viaSeam.shape, [3, 2]);
    tf.dispose([x, posterior.mean, posterior.logVar, eps, xc, pc.mean, pc.logVar, viaSeam]);
  } finally {
    model.dispose();
    conv.dispose();
  }
  await useBackend('cpu');
  const onCpu = new VAE({ ...base, hidden: [8] });
  try {
    const x = tf.zeros([2, 30]) as tf.Tensor2D;
    const posterior = onCpu.encode(x);
    assert.equal(nativeLogImportanceWeights(onCpu, x, posterior, tf.zeros([3, 2, 4]) as tf.Tensor3D), null);
  } finally {
    onCpu.dispose();
    await useBackend('wasm');
  }
});

test('rejects a bad operand with a clear error', { skip }, () => {
  const model = new VAE({ ...base, hidden: [8] });
  const x = tf.zeros([2, 30]) as tf.Tensor2D;
  const posterior = model.encode(x);
  try {
    assert.throws(
      () => nativeLogImportanceWeights(model, x, posterior, tf.zeros([3, 2, 5]) as tf.Tensor3D),
      (e: unknown) => {
        assert.ok(e instanceof ShapeError);
        assert.match((e as Error).message, /native log importance weights: expected eps \[K, 2, 4\] with K ≥ 1, got \[3, 2, 5\]/);
        return true;
      },
    );
    assert.throws(
      () => nativeLogImportanceWeights(model, x, { mean: posterior.mean, logVar: tf.zeros([2, 3]) as tf.Tensor2D }, tf.zeros([3, 2, 4]) as tf.Tensor3D),
      /expected the posterior's logVar \[2, 4\], got \[2, 3\]/,
    );
    // The addon itself checks every offset against the heap.
    const addon = createRequire(import.meta.url)('../../build/Release/vaekit_native.node') as {
      mlpLogWeights(heap: ArrayBuffer, descriptor: Float64Array): void;
    };
    const heap = new ArrayBuffer(4096);
    // K 2, G 1, D 3, C 0, Z 2, no hidden layer, linear, Bernoulli; x at byte 8192 lies past the 4096-byte heap.
    const descriptor = Float64Array.from([2, 1, 3, 0, 2, 0, 0, 0, 8192, -1, 64, 128, 192, 256, -1, 0, 0, 512, 1024]);
    assert.throws(() => addon.mlpLogWeights(heap, descriptor), {
      name: 'RangeError',
      message: 'vaekit native mlpLogWeights: an operand lies outside the heap',
    });
    descriptor[8] = 0;
    descriptor[17] = 4090; // the output layer's kernel [2, 3] runs past the end
    assert.throws(() => addon.mlpLogWeights(heap, descriptor), {
      name: 'RangeError',
      message: "vaekit native mlpLogWeights: a layer's operand lies outside the heap",
    });
    assert.throws(() => addon.mlpLogWeights(heap, descriptor.subarray(0, 10)), {
      name: 'RangeError',
      message: 'vaekit native mlpLogWeights: descriptor too short',
    });
    assert.throws(() => addon.mlpLogWeights(heap, new Float64Array([2, 1, 3, 0, 2, 0, 9, 0, 0, -1, 64, 128, 192, 256, -1, 0, 0, 512, 1024])), {
      name: 'RangeError',
      message: 'vaekit native mlpLogWeights: bad sizes or codes',
    });
    assert.throws(() => addon.mlpLogWeights(heap, new Float32Array(19) as unknown as Float64Array), {
      name: 'TypeError',
      message: 'vaekit native mlpLogWeights: expected (ArrayBuffer, Float64Array)',
    });
  } finally {
    tf.dispose([x, posterior.mean, posterior.logVar]);
    model.dispose();
  }
});
