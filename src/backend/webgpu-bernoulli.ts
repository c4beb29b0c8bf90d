/**
 * The Bernoulli log-likelihood and its logits gradient as WGSL kernels for TensorFlow.js's WebGPU
 * backend: one dispatch each, where the stable form runs ~9 elementwise kernels forward and ~4 back.
 * At batch 128 a training step on a GPU is bound by dispatches, not arithmetic, so fewer is faster.
 *
 *   value:    log p(x|l)[r] = −Σ_d [ max(l_rd, 0) − l_rd·x_{(r mod R_x) d} + log1p(exp(−|l_rd|)) ]
 *   gradient: ∂/∂l_rd = dy_r · (x_{(r mod R_x) d} − σ(l_rd))
 *
 * Contract of the value kernel (src/distributions/bernoulli.ts, `VaekitBernoulliLogProb`): inputs
 * x [..., D] and logits [..., D], x's rows repeating over logits' leading axes (K importance samples
 * share one image: logits [K, B, D], x [B, D]); output logits.shape[:-1]. The value program runs one
 * workgroup per output row, each thread summing a strided share of D, then a tree reduction in
 * workgroup memory. The gradient program is elementwise over logits.
 *
 * WGSL has no log1p: log1p(e) is computed as log(u)·e/(u − 1) with u = 1 + e (exact to a few ulps,
 * and e itself when u rounds to 1), so the value stays accurate where exp(−|l|) is tiny.
 * Registered by the entry point that initialises the webgpu backend (src/node/compute/webgpu.ts on Node).
 *
 * Browser-safe: depends only on @tensorflow/tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../errors.js';
import { ELEMENTWISE_WORKGROUP, flatDispatch, type ProgramUniforms, type WebGpuBackendLike, type WgslProgram } from './webgpu-program.js';

/** Rows and sizes of one Bernoulli kernel call, checked. */
export interface BernoulliLayout {
  /** Output rows R = logits.size / D. */
  rows: number;
  /** D, the last axis. */
  dim: number;
  /** Rows of x, R_x = x.size / D; x's row r mod R_x goes with logits' row r. */
  xRows: number;
}

/**
 * Checks that x [..., D] repeats over logits [..., D] and returns the rows.
 * @throws ShapeError when the last axes differ, D is 0, a dtype is not float32, or logits' rows are not a whole number of x's
 */
export function bernoulliLayout(
  kernelName: string,
  x: Pick<tf.TensorInfo, 'shape' | 'dtype'>,
  logits: Pick<tf.TensorInfo, 'shape' | 'dtype'>,
): BernoulliLayout {
  const dim = logits.shape.length > 0 ? logits.shape[logits.shape.length - 1] : 0;
  const xSize = tf.util.sizeFromShape(x.shape);
  const logitsSize = tf.util.sizeFromShape(logits.shape);
  if (
    x.dtype !== 'float32' ||
    logits.dtype !== 'float32' ||
    x.shape.length === 0 ||
    x.shape[x.shape.length - 1] !== dim ||
    dim === 0 ||
    xSize === 0 ||
    logitsSize % xSize !== 0 ||
    !tf.util.arraysEqual(trimLeadingOnes(x.shape), logits.shape.slice(logits.shape.length - trimLeadingOnes(x.shape).length))
  ) {
    throw new ShapeError(
      `${kernelName}: expected float32 x [..., D] repeating over logits [..., D], got x ${JSON.stringify(x.shape)} ${x.dtype} and logits ${JSON.stringify(logits.shape)} ${logits.dtype}`,
    );
  }
  return { rows: logitsSize / dim, dim, xRows: xSize / dim };
}

function trimLeadingOnes(shape: number[]): number[] {
  let lead = 0;
  while (lead < shape.length - 1 && shape[lead] === 1) lead++;
  return shape.slice(lead);
}

/** Threads of a row-reduction workgroup: 64 up to D = 1024 (MNIST's 784: about 12 terms a thread), 256 above. */
export function rowWorkgroupSize(dim: number): 64 | 256 {
  return dim <= 1024 ? 64 : 256;
}

/** log1p(e) for e ≥ 0 without a log1p builtin, and the stable sigmoid; shared by both programs. */
const WGSL_HELPERS = `
  fn vaekitLog1p(e : f32) -> f32 {
    let u = 1.0 + e;
    if (u == 1.0) { return e; }
    return log(u) * e / (u - 1.0);
  }
  fn vaekitSigmoid(l : f32) -> f32 {
    let e = exp(-abs(l));
    return select(e / (1.0 + e), 1.0 / (1.0 + e), l >= 0.0);
  }
`;

/**
 * The value program: one workgroup per row of logits. Uniforms: dim, xRows (i32).
 * @param outputShape - logits.shape[:-1], or [rows] for a scalar output (the kernel reshapes it)
 */
export function bernoulliLogProbProgram(layout: BernoulliLayout, outputShape: number[] = [layout.rows]): WgslProgram {
  const wg = rowWorkgroupSize(layout.dim);
  return {
    outputShape,
    variableNames: ['x', 'logits'],
    shaderKey: `vaekitBernoulliLogProb_${wg}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: flatDispatch(layout.rows, 1), // one workgroup per row
    workgroupSize: [wg, 1, 1],
    size: true,
    uniforms: 'dim : i32, xRows : i32,',
    getUserCode: () => `
      ${WGSL_HELPERS}
      var<workgroup> partial : array<f32, ${wg}>;
      fn main(index : i32) {
        let row = index / ${wg};
        let lane = index - row * ${wg};
        var acc = 0.0;
        if (row < uniforms.size) {
          let dim = uniforms.dim;
          let xBase = (row % uniforms.xRows) * dim;
          let lBase = row * dim;
          for (var d = lane; d < dim; d = d + ${wg}) {
            let l = logits[lBase + d];
            acc = acc + (max(l, 0.0) - l * x[xBase + d] + vaekitLog1p(exp(-abs(l))));
          }
        }
        partial[lane] = acc;
        workgroupBarrier();
        for (var s = ${wg / 2}; s > 0; s = s / 2) {
          if (lane < s) { partial[lane] = partial[lane] + partial[lane + s]; }
          workgroupBarrier();
        }
        if (lane == 0 && row < uniforms.size) { result[row] = -partial[0]; }
      }
    `,
  };
}

/**
 * The gradient program: elementwise over logits, inputs dy [rows], x, logits. Uniforms: dim, xRows (i32).
 * @param outputShape - logits.shape (rows·dim elements)
 */
export function bernoulliLogitsGradProgram(layout: BernoulliLayout, outputShape: number[] = [layout.rows * layout.dim]): WgslProgram {
  return {
    outputShape,
    variableNames: ['dy', 'x', 'logits'],
    shaderKey: 'vaekitBernoulliLogitsGrad',
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: flatDispatch(layout.rows * layout.dim, ELEMENTWISE_WORKGROUP),
    workgroupSize: [ELEMENTWISE_WORKGROUP, 1, 1],
    size: true,
    uniforms: 'dim : i32, xRows : i32,',
    getUserCode: () => `
      ${WGSL_HELPERS}
      fn main(index : i32) {
        if (index < uniforms.size) {
          let row = index / uniforms.dim;
          let d = index - row * uniforms.dim;
          let xv = x[(row % uniforms.xRows) * uniforms.dim + d];
          result[index] = dy[row] * (xv - vaekitSigmoid(logits[index]));
        }
      }
    `,
  };
}

/** The uniform values of both programs, in the order of their `uniforms` fields. */
export function bernoulliUniforms(layout: BernoulliLayout): ProgramUniforms {
  return [
    { type: 'int32', data: [layout.dim] },
    { type: 'int32', data: [layout.xRows] },
  ];
}

/**
 * A program's [1] output as a scalar: the same buffer under shape [] (tfjs's own webgpu Reshape
 * returns a TensorInfo with a new shape and the same dataId in the same way).
 */
function asScalar(out: tf.TensorInfo): tf.TensorInfo {
  return { dataId: out.dataId, shape: [], dtype: out.dtype };
}

/**
 * The `VaekitBernoulliLogProb` kernel on WebGPU: inputs { x, logits }, output logits.shape[:-1].
 * @throws ShapeError when x does not repeat over logits (see {@link bernoulliLayout})
 */
export function bernoulliLogProbKernel(kernelName: string): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { x, logits } = inputs as { x: tf.TensorInfo; logits: tf.TensorInfo };
    const layout = bernoulliLayout(kernelName, x, logits);
    const shape = logits.shape.slice(0, -1); // [...]
    const program = bernoulliLogProbProgram(layout, shape.length > 0 ? shape : [1]);
    const out = (backend as unknown as WebGpuBackendLike).runWebGPUProgram(program, [x, logits], 'float32', bernoulliUniforms(layout));
    return shape.length > 0 ? out : asScalar(out);
  };
}

/**
 * The logits gradient kernel on WebGPU: inputs { dy [...], x, logits [..., D] }, output logits.shape,
 * dy_r · (x − σ(l)). The gradient with respect to x (dy_r · l, summed over x's repeats) is not here:
 * x is data in training.
 * @throws ShapeError when x does not repeat over logits or dy is not logits.shape[:-1]
 */
export function bernoulliLogitsGradKernel(kernelName: string): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, x, logits } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo; logits: tf.TensorInfo };
    const layout = bernoulliLayout(kernelName, x, logits);
    if (dy.dtype !== 'float32' || !tf.util.arraysEqual(dy.shape, logits.shape.slice(0, -1))) {
      throw new ShapeError(`${kernelName}: expected dy ${JSON.stringify(logits.shape.slice(0, -1))} float32, got ${JSON.stringify(dy.shape)} ${dy.dtype}`);
    }
    const program = bernoulliLogitsGradProgram(layout, [...logits.shape]); // [..., D]
    return (backend as unknown as WebGpuBackendLike).runWebGPUProgram(program, [dy, x, logits], 'float32', bernoulliUniforms(layout));
  };
}
