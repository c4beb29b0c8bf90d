/**
 * The host side of vaekit's WGSL kernels, without a GPU: shapes checked, rows, output shapes,
 * workgroup sizes and counts, uniform values in the order the shaders declare them, pipeline keys,
 * the in-place refusals of Adam's update, and registration for 'webgpu' only. The kernels' numbers
 * are tested on a real WebGPU implementation in test/browser/webgpu-kernels.test.ts.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../../src/errors.js';
import { flatDispatch, type WebGpuBackendLike } from '../../src/backend/webgpu-program.js';
import {
  bernoulliLayout,
  bernoulliLogitsGradKernel,
  bernoulliLogitsGradProgram,
  bernoulliLogProbKernel,
  bernoulliLogProbProgram,
  bernoulliUniforms,
  rowWorkgroupSize,
} from '../../src/backend/webgpu-bernoulli.js';
import { adamMomentProgram, adamMomentUniforms, adamValueProgram, adamValueUniforms, inPlaceRefusal, webGpuAdamUpdate } from '../../src/backend/webgpu-adam.js';
import { BERNOULLI_LOGITS_GRAD_KERNEL, registerWebGpuKernels } from '../../src/backend/webgpu-kernels.js';

const f32 = (shape: number[]) => ({ shape, dtype: 'float32' as const });
const K = 'VaekitBernoulliLogProb';

describe('the Bernoulli programs', () => {
  test('bernoulliLayout: logits [K, B, D] over x [B, D] (or [1, B, D]) has K·B rows, x has B', () => {
    assert.deepEqual(bernoulliLayout(K, f32([5, 784]), f32([7, 5, 784])), { rows: 35, dim: 784, xRows: 5 });
    assert.deepEqual(bernoulliLayout(K, f32([1, 5, 784]), f32([7, 5, 784])), { rows: 35, dim: 784, xRows: 5 });
    assert.deepEqual(bernoulliLayout(K, f32([128, 784]), f32([128, 784])), { rows: 128, dim: 784, xRows: 128 });
    assert.deepEqual(bernoulliLayout(K, f32([30]), f32([30])), { rows: 1, dim: 30, xRows: 1 });
  });

  test('bernoulliLayout refuses x that does not repeat over logits, D = 0 and non-float32, naming both shapes', () => {
    const bad: Array<[{ shape: number[]; dtype: tf.DataType }, { shape: number[]; dtype: tf.DataType }]> = [
      [f32([5, 784]), f32([7, 5, 783])], // D differs
      [f32([4, 784]), f32([7, 5, 784])], // B differs
      [f32([5, 784]), f32([10, 784])], // rows are a multiple of x's but not a repeat of x [5, D] over a leading axis
      [f32([5, 0]), f32([5, 0])],
      [{ shape: [5, 784], dtype: 'int32' }, f32([5, 784])],
      [f32([]), f32([])],
    ];
    for (const [x, logits] of bad) {
      assert.throws(
        () => bernoulliLayout(K, x, logits),
        (e: Error) =>
          e instanceof ShapeError && e.message.startsWith(`${K}: expected float32 x [..., D] repeating over logits [..., D], got x ${JSON.stringify(x.shape)}`),
      );
    }
  });

  test('the value program: one workgroup per row, 64 threads up to D = 1024 and 256 above, uniforms dim then xRows', () => {
    const layout = bernoulliLayout(K, f32([5, 784]), f32([7, 5, 784]));
    const p = bernoulliLogProbProgram(layout, [7, 5]);
    assert.deepEqual(p.outputShape, [7, 5]);
    assert.deepEqual(p.dispatchLayout, { x: [0, 1] });
    assert.deepEqual(p.dispatch, [35, 1, 1]);
    assert.deepEqual(p.workgroupSize, [64, 1, 1]);
    assert.deepEqual(p.variableNames, ['x', 'logits']);
    assert.equal(p.uniforms, 'dim : i32, xRows : i32,');
    assert.deepEqual(bernoulliUniforms(layout), [
      { type: 'int32', data: [784] },
      { type: 'int32', data: [5] },
    ]);
    assert.equal(rowWorkgroupSize(1024), 64);
    assert.equal(rowWorkgroupSize(1025), 256);
    const wide = bernoulliLogProbProgram(bernoulliLayout(K, f32([3, 3072]), f32([3, 3072])));
    assert.deepEqual(wide.workgroupSize, [256, 1, 1]);
    assert.notEqual(wide.shaderKey, p.shaderKey, 'the workgroup size is part of the pipeline key');
  });

  test('the value shader sizes its workgroup array and reduction to the workgroup, and guards rows past the end', () => {
    const code = bernoulliLogProbProgram(bernoulliLayout(K, f32([3, 3072]), f32([3, 3072]))).getUserCode();
    assert.match(code, /var<workgroup> partial : array<f32, 256>;/);
    assert.match(code, /for \(var s = 128; s > 0; s = s \/ 2\)/);
    assert.match(code, /if \(lane == 0 && row < uniforms.size\) \{ result\[row\] = -partial\[0\]; \}/);
    // workgroupBarrier() must be reached by every thread: none sits inside the row guard.
    const guarded = code.slice(code.indexOf('if (row < uniforms.size)'), code.indexOf('partial[lane] = acc;'));
    assert.doesNotMatch(guarded, /workgroupBarrier/);
  });

  test('70,000 rows ask for 70,000 workgroups along x (tfjs folds it into x·y past the device limit; the shader indexes rows by the global index)', () => {
    const p = bernoulliLogProbProgram(bernoulliLayout(K, f32([70000, 3]), f32([70000, 3])));
    assert.deepEqual(p.dispatch, [70000, 1, 1]);
    assert.match(p.getUserCode(), /let row = index \/ 64;/);
  });

  test('the gradient program is elementwise over logits at 128 threads a workgroup', () => {
    const layout = bernoulliLayout(K, f32([5, 784]), f32([7, 5, 784]));
    const p = bernoulliLogitsGradProgram(layout, [7, 5, 784]);
    assert.deepEqual(p.outputShape, [7, 5, 784]);
    assert.deepEqual(p.dispatch, [Math.ceil((35 * 784) / 128), 1, 1]);
    assert.deepEqual(p.variableNames, ['dy', 'x', 'logits']);
    assert.match(p.getUserCode(), /result\[index\] = dy\[row\] \* \(xv - vaekitSigmoid\(logits\[index\]\)\);/);
  });

  test('the kernels hand the backend their program, inputs and uniforms, and give the output logits.shape[:-1] (a scalar for one row)', () => {
    const calls: Array<{ shape: number[]; key: string; inputs: number; uniforms: unknown }> = [];
    const backend: WebGpuBackendLike = {
      runWebGPUProgram: (program, inputs, dtype, uniforms) => {
        calls.push({ shape: program.outputShape, key: program.shaderKey, inputs: inputs.length, uniforms });
        assert.equal(dtype, 'float32');
        return { dataId: {}, shape: program.outputShape, dtype };
      },
      tensorMap: { get: () => undefined },
    };
    const run = (kernel: tf.KernelFunc, inputs: Record<string, tf.TensorInfo>) =>
      kernel({ inputs, backend: backend as unknown as tf.KernelBackend, attrs: {} }) as tf.TensorInfo;
    const info = (shape: number[]) => ({ dataId: {}, shape, dtype: 'float32' as const });
    assert.deepEqual(run(bernoulliLogProbKernel(K), { x: info([5, 784]), logits: info([7, 5, 784]) }).shape, [7, 5]);
    assert.deepEqual(run(bernoulliLogProbKernel(K), { x: info([30]), logits: info([30]) }).shape, []);
    assert.deepEqual(calls[1].shape, [1], 'a scalar output is computed as [1]');
    assert.deepEqual(run(bernoulliLogitsGradKernel('G'), { dy: info([7, 5]), x: info([5, 784]), logits: info([7, 5, 784]) }).shape, [7, 5, 784]);
    assert.throws(
      () => run(bernoulliLogitsGradKernel('G'), { dy: info([7]), x: info([5, 784]), logits: info([7, 5, 784]) }),
      /G: expected dy \[7,5\] float32, got \[7\] float32/,
    );
    assert.deepEqual(calls[0].uniforms, bernoulliUniforms({ rows: 35, dim: 784, xRows: 5 }));
  });
});

describe("Adam's programs", () => {
  const scalars = {
    beta1: 0.9,
    oneMinusBeta1: Math.fround(0.1),
    beta2: 0.999,
    oneMinusBeta2: Math.fround(0.001),
    oneMinusAccBeta1: 0.19,
    oneMinusAccBeta2: 0.002,
    epsilon: 1e-8,
    negLearningRate: -1e-3,
  };

  test('moment programs: elementwise over the variable, 128 threads a workgroup, uniforms β and 1 − β of their moment', () => {
    const first = adamMomentProgram('first', [784, 400]);
    assert.deepEqual(first.outputShape, [784, 400]);
    assert.deepEqual(first.dispatch, [2450, 1, 1]);
    assert.deepEqual(first.variableNames, ['gradient']);
    assert.notEqual(first.shaderKey, adamMomentProgram('second', [784, 400]).shaderKey);
    assert.match(first.getUserCode(), /result\[index\] = result\[index\] \* uniforms.beta \+ g \* uniforms.oneMinusBeta;/);
    assert.match(adamMomentProgram('second', [3]).getUserCode(), /\+ g \* g \* uniforms.oneMinusBeta;/);
    assert.deepEqual(adamMomentUniforms('first', scalars), [
      { type: 'float32', data: [0.9] },
      { type: 'float32', data: [Math.fround(0.1)] },
    ]);
    assert.deepEqual(adamMomentUniforms('second', scalars), [
      { type: 'float32', data: [0.999] },
      { type: 'float32', data: [Math.fround(0.001)] },
    ]);
  });

  test('the value program reads the new moments and writes θ in place; uniforms in the order the shader declares them', () => {
    const p = adamValueProgram([400]);
    assert.deepEqual(p.variableNames, ['firstMoment', 'secondMoment']);
    assert.deepEqual(p.dispatch, [4, 1, 1]);
    assert.equal(p.uniforms, 'oneMinusAccBeta1 : f32, oneMinusAccBeta2 : f32, epsilon : f32, negLearningRate : f32,');
    assert.deepEqual(
      adamValueUniforms(scalars).map((u) => u.data[0]),
      [0.19, 0.002, 1e-8, -1e-3],
    );
  });

  test('flatDispatch rounds up and refuses a negative count or an empty workgroup', () => {
    assert.deepEqual(flatDispatch(0, 128), [0, 1, 1]);
    assert.deepEqual(flatDispatch(129, 128), [2, 1, 1]);
    assert.throws(() => flatDispatch(-1, 128), RangeError);
    assert.throws(() => flatDispatch(3, 0), RangeError);
  });

  test('inPlaceRefusal: a shared buffer, another dtype or shape, a scalar, or a tensor the backend does not hold is refused; an owned slot is not', () => {
    const refCounts = new Map<object, number>();
    const backend: WebGpuBackendLike = {
      runWebGPUProgram: () => assert.fail('no program runs'),
      tensorMap: { get: (id) => (refCounts.has(id) ? { refCount: refCounts.get(id)!, values: null, dtype: 'float32' } : undefined) },
    };
    const t = (shape: number[], refCount = 1, dtype: tf.DataType = 'float32') => {
      const dataId = {};
      refCounts.set(dataId, refCount);
      return { dataId, shape, dtype, size: shape.reduce((p, q) => p * q, 1), rank: shape.length } as unknown as tf.Tensor;
    };
    const slot = (o: Partial<Record<'value' | 'gradient' | 'firstMoment' | 'secondMoment', tf.Tensor>> = {}) => ({
      value: t([4, 3]),
      gradient: t([4, 3]),
      firstMoment: t([4, 3]),
      secondMoment: t([4, 3]),
      ...o,
    });
    assert.equal(inPlaceRefusal(backend, slot()), null);
    assert.equal(inPlaceRefusal(backend, slot({ value: t([4, 3], 2) })), "value's buffer is shared by 2 tensors");
    assert.equal(inPlaceRefusal(backend, slot({ secondMoment: t([4, 3], 3) })), "secondMoment's buffer is shared by 3 tensors");
    assert.equal(inPlaceRefusal(backend, slot({ gradient: t([4, 3], 5) })), null, 'the gradient is only read');
    assert.equal(inPlaceRefusal(backend, slot({ gradient: t([4, 3], 1, 'int32') })), 'gradient is int32');
    assert.equal(inPlaceRefusal(backend, slot({ firstMoment: t([12]) })), 'firstMoment is [12], value [4,3]');
    assert.equal(inPlaceRefusal(backend, slot({ value: t([]), gradient: t([]), firstMoment: t([]), secondMoment: t([]) })), 'value is a scalar');
    const foreign = { ...t([4, 3]), dataId: {} } as unknown as tf.Tensor;
    assert.equal(inPlaceRefusal(backend, slot({ gradient: foreign })), 'gradient is not on this backend');
  });

  test('the update declines, writing nothing, when the webgpu backend is not the active one', async () => {
    await tf.setBackend('cpu');
    const v = tf.variable(tf.zeros([3]));
    const m = tf.variable(tf.zeros([3]));
    const s = tf.variable(tf.zeros([3]));
    const g = tf.ones([3]);
    try {
      assert.equal(webGpuAdamUpdate('webgpu')([{ value: v, gradient: g, firstMoment: m, secondMoment: s }], scalars), false);
      assert.deepEqual(Array.from(await v.data()), [0, 0, 0]);
    } finally {
      tf.dispose([v, m, s, g]);
    }
  });
});

describe('registerWebGpuKernels', () => {
  afterEach(() => {
    for (const name of [K, BERNOULLI_LOGITS_GRAD_KERNEL]) if (tf.getKernel(name, 'webgpu') != null) tf.unregisterKernel(name, 'webgpu');
  });

  test("registers the value kernel under vaekit's name and the gradient kernel, for webgpu only, and is idempotent", () => {
    assert.deepEqual(registerWebGpuKernels({ bernoulliLogProb: K }), [K, BERNOULLI_LOGITS_GRAD_KERNEL]);
    const first = tf.getKernel(K, 'webgpu');
    assert.ok(first != null);
    assert.ok(tf.getKernel(BERNOULLI_LOGITS_GRAD_KERNEL, 'webgpu') != null);
    assert.equal(tf.getKernel(K, 'cpu'), undefined);
    registerWebGpuKernels({ bernoulliLogProb: K });
    assert.equal(tf.getKernel(K, 'webgpu'), first, 'a second call keeps the registered kernel');
  });
});
