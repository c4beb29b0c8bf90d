/**
 * The convolution weight gradient for TensorFlow.js's wasm backend, which has none.
 *
 * tfjs-backend-wasm 4.x registers `Conv2D`, `FusedConv2D` and `Conv2DBackpropInput` but not
 * `Conv2DBackpropFilter`, so any conv net (a conv2d layer's kernel, a conv2dTranspose layer's
 * kernel) fails to train there: "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'".
 * `registerWasmConvGradients()` registers a composite one, built from kernels the wasm backend has:
 *
 *   dW[kh, kw, ci, co] = Σ_{b, oh, ow} xPad[b, oh·sH + kh, ow·sW + kw, ci] · dy[b, oh, ow, co]
 *
 * which is itself a convolution, with the batch as the channel axis and the strides as dilations:
 * the zero-padded input transposed to [Ci, Hp, Wp, B], convolved (stride 1, 'valid', dilation
 * [sH, sW]) with dy transposed to the filter [OH, OW, B, Co], gives [Ci, KH, KW, Co], transposed to
 * [KH, KW, Ci, Co]. The convolution runs on the backend's own `Conv2D` (XNNPACK on wasm: a GEMM of
 * Ci·KH·KW × OH·OW·B × Co), so the whole gradient is two pads/transposes and one fast kernel. (A
 * strided slice per kernel offset and a batched product, the im2col form, was measured 25× slower:
 * wasm's StridedSlice and broadcast BatchMatMul are slow paths.)
 *
 * NHWC, any strides, 'same', 'valid' or explicit padding, dilation 1 (tfjs computes conv gradients
 * only for dilation 1 anyway). Numbers equal the `cpu` backend's up to float32 summation order
 * (test/backend/conv-kernels.test.ts).
 *
 * Browser-safe: depends only on @tensorflow/tfjs. Idempotent.
 */
import * as tf from '@tensorflow/tfjs';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;
type Backend = KernelArgs['backend'] & { disposeData(dataId: object): void };

/** Attributes of tfjs's `Conv2DBackpropFilter` kernel (see tfjs-core's conv2d_backprop_filter op). */
interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
  dilations?: [number, number] | number;
}

/** Marks the kernel registered here, so tests and the native kernels can tell it apart. */
export const COMPOSITE_CONV_GRAD = Symbol.for('vaekit.compositeConv2DBackpropFilter');

/** The kernels the composite calls; looked up at each call, so later replacements are used. */
const NEEDED = ['PadV2', 'Slice', 'Transpose', 'Conv2D'] as const;

/**
 * `Conv2DBackpropFilter` on `backendName` from its pad, transpose, slice and (dilated) Conv2D
 * kernels. Throws an Error naming the kernel for NCHW or a dilation above 1.
 */
function compositeConv2DBackpropFilter(backendName: string): tf.KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as { x: Info; dy: Info };
    const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    const backend = args.backend as Backend;
    if (attrs.dataFormat != null && attrs.dataFormat !== 'NHWC') {
      throw new Error(`Conv2DBackpropFilter (vaekit, ${backendName}): expected dataFormat 'NHWC', got '${attrs.dataFormat}'`);
    }
    if (attrs.dilations != null && !tf.backend_util.tupleValuesAreOne(attrs.dilations)) {
      throw new Error(`Conv2DBackpropFilter (vaekit, ${backendName}): expected dilations 1, got ${JSON.stringify(attrs.dilations)}`);
    }
    const run = (name: (typeof NEEDED)[number], inputs: tf.NamedTensorInfoMap, kernelAttrs: object): Info =>
      tf.getKernel(name, backendName)!.kernelFunc({ inputs, backend, attrs: kernelAttrs as tf.NamedAttrMap }) as Info;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const { inHeight: H, inWidth: W, inChannels: Ci, outChannels: Co, filterHeight: KH, filterWidth: KW } = info;
    const { strideHeight: sH, strideWidth: sW } = info;
    const [OH, OW] = [dy.shape[1], dy.shape[2]];
    const made: Info[] = [];
    const keep = (t: Info): Info => (made.push(t), t);
    try {
      // Zeros around x so that the last output row and column see a whole kernel: Hp ≥ (OH−1)·sH + KH.
      const { top, left } = info.padInfo;
      const bottom = Math.max(0, (OH - 1) * sH + KH - top - H);
      const right = Math.max(0, (OW - 1) * sW + KW - left - W);
      const paddings = [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ];
      const xPad = top + bottom + left + right === 0 ? x : keep(run('PadV2', { x }, { paddings, constantValue: 0 })); // [B, Hp, Wp, Ci]
      const xT = keep(run('Transpose', { x: xPad }, { perm: [3, 1, 2, 0] })); // [Ci, Hp, Wp, B]
      const dyT = keep(run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] })); // [OH, OW, B, Co]
      let dw = keep(
        run('Conv2D', { x: xT, filter: dyT }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [sH, sW], dimRoundingMode: undefined }),
      ); // [Ci, Hp − (OH−1)·sH, Wp − (OW−1)·sW, Co]
      if (dw.shape[1] !== KH || dw.shape[2] !== KW) {
        dw = keep(run('Slice', { x: dw }, { begin: [0, 0, 0, 0], size: [Ci, KH, KW, Co] })); // [Ci, KH, KW, Co]
      }
      return run('Transpose', { x: dw }, { perm: [1, 2, 0, 3] }); // [KH, KW, Ci, Co]
    } finally {
      for (const t of made) backend.disposeData(t.dataId);
    }
  };
}

/**
 * Registers the composite `Conv2DBackpropFilter` on `backendName` (the wasm backend by default)
 * when that backend has none; leaves one that is registered (its own, or a native one) alone. Call
 * after the backend's package is imported; the Node entry's `useBackend('wasm')` does this for you.
 * @returns true when the backend has a `Conv2DBackpropFilter` kernel now; false when its kernels
 *   are not registered (the package was not imported) or lack one the composite needs.
 */
export function registerWasmConvGradients(backendName = 'wasm'): boolean {
  if (tf.getKernel('Conv2DBackpropFilter', backendName) != null) return true;
  if (NEEDED.some((name) => tf.getKernel(name, backendName) == null)) return false;
  const config = { kernelName: 'Conv2DBackpropFilter', backendName, kernelFunc: compositeConv2DBackpropFilter(backendName) } as tf.KernelConfig &
    Record<symbol, boolean>;
  config[COMPOSITE_CONV_GRAD] = true;
  tf.registerKernel(config);
  return true;
}
