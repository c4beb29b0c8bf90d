/**
 * Fast transposed matmuls for TensorFlow.js's wasm backend.
 *
 * The wasm backend's XNNPACK path handles only the plain product A·B; `BatchMatMul` (and
 * `_FusedMatMul`) with `transposeA` or `transposeB` falls back to a scalar loop that runs near
 * 1.7 GFLOP/s against about 20 for the plain case. Every dense layer's gradient uses those two
 * forms (dW = xᵀ·dy, dx = dy·Wᵀ), so training ran about 4× slower than it should.
 *
 * `installWasmMatMulFix()` replaces both kernels on the 'wasm' backend with wrappers that
 * transpose the flagged operand explicitly (one wasm Transpose, a memory-bound O(n) pass) and
 * then call the original kernel with both flags false. Numbers are unchanged up to float32
 * summation order; test/backend/wasm-matmul.test.ts checks them against the `cpu` backend.
 *
 * Browser-safe: depends only on @tensorflow/tfjs. Idempotent.
 */
import * as tf from '@tensorflow/tfjs';
import { overrideKernel } from './kernel-override.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

const INSTALLED = Symbol.for('vaekit.wasmMatMulFix');

/** Swaps the last two axes of `x` with the backend's own Transpose kernel. Caller disposes. */
function transposeLastTwo(x: Info, backend: KernelArgs['backend'], transpose: tf.KernelFunc): Info {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return transpose({ inputs: { x }, backend, attrs: { perm } }) as Info;
}

function wrap(kernelName: string, backendName: string): boolean {
  const transposeKernel = tf.getKernel('Transpose', backendName);
  if (transposeKernel == null) return false;
  return overrideKernel(kernelName, backendName, INSTALLED, (original) => (args) => {
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
    const backend = args.backend as KernelArgs['backend'] & { disposeData(id: object): void };
    const inputs = { ...(args.inputs as Record<string, Info>) };
    const made: Info[] = [];
    if (attrs.transposeA) made.push((inputs.a = transposeLastTwo(inputs.a, backend, transposeKernel.kernelFunc)));
    if (attrs.transposeB) made.push((inputs.b = transposeLastTwo(inputs.b, backend, transposeKernel.kernelFunc)));
    try {
      return original.kernelFunc({ ...args, inputs, attrs: { ...attrs, transposeA: false, transposeB: false } });
    } finally {
      for (const t of made) backend.disposeData(t.dataId);
    }
  });
}

/**
 * Registers the explicit-transpose replacements for `BatchMatMul` and `_FusedMatMul` on the
 * wasm backend. Call after `@tensorflow/tfjs-backend-wasm` is imported (the Node entry's
 * `useBackend('wasm')` does this for you).
 * @returns true when both kernels are (now) replaced; false when the wasm backend's kernels are
 *   not registered (the package was not imported).
 */
export function installWasmMatMulFix(backendName = 'wasm'): boolean {
  const a = wrap('BatchMatMul', backendName);
  const b = wrap('_FusedMatMul', backendName);
  return a && b;
}
