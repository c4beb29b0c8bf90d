/**
 * The explorer's TensorFlow.js backend: WebGPU where the browser has it, else WebGL, else wasm
 * (with vaekit's wasm fixes), else cpu; `?backend=NAME` in the page's URL asks for one.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { installWasmMatMulFix, registerWasmConvGradients } from 'vaekit';

export const BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
});
// vaekit's fixes of the wasm backend's kernels (registered for 'wasm', used once it is chosen).
installWasmMatMulFix();
registerWasmConvGradients();

/** The backends to try, in order: `asked` first when it is one of them. */
export function backendCandidates(asked: string | null): BackendName[] {
  const first = BACKEND_ORDER.find((b) => b === asked);
  return first ? [first, ...BACKEND_ORDER.filter((b) => b !== first)] : [...BACKEND_ORDER];
}

/** True when the browser offers a WebGPU adapter (asking tfjs without one logs warnings and fails). */
async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  try {
    return gpu !== undefined && (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

/** Starts the first backend that works and returns its name. @throws Error when none does (never: cpu always works) */
export async function chooseBackend(asked: string | null): Promise<BackendName> {
  for (const name of backendCandidates(asked)) {
    if (name === 'webgpu' && !(await hasWebGpuAdapter())) continue;
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // try the next one
    }
  }
  throw new Error('no TensorFlow.js backend could start');
}
