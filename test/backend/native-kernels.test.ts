/**
 * vaekit's native kernels on the wasm backend (src/node/native-kernels.ts, native/vaekit_native.c):
 * OpenBLAS matmuls and the one-pass Bernoulli log-likelihood against the `cpu` backend, the in-place
 * Adam step against tfjs's Adam bit for bit, and training steps with and without them.
 *
 * Where the addon is not built or OpenBLAS is missing these tests are skipped, and say so; CI sets
 * VAEKIT_NATIVE=on (.ci/run), which turns a missing native build into a failure instead.
 */
import { test } from 'node:test';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/node/compute/backend.js';
import { installNativeKernels, nativeKernelsInfo, uninstallNativeKernels } from '../../src/node/compute/native-kernels.js';
import { flushTinySlots, makeOptimizer, SLOT_FLUSH_THRESHOLD } from '../../src/training/optimizer.js';
import { VAE } from '../../src/models/vae.js';
import { negativeElboLoss } from '../../src/objectives/elbo.js';
import { ConfigError } from '../../src/errors.js';
import { bernoulliLogProb, BERNOULLI_LOG_PROB_KERNEL } from '../../src/distributions/bernoulli.js';
import { assertAllClose } from '../helpers/assert.js';
import { MATMUL_CASES, nativeSkip, wasmAndCpu } from '../helpers/backends.js';

await useBackend('wasm');
/** The addon (Adam, Bernoulli kernel) loaded. */
const skip = nativeSkip('addon');
/** The matmuls too. */
const skipBlas = nativeSkip('blas');

const values = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
const size = (shape: number[]) => shape.reduce((p, q) => p * q, 1);

/** Runs `f` on the cpu backend, then on wasm with the native kernels; returns [native, cpu]. */
const nativeAndCpu = (f: () => tf.Tensor) => wasmAndCpu(f);

const matMulCases: Array<[string, number[], number[], boolean, boolean]> = [
  ...MATMUL_CASES,
  ['MNIST layer size', [128, 784], [784, 400], false, false],
  ['MNIST weight gradient', [128, 400], [128, 784], true, false],
  // Large enough to be split over threads: by rows when op(A) has more rows than op(B) has columns.
  ['split by rows, transposeA', [128, 784], [128, 400], true, false],
  ['split by columns, transposeB', [128, 400], [784, 400], false, true],
  ['split by rows, both transposed, batched', [2, 300, 500], [2, 120, 300], true, true],
];

for (const [name, aShape, bShape, ta, tb] of matMulCases) {
  test(`native matMul (${name}) equals the cpu backend`, { skip: skipBlas }, async () => {
    const av = values(size(aShape), (i) => Math.sin(i * 0.37));
    const bv = values(size(bShape), (i) => Math.cos(i * 0.11));
    const [out, ref] = await nativeAndCpu(() => tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape), ta, tb));
    assertAllClose(out, ref, { rtol: 1e-4, atol: 1e-4 });
  });
}

for (const activation of ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu', 'prelu'] as const) {
  test(`native fused matMul with bias and ${activation} equals the cpu backend`, { skip: skipBlas }, async () => {
    const av = values(16 * 24, (i) => 2 * Math.sin(i));
    const bv = values(8 * 24, (i) => Math.cos(i * 0.3));
    const bias = values(8, (i) => i * 0.1 - 0.4);
    const [out, ref] = await nativeAndCpu(() =>
      tf.fused.matMul({
        a: tf.tensor(av, [16, 24]),
        b: tf.tensor(bv, [8, 24]),
        transposeB: true,
        bias: tf.tensor(bias),
        activation,
        leakyreluAlpha: 0.2,
        preluActivationWeights: activation === 'prelu' ? tf.fill([8], 0.3) : undefined,
      }),
    );
    assertAllClose(out, ref, { rtol: 1e-5, atol: 1e-5 });
  });
}

test("native fused matMul split over threads keeps each block's bias columns", { skip: skipBlas }, async () => {
  for (const [m, k, n] of [
    [128, 400, 784],
    [784, 128, 400],
  ]) {
    const av = values(m * k, (i) => Math.sin(i * 0.013));
    const bv = values(k * n, (i) => Math.cos(i * 0.007));
    const bias = values(n, (i) => (i % 17) * 0.05 - 0.4);
    const [out, ref] = await nativeAndCpu(() =>
      tf.fused.matMul({ a: tf.tensor(av, [m, k]), b: tf.tensor(bv, [k, n]), bias: tf.tensor(bias), activation: 'relu' }),
    );
    assertAllClose(out, ref, { rtol: 1e-4, atol: 1e-4 });
  }
});

test("the thread pool's workers wake again after sleeping: products split over threads, some 2 ms apart, stay exact", { skip: skipBlas }, async () => {
  // The pool's workers spin for 300 µs after a product, then sleep: the pauses here outlast the spin,
  // the back-to-back products do not, so both the spinning and the sleeping hand-over are exercised.
  const [m, k, n] = [128, 400, 784];
  const av = values(m * k, (i) => Math.sin(i * 0.011));
  const bv = values(k * n, (i) => Math.cos(i * 0.005));
  const product = () => tf.matMul(tf.tensor(av, [m, k]), tf.tensor(bv, [k, n]));
  const [first, ref] = await nativeAndCpu(product);
  assertAllClose(first, ref, { rtol: 1e-4, atol: 1e-4 });
  for (let i = 0; i < 12; i++) {
    if (i % 3 === 0) await new Promise((r) => setTimeout(r, 2));
    const out = tf.tidy(product);
    assert.deepEqual(out.dataSync(), first, `product ${i} differs from the first`);
    out.dispose();
  }
});

test('a child process spawned while another thread runs native matmuls does not hang', { skip: skipBlas }, () => {
  // OpenBLAS 0.3.21's own thread pool joins its threads in a fork handler and hung there when a
  // process forked while another thread was in a product (seen: tsx starting esbuild in a worker).
  // The addon keeps OpenBLAS on one thread and splits products itself. A separate process does the
  // forking, so that a hang shows up here as a timeout rather than as a stuck test runner.
  const addonPath = createRequire(import.meta.url).resolve('../../build/Release/vaekit_native.node');
  const script = `
    const { Worker } = require('node:worker_threads');
    const { spawnSync } = require('node:child_process');
    const worker = new Worker(\`
      const { parentPort, workerData } = require('node:worker_threads');
      const n = require(workerData);
      n.load(0);
      const heap = new ArrayBuffer(1 << 24);
      const end = Date.now() + 3000;
      let count = 0;
      while (Date.now() < end) { n.gemm(heap, 1, 256, 512, 512, 0, 0, 0, 0, 1 << 20, 0, 1 << 22, -1, 0, 0); count++; }
      parentPort.postMessage(count);\`, { eval: true, workerData: ${JSON.stringify(addonPath)} });
    worker.once('message', (count) => { console.log('products', count); process.exit(0); });
    setTimeout(() => { for (let i = 0; i < 40; i++) spawnSync(process.execPath, ['-e', '0']); }, 200);`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, `the process hung (killed by ${r.signal} after 60 s)`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /products [1-9]/);
});

test('native matMul with an empty inner dimension gives zeros (plus the bias)', { skip: skipBlas }, async () => {
  const [out, ref] = await nativeAndCpu(() => tf.fused.matMul({ a: tf.zeros([3, 0]), b: tf.zeros([0, 4]), bias: tf.tensor([1, 2, 3, 4]) }));
  assert.deepEqual(Array.from(out), Array.from(ref));
  const [plain] = await nativeAndCpu(() => tf.matMul(tf.zeros([3, 0]), tf.zeros([0, 4])));
  assert.deepEqual(Array.from(plain), new Array(12).fill(0));
});

test('the native kernels are what runs: a fused matMul dispatches no separate bias or activation kernel', { skip: skipBlas }, async () => {
  await useBackend('wasm');
  const a = tf.randomNormal([64, 32]);
  const b = tf.randomNormal([32, 16]);
  const bias = tf.randomNormal([16]);
  const kernel = tf.getKernel('_FusedMatMul', 'wasm') as unknown as Record<symbol, boolean>;
  assert.equal(kernel[Symbol.for('vaekit.nativeMatMul')], true);
  uninstallNativeKernels();
  const plain = tf.fused.matMul({ a, b, bias, activation: 'relu' });
  assert.equal(nativeKernelsInfo(), null);
  installNativeKernels('on');
  const native = tf.fused.matMul({ a, b, bias, activation: 'relu' });
  assertAllClose(native, plain, { rtol: 1e-5, atol: 1e-5 });
  tf.dispose([a, b, bias, plain, native]);
});

/**
 * Runs `steps` Adam steps on variables of the given shapes with fixed gradients (one of them exactly 0
 * in places); returns every weight and slot.
 */
function adamRun(optimizer: tf.Optimizer, steps: number, shapes: number[][]): Float32Array[] {
  const vars = shapes.map((shape, v) =>
    tf.tidy(() =>
      tf.variable(
        tf.tensor(
          values(size(shape), (i) => Math.sin(i + v) * (v + 1)),
          shape,
        ),
        true,
        `adam_w${v}_${Math.random()}`,
      ),
    ),
  );
  for (let t = 0; t < steps; t++) {
    const grads = tf.tidy(() =>
      Object.fromEntries(
        vars.map((w, v) => [
          w.name,
          tf.tensor(
            values(w.size, (i) => (i % 11 === 3 ? 0 : Math.cos(i * (t + 1) + v) * 10 ** ((i % 7) - 3))),
            w.shape,
          ),
        ]),
      ),
    );
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
  const out = vars.map((v) => v.dataSync() as Float32Array);
  const slots = optimizer as unknown as { accumulatedFirstMoment: Array<{ variable: tf.Variable }>; accumulatedSecondMoment: Array<{ variable: tf.Variable }> };
  for (const s of [...slots.accumulatedFirstMoment, ...slots.accumulatedSecondMoment]) out.push(s.variable.dataSync() as Float32Array);
  tf.dispose(vars);
  return out;
}

for (const [name, shapes] of [
  ['two small variables, one thread', [[20, 15], [7]]],
  // 100,016 values: split over the threads as one run, the shares' boundaries inside variables.
  ['five variables past 65536 values, split over the threads', [[200, 240], [7], [33333], [1], [18675]]],
] as const) {
  test(`native Adam steps equal tfjs's Adam on the cpu backend bit for bit (weights and both moments): ${name}`, { skip }, async () => {
    await useBackend('cpu');
    const reference = tf.train.adam(3e-3, 0.9, 0.999, 1e-8);
    const expected = adamRun(reference, 30, shapes as unknown as number[][]);
    reference.dispose();
    await useBackend('wasm');
    const tensorsBefore = tf.memory().numTensors;
    const optimizer = makeOptimizer(3e-3);
    const actual = adamRun(optimizer, 30, shapes as unknown as number[][]);
    assert.equal(optimizer.iterations, 30);
    optimizer.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors left behind');
    assert.equal(actual.length, expected.length);
    const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < actual.length; i++) assert.ok(bytes(actual[i]).equals(bytes(expected[i])), `array ${i} differs`);
  });
}

test('native Adam is what steps: one step dispatches a handful of kernels, not ~15 per variable', { skip }, async () => {
  await useBackend('wasm');
  const optimizer = makeOptimizer(1e-3);
  const w = tf.variable(tf.zeros([50]), true, `adam_count_${Math.random()}`);
  optimizer.applyGradients({ [w.name]: tf.ones([50]) }); // first step: through tfjs (w shares the zeros' buffer)
  const info = await tf.profile(() => optimizer.applyGradients({ [w.name]: tf.ones([50]) }));
  const elementwise = info.kernels.filter((k) => /Sqrt|RealDiv|Square/.test(k.name));
  assert.equal(elementwise.length, 0, `tfjs Adam kernels ran: ${info.kernels.map((k) => k.name).join(', ')}`);
  assert.ok(w.dataSync()[0] < 0, 'the weight moved against the gradient');
  optimizer.dispose();
  w.dispose();
});

/** Adam's moment slots of `optimizer` (tfjs's AdamOptimizer internals). */
const momentSlots = (optimizer: tf.Optimizer) => {
  const o = optimizer as unknown as { accumulatedFirstMoment: Array<{ variable: tf.Variable }>; accumulatedSecondMoment: Array<{ variable: tf.Variable }> };
  return [...o.accumulatedFirstMoment, ...o.accumulatedSecondMoment].map((s) => s.variable);
};

test("the native flush of Adam's tiny slots equals tfjs's where(|v| < 1e-30, 0, v) on the cpu backend bit for bit, in place", { skip }, async () => {
  // Edge values (threshold, its neighbours, denormals, ±0, NaN, ±∞) and, past 65536 values, a split over the threads.
  const edges = [1e-30, -1e-30, 1.0000001e-30, 9.999999e-31, 1e-45, -1e-45, 1e-38, -0, 0, NaN, Infinity, -Infinity, 0.5, -3];
  const n = 70001;
  const data = values(n, (i) => (i < edges.length ? edges[i] : Math.sin(i) * 10 ** -(i % 45))); // 1 … 1e-44
  const flushed = async (native: boolean): Promise<Float32Array[]> => {
    if (native) await useBackend('wasm', { native: 'on' });
    else await useBackend('cpu');
    const optimizer = makeOptimizer(1e-3);
    const w = tf.variable(tf.zeros([n]), true, `flush_w_${Math.random()}`);
    optimizer.applyGradients({ [w.name]: tf.ones([n]) }); // creates the slots
    const slots = momentSlots(optimizer);
    for (const v of slots) {
      const t = tf.tensor(data);
      v.assign(t);
      t.dispose(); // the slot owns the buffer alone (refCount 1)
    }
    const ids = slots.map((v) => v.dataId);
    flushTinySlots(optimizer);
    if (native) slots.forEach((v, i) => assert.equal(v.dataId, ids[i], 'flushed in place, not through new tfjs buffers'));
    const out = slots.map((v) => v.dataSync() as Float32Array);
    optimizer.dispose();
    w.dispose();
    return out;
  };
  const env = process.env.VAEKIT_NATIVE; // useBackend's 'on' sets it
  const reference = await flushed(false);
  const native = await flushed(true);
  if (env === undefined) delete process.env.VAEKIT_NATIVE;
  else process.env.VAEKIT_NATIVE = env;
  const expected = Float32Array.from(data, (v) => (Math.abs(v) < Math.fround(SLOT_FLUSH_THRESHOLD) ? 0 : v));
  for (const [i, out] of [...native, ...reference].entries()) {
    assert.ok(
      out.every((v, j) => Object.is(v, expected[j])),
      `slot ${i}: first difference at ${out.findIndex((v, j) => !Object.is(v, expected[j]))}`,
    );
  }
  assert.ok(expected.filter((v) => v === 0).length > 20000, 'the data has tiny values to flush');
  await useBackend('wasm');
});

test('the native flush declines a slot that shares its buffer, and tfjs flushes it', { skip }, async () => {
  await useBackend('wasm');
  const optimizer = makeOptimizer(1e-3);
  const w = tf.variable(tf.zeros([4]), true, `flush_shared_${Math.random()}`);
  optimizer.applyGradients({ [w.name]: tf.ones([4]) });
  const shared = tf.tensor([1e-31, 1, -1e-40, 2]);
  const slots = momentSlots(optimizer);
  slots[0].assign(shared); // slot 0 now shares `shared`'s buffer
  flushTinySlots(optimizer);
  assert.deepEqual(Array.from(shared.dataSync()), Array.from(Float32Array.from([1e-31, 1, -1e-40, 2])), 'the shared buffer is untouched');
  assert.deepEqual(Array.from(slots[0].dataSync()), [0, 1, 0, 2]);
  optimizer.dispose();
  tf.dispose([w, shared]);
});

/** The losses of `steps` Adam steps of a small VAE on fixed binary data, on the backend as set up now. */
function trainingLosses(steps: number, seed: number, phase: number): number[] {
  const vae = new VAE({ inputShape: [64], latentDim: 4, hidden: [32], seed });
  const x = tf.tensor2d(
    values(40 * 64, (i) => (Math.sin(i * phase) > 0.25 ? 1 : 0)),
    [40, 64],
  );
  const optimizer = makeOptimizer(1e-2);
  const losses: number[] = [];
  for (let s = 1; s <= steps; s++) {
    const cost = optimizer.minimize(() => negativeElboLoss(vae, { x }, { seed: s, step: 0, klWeight: 1 }).loss, true, vae.trainableVariables());
    losses.push(cost!.dataSync()[0]);
    cost!.dispose();
  }
  tf.dispose([x]);
  optimizer.dispose();
  vae.dispose();
  return losses;
}

test("native Adam beside wasm's own matmuls (which cache packed weights by tensor id) trains as tfjs's Adam does", { skip }, async () => {
  const run = async (adam: 'native' | 'tfjs') => {
    await useBackend('wasm', { native: 'off' });
    if (adam === 'native') installNativeKernels('on', 0, 'wasm', { matmul: false });
    assert.equal(nativeKernelsInfo()?.blas ?? null, null, 'the matmuls are wasm');
    return trainingLosses(12, 5, 1.3);
  };
  const reference = await run('tfjs');
  const native = await run('native');
  assert.ok(reference[11] < reference[0] - 1, 'training reduced the loss');
  // Equal up to the summation order of the native Bernoulli kernel (also installed); stale weights would differ from step 2.
  assertAllClose(native, reference, { rtol: 1e-6, atol: 0 });
  await useBackend('wasm');
});

test('native Adam never writes into a buffer another tensor shares', { skip }, async () => {
  await useBackend('wasm');
  const initial = tf.tensor([1, 2, 3, 4]);
  const w = tf.variable(initial, true, `adam_shared_${Math.random()}`); // shares initial's buffer
  const optimizer = makeOptimizer(0.1);
  optimizer.applyGradients({ [w.name]: tf.ones([4]) });
  optimizer.applyGradients({ [w.name]: tf.ones([4]) });
  assert.deepEqual(Array.from(initial.dataSync()), [1, 2, 3, 4]);
  assert.ok(w.dataSync()[0] < 1);
  optimizer.dispose();
  tf.dispose([initial, w]);
});

test('VAE training steps with the native kernels match the plain wasm backend', { skip: skipBlas }, async () => {
  const run = async (native: 'on' | 'off') => {
    await useBackend('wasm', { native });
    return trainingLosses(15, 3, 1.7);
  };
  const plain = await run('off');
  const native = await run('on');
  assert.ok(plain[14] < plain[0] - 1, 'training reduced the loss');
  assertAllClose(native, plain, { rtol: 1e-4, atol: 1e-4 });
  await useBackend('wasm');
});

test('an unknown native choice is a ConfigError, from the option and from VAEKIT_NATIVE', async () => {
  assert.throws(
    () => installNativeKernels('maybe' as 'on'),
    (e: Error) => e instanceof ConfigError && /native: expected one of auto, on, off/.test(e.message),
  );
  const saved = process.env.VAEKIT_NATIVE;
  process.env.VAEKIT_NATIVE = 'sometimes';
  try {
    assert.throws(
      () => installNativeKernels('auto'),
      (e: Error) => e instanceof ConfigError && /VAEKIT_NATIVE/.test(e.message),
    );
  } finally {
    if (saved === undefined) delete process.env.VAEKIT_NATIVE;
    else process.env.VAEKIT_NATIVE = saved;
  }
  await useBackend('wasm');
});

const bernoulliCases: Array<[string, number[], number[]]> = [
  ['same shape (training)', [6, 33], [6, 33]],
  ['K samples share each image (evaluation)', [1, 5, 33], [7, 5, 33]],
  ['one image, many logits', [33], [9, 33]],
  ['large enough for both threads', [1, 16, 784], [40, 16, 784]],
  ['x repeated along a leading axis (composite path)', [4, 1, 33], [4, 3, 33]],
];

for (const [name, xShape, lShape] of bernoulliCases) {
  test(`native Bernoulli log-likelihood (${name}) equals the cpu backend, value and gradients`, { skip }, async () => {
    const xv = values(size(xShape), (i) => (Math.sin(i * 2.3) > 0 ? 1 : Math.abs(Math.cos(i)) * 0.5));
    const lv = values(size(lShape), (i) => 12 * Math.sin(i * 0.71)); // logits in [−12, 12]
    const [out, ref] = await nativeAndCpu(() => bernoulliLogProb(tf.tensor(xv, xShape), tf.tensor(lv, lShape)));
    assertAllClose(out, ref, { rtol: 1e-5, atol: 1e-3 });
    const grads = () =>
      tf.tidy(() => {
        const w = tf.tensor(
          values(size(lShape.slice(0, -1)), (i) => 1 + (i % 3)),
          lShape.slice(0, -1),
        );
        const [gx, gl] = tf.grads((x: tf.Tensor, l: tf.Tensor) => tf.sum(tf.mul(bernoulliLogProb(x, l), w)))([tf.tensor(xv, xShape), tf.tensor(lv, lShape)]);
        return tf.concat([tf.reshape(gx, [-1]), tf.reshape(gl, [-1])]);
      });
    const [g, gRef] = await nativeAndCpu(grads);
    assertAllClose(g, gRef, { rtol: 1e-4, atol: 1e-4 });
  });
}

test('the native Bernoulli kernel runs where it applies and carries NaN through', { skip }, async () => {
  await useBackend('wasm');
  const x = tf.tensor([[1, 0, 1]]);
  const logits = tf.tensor([[[0.5, -1, 2]], [[NaN, 0, 0]]]);
  const info = await tf.profile(() => bernoulliLogProb(x, logits));
  assert.deepEqual(
    info.kernels.map((k) => k.name),
    [BERNOULLI_LOG_PROB_KERNEL],
  );
  const out = bernoulliLogProb(x, logits).dataSync();
  const expected = -(Math.log1p(Math.exp(-0.5)) + Math.log1p(Math.exp(-1)) + Math.log1p(Math.exp(-2)));
  assert.ok(Math.abs(out[0] - expected) < 1e-5, `${out[0]} vs ${expected}`);
  assert.ok(Number.isNaN(out[1]), 'a NaN logit gives a NaN log-likelihood, so training stops on it');
  tf.dispose([x, logits]);
});

const rawAddon = () =>
  createRequire(import.meta.url)('../../build/Release/vaekit_native.node') as {
    gemm(...args: unknown[]): void;
    adamMany(...args: unknown[]): void;
    flushTiny(...args: unknown[]): void;
    bernoulliLogProb(...args: unknown[]): void;
  };

test('the addon refuses operands outside the heap and wrong arguments, with errors that say so', { skip }, () => {
  const addon = rawAddon();
  const heap = new ArrayBuffer(1024); // 256 floats
  const adamDescriptor = (count: number, offsets: number[]) =>
    Float64Array.from([offsets.length / 5, 0.9, 0.1, 0.999, 0.001, 0.1, 0.001, 1e-8, -1e-3, count, ...offsets]);
  addon.adamMany(heap, adamDescriptor(4, [0, 16, 32, 48, 64]));
  assert.throws(() => addon.adamMany(heap, adamDescriptor(300, [0, 0, 0, 0, 0])), /adamMany: operand outside the heap/);
  assert.throws(() => addon.adamMany(heap, adamDescriptor(4, [2, 16, 32, 48, 64])), RangeError, 'a misaligned offset');
  assert.throws(() => addon.adamMany(heap, adamDescriptor(4, [0, 16, 32, 48])), /adamMany: descriptor length does not match/);
  addon.flushTiny(heap, 256, 0, 1e-30);
  assert.throws(() => addon.flushTiny(heap, 257, 0, 1e-30), /flushTiny: operand outside the heap/);
  assert.throws(() => addon.flushTiny(heap, 4, 2, 1e-30), RangeError, 'a misaligned offset');
  assert.throws(() => addon.bernoulliLogProb(heap, 3, 4, 2, 0, 64, 128, 1), /bernoulliLogProb: operand outside the heap/, 'rows not a multiple of x rows');
  assert.throws(
    () => addon.bernoulliLogProb(heap, 4, 4),
    (e: Error) => e instanceof TypeError && /expected 8 arguments/.test(e.message),
  );
  assert.throws(
    () => addon.adamMany(new Float32Array(4), new Float64Array(9)),
    (e: Error) => e instanceof TypeError && /expected \(ArrayBuffer/.test(e.message),
  );
});

test('the addon refuses a matrix product outside the heap', { skip: skipBlas }, () => {
  const addon = rawAddon();
  const heap = new ArrayBuffer(1024);
  // C[2×2] = A[2×2]·B[2×2] fits; a 16×16 product at the same offsets does not.
  addon.gemm(heap, 1, 2, 2, 2, 0, 0, 0, 0, 16, 0, 32, -1, 0, 0);
  assert.throws(
    () => addon.gemm(heap, 1, 16, 16, 16, 0, 0, 0, 0, 16, 0, 32, -1, 0, 0),
    (e: Error) => e instanceof RangeError && /gemm: operand outside the heap/.test(e.message),
  );
  assert.throws(() => addon.gemm(heap, 1, 2, 2, 2, 0, 0, 2, 0, 16, 0, 32, -1, 0, 0), RangeError, 'a misaligned offset');
});
