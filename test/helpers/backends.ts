/**
 * Test helper: the same computation on the `cpu` backend (the reference) and on `wasm`.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendOptions } from '../../src/node/compute/backend.js';
import { nativeKernelsInfo, nativeKernelsUnavailable } from '../../src/node/compute/native-kernels.js';

/**
 * Runs `f` on the cpu backend, then on wasm (with `wasm` options: native kernels or not), each in
 * a tidy scope; checks the shapes agree and that the wasm run leaves no tensor behind.
 * @returns [the wasm result, the cpu result], flattened
 */
export async function wasmAndCpu(f: () => tf.Tensor, wasm: BackendOptions = {}): Promise<[Float32Array, Float32Array]> {
  await useBackend('cpu');
  const ref = tf.tidy(f);
  const refData = ref.dataSync() as Float32Array;
  const shape = ref.shape;
  ref.dispose();
  await useBackend('wasm', wasm);
  const before = tf.memory().numTensors;
  const out = tf.tidy(f);
  assert.deepEqual(out.shape, shape);
  const outData = out.dataSync() as Float32Array;
  out.dispose();
  assert.equal(tf.memory().numTensors, before, 'the wasm run left tensors behind');
  return [outData, refData];
}

/** Matrix-product cases [name, a's shape, b's shape, transposeA, transposeB] every matmul kernel must get right. */
export const MATMUL_CASES: Array<[string, number[], number[], boolean, boolean]> = [
  ['plain', [37, 53], [53, 29], false, false],
  ['transposeA', [53, 37], [53, 29], true, false],
  ['transposeB', [37, 53], [29, 53], false, true],
  ['both transposed', [53, 37], [29, 53], true, true],
  ['batched, transposeB', [3, 7, 11], [3, 5, 11], false, true],
  ['batched transposeA, broadcast b', [4, 11, 7], [1, 11, 5], true, false],
  ['one a, batched b, transposeA', [1, 7, 11], [4, 7, 5], true, false],
  ['rank 4', [2, 3, 6, 5], [2, 3, 5, 4], false, false],
];

/** Whether the optional `webgpu` package (Dawn) is installed here. */
export const isDawnInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('webgpu');
    return true;
  } catch {
    return false;
  }
})();

/**
 * Why a native-kernel test skips here, or false when it runs: `'addon'` needs the native addon
 * loaded, `'blas'` its matmuls too (OpenBLAS or the own GEMM). Call after `useBackend('wasm')`.
 * Under `VAEKIT_NATIVE=on` the backend itself fails instead, so nothing skips silently.
 */
export function nativeSkip(needs: 'addon' | 'blas'): string | false {
  const info = nativeKernelsInfo();
  if (needs === 'addon' ? info != null : info?.blas != null) return false;
  if (process.env.VAEKIT_NATIVE === 'off') return 'native kernels turned off (VAEKIT_NATIVE=off)';
  const what = needs === 'addon' ? 'the native addon' : 'the native matmuls';
  return `${what} not available here: ${nativeKernelsUnavailable()} (VAEKIT_NATIVE=on makes this a failure)`;
}
