/**
 * The real `webgpu` package (Dawn) on Node, where it is installed: its null backend (an adapter that
 * validates everything and computes nothing) initialises tfjs's webgpu backend through initWebGpu,
 * so the initialisation order is checked against the real tfjs-backend-webgpu, and Dawn's shader
 * compiler (Tint) validates vaekit's WGSL programs as tfjs assembles them. Numbers need a real
 * adapter: test/browser/webgpu-kernels.test.ts (SwiftShader in Chromium) and scripts/gpu-check.
 *
 * Skips where the package is not installed (vaekit never requires it); VAEKIT_DAWN_PACKAGE may name
 * its index.js elsewhere (e.g. a scratch `npm install webgpu@0.6.2`).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initWebGpu, NODE_WEBGPU_LOADER, type DawnModule } from '../../src/node/compute/webgpu.js';
import { bernoulliLogProb } from '../../src/distributions/bernoulli.js';
import { BERNOULLI_LOGITS_GRAD_KERNEL } from '../../src/backend/webgpu-kernels.js';
import { webGpuAdamUpdate } from '../../src/backend/webgpu-adam.js';
import type { WebGpuBackendLike, WgslProgram } from '../../src/backend/webgpu-program.js';

/** The package's entry: VAEKIT_DAWN_PACKAGE, else `webgpu` as installed here, else null. */
const dawnEntry = ((): string | null => {
  const given = process.env.VAEKIT_DAWN_PACKAGE;
  if (given) return existsSync(given) ? pathToFileURL(given).href : null;
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch {
    return null;
  }
})();
const skip = dawnEntry == null ? 'the optional webgpu package is not installed (or VAEKIT_DAWN_PACKAGE names no file)' : false;

interface DeviceLike {
  pushErrorScope(filter: 'validation'): void;
  popErrorScope(): Promise<{ message: string } | null>;
}

test("Dawn's null adapter initialises tfjs's webgpu backend on Node, and Tint accepts every vaekit WGSL program", { skip }, async () => {
  const loader = { ...NODE_WEBGPU_LOADER, loadDawn: () => import(dawnEntry!) as Promise<DawnModule> };
  const { adapter } = await initWebGpu(loader, ['backend=null']);
  assert.equal(typeof adapter, 'string');
  assert.equal(await tf.setBackend('webgpu'), true);
  const backend = tf.backend() as unknown as WebGpuBackendLike & { device: DeviceLike };
  const device = backend.device;

  /** Runs `f` inside a validation error scope and returns Dawn's error message, or null. */
  const validationError = async (f: () => tf.Tensor[]): Promise<string | null> => {
    device.pushErrorScope('validation');
    const made = f();
    await Promise.all(made.map((t) => t.data())); // submits the work
    tf.dispose(made);
    return (await device.popErrorScope())?.message ?? null;
  };

  // A negative control: a program that is not valid WGSL is reported.
  const broken: WgslProgram = {
    outputShape: [4],
    variableNames: ['x'],
    shaderKey: 'vaekitBrokenOnPurpose',
    dispatchLayout: { x: [0] },
    dispatch: [1, 1, 1],
    workgroupSize: [64, 1, 1],
    size: true,
    getUserCode: () => 'fn main(index : i32) { result[index] = undefinedName; }',
  };
  const control = await validationError(() => {
    const x = tf.zeros([4]);
    const out = tf.engine().makeTensorFromTensorInfo(backend.runWebGPUProgram(broken, [x], 'float32'));
    return [x, out];
  });
  assert.ok(control != null, 'the error scope catches an invalid shader');

  for (const [name, f] of [
    ['Bernoulli value, logits [K, B, D] over x [B, D]', () => [bernoulliLogProb(tf.ones([5, 784]), tf.zeros([7, 5, 784]))]],
    ['Bernoulli value, D = 3072 (256-thread workgroups)', () => [bernoulliLogProb(tf.ones([3, 3072]), tf.zeros([3, 3072]))]],
    ['Bernoulli value, one row (scalar out)', () => [bernoulliLogProb(tf.ones([30]), tf.zeros([30]))]],
    [
      'logits gradient kernel',
      () => [
        tf.engine().runKernel(BERNOULLI_LOGITS_GRAD_KERNEL, { dy: tf.ones([7, 5]), x: tf.ones([5, 784]), logits: tf.zeros([7, 5, 784]) }, {}) as tf.Tensor,
      ],
    ],
    [
      "Adam's three in-place programs",
      () => {
        const value = tf.tidy(() => tf.variable(tf.ones([37, 29])));
        const firstMoment = tf.tidy(() => tf.variable(tf.zeros([37, 29])));
        const secondMoment = tf.tidy(() => tf.variable(tf.zeros([37, 29])));
        const gradient = tf.ones([37, 29]);
        const scalars = {
          beta1: 0.9,
          oneMinusBeta1: 0.1,
          beta2: 0.999,
          oneMinusBeta2: 0.001,
          oneMinusAccBeta1: 0.1,
          oneMinusAccBeta2: 0.001,
          epsilon: 1e-8,
          negLearningRate: -1e-3,
        };
        assert.equal(webGpuAdamUpdate('webgpu')([{ value, gradient, firstMoment, secondMoment }], scalars), true, 'the update goes in place');
        return [value, firstMoment, secondMoment, gradient];
      },
    ],
  ] as Array<[string, () => tf.Tensor[]]>) {
    assert.equal(await validationError(f), null, `${name}: Dawn reports a validation error`);
  }
});
