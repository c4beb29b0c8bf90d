/**
 * Picks and initialises the TensorFlow.js compute backend for Node entry points (CLI, bench,
 * tests). The library itself never calls tf.setBackend.
 *
 * - `wasm` (default): @tensorflow/tfjs-backend-wasm, SIMD, with vaekit's transposed-matmul fix and
 *   its conv weight gradient (src/backend/conv-grad.ts; the wasm backend has none),
 *   and vaekit's native kernels when its addon loads (src/node/native-kernels.ts: matrix products
 *   on OpenBLAS over every core, Adam, the Bernoulli likelihood; `native: 'off'` or
 *   VAEKIT_NATIVE=off turns them off).
 * - `cpu`: the plain JavaScript backend (about 7× slower for training; the reference for tests).
 * - `tensorflow`: @tensorflow/tfjs-node (native TensorFlow), used only if the user installed it;
 *   vaekit never depends on it.
 * - `webgpu`: @tensorflow/tfjs-backend-webgpu on a GPU through Dawn, from the optional package
 *   `webgpu` (src/node/compute/webgpu.ts), with vaekit's WGSL kernels (src/backend/webgpu-*.ts).
 * - `auto`: webgpu where it initialises (the package, a Vulkan driver and an adapter are there),
 *   else wasm. Not the default: a GPU would change a run's numbers (float32 summation order) and its
 *   recorded backend from machine to machine; wasm stays the default everywhere.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, setting } from '../../errors.js';
import { installWasmMatMulFix } from '../../backend/wasm-matmul.js';
import { registerWasmConvGradients } from '../../backend/conv-grad.js';
import { installNativeKernels, type NativeChoice } from './native-kernels.js';
import { installNativeLogWeights } from './native-log-weights.js';
import { initWebGpu, NODE_WEBGPU_LOADER, type WebGpuLoader } from './webgpu.js';

export const BACKENDS = ['wasm', 'cpu', 'tensorflow', 'webgpu', 'auto'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Options of `useBackend`. */
export interface BackendOptions {
  /**
   * vaekit's native kernels on the wasm backend: 'auto' (default; when available), 'on' (required),
   * 'off'. 'on' and 'off' are also written to process.env.VAEKIT_NATIVE for worker threads.
   */
  native?: NativeChoice;
  /** `auto` only: told why webgpu was not usable when it falls back to wasm (the ConfigError's message). */
  onAutoFallback?: (reason: string) => void;
  /** Where the webgpu backend's packages and Vulkan checks come from (tests pass fakes). */
  webgpuLoader?: WebGpuLoader;
  /** Options of Dawn's `create()` for webgpu, e.g. ['backend=vulkan'] or ['adapter=NVIDIA']. Default none. */
  dawnOptions?: string[];
}

/**
 * Makes `name` the active backend and waits until it is ready.
 * @returns the name tfjs reports as active ('wasm' or 'webgpu' for `auto`)
 * @throws ConfigError for an unknown name, `tensorflow` when @tensorflow/tfjs-node is not installed,
 *   `webgpu` when the `webgpu` package, the Vulkan loader, a driver or an adapter is missing (one line
 *   saying which), `native: 'on'` with a backend other than wasm, or `native: 'on'` when the native
 *   addon or OpenBLAS cannot be loaded
 */
export async function useBackend(name: BackendName = 'wasm', options: BackendOptions = {}): Promise<string> {
  if (!BACKENDS.includes(name)) {
    throw new ConfigError(`backend: expected one of ${BACKENDS.join(', ')}, got '${name}'`);
  }
  // The wasm backend's emscripten glue adds process handlers in Node that rethrow every uncaught
  // error from inside the handler, so Node prints the glue's one-line source (tens of kB) and exits 7.
  // Keep the process's own handlers: take back whatever initialising the backend added.
  const before = { uncaughtException: process.listeners('uncaughtException'), unhandledRejection: process.listeners('unhandledRejection') };
  try {
    return await initialise(name, options);
  } finally {
    for (const l of process.listeners('uncaughtException')) if (!before.uncaughtException.includes(l)) process.off('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!before.unhandledRejection.includes(l)) process.off('unhandledRejection', l);
  }
}

/** `useBackend` without its listener bookkeeping. */
async function initialise(name: BackendName, options: BackendOptions): Promise<string> {
  if (name === 'auto') {
    // Native kernels asked for by name run on wasm: no GPU probe then.
    if (options.native === 'on') return initialise('wasm', options);
    try {
      return await initialise('webgpu', options);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      options.onAutoFallback?.(e.message);
      return initialise('wasm', options);
    }
  }
  if (options.native === 'on' && name !== 'wasm') {
    throw new ConfigError(
      `${setting('native', 'on')}: native kernels run on the wasm backend, not ${setting('compute.backend', name)}; use ${setting('compute.backend', 'wasm')} or leave ${setting('native')} out`,
    );
  }
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    installWasmMatMulFix('wasm');
    registerWasmConvGradients('wasm');
    // An explicit choice goes into the environment too, so worker threads started later follow it.
    if (options.native === 'on' || options.native === 'off') process.env.VAEKIT_NATIVE = options.native;
    installNativeKernels(options.native ?? 'auto', 0, 'wasm');
    installNativeLogWeights(); // the log-likelihood's weights of MLP VAEs, while the native matmuls are installed
  } else if (name === 'webgpu') {
    await initWebGpu(options.webgpuLoader ?? NODE_WEBGPU_LOADER, options.dawnOptions ?? []);
  } else if (name === 'tensorflow') {
    try {
      const modName = '@tensorflow/tfjs-node';
      await import(modName);
    } catch (cause) {
      throw new ConfigError(
        "backend: 'tensorflow' needs @tensorflow/tfjs-node, which is not installed " +
          `(npm install @tensorflow/tfjs-node where its native binary can be downloaded); use ${setting('compute.backend', 'wasm')}`,
        { cause },
      );
    }
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (cause) {
    throw new ConfigError(`backend: '${name}' failed to initialise (${String((cause as Error).message ?? cause).split('\n')[0]})`, { cause });
  }
  if (!ok) throw new ConfigError(`backend: '${name}' failed to initialise`);
  await tf.ready();
  if (name === 'cpu') {
    // The cpu backend prints a banner advising tfjs-node on its first tensor; vaekit's README and
    // --backend help already say what each backend gives, so keep the CLI's output clean.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  }
  return tf.getBackend();
}
