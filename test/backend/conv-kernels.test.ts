/**
 * The convolution kernels vaekit adds to the wasm backend, against the `cpu` backend: the composite
 * weight gradient (src/backend/conv-grad.ts; tfjs-backend-wasm has no `Conv2DBackpropFilter`) and the
 * native im2col + OpenBLAS convolutions (src/node/compute/native-kernels.ts, native/vaekit_native.c):
 * `Conv2D`, `FusedConv2D`, `Conv2DBackpropInput`, `Conv2DBackpropFilter`. Then gradients of conv2d and
 * conv2dTranspose through tf.grads, and training steps of a conv encoder/decoder stack.
 *
 * Native cases are skipped where the addon or OpenBLAS is not there, and say so; VAEKIT_NATIVE=on
 * (CI) turns that into a failure.
 */
import { test } from 'node:test';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendOptions } from '../../src/node/compute/backend.js';
import { installNativeKernels, nativeKernelsInfo } from '../../src/node/compute/native-kernels.js';
import { COMPOSITE_CONV_GRAD, registerWasmConvGradients } from '../../src/backend/conv-grad.js';
import { Rng } from '../../src/math/rng.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';
import { wasmAndCpu, nativeSkip } from '../helpers/backends.js';

await useBackend('wasm');
const skipBlas = nativeSkip('blas');

type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;
/** One convolution: x [B, H, W, Ci], filter [KH, KW, Ci, Co], strides, padding. */
interface ConvCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  pad: Pad;
}

const FIXED_CASES: ConvCase[] = [
  { name: 'conv VAE encoder layer 1', x: [3, 28, 28, 1], filter: [3, 3, 1, 32], strides: [2, 2], pad: 'same' },
  { name: 'conv VAE encoder layer 2', x: [2, 14, 14, 32], filter: [3, 3, 32, 64], strides: [2, 2], pad: 'same' },
  { name: 'one channel in and out, stride 1, valid', x: [1, 9, 7, 1], filter: [3, 3, 1, 1], strides: [1, 1], pad: 'valid' },
  { name: 'odd sizes, stride 2, valid', x: [3, 11, 10, 4], filter: [2, 3, 4, 5], strides: [2, 2], pad: 'valid' },
  { name: 'odd sizes, stride 2, same', x: [2, 9, 7, 3], filter: [3, 3, 3, 5], strides: [2, 2], pad: 'same' },
  {
    name: 'unequal strides, explicit padding',
    x: [2, 6, 7, 2],
    filter: [3, 2, 2, 3],
    strides: [1, 2],
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  { name: '1×1 kernel, stride 1 (no column matrix)', x: [2, 5, 6, 7], filter: [1, 1, 7, 3], strides: [1, 1], pad: 'valid' },
  { name: 'kernel as large as the input', x: [2, 4, 4, 3], filter: [4, 4, 3, 2], strides: [1, 1], pad: 'valid' },
  { name: 'stride larger than the kernel', x: [2, 10, 9, 2], filter: [2, 2, 2, 3], strides: [3, 3], pad: 'same' },
  { name: 'large enough for every thread', x: [16, 17, 15, 16], filter: [3, 3, 16, 24], strides: [1, 1], pad: 'same' },
];

/** Random cases from a fixed seed: sizes 1 to 12, kernels 1 to 4, strides 1 or 2, same or valid. */
function randomCases(count: number): ConvCase[] {
  const rng = new Rng('conv-kernels-test');
  const between = (lo: number, hi: number) => lo + rng.nextInt(hi - lo + 1);
  return Array.from({ length: count }, (_, i) => {
    const [kh, kw] = [between(1, 4), between(1, 4)];
    const x: ConvCase['x'] = [between(1, 4), between(kh, 12), between(kw, 12), between(1, 6)];
    const s = between(1, 2);
    const pad = rng.next() < 0.5 ? 'same' : 'valid';
    return { name: `random ${i}`, x, filter: [kh, kw, x[3], between(1, 6)], strides: [s, s], pad };
  });
}

const CASES = [...FIXED_CASES, ...randomCases(8)];
const shapeText = (c: ConvCase) =>
  `x ${c.x.join('×')}, filter ${c.filter.join('×')}, strides ${c.strides.join(',')}, ${typeof c.pad === 'string' ? c.pad : 'explicit'}`;

const values = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
const size = (shape: readonly number[]) => shape.reduce((p, q) => p * q, 1);
/** dy's shape [B, OH, OW, Co] for a case, as tfjs computes it. */
const outShape = (c: ConvCase) => tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape;

/** Deterministic inputs for a case: x, filter, dy and a bias, in [−1, 1]. */
function inputsOf(c: ConvCase) {
  return {
    x: values(size(c.x), (i) => Math.sin(i * 0.37 + 0.1)),
    filter: values(size(c.filter), (i) => Math.cos(i * 0.53)),
    dy: values(size(outShape(c)), (i) => Math.sin(i * 0.29 + 1)),
    bias: values(c.filter[3], (i) => 0.1 * i - 0.2),
  };
}

/** The kernels, run through the engine as tfjs's own ops and gradients run them. */
const kernels = {
  Conv2D: (c: ConvCase, v: ReturnType<typeof inputsOf>) => tf.conv2d(tf.tensor4d(v.x, c.x), tf.tensor4d(v.filter, c.filter), c.strides, c.pad),
  FusedConv2D: (c: ConvCase, v: ReturnType<typeof inputsOf>) =>
    tf.fused.conv2d({
      x: tf.tensor4d(v.x, c.x),
      filter: tf.tensor4d(v.filter, c.filter),
      strides: c.strides,
      pad: c.pad,
      bias: tf.tensor1d(v.bias),
      activation: 'relu',
    }),
  Conv2DBackpropInput: (c: ConvCase, v: ReturnType<typeof inputsOf>) =>
    tf
      .engine()
      .runKernel(
        'Conv2DBackpropInput',
        { dy: tf.tensor(v.dy, outShape(c)), filter: tf.tensor4d(v.filter, c.filter) },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x },
      ) as tf.Tensor,
  Conv2DBackpropFilter: (c: ConvCase, v: ReturnType<typeof inputsOf>) =>
    tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x: tf.tensor4d(v.x, c.x), dy: tf.tensor(v.dy, outShape(c)) },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter },
      ) as tf.Tensor,
};

const NATIVE: BackendOptions = { native: 'on' };
const COMPOSITE: BackendOptions = { native: 'off' };

for (const c of CASES) {
  test(`the composite Conv2DBackpropFilter equals the cpu backend (${c.name}: ${shapeText(c)})`, async () => {
    const [out, ref] = await wasmAndCpu(() => kernels.Conv2DBackpropFilter(c, inputsOf(c)), COMPOSITE);
    const kernel = tf.getKernel('Conv2DBackpropFilter', 'wasm') as unknown as Record<symbol, boolean>;
    assert.equal(kernel[COMPOSITE_CONV_GRAD], true, 'the composite kernel ran');
    assertAllClose(out, ref, { rtol: 1e-4, atol: 1e-4 });
  });
  for (const name of ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'] as const) {
    test(`native ${name} equals the cpu backend (${c.name}: ${shapeText(c)})`, { skip: skipBlas }, async () => {
      const [out, ref] = await wasmAndCpu(() => kernels[name](c, inputsOf(c)), NATIVE);
      const kernel = tf.getKernel(name, 'wasm') as unknown as Record<symbol, boolean>;
      assert.equal(kernel[Symbol.for('vaekit.nativeConv')], true, 'the native kernel ran');
      assertAllClose(out, ref, { rtol: 1e-4, atol: 1e-4 });
    });
  }
}

for (const [label, options] of [
  ['composite', COMPOSITE],
  ['native', NATIVE],
] as const) {
  const skip = label === 'native' ? skipBlas : false;
  for (const c of [FIXED_CASES[1], FIXED_CASES[4], FIXED_CASES[5]]) {
    test(`gradients of conv2d on wasm (${label}) equal the cpu backend's (${shapeText(c)})`, { skip }, async () => {
      const v = inputsOf(c);
      const grads = () =>
        tf.tidy(() => {
          const w = tf.tensor(v.dy, outShape(c)); // weights of the scalar, so that dy is not all ones
          const [gx, gf] = tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad), w)))([
            tf.tensor4d(v.x, c.x),
            tf.tensor4d(v.filter, c.filter),
          ]);
          return tf.concat([tf.reshape(gx, [-1]), tf.reshape(gf, [-1])]);
        });
      const [g, gRef] = await wasmAndCpu(grads, options);
      assertAllClose(g, gRef, { rtol: 1e-4, atol: 1e-4 });
    });
    test(`gradients of conv2dTranspose on wasm (${label}) equal the cpu backend's (${shapeText(c)})`, { skip }, async () => {
      // conv2dTranspose maps dy-shaped inputs [B, OH, OW, Co] to x's shape with the same filter.
      const v = inputsOf(c);
      const pad = typeof c.pad === 'string' ? c.pad : 'valid';
      const grads = () =>
        tf.tidy(() => {
          const w = tf.tensor4d(v.x, c.x);
          const [gIn, gf] = tf.grads((input: tf.Tensor, f: tf.Tensor) =>
            tf.sum(tf.mul(tf.conv2dTranspose(input as tf.Tensor4D, f as tf.Tensor4D, c.x, c.strides, pad), w)),
          )([tf.tensor(v.dy, outShape(c)) as tf.Tensor4D, tf.tensor4d(v.filter, c.filter)]);
          return tf.concat([tf.reshape(gIn, [-1]), tf.reshape(gf, [-1])]);
        });
      if (pad !== c.pad) return; // explicit padding: conv2dTranspose takes only same/valid (or a number)
      const [g, gRef] = await wasmAndCpu(grads, options);
      assertAllClose(g, gRef, { rtol: 1e-4, atol: 1e-4 });
    });
  }
}

const sumCases: Array<[string, number[], number | number[], boolean]> = [
  ['a conv bias gradient: [B, H, W, C] over B, H, W', [128, 14, 14, 32], [0, 1, 2], false],
  ['kept dimensions, axes unordered and negative', [5, 3, 7], [-2, 0], true],
  ['a dense bias gradient: [B, D] over B', [33, 17], 0, false],
  ['trailing axes (not native: the previous kernel)', [4, 6, 5], [1, 2], false],
  ['every axis (not native: the previous kernel)', [4, 6], [0, 1], false],
];

for (const [name, shape, axis, keepDims] of sumCases) {
  test(`native Sum over leading axes equals the cpu backend (${name})`, { skip: skipBlas }, async () => {
    const xv = values(size(shape), (i) => Math.sin(i * 0.77) * 10 + 3);
    const [out, ref] = await wasmAndCpu(() => tf.sum(tf.tensor(xv, shape), axis, keepDims), NATIVE);
    assertAllClose(out, ref, { rtol: 1e-5, atol: 1e-3 });
  });
}

/** The Keras-example conv VAE's layers without the sampling: 28×28×1 → 14×14×32 → 7×7×64 → ... → 28×28×1. */
function convStack(seed: number): tf.Sequential {
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed + i });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(0) }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, kernelInitializer: init(2) }),
      tf.layers.dense({ units: 7 * 7 * 16, activation: 'relu', kernelInitializer: init(3) }),
      tf.layers.reshape({ targetShape: [7, 7, 16] }),
      tf.layers.conv2dTranspose({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(4) }),
      tf.layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init(5) }),
      tf.layers.zeroPadding2d({ padding: 1 }),
      tf.layers.cropping2D({ cropping: 1 }),
    ],
  });
}

/** Losses of `steps` Adam steps of the conv stack on fixed images; checks the tensor count stays flat. */
async function convTrainingLosses(steps: number): Promise<number[]> {
  const model = convStack(11);
  const x = tf.tensor4d(
    values(6 * 28 * 28, (i) => (Math.sin(i * 0.13) * Math.cos(i * 0.071) > 0.1 ? 1 : 0)),
    [6, 28, 28, 1],
  );
  const optimizer = tf.train.adam(1e-2);
  const step = () => {
    const cost = optimizer.minimize(() => tf.losses.sigmoidCrossEntropy(x, model.apply(x) as tf.Tensor), true)!;
    const loss = cost.dataSync()[0];
    cost.dispose();
    return loss;
  };
  const losses = [step()]; // the first step makes Adam's moments
  for (let s = 1; s < steps; s++) losses.push(await assertNoTensorLeak(step, `training step ${s}`));
  tf.dispose([x]);
  optimizer.dispose();
  model.dispose();
  return losses;
}

test('conv2d, conv2dTranspose and cropping2D layers train on wasm with the composite gradient, as on cpu', async () => {
  await useBackend('cpu');
  const reference = await convTrainingLosses(8);
  await useBackend('wasm', COMPOSITE);
  const losses = await convTrainingLosses(8);
  assert.ok(losses[7] < losses[0] - 0.02, `training reduced the loss: ${losses.map((l) => l.toFixed(4)).join(', ')}`);
  assertAllClose(losses, reference, { rtol: 1e-3, atol: 1e-4 });
  await useBackend('wasm');
});

test('the conv layers train with the native convolutions as with the composite gradient', { skip: skipBlas }, async () => {
  await useBackend('wasm', COMPOSITE);
  const reference = await convTrainingLosses(8);
  await useBackend('wasm', NATIVE);
  assert.deepEqual(nativeKernelsInfo()?.conv, ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter']);
  const losses = await convTrainingLosses(8);
  assertAllClose(losses, reference, { rtol: 1e-3, atol: 1e-4 });
  // Native gradients beside XNNPACK's forward convolution, which caches packed weights by tensor id.
  installNativeKernels('on', 0, 'wasm', { convForward: false });
  assert.deepEqual(nativeKernelsInfo()?.conv, ['Conv2DBackpropInput', 'Conv2DBackpropFilter']);
  assertAllClose(await convTrainingLosses(8), reference, { rtol: 1e-3, atol: 1e-4 });
  await useBackend('wasm');
});

test('the composite Conv2DBackpropFilter refuses NCHW and dilations with errors that name them', async () => {
  await useBackend('wasm', COMPOSITE);
  const x = tf.ones([1, 5, 5, 2]);
  const dy = tf.ones([1, 3, 3, 2]);
  const run = (attrs: object) =>
    tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 2, 2], ...attrs });
  assert.throws(() => run({ dataFormat: 'NCHW' }), /Conv2DBackpropFilter \(vaekit, wasm\): expected dataFormat 'NHWC', got 'NCHW'/);
  assert.throws(() => run({ dilations: [2, 2] }), /Conv2DBackpropFilter \(vaekit, wasm\): expected dilations 1, got \[2,2\]/);
  tf.dispose([x, dy]);
  await useBackend('wasm');
});

test('the native convolutions hand NCHW and dilations to the kernels they replaced', { skip: skipBlas }, async () => {
  await useBackend('wasm', NATIVE);
  const x = tf.ones([1, 5, 5, 2]);
  const dy = tf.ones([1, 3, 3, 2]);
  assert.throws(
    () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 2, 2] }),
    /expected dataFormat 'NHWC'/,
  );
  tf.dispose([x, dy]);
  const c: ConvCase = { name: 'dilated', x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: [1, 1], pad: 'same' };
  const v = inputsOf(c);
  const [out, ref] = await wasmAndCpu(() => tf.conv2d(tf.tensor4d(v.x, c.x), tf.tensor4d(v.filter, c.filter), 1, 'same', 'NHWC', 2), NATIVE);
  assertAllClose(out, ref, { rtol: 1e-4, atol: 1e-4 });
  await useBackend('wasm');
});

test('registerWasmConvGradients keeps a Conv2DBackpropFilter that is registered, and says when it cannot register one', async () => {
  await useBackend('wasm', NATIVE);
  const before = tf.getKernel('Conv2DBackpropFilter', 'wasm');
  assert.equal(registerWasmConvGradients('wasm'), true);
  assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), before);
  assert.equal(registerWasmConvGradients('no-such-backend'), false);
  await useBackend('wasm');
});

test('the addon refuses a convolution outside the heap or with bad sizes', { skip: skipBlas }, () => {
  const addon = createRequire(import.meta.url)('../../build/Release/vaekit_native.node') as { conv2d(...args: unknown[]): void };
  const heap = new ArrayBuffer(4096); // 1024 floats
  const geometry = [1, 4, 4, 1, 2, 2, 1, 3, 3, 1, 1, 0, 0]; // x 1×4×4×1, filter 3×3×1×1, y 1×2×2×1
  addon.conv2d(heap, 0, ...geometry, 0, 64, 128, -1, 0, 0);
  assert.throws(
    () => addon.conv2d(heap, 0, ...geometry, 4064, 64, 128, -1, 0, 0),
    (e: Error) => e instanceof RangeError && /conv2d: operand outside the heap/.test(e.message),
  );
  assert.throws(() => addon.conv2d(heap, 2, ...geometry, 0, 64, 4084, -1, 0, 0), RangeError, 'dy past the end');
  assert.throws(() => addon.conv2d(heap, 1, ...geometry, 2, 64, 128, -1, 0, 0), RangeError, 'a misaligned offset');
  assert.throws(() => addon.conv2d(heap, 3, ...geometry, 0, 64, 128, -1, 0, 0), /expected mode 0-2 and positive sizes/);
  assert.throws(() => addon.conv2d(heap, 0, 1, 4, 4, 1, 2, 2, 1, 3, 3, 0, 1, 0, 0, 0, 64, 128, -1, 0, 0), /positive sizes and strides/);
});
