/**
 * The native MLP gradient engine (src/node/compute/native-engine.ts, native/mlp_step.c): one
 * native call per step gives the gradients and stats that tfjs's autodiff gives on the `cpu` backend
 * (LocalGradientEngine) for the same weights, batch, noise and β, across architectures,
 * activations, likelihoods, free bits and batch sizes; it trains like the tfjs engine, leaks no
 * tensor, and steps aside for what it does not support.
 *
 * Skipped where the addon (with its GEMM) is not built; VAEKIT_NATIVE=on makes that a failure, as in
 * test/backend/native-kernels.test.ts.
 */
import { test } from 'node:test';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/node/compute/backend.js';
import { ConfigError } from '../../src/errors.js';

import { createNativeMlpEngine, NativeMlpGradients, planNativeMlpStep } from '../../src/node/compute/native-engine.js';
import { VAE } from '../../src/models/vae.js';
import type { VaeOptions } from '../../src/models/vae-config.js';
import { LocalGradientEngine, type GradientEngine } from '../../src/training/engine.js';
import type { ObjectiveConfig, StepContext } from '../../src/objectives/index.js';
import type { HostBatch } from '../../src/data/batch.js';
import { train } from '../../src/training/trainer.js';
import { takeFirst } from '../../src/data/dataset.js';
import { deriveRng } from '../../src/math/rng.js';
import { loadIdxDataset, mnistDataDir } from '../../src/node/datasets/mnist.js';
import { nativeSkip } from '../helpers/backends.js';
import { assertAllClose } from '../helpers/assert.js';
import { engineGradients } from '../helpers/engines.js';

await useBackend('wasm');
const skip = nativeSkip('blas');

/** A batch of B rows: x in [0, 1] (or standard-normal-ish for a Gaussian), c one-hot-ish. */
function hostBatch(b: number, d: number, c: number, seed: number, gaussian = false): HostBatch {
  const rng = deriveRng(seed, 'native-engine-test');
  const x = Float32Array.from({ length: b * d }, () => (gaussian ? 2 * rng.next() - 1 : rng.next() < 0.3 ? 1 : rng.next()));
  return { numRows: b, x, ...(c > 0 ? { c: Float32Array.from({ length: b * c }, (_, i) => (i % c === Math.floor(i / c) % c ? 1 : 0)) } : {}) };
}

/** The same model's gradients on cpu (tfjs autodiff) and wasm (native engine): [native, tfjs]. */
async function bothEngines(options: VaeOptions, objective: ObjectiveConfig, batch: HostBatch, ctx: StepContext) {
  await useBackend('cpu');
  const ref = new VAE(options);
  const weights = ref.trainableVariables().map((v) => v.dataSync().slice());
  const expected = await engineGradients(new LocalGradientEngine(ref, objective), batch, ctx);
  ref.dispose();
  await useBackend('wasm');
  const model = new VAE(options);
  model.trainableVariables().forEach((v, i) => v.assign(tf.tensor(weights[i], v.shape)));
  const engine = NativeMlpGradients.create(model, objective, (why) => assert.fail(`native engine refused: ${why}`))!;
  const before = tf.memory().numTensors;
  const actual = await engineGradients(engine, batch, ctx);
  assert.equal(tf.memory().numTensors, before, 'the native step left tensors behind');
  await engine.dispose();
  model.dispose();
  return { actual, expected };
}

function assertSameGradients(actual: Awaited<ReturnType<typeof engineGradients>>, expected: Awaited<ReturnType<typeof engineGradients>>) {
  // The two models' variables differ only in tfjs's unique-name suffix (kernel_34, kernel_35; a likelihood's '0', '1').
  const bare = (names: string[]) => names.map((n) => n.replace(/_?\d+$/, ''));
  assert.deepEqual(bare(actual.names), bare(expected.names));
  assertAllClose(actual.stats, expected.stats, { rtol: 1e-5, atol: 1e-5 });
  expected.names.forEach((name, i) => {
    const e = expected.grads.get(name)!;
    const scale = e.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    // Gradients summed over the batch in another order: atol relative to the tensor's largest entry.
    assertAllClose(actual.grads.get(actual.names[i])!, e, { rtol: 1e-4, atol: 1e-5 * Math.max(scale, 1e-3) });
  });
}

const cases: Array<[string, Partial<VaeOptions>, ObjectiveConfig, number, number]> = [
  ['one relu layer, B 16', { hidden: [24], activation: 'relu' }, { kind: 'elbo' }, 1, 16],
  ['two relu layers, β 0.3, B 37', { hidden: [24, 12], activation: 'relu' }, { kind: 'elbo' }, 0.3, 37],
  ['batch of one', { hidden: [24], activation: 'relu' }, { kind: 'elbo' }, 1, 1],
  ['free bits 0.2, β 2, B 13', { hidden: [20], activation: 'relu' }, { kind: 'elbo', freeBits: 0.2 }, 2, 13],
  ['no hidden layers', { hidden: [], activation: 'relu' }, { kind: 'elbo' }, 1, 9],
  ['conditional, two layers', { hidden: [16, 8], activation: 'relu', conditionDim: 3 }, { kind: 'elbo' }, 0.7, 11],
  ['decoder of its own', { hidden: [16], activation: 'tanh', decoder: { kind: 'mlp', hidden: [10, 14], activation: 'elu' } }, { kind: 'elbo' }, 1, 7],
  ['gaussian, fixed variance', { hidden: [16], activation: 'relu', likelihood: { kind: 'gaussian', variance: 0.5 } }, { kind: 'elbo' }, 1, 12],
  [
    'gaussian, learned variance',
    { hidden: [16], activation: 'relu', likelihood: { kind: 'gaussian', variance: 'learned', logVar: -0.4 } },
    { kind: 'elbo' },
    1,
    12,
  ],
  [
    'gaussian, learned-diag variance',
    { hidden: [16], activation: 'relu', likelihood: { kind: 'gaussian', variance: 'learned-diag' } },
    { kind: 'elbo' },
    1,
    12,
  ],
  ['MNIST size, B 130', { inputShape: [784], hidden: [400], latentDim: 20 }, { kind: 'elbo' }, 1, 130],
];
for (const activation of ['elu', 'sigmoid', 'tanh', 'selu', 'softplus', 'swish', 'linear'] as const) {
  cases.push([`two ${activation} layers`, { hidden: [20, 10], activation }, { kind: 'elbo' }, 0.5, 19]);
}

for (const [name, o, objective, beta, b] of cases) {
  test(`native step equals tfjs autodiff on cpu: ${name}`, { skip }, async () => {
    const options: VaeOptions = { inputShape: [30], latentDim: 5, seed: 3, ...o };
    const d = options.inputShape.reduce((p, q) => p * q, 1);
    const batch = hostBatch(b, d, options.conditionDim ?? 0, 11 + b, options.likelihood?.kind === 'gaussian');
    const { actual, expected } = await bothEngines(options, objective, batch, { seed: 42, step: 0, klWeight: beta });
    assertSameGradients(actual, expected);
  });
}

test('native step uses the caller noise when the context carries it', { skip }, async () => {
  const options: VaeOptions = { inputShape: [12], latentDim: 3, hidden: [8], seed: 5 };
  const batch = hostBatch(6, 12, 0, 2);
  await useBackend('cpu');
  const noiseValues = Float32Array.from({ length: 18 }, (_, i) => Math.sin(i));
  const noise = tf.tensor2d(noiseValues, [6, 3]);
  const { actual, expected } = await bothEngines(options, { kind: 'elbo' }, batch, { seed: 1, step: 0, klWeight: 1, noise });
  assertSameGradients(actual, expected);
  noise.dispose();
});

test('an unsupported model or objective gets no native engine, and says why', { skip }, async () => {
  await useBackend('wasm');
  const reasons: string[] = [];
  const conv = new VAE({ inputShape: [8, 8, 1], latentDim: 2, encoder: { kind: 'conv' } });
  assert.equal(
    createNativeMlpEngine(conv, { kind: 'elbo' }, (r) => reasons.push(r)),
    null,
  );
  conv.dispose();
  const mlp = new VAE({ inputShape: [10], latentDim: 2, hidden: [4] });
  assert.equal(
    createNativeMlpEngine(mlp, { kind: 'iwae', numSamples: 5 }, (r) => reasons.push(r)),
    null,
  );
  assert.equal(
    createNativeMlpEngine(mlp, { kind: 'elbo', numSamples: 2 }, (r) => reasons.push(r)),
    null,
  );
  assert.equal(typeof planNativeMlpStep(mlp, { kind: 'elbo' }), 'object');
  const saved = process.env.VAEKIT_NATIVE_ENGINE;
  process.env.VAEKIT_NATIVE_ENGINE = 'off';
  try {
    assert.equal(
      createNativeMlpEngine(mlp, { kind: 'elbo' }, (r) => reasons.push(r)),
      null,
    );
  } finally {
    if (saved === undefined) delete process.env.VAEKIT_NATIVE_ENGINE;
    else process.env.VAEKIT_NATIVE_ENGINE = saved;
  }
  process.env.VAEKIT_NATIVE_ENGINE = 'yes';
  try {
    assert.throws(
      () => createNativeMlpEngine(mlp, { kind: 'elbo' }),
      (e: unknown) => e instanceof ConfigError && /VAEKIT_NATIVE_ENGINE: expected auto or off, got 'yes'/.test(e.message),
    );
  } finally {
    if (saved === undefined) delete process.env.VAEKIT_NATIVE_ENGINE;
    else process.env.VAEKIT_NATIVE_ENGINE = saved;
  }
  mlp.dispose();
  await useBackend('cpu');
  const onCpu = new VAE({ inputShape: [10], latentDim: 2, hidden: [4] });
  assert.equal(
    createNativeMlpEngine(onCpu, { kind: 'elbo' }, (r) => reasons.push(r)),
    null,
  );
  onCpu.dispose();
  await useBackend('wasm');
  assert.equal(reasons.length, 5);
  assert.match(reasons[0], /conv/);
  assert.match(reasons[1], /iwae/);
  assert.match(reasons[2], /numSamples 2/);
  assert.match(reasons[3], /VAEKIT_NATIVE_ENGINE=off/);
  assert.match(reasons[4], /backend cpu/);
});

test('the native call refuses operands outside the heap', { skip }, () => {
  const native = createRequire(import.meta.url)('../../build/Release/vaekit_native.node') as { mlpVaeStep(heap: ArrayBuffer, d: Float64Array): void };
  const heap = new ArrayBuffer(1024);
  // B 2, D 3, C 0, Z 1, no hidden layers, Bernoulli; x at 4096: past the heap's end.
  const descriptor = new Float64Array(18 + 4 * 3);
  descriptor.set([2, 3, 0, 1, 0, 0, 1, 1, 0, 1, -1, 4096, -1, 0, 0, -1, -1, 0]);
  assert.throws(
    () => native.mlpVaeStep(heap, descriptor),
    (e: unknown) => e instanceof RangeError && /outside the heap/.test(e.message),
  );
  assert.throws(
    () => native.mlpVaeStep(heap, descriptor.subarray(0, 10)),
    (e: unknown) => e instanceof RangeError && /descriptor/.test(e.message),
  );
});

/** The first 600 MNIST training images (600 = 12 batches of 50, the last of them full). */
const mnist = takeFirst(loadIdxDataset(mnistDataDir()).train, 600);

async function trainWith(makeEngine: (m: VAE) => GradientEngine | undefined) {
  const model = new VAE({ inputShape: [28, 28, 1], latentDim: 8, hidden: [64], seed: 7 });
  const engine = makeEngine(model);
  const r = await train(model, { train: mnist }, { options: { epochs: 3, batchSize: 50, learningRate: 1e-3, seed: 4 }, engine });
  r.optimizer.dispose();
  await engine?.dispose();
  model.dispose();
  return r.history.map((h) => h.trainLoss);
}

test(
  'three epochs with the native engine give the tfjs engine losses within 1e-3 relative, the same run to run, with a flat tensor count',
  { skip },
  async () => {
    await useBackend('wasm');
    const tfjs = await trainWith(() => undefined);
    const before = tf.memory().numTensors;
    const native = await trainWith((m) => createNativeMlpEngine(m, { kind: 'elbo' }) ?? assert.fail('no native engine'));
    assert.equal(tf.memory().numTensors, before, 'training with the native engine left tensors behind');
    const again = await trainWith((m) => createNativeMlpEngine(m, { kind: 'elbo' })!);
    assert.deepEqual(again, native);
    assertAllClose(native, tfjs, { rtol: 1e-3 });
  },
);

test('the native step keeps the tensor count flat over several steps', { skip }, async () => {
  await useBackend('wasm');
  const model = new VAE({ inputShape: [20], latentDim: 3, hidden: [10], seed: 1 });
  const engine = createNativeMlpEngine(model, { kind: 'elbo' })!;
  const batch = hostBatch(8, 20, 0, 3);
  const counts: number[] = [];
  for (let s = 0; s < 5; s++) {
    const r = await engine.gradients(batch, { seed: s, step: s, klWeight: 1 });
    tf.dispose([...r.grads.map((g) => g.tensor), r.stats]);
    counts.push(tf.memory().numTensors);
  }
  assert.ok(
    counts.every((n) => n === counts[0]),
    `tensor counts ${counts.join(', ')}`,
  );
  await engine.dispose();
  model.dispose();
});
