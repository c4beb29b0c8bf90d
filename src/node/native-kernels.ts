/**
 * Native kernels for the wasm backend on Node.js: matrix products on OpenBLAS over every core,
 * and Adam's step in one pass, both computing straight on the wasm heap.
 *
 * The wasm backend keeps every tensor in one WebAssembly.Memory; its matmuls run on XNNPACK at
 * about 23 GFLOP/s on one core of this project's machine (128-bit SIMD, no FMA, one thread in
 * Node). vaekit's optional addon (native/vaekit_native.c, built by `npm install` when a C
 * compiler and Node's headers are there) opens the system's OpenBLAS with dlopen and runs
 * `cblas_sgemm` on the heap itself: 145 GFLOP/s a core with its AVX-512 kernels, both cores.
 * `installNativeBlas()` registers it as the wasm backend's `BatchMatMul` and `_FusedMatMul`
 * (bias and activation fused after the product), so every tensor stays where it is and the rest
 * of the backend is unchanged. Anything the native kernel does not cover (non-float32 inputs,
 * prelu, a bias that is not one value per output column, unbroadcastable batches) goes to the
 * kernel that was registered before. Numbers agree with the `cpu` backend up to float32
 * summation order (test/backend/native-blas.test.ts).
 *
 * Adam: tfjs's AdamOptimizer runs about 15 elementwise kernels per variable (7 ms of a 38 ms MNIST
 * step); the addon's `adam` does the same float32 arithmetic, op for op, in one vectorised pass
 * over the variable, its gradient and its two moments, in place. It is registered as the trainer's
 * in-place Adam update (src/training/optimizer.ts) and agrees with tfjs bit for bit.
 *
 * Bernoulli log-likelihood: registers the optional `VaekitBernoulliLogProb` kernel
 * (src/distributions/bernoulli.ts) on the wasm backend: log p(x|z) summed over pixels in one
 * vectorised pass (glibc's SIMD expf/log1pf) on every core, instead of ~9 elementwise kernels.
 * The importance-sampled log p(x) spends most of its time there after the matmuls.
 *
 * Off by choice with `VAEKIT_NATIVE=off` or `--native off`; absent without the addon or OpenBLAS
 * (`apt-get install libopenblas0-pthread`), in which case vaekit runs on plain wasm.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors.js';
import { setInPlaceAdamUpdate, type AdamScalars, type AdamSlot } from '../training/optimizer.js';
import { BERNOULLI_LOG_PROB_KERNEL } from '../distributions/bernoulli.js';

/** The addon's exports (native/vaekit_native.c). */
interface NativeAddon {
  load(threads: number): { core: string; threads: number };
  setThreads(threads: number): void;
  gemm(
    heap: ArrayBuffer,
    batch: number,
    m: number,
    n: number,
    k: number,
    transA: number,
    transB: number,
    aOffset: number,
    aStride: number,
    bOffset: number,
    bStride: number,
    cOffset: number,
    biasOffset: number,
    activation: number,
    alpha: number,
  ): void;
  adam(
    heap: ArrayBuffer,
    count: number,
    valueOffset: number,
    gradientOffset: number,
    firstMomentOffset: number,
    secondMomentOffset: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    oneMinusAccBeta1: number,
    oneMinusAccBeta2: number,
    epsilon: number,
    negLearningRate: number,
  ): void;
  bernoulliLogProb(heap: ArrayBuffer, rows: number, dim: number, xRows: number, xOffset: number, logitsOffset: number, outOffset: number, threads: number): void;
}

/** What `installNativeKernels` found: the BLAS library, its kernel family and thread count. */
export interface NativeKernelsInfo {
  library: 'openblas';
  /** OpenBLAS's kernel family (openblas_get_corename), e.g. 'SkylakeX'. */
  core: string;
  threads: number;
}

/** Whether the native kernels are used: `auto` when available, `on` required, `off` never. */
export const NATIVE_CHOICES = ['auto', 'on', 'off'] as const;
export type NativeChoice = (typeof NATIVE_CHOICES)[number];

/** Activation codes of the addon's gemm; prelu is left to the previous kernel. */
const ACTIVATION_CODES: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, sigmoid: 4, elu: 5 };

const INSTALLED = Symbol.for('vaekit.nativeBlas');

interface WasmBackendLike {
  dataIdMap: { get(dataId: object): { memoryOffset: number; refCount: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  wasm: { HEAPU8: Uint8Array };
}

let addon: NativeAddon | null = null;
let addonError: unknown = null;
let active: NativeKernelsInfo | null = null;
let unavailable: string | null = null;

function loadAddon(): NativeAddon {
  if (addon != null) return addon;
  if (addonError != null) throw addonError;
  try {
    // src/node/ and dist/node/ both sit two levels below the package root.
    const require = createRequire(import.meta.url);
    addon = require('../../build/Release/vaekit_native.node') as NativeAddon;
    return addon;
  } catch (cause) {
    addonError = cause;
    throw cause;
  }
}

/** The native kernels now registered, or null when the wasm backend runs on its own. */
export function nativeKernelsInfo(): NativeKernelsInfo | null {
  return active;
}

/**
 * Why the last `installNativeKernels('auto')` found no native kernels (the addon not built, or no
 * OpenBLAS), with what to do; null when they are active or were turned off on purpose.
 */
export function nativeKernelsUnavailable(): string | null {
  return unavailable;
}

/** Sets how many threads OpenBLAS uses (process-wide; worker threads share it). No-op when inactive. */
export function setNativeThreads(threads: number): void {
  if (active != null && addon != null) {
    addon.setThreads(threads);
    active = { ...active, threads };
  }
}

function wrap(kernelName: '_FusedMatMul' | 'BatchMatMul', backendName: string, native: NativeAddon): void {
  const previous = tf.getKernel(kernelName, backendName);
  if (previous == null) throw new ConfigError(`blas: the ${backendName} backend has no ${kernelName} kernel`);
  if ((previous as unknown as Record<symbol, boolean>)[INSTALLED]) return;
  const kernelFunc: tf.KernelFunc = (args) => {
    const inputs = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean; activation?: string; leakyreluAlpha?: number };
    const { a, b, bias } = inputs;
    const activation = ACTIVATION_CODES[attrs.activation ?? 'linear'];
    const transposeA = attrs.transposeA ? 1 : 0;
    const transposeB = attrs.transposeB ? 1 : 0;
    const rankA = a.shape.length;
    const rankB = b.shape.length;
    const m = transposeA ? a.shape[rankA - 1] : a.shape[rankA - 2];
    const k = transposeA ? a.shape[rankA - 2] : a.shape[rankA - 1];
    const kB = transposeB ? b.shape[rankB - 1] : b.shape[rankB - 2];
    const n = transposeB ? b.shape[rankB - 2] : b.shape[rankB - 1];
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = tf.util.sizeFromShape(outerA);
    const batchB = tf.util.sizeFromShape(outerB);
    // Broadcasting here: equal batch shapes, or one operand with a single matrix.
    const sameBatch = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
    if (
      a.dtype !== 'float32' ||
      b.dtype !== 'float32' ||
      rankA < 2 ||
      rankB < 2 ||
      k !== kB ||
      activation === undefined ||
      inputs.preluActivationWeights != null ||
      (bias != null && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== n)) ||
      !(sameBatch || batchA === 1 || batchB === 1)
    ) {
      return previous.kernelFunc(args);
    }
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
    const backend = args.backend as unknown as WasmBackendLike;
    const batch = Math.max(batchA, batchB);
    // BatchMatMul keeps the inputs' batch axes; _FusedMatMul is always called with rank 3.
    const out = backend.makeOutput([...outer, m, n], 'float32');
    // Read offsets and the heap after makeOutput: its malloc may have grown the memory.
    const offset = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    native.gemm(
      backend.wasm.HEAPU8.buffer as ArrayBuffer,
      batch,
      m,
      n,
      k,
      transposeA,
      transposeB,
      offset(a),
      batchA === 1 ? 0 : m * k * 4,
      offset(b),
      batchB === 1 ? 0 : k * n * 4,
      offset(out),
      bias != null ? offset(bias) : -1,
      activation,
      attrs.leakyreluAlpha ?? 0,
    );
    return out;
  };
  tf.unregisterKernel(kernelName, backendName);
  const config = { ...previous, kernelFunc, previous } as tf.KernelConfig & Record<symbol, boolean>;
  config[INSTALLED] = true;
  tf.registerKernel(config);
}

/** The `VaekitBernoulliLogProb` kernel (contract in src/distributions/bernoulli.ts) on the wasm heap. */
function bernoulliKernel(native: NativeAddon): tf.KernelFunc {
  return (args) => {
    const { x, logits } = args.inputs as { x: tf.TensorInfo; logits: tf.TensorInfo };
    const backend = args.backend as unknown as WasmBackendLike;
    const dim = logits.shape[logits.shape.length - 1];
    const xSize = tf.util.sizeFromShape(x.shape);
    const logitsSize = tf.util.sizeFromShape(logits.shape);
    if (x.dtype !== 'float32' || logits.dtype !== 'float32' || x.shape[x.shape.length - 1] !== dim || dim === 0 || logitsSize % xSize !== 0) {
      throw new ConfigError(`${BERNOULLI_LOG_PROB_KERNEL}: x ${JSON.stringify(x.shape)} does not repeat over logits ${JSON.stringify(logits.shape)}`);
    }
    const out = backend.makeOutput(logits.shape.slice(0, -1), 'float32');
    const offset = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    native.bernoulliLogProb(backend.wasm.HEAPU8.buffer as ArrayBuffer, logitsSize / dim, dim, xSize / dim, offset(x), offset(logits), offset(out), active?.threads ?? 1);
    return out;
  };
}

/**
 * The in-place Adam update on the wasm heap. Declines (returns false, writes nothing) unless the
 * wasm backend is active, every tensor is float32 and each written buffer (value and moments)
 * belongs to that tensor alone: tfjs lets tensors share a buffer (a variable made from a tensor,
 * a reshape), and an in-place write must not reach the others. tfjs's own step then runs, and
 * its assigns leave every buffer owned alone for the next one.
 */
function nativeAdamUpdate(native: NativeAddon, backendName: string): (slots: AdamSlot[], s: AdamScalars) => boolean {
  return (slots, s) => {
    if (tf.getBackend() !== backendName) return false;
    const backend = tf.backend() as unknown as WasmBackendLike;
    const located: number[][] = [];
    for (const { value, gradient, firstMoment, secondMoment } of slots) {
      const offsets: number[] = [];
      for (const [t, written] of [[value, true], [gradient, false], [firstMoment, true], [secondMoment, true]] as const) {
        const entry = backend.dataIdMap.get(t.dataId);
        if (entry == null || t.dtype !== 'float32' || t.size !== value.size || (written && entry.refCount !== 1)) return false;
        offsets.push(entry.memoryOffset);
      }
      located.push(offsets);
    }
    const heap = backend.wasm.HEAPU8.buffer as ArrayBuffer;
    slots.forEach((slot, i) => {
      const [w, g, m, v] = located[i];
      native.adam(heap, slot.value.size, w, g, m, v, s.beta1, s.oneMinusBeta1, s.beta2, s.oneMinusBeta2, s.oneMinusAccBeta1, s.oneMinusAccBeta2, s.epsilon, s.negLearningRate);
    });
    return true;
  };
}

/**
 * Registers the native kernels on the wasm backend (after `@tensorflow/tfjs-backend-wasm` is
 * imported): OpenBLAS for `BatchMatMul` and `_FusedMatMul`, and the in-place Adam step. Idempotent.
 * @param choice `auto`: install when the addon and OpenBLAS load, else return null quietly;
 *   `on`: install or throw; `off`: return null. `VAEKIT_NATIVE` in the environment, when set,
 *   overrides `auto`.
 * @param threads OpenBLAS threads (default: OpenBLAS's own choice, every core)
 * @returns what was installed, or null
 * @throws ConfigError when `on` is asked for and the addon or OpenBLAS cannot be loaded
 */
export function installNativeKernels(choice: NativeChoice = 'auto', threads = 0, backendName = 'wasm'): NativeKernelsInfo | null {
  if (!NATIVE_CHOICES.includes(choice)) {
    throw new ConfigError(`native: expected one of ${NATIVE_CHOICES.join(', ')}, got '${String(choice)}'`);
  }
  const fromEnv = process.env.VAEKIT_NATIVE;
  if (choice === 'auto' && fromEnv != null && fromEnv !== '') {
    if (!NATIVE_CHOICES.includes(fromEnv as NativeChoice)) {
      throw new ConfigError(`VAEKIT_NATIVE: expected one of ${NATIVE_CHOICES.join(', ')}, got '${fromEnv}'`);
    }
    choice = fromEnv as NativeChoice;
  }
  unavailable = null;
  if (choice === 'off') {
    uninstallNativeKernels(backendName);
    return null;
  }
  let native: NativeAddon;
  let loaded: { core: string; threads: number };
  try {
    native = loadAddon();
    loaded = native.load(threads);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    if (choice === 'auto') {
      unavailable = /OpenBLAS/.test(reason)
        ? `${reason}`
        : `the native addon is not built (${reason}); \`npm rebuild vaekit\` builds it (a C compiler and Node's headers)`;
      return null;
    }
    throw new ConfigError(
      `native: the native kernels are not available (${reason}); build the addon with \`npm rebuild vaekit\` ` +
        '(needs a C compiler and Node\'s headers) and install OpenBLAS (Debian/Ubuntu: apt-get install libopenblas0-pthread), or use --native off',
      { cause },
    );
  }
  wrap('_FusedMatMul', backendName, native);
  wrap('BatchMatMul', backendName, native);
  if (tf.getKernel(BERNOULLI_LOG_PROB_KERNEL, backendName) == null) {
    tf.registerKernel({ kernelName: BERNOULLI_LOG_PROB_KERNEL, backendName, kernelFunc: bernoulliKernel(native) });
  }
  setInPlaceAdamUpdate(nativeAdamUpdate(native, backendName));
  active = { library: 'openblas', core: loaded.core, threads: loaded.threads };
  return active;
}

/**
 * Puts back the kernels that were registered before `installNativeKernels` (the wasm backend's
 * own, with vaekit's transpose fix) and tfjs's Adam step. For benchmarks and tests that compare.
 */
export function uninstallNativeKernels(backendName = 'wasm'): void {
  for (const kernelName of ['_FusedMatMul', 'BatchMatMul']) {
    const current = tf.getKernel(kernelName, backendName) as (tf.KernelConfig & { previous?: tf.KernelConfig }) | undefined;
    if (current == null || !(current as unknown as Record<symbol, boolean>)[INSTALLED]) continue;
    tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel(current.previous as tf.KernelConfig);
  }
  if (tf.getKernel(BERNOULLI_LOG_PROB_KERNEL, backendName) != null) tf.unregisterKernel(BERNOULLI_LOG_PROB_KERNEL, backendName);
  setInPlaceAdamUpdate(null);
  active = null;
}
