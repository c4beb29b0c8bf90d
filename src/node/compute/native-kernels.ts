/**
 * Native kernels for the wasm backend on Node.js, computing straight on the wasm heap: matrix
 * products on OpenBLAS (or, where none loads, the addon's own GEMM) over every core, Adam's step in
 * one pass, and the Bernoulli log-likelihood in one pass.
 *
 * The wasm backend keeps every tensor in one WebAssembly.Memory; its matmuls run on XNNPACK at
 * about 23 GFLOP/s on one core of this project's machine (128-bit SIMD, no FMA, one thread in
 * Node). vaekit's optional addon (native/vaekit_native.c, built by `npm install` when a C
 * compiler and Node's headers are there) opens the system's OpenBLAS with dlopen and runs
 * `cblas_sgemm` on the heap itself: 145 GFLOP/s a core with its AVX-512 kernels, each large
 * product split over one thread per core.
 * `installNativeKernels()` registers it as the wasm backend's `BatchMatMul` and `_FusedMatMul`
 * (bias and activation fused after the product), so every tensor stays where it is and the rest
 * of the backend is unchanged. Anything the native kernel does not cover (non-float32 inputs,
 * prelu, a bias that is not one value per output column, unbroadcastable batches) goes to the
 * kernel that was registered before. Numbers agree with the `cpu` backend up to float32
 * summation order (test/backend/native-kernels.test.ts).
 *
 * Where no OpenBLAS loads (a fresh machine), the products and convolutions run on the addon's own
 * single-precision GEMM (native/matmul.c): cache-blocked and packed the BLIS way, with an AVX-512
 * (12 × 32), AVX2 + FMA (6 × 16) or portable (6 × 8) microkernel chosen from the CPU's feature
 * bits, split over the same threads. At the MNIST VAE's sizes it matches or beats Debian's OpenBLAS
 * (bench/matmul.ts). `VAEKIT_GEMM` (or `parts.gemm`) forces it, or one microkernel, for tests and
 * benchmarks (test/backend/native-matmul.test.ts).
 *
 * Convolutions (NHWC, dilation 1): `Conv2D`, `FusedConv2D`, `Conv2DBackpropInput` (also the
 * forward pass of conv2dTranspose) and `Conv2DBackpropFilter` by im2col / col2im and the same
 * GEMM (OpenBLAS or the own one), the rows (b, oh, ow) split over the threads and walked in blocks whose column
 * matrix stays in cache (native/vaekit_native.c). XNNPACK's own Conv2D runs on one thread; wasm's
 * Conv2DBackpropInput is a scalar loop; and wasm has no Conv2DBackpropFilter at all (vaekit's
 * composite, src/backend/conv-grad.ts, stands in where the addon is not built). At the conv VAE's
 * sizes each native kernel takes 0.5–3 ms against 2.5–70 ms (bench/conv-step.ts). What they do not
 * cover (NCHW, dilations, prelu) goes to the kernel registered before. With them comes a native
 * `Sum` over leading axes: a conv layer's bias gradient, which wasm computes by transposing first.
 *
 * Adam: tfjs's AdamOptimizer runs about 15 elementwise kernels per variable (7 ms of a 38 ms MNIST
 * step); the addon's `adamMany` does the same float32 arithmetic, op for op, in one vectorised pass
 * over the variable, its gradient and its two moments (updated in place), writing the new weights
 * to a fresh buffer. It is registered as the trainer's Adam update (src/training/optimizer.ts) and
 * agrees with tfjs bit for bit. So does `flushTiny`, the periodic flush of Adam's tiny moments to
 * zero (one pass in place, instead of five kernels over each slot every 20 steps).
 *
 * Bernoulli log-likelihood: registers the optional `VaekitBernoulliLogProb` kernel
 * (src/distributions/bernoulli.ts) on the wasm backend: log p(x|z) summed over pixels in one
 * vectorised pass (glibc's SIMD expf/log1pf) on every core, instead of ~9 elementwise kernels.
 * The importance-sampled log p(x) spends most of its time there after the matmuls.
 *
 * Normal noise: tf.randomNormal is plain JavaScript (about 3 ms for the [5000, 20] draw of one
 * example of the importance-sampled log p(x)). The addon's `randomNormal` (native/normal.c) is an
 * exact port of it, Alea and the polar method in the same double operations and V8's logarithm, so
 * the same seed gives the same float32 values bit for bit (test/node/native-normal.test.ts); it is
 * registered as src/math/noise.ts's normal source, and `off` puts tf.randomNormal back.
 *
 * Off by choice with `VAEKIT_NATIVE=off` or `--native off`. Without OpenBLAS (`apt-get install
 * libopenblas0-pthread`) the matmuls and convolutions run on the own GEMM; without the addon vaekit
 * runs on plain wasm.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, setting } from '../../errors.js';
import { overrideKernel, restoreKernel } from '../../backend/kernel-override.js';
import { setInPlaceAdamUpdate, setInPlaceSlotFlush, type AdamScalars, type AdamSlot, type InPlaceSlotFlush } from '../../training/optimizer.js';
import { BERNOULLI_LOG_PROB_KERNEL } from '../../distributions/bernoulli.js';
import { registerWasmConvGradients } from '../../backend/conv-grad.js';
import { registerNormalSource, type NormalSource } from '../../math/noise.js';

/** OpenBLAS kernel families (openblas_get_corename) that use AVX-512, as the own GEMM's fastest microkernel does. */
const OPENBLAS_AVX512_CORES = /^(SkylakeX|Cooperlake|SapphireRapids)$/i;

/** The addon's exports (native/vaekit_native.c). */
interface NativeAddon {
  /**
   * Chooses the GEMM: `library` 'auto' (OpenBLAS where it loads, else the own one), 'openblas' (or
   * throw) or 'own'; `kernel` the own GEMM's microkernel ('auto' the best this CPU runs).
   */
  load(
    threads: number,
    library?: 'auto' | 'openblas' | 'own',
    kernel?: GemmMicrokernel | 'auto',
  ): { library: 'openblas' | 'vaekit'; core: string; threads: number; openblasError?: string };
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
  conv2d(
    heap: ArrayBuffer,
    mode: ConvMode,
    batch: number,
    inHeight: number,
    inWidth: number,
    inChannels: number,
    outHeight: number,
    outWidth: number,
    outChannels: number,
    filterHeight: number,
    filterWidth: number,
    strideHeight: number,
    strideWidth: number,
    padTop: number,
    padLeft: number,
    xOffset: number,
    filterOffset: number,
    yOffset: number,
    biasOffset: number,
    activation: number,
    alpha: number,
  ): void;
  sumRows(heap: ArrayBuffer, rows: number, cols: number, xOffset: number, outOffset: number): void;
  /** One Adam step over several variables: [n, 8 scalars, n × (count, w, new w, gradient, m, v offsets)]. */
  adamMany(heap: ArrayBuffer, descriptor: Float64Array): void;
  flushTiny(heap: ArrayBuffer, count: number, offset: number, threshold: number): void;
  bernoulliLogProb(
    heap: ArrayBuffer,
    rows: number,
    dim: number,
    xRows: number,
    xOffset: number,
    logitsOffset: number,
    outOffset: number,
    threads: number,
  ): void;
  /**
   * tf.randomNormal([out.length], mean, stdDev, 'float32', seed) into `out`, bit for bit; `seed` is
   * String(seed) of a truthy seed (native/normal.c). Absent from an addon built before it.
   */
  randomNormal?(out: Float32Array, mean: number, stdDev: number, seed: string): void;
  /** Math.log of each element, in place, as the addon computes it (V8's fdlibm log). */
  jsLog?(values: Float64Array): void;
}

/** The own GEMM's microkernels (native/matmul.c). */
export const GEMM_MICROKERNELS = ['avx512', 'avx2', 'portable'] as const;
export type GemmMicrokernel = (typeof GEMM_MICROKERNELS)[number];

/**
 * Which GEMM the native matmuls use: `auto` OpenBLAS where it loads, else the own one with the best
 * microkernel this CPU runs; `own` the own one even where OpenBLAS loads; a microkernel's name, the
 * own one with that microkernel (an error where the CPU cannot run it).
 */
export const GEMM_CHOICES = ['auto', 'own', ...GEMM_MICROKERNELS] as const;
export type GemmChoice = (typeof GEMM_CHOICES)[number];

/** What `installNativeKernels` installed. */
export interface NativeKernelsInfo {
  /**
   * The matmuls' GEMM, or null when the matmuls were left to wasm's XNNPACK: `openblas` with its
   * kernel family as `core` (openblas_get_corename, e.g. 'SkylakeX'), or `vaekit` (the own GEMM)
   * with its microkernel ('avx512 12x32') and why OpenBLAS is not used (it did not load, or it runs
   * narrower kernels than the own AVX-512 one on this CPU); and the threads a product is split over.
   */
  blas: { library: 'openblas' | 'vaekit'; core: string; threads: number; openblasError?: string } | null;
  /** The convolution kernels running natively on the GEMM of `blas` (empty when none). */
  conv: string[];
  /** Threads of the Bernoulli kernel (as many as the products', else one per core). */
  threads: number;
}

/** One line for logs: what runs natively. */
export function describeNativeKernels(info: NativeKernelsInfo): string {
  const conv = info.conv.length === CONV_KERNELS.length ? ', convolutions and their bias gradients' : info.conv.length > 0 ? `, ${info.conv.join(', ')}` : '';
  if (!info.blas) return `Adam, Bernoulli likelihood; matmuls on plain wasm (${unavailable ?? 'no OpenBLAS'})`;
  const { library, core, threads, openblasError } = info.blas;
  const gemm =
    library === 'openblas'
      ? `OpenBLAS (${core}, ${threads} threads)`
      : `own GEMM (${core}, ${threads} threads${openblasError ? `; ${openblasError.split(';')[0]}` : ''})`;
  return `${gemm} matmuls${conv}, Adam, Bernoulli likelihood`;
}

/** Whether the native kernels are used: `auto` when available, `on` required, `off` never. */
export const NATIVE_CHOICES = ['auto', 'on', 'off'] as const;
export type NativeChoice = (typeof NATIVE_CHOICES)[number];

/** Activation codes of the addon's gemm; prelu is left to the previous kernel. */
const ACTIVATION_CODES: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, sigmoid: 4, elu: 5 };

const INSTALLED = Symbol.for('vaekit.nativeMatMul');

/** What the native kernels use of tfjs's wasm backend: tensors' byte offsets on its heap, and outputs made there. */
export interface WasmBackendLike {
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
    addon = require('../../../build/Release/vaekit_native.node') as NativeAddon;
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
 * What the last `installNativeKernels('auto')` could not load (the addon not built, or OpenBLAS,
 * whose place the own GEMM then takes), with what to do; null when everything loaded or the kernels
 * were turned off.
 */
export function nativeKernelsUnavailable(): string | null {
  return unavailable;
}

/** The native matmul in place of `kernelName`, handing what it does not cover to `previous`. */
function nativeMatMul(native: NativeAddon, previous: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
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
}

function wrap(kernelName: '_FusedMatMul' | 'BatchMatMul', backendName: string, native: NativeAddon): void {
  if (!overrideKernel(kernelName, backendName, INSTALLED, (previous) => nativeMatMul(native, previous))) {
    throw new ConfigError(`native: the ${backendName} backend has no ${kernelName} kernel`);
  }
}

/** The addon's conv2d modes: the forward convolution, its input gradient, its filter gradient. */
const ConvMode = { Forward: 0, BackpropInput: 1, BackpropFilter: 2 } as const;
type ConvMode = (typeof ConvMode)[keyof typeof ConvMode];

const CONV_INSTALLED = Symbol.for('vaekit.nativeConv');

/** The convolution kernels the native ones replace; `Conv2DBackpropFilter` replaces vaekit's composite. */
const CONV_KERNELS = ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'] as const;
type ConvKernelName = (typeof CONV_KERNELS)[number];

/** Attributes the four convolution kernels share (tfjs-core's Conv2DAttrs and its relatives). */
interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
  leakyreluAlpha?: number;
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
}

/**
 * A native convolution kernel in place of `kernelName` (NHWC, dilation 1, float32), handing what it
 * does not cover (NCHW, dilations, prelu, a bias that is not one value per output channel, empty
 * tensors) to `previous`. The output is a fresh buffer; inputs are only read (XNNPACK caches packed
 * weights by tensor id, so nothing may be written in place).
 */
function nativeConv(native: NativeAddon, kernelName: ConvKernelName, previous: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const inputs = args.inputs as {
      x?: tf.TensorInfo;
      dy?: tf.TensorInfo;
      filter?: tf.TensorInfo;
      bias?: tf.TensorInfo;
      preluActivationWeights?: tf.TensorInfo;
    };
    const attrs = args.attrs as unknown as ConvAttrs;
    const mode =
      kernelName === 'Conv2DBackpropInput' ? ConvMode.BackpropInput : kernelName === 'Conv2DBackpropFilter' ? ConvMode.BackpropFilter : ConvMode.Forward;
    // [B, H, W, Ci] of x and [KH, KW, Ci, Co] of the filter, whichever two are inputs here.
    const xShape = mode === ConvMode.BackpropInput ? attrs.inputShape : inputs.x?.shape;
    const filterShape = mode === ConvMode.BackpropFilter ? attrs.filterShape : inputs.filter?.shape;
    const operands = [inputs.x, inputs.dy, inputs.filter].filter((t): t is tf.TensorInfo => t != null);
    const activation = ACTIVATION_CODES[attrs.activation ?? 'linear'];
    const bias = inputs.bias;
    if (
      xShape == null ||
      filterShape == null ||
      xShape.length !== 4 ||
      filterShape.length !== 4 ||
      (attrs.dataFormat != null && attrs.dataFormat !== 'NHWC') ||
      (attrs.dilations != null && !tf.backend_util.tupleValuesAreOne(attrs.dilations)) ||
      operands.some((t) => t.dtype !== 'float32' || tf.util.sizeFromShape(t.shape) === 0) ||
      activation === undefined ||
      inputs.preluActivationWeights != null ||
      (bias != null &&
        (bias.dtype !== 'float32' || tf.util.sizeFromShape(bias.shape) !== filterShape[3] || bias.shape[bias.shape.length - 1] !== filterShape[3]))
    ) {
      return previous.kernelFunc(args);
    }
    const info = tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number],
      filterShape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const dy = inputs.dy;
    if (info.outHeight < 1 || info.outWidth < 1 || (dy != null && !tf.util.arraysEqual(dy.shape, info.outShape))) {
      return previous.kernelFunc(args);
    }
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput(mode === ConvMode.Forward ? info.outShape : mode === ConvMode.BackpropInput ? info.inShape : [...filterShape], 'float32');
    // Read offsets and the heap after makeOutput: its malloc may have grown the memory.
    const offset = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    const x = mode === ConvMode.BackpropInput ? out : inputs.x!;
    const filter = mode === ConvMode.BackpropFilter ? out : inputs.filter!;
    const y = mode === ConvMode.Forward ? out : dy!;
    native.conv2d(
      backend.wasm.HEAPU8.buffer as ArrayBuffer,
      mode,
      info.batchSize,
      info.inHeight,
      info.inWidth,
      info.inChannels,
      info.outHeight,
      info.outWidth,
      info.outChannels,
      info.filterHeight,
      info.filterWidth,
      info.strideHeight,
      info.strideWidth,
      info.padInfo.top,
      info.padInfo.left,
      offset(x),
      offset(filter),
      offset(y),
      bias != null ? offset(bias) : -1,
      activation,
      attrs.leakyreluAlpha ?? 0,
    );
    return out;
  };
}

/** Registers the native convolutions in place of `kernels` (the others keep what they had). */
function wrapConv(kernels: readonly ConvKernelName[], backendName: string, native: NativeAddon): void {
  for (const kernelName of kernels) {
    if (!overrideKernel(kernelName, backendName, CONV_INSTALLED, (previous) => nativeConv(native, kernelName, previous))) {
      throw new ConfigError(`native: the ${backendName} backend has no ${kernelName} kernel`);
    }
  }
}

/**
 * A native `Sum` over leading axes (x [R..., C...] summed over R..., float32, accumulated in float64):
 * the bias gradient of every conv layer (dy [B, H, W, C] summed to [C]), which wasm computes by
 * transposing dy first (about 3 ms for [128, 14, 14, 32], 0.2 ms here). Other reductions go to `previous`.
 */
function nativeSumRows(native: NativeAddon, previous: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const axes = [...tf.util.parseAxisParam(axis, x.shape)].sort((p, q) => p - q);
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading || tf.util.sizeFromShape(x.shape) === 0) return previous.kernelFunc(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const kept = x.shape.slice(axes.length); // [C...]
    const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
    const offset = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    const cols = tf.util.sizeFromShape(kept);
    native.sumRows(backend.wasm.HEAPU8.buffer as ArrayBuffer, tf.util.sizeFromShape(x.shape) / cols, cols, offset(x), offset(out));
    return out;
  };
}

/** Puts back the convolution kernels (and Sum) that were registered before the native ones. */
function unwrapConv(backendName: string): void {
  for (const kernelName of [...CONV_KERNELS, 'Sum']) restoreKernel(kernelName, backendName, CONV_INSTALLED);
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
    native.bernoulliLogProb(
      backend.wasm.HEAPU8.buffer as ArrayBuffer,
      logitsSize / dim,
      dim,
      xSize / dim,
      offset(x),
      offset(logits),
      offset(out),
      active?.threads ?? 1,
    );
    return out;
  };
}

/**
 * The native Adam update on the wasm heap. The moments are updated in place; the new weights go
 * into a fresh buffer that the variable is then assigned, as tfjs's own step does: the wasm
 * backend's XNNPACK matmul and convolution operators cache their packed weights by tensor id, so
 * weights rewritten in place would leave them computing with stale ones. Declines (returns false,
 * writes nothing) unless the wasm backend is active, every tensor is float32 and each moment's
 * buffer belongs to that moment alone (tfjs lets tensors share a buffer, and an in-place write
 * must not reach the others); tfjs's own step then runs, and its assigns leave the moments owned
 * alone for the next one.
 */
function nativeAdamUpdate(native: NativeAddon, backendName: string): (slots: AdamSlot[], s: AdamScalars) => boolean {
  return (slots, s) => {
    if (tf.getBackend() !== backendName) return false;
    const backend = tf.backend() as unknown as WasmBackendLike;
    const entry = (t: tf.Tensor) => backend.dataIdMap.get(t.dataId);
    for (const { value, gradient, firstMoment, secondMoment } of slots) {
      for (const [t, ownedAlone] of [
        [value, false],
        [gradient, false],
        [firstMoment, true],
        [secondMoment, true],
      ] as const) {
        const e = entry(t);
        if (e == null || t.dtype !== 'float32' || t.size !== value.size || (ownedAlone && e.refCount !== 1)) return false;
      }
    }
    const outputs = slots.map(({ value }) => backend.makeOutput(value.shape, 'float32'));
    // Offsets and the heap after every makeOutput: a malloc may have grown the memory.
    const heap = backend.wasm.HEAPU8.buffer as ArrayBuffer;
    const at = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    // One call for every variable: one split over the threads instead of one call (and one split) per variable.
    const scalars = [s.beta1, s.oneMinusBeta1, s.beta2, s.oneMinusBeta2, s.oneMinusAccBeta1, s.oneMinusAccBeta2, s.epsilon, s.negLearningRate];
    const descriptor = new Float64Array(9 + 6 * slots.length);
    descriptor.set([slots.length, ...scalars]);
    slots.forEach(({ value, gradient, firstMoment, secondMoment }, i) => {
      descriptor.set([value.size, at(value), at(outputs[i]), at(gradient), at(firstMoment), at(secondMoment)], 9 + 6 * i);
    });
    native.adamMany(heap, descriptor);
    slots.forEach(({ value }, i) => {
      const next = tf.engine().makeTensorFromTensorInfo(outputs[i]);
      value.assign(next);
      next.dispose();
    });
    return true;
  };
}

/**
 * The native flush of Adam's tiny slots on the wasm heap, in place: one pass per slot instead of
 * tfjs's five kernels and fresh buffers. Declines (returns false, writes nothing) unless the wasm
 * backend is active and every slot is float32 and owns its buffer alone (an in-place write must not
 * reach a tensor that shares it); tfjs's ops then run.
 */
function nativeSlotFlush(native: NativeAddon, backendName: string): InPlaceSlotFlush {
  return (slots, threshold) => {
    if (tf.getBackend() !== backendName) return false;
    const backend = tf.backend() as unknown as WasmBackendLike;
    const entries = slots.map((v) => backend.dataIdMap.get(v.dataId));
    if (slots.some((v, i) => v.dtype !== 'float32' || entries[i] == null || entries[i]!.refCount !== 1)) return false;
    const heap = backend.wasm.HEAPU8.buffer as ArrayBuffer;
    slots.forEach((v, i) => native.flushTiny(heap, v.size, entries[i]!.memoryOffset, threshold));
    return true;
  };
}

/**
 * Whether the addon's logarithm is this V8's Math.log on 4096 numbers spread over (0, 1) (the polar
 * method's range). A V8 with another log (newer ones take LLVM's libc's) would make rare last-bit
 * differences in the normal draws; a correctly rounded log (glibc's) differs from fdlibm's on about
 * 7% of such numbers, so this finds one.
 */
function nativeLogMatchesV8(native: NativeAddon): boolean {
  if (typeof native.jsLog !== 'function' || typeof native.randomNormal !== 'function') return false;
  const values = Float64Array.from({ length: 4096 }, (_, i) => (((i * 2654435761) % 4294967296) + 0.5) / 4294967296); // [4096] in (0, 1)
  const logs = Float64Array.from(values);
  native.jsLog(logs);
  return logs.every((y, i) => Object.is(y, Math.log(values[i])));
}

/**
 * The addon's randomNormal as noise.ts's normal source: tf.randomNormal's values, bit for bit, in
 * about a third of the time. Declines (null: tfjs draws) a falsy seed, which tfjs replaces by
 * Math.random, and a shape tfjs would reject. Its first draw also compares a small draw with
 * tf.randomNormal's, and if they differ (a tfjs that draws otherwise) it declines every draw.
 */
function nativeNormalSource(native: NativeAddon & Required<Pick<NativeAddon, 'randomNormal'>>): NormalSource {
  let verified: boolean | null = null;
  const draw = (shape: number[], mean: number, stdDev: number, seed: number): Float32Array => {
    const values = new Float32Array(tf.util.sizeFromShape(shape));
    native.randomNormal(values, mean, stdDev, String(seed));
    return values;
  };
  return (shape, mean, stdDev, seed) => {
    if (typeof seed !== 'number' || !seed || !shape.every((d) => Number.isInteger(d) && d >= 0)) return null;
    if (verified == null) {
      const reference = tf.randomNormal([65], 0.25, 1.5, 'float32', 123457);
      const expected = reference.dataSync();
      reference.dispose();
      const actual = draw([65], 0.25, 1.5, 123457);
      verified = actual.every((v, i) => Object.is(v, expected[i]));
    }
    if (!verified) return null;
    if (tf.getBackend() !== 'wasm') return tf.tensor(draw(shape, mean, stdDev, seed), shape, 'float32');
    // On wasm, straight into the tensor's buffer on the heap: no JS array, no copy.
    const backend = tf.backend() as unknown as WasmBackendLike;
    const out = backend.makeOutput(shape, 'float32');
    const size = tf.util.sizeFromShape(shape);
    if (size > 0) {
      // Read the offset and the heap after makeOutput: its malloc may have grown the memory.
      const offset = backend.dataIdMap.get(out.dataId)!.memoryOffset;
      native.randomNormal(new Float32Array(backend.wasm.HEAPU8.buffer, offset, size), mean, stdDev, String(seed));
    }
    return tf.engine().makeTensorFromTensorInfo(out);
  };
}

/**
 * Registers the native kernels on the wasm backend (after `@tensorflow/tfjs-backend-wasm` is
 * imported): the in-place Adam step, the Bernoulli log-likelihood, and `BatchMatMul`, `_FusedMatMul`,
 * `Conv2D`, `FusedConv2D`, `Conv2DBackpropInput` and `Conv2DBackpropFilter` (with a native `Sum` over
 * leading axes, the bias gradients) on OpenBLAS, or on the own GEMM where OpenBLAS does not load.
 * Idempotent.
 * @param choice `auto`: install what loads, quietly (`nativeKernelsUnavailable()` says what did
 *   not); `on`: install everything or throw; `off`: remove them and return null. `VAEKIT_NATIVE` in
 *   the environment, when set, overrides `auto`.
 * @param threads threads a large product is split over (default: one per core)
 * @param parts for comparisons: `matmul: false` leaves the matmuls and convolutions to wasm (OpenBLAS
 *   is not loaded); `gemm` picks their GEMM (`GEMM_CHOICES`; default `VAEKIT_GEMM` when set, else
 *   `auto`: OpenBLAS where it loads); `conv: false` leaves the convolutions and Sum alone (the
 *   weight gradient is then vaekit's composite, src/backend/conv-grad.ts); `convForward: false`
 *   leaves `Conv2D` and `FusedConv2D` to wasm's XNNPACK and runs only the gradients natively
 * @returns what was installed, or null when nothing was
 * @throws ConfigError when `on` is asked for and the addon cannot be loaded, for an unknown `gemm`
 *   or `VAEKIT_GEMM`, or a microkernel this CPU cannot run
 */
export function installNativeKernels(
  choice: NativeChoice = 'auto',
  threads = 0,
  backendName = 'wasm',
  parts: { matmul?: boolean; gemm?: GemmChoice; conv?: boolean; convForward?: boolean } = {},
): NativeKernelsInfo | null {
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
  const gemmFromEnv = process.env.VAEKIT_GEMM;
  const gemm = parts.gemm ?? (gemmFromEnv != null && gemmFromEnv !== '' ? (gemmFromEnv as GemmChoice) : 'auto');
  if (!GEMM_CHOICES.includes(gemm)) {
    const where = parts.gemm != null ? 'native: gemm' : 'VAEKIT_GEMM';
    throw new ConfigError(`${where}: expected one of ${GEMM_CHOICES.join(', ')}, got '${String(gemm)}'`);
  }
  unavailable = null;
  if (choice === 'off') {
    uninstallNativeKernels(backendName);
    return null;
  }
  const notBuilt = (reason: string) => `the native addon is not built (${reason}); \`npm rebuild vaekit\` builds it (a C compiler and Node's headers)`;
  const firstLine = (cause: unknown) => (cause instanceof Error ? cause.message.split('\n')[0] : String(cause));
  let native: NativeAddon;
  try {
    native = loadAddon();
  } catch (cause) {
    if (choice === 'auto') {
      unavailable = notBuilt(firstLine(cause));
      return null;
    }
    throw new ConfigError(`native: the native kernels are not available (${notBuilt(firstLine(cause))}), or use ${setting('native', 'off')}`, { cause });
  }
  let blas: NativeKernelsInfo['blas'] = null;
  if (parts.matmul === false) {
    unwrapMatMul(backendName);
    unwrapConv(backendName);
  } else
    try {
      let loaded = gemm === 'auto' ? native.load(threads, 'auto') : native.load(threads, 'own', gemm === 'own' ? 'auto' : gemm);
      // OpenBLAS first, unless it runs narrower kernels than the own GEMM's AVX-512 one on this CPU (OPENBLAS_CORETYPE
      // set to Haswell, or an OpenBLAS that does not know the CPU): measured here, the own AVX-512 kernel runs the
      // VAE's products at about 200 GFLOP/s a core against 120 for OpenBLAS's Haswell kernels (README, Benchmark).
      let preferredOver: string | null = null;
      if (gemm === 'auto' && loaded.library === 'openblas' && !OPENBLAS_AVX512_CORES.test(loaded.core)) {
        const own = native.load(threads, 'own', 'auto');
        if (own.library === 'vaekit' && own.core.startsWith('avx512')) {
          preferredOver = loaded.core;
          loaded = own;
        } else loaded = native.load(threads, 'auto');
      }
      // An addon built before the own GEMM returns no `library` (and throws where OpenBLAS is missing).
      blas = { library: loaded.library ?? 'openblas', core: loaded.core, threads: loaded.threads };
      if (preferredOver) blas.openblasError = `preferred to OpenBLAS's ${preferredOver} kernels`;
      else if (loaded.openblasError != null) {
        blas.openblasError = loaded.openblasError;
        unavailable = loaded.openblasError;
      }
    } catch (cause) {
      if (gemm !== 'auto' || choice === 'on') {
        throw new ConfigError(`native: the native matmuls are not available (${firstLine(cause)}), or use ${setting('native', 'off')}`, { cause });
      }
      unavailable = firstLine(cause);
    }
  let conv: ConvKernelName[] = [];
  if (blas) {
    wrap('_FusedMatMul', backendName, native);
    wrap('BatchMatMul', backendName, native);
    unwrapConv(backendName);
    if (parts.conv !== false) {
      // The native weight gradient hands dilations and NCHW to the composite one, which must be there first.
      registerWasmConvGradients(backendName);
      conv = CONV_KERNELS.filter((k) => parts.convForward !== false || (k !== 'Conv2D' && k !== 'FusedConv2D'));
      wrapConv(conv, backendName, native);
      overrideKernel('Sum', backendName, CONV_INSTALLED, (previous) => nativeSumRows(native, previous));
    }
  }
  active = { blas, conv, threads: blas?.threads || threads || availableParallelism() };
  if (tf.getKernel(BERNOULLI_LOG_PROB_KERNEL, backendName) == null) {
    tf.registerKernel({ kernelName: BERNOULLI_LOG_PROB_KERNEL, backendName, kernelFunc: bernoulliKernel(native) });
  }
  setInPlaceAdamUpdate(nativeAdamUpdate(native, backendName));
  setInPlaceSlotFlush(nativeSlotFlush(native, backendName));
  registerNormalSource(nativeLogMatchesV8(native) ? nativeNormalSource(native as NativeAddon & Required<Pick<NativeAddon, 'randomNormal'>>) : null);
  return active;
}

/** Puts back the matmul kernels that were registered before the native ones. */
function unwrapMatMul(backendName: string): void {
  for (const kernelName of ['_FusedMatMul', 'BatchMatMul']) restoreKernel(kernelName, backendName, INSTALLED);
}

/**
 * Puts back the kernels that were registered before `installNativeKernels` (the wasm backend's
 * own, with vaekit's transpose fix) and tfjs's Adam step. For benchmarks and tests that compare.
 */
export function uninstallNativeKernels(backendName = 'wasm'): void {
  unwrapMatMul(backendName);
  unwrapConv(backendName);
  if (tf.getKernel(BERNOULLI_LOG_PROB_KERNEL, backendName) != null) tf.unregisterKernel(BERNOULLI_LOG_PROB_KERNEL, backendName);
  setInPlaceAdamUpdate(null);
  setInPlaceSlotFlush(null);
  registerNormalSource(null);
  active = null;
}
