import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { flagNamer } from '../../src/cli/flags.js';
import type { VaeError } from '../../src/errors.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { assertAllClose } from '../helpers/assert.js';
import { MATMUL_CASES, wasmAndCpu } from '../helpers/backends.js';

/** Runs `f` on the cpu backend and on plain wasm (the native kernels off: this file tests the wasm fix). */
const onBoth = (f: () => tf.Tensor) => wasmAndCpu(f, { native: 'off' });

const cases = MATMUL_CASES;

for (const [name, aShape, bShape, ta, tb] of cases) {
  test(`wasm matMul (${name}) equals the cpu backend`, async () => {
    const av = Float32Array.from({ length: aShape.reduce((p, q) => p * q) }, (_, i) => Math.sin(i * 0.37));
    const bv = Float32Array.from({ length: bShape.reduce((p, q) => p * q) }, (_, i) => Math.cos(i * 0.11));
    const [out, ref] = await onBoth(() => tf.tidy(() => tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape), ta, tb)));
    assertAllClose(out, ref, { rtol: 1e-5, atol: 1e-5 });
  });
}

test('wasm fused matMul with bias, relu and transposeB equals the cpu backend', async () => {
  const av = Float32Array.from({ length: 16 * 24 }, (_, i) => Math.sin(i));
  const bv = Float32Array.from({ length: 8 * 24 }, (_, i) => Math.cos(i * 0.3));
  const bias = Float32Array.from({ length: 8 }, (_, i) => i * 0.1 - 0.4);
  const [out, ref] = await onBoth(() =>
    tf.tidy(() => tf.fused.matMul({ a: tf.tensor(av, [16, 24]), b: tf.tensor(bv, [8, 24]), transposeB: true, bias: tf.tensor(bias), activation: 'relu' })),
  );
  assertAllClose(out, ref, { rtol: 1e-5, atol: 1e-5 });
});

test('gradients of a dense layer on wasm equal those on cpu', async () => {
  const xv = Float32Array.from({ length: 32 * 20 }, (_, i) => Math.sin(i * 0.7));
  const wv = Float32Array.from({ length: 20 * 10 }, (_, i) => Math.cos(i * 0.13) * 0.3);
  const grads = async () => {
    const out = tf.tidy(() => {
      const x = tf.tensor2d(xv, [32, 20]);
      const w = tf.tensor2d(wv, [20, 10]);
      const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.matMul(xx, ww)))));
      const [gx, gw] = g([x, w]);
      return tf.concat([gx.flatten(), gw.flatten()]);
    });
    const v = out.dataSync() as Float32Array;
    out.dispose();
    return v;
  };
  await useBackend('cpu');
  const ref = await grads();
  await useBackend('wasm', { native: 'off' });
  const out = await grads();
  assertAllClose(out, ref, { rtol: 1e-4, atol: 1e-5 });
});

test("useBackend('wasm') registers the replacement BatchMatMul kernel", async () => {
  await useBackend('wasm', { native: 'off' });
  const k = tf.getKernel('BatchMatMul', 'wasm') as unknown as Record<symbol, boolean>;
  assert.equal(k[Symbol.for('vaekit.wasmMatMulFix')], true);
});

const hasTfjsNode = (() => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

test(
  "useBackend('tensorflow') without @tensorflow/tfjs-node installed throws a ConfigError that says how to get it",
  { skip: hasTfjsNode && '@tensorflow/tfjs-node is installed here' },
  async () => {
    await assert.rejects(
      useBackend('tensorflow'),
      (e: Error) => e.name === 'ConfigError' && /@tensorflow\/tfjs-node/.test(e.message) && /--backend wasm/.test((e as VaeError).describe(flagNamer)),
    );
    assert.notEqual(tf.getBackend(), 'tensorflow');
  },
);
