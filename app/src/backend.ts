/**
 * The explorer's TensorFlow.js backend: WebGPU where the browser has it, else WebGL on a GPU, else
 * wasm (with vaekit's wasm fixes), else cpu; `?backend=NAME` in the page's URL asks for one. WebGL
 * drawn by software (SwiftShader, llvmpipe: a browser without a GPU) comes after wasm, which trains
 * MNIST 6.5 times faster there (README, the explorer's section).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { installWasmMatMulFix, registerWasmConvGradients } from 'vaekit';
import { backendCandidates, isSoftwareRenderer, type BackendName } from './pure/backend-order.js';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
});
// vaekit's fixes of the wasm backend's kernels (registered for 'wasm', used once it is chosen).
installWasmMatMulFix();
registerWasmConvGradients();

/** True when the browser offers a WebGPU adapter (asking tfjs without one logs warnings and fails). */
async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  try {
    return gpu !== undefined && (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

/** The WebGL renderer's name, or null when the browser has no WebGL or hides it. */
function webglRenderer(): string | null {
  try {
    const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
    if (!gl) return null;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return typeof name === 'string' ? name : null;
  } catch {
    return null;
  }
}

/** Starts the first backend that works and returns its name. @throws Error when none does (never: cpu always works) */
export async function chooseBackend(asked: string | null): Promise<BackendName> {
  const renderer = webglRenderer();
  const isSoftwareGl = renderer !== null && isSoftwareRenderer(renderer);
  for (const name of backendCandidates(asked, isSoftwareGl)) {
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
