/**
 * Adam's update as WGSL kernels for TensorFlow.js's WebGPU backend: three dispatches per variable,
 * each writing its tensor's buffer in place, where tfjs's AdamOptimizer runs about 15 elementwise
 * kernels and allocates as many buffers. The arithmetic is tfjs's, op for op:
 *
 *   m ← β₁·m + (1 − β₁)·g
 *   v ← β₂·v + (1 − β₂)·g²
 *   θ ← (m / (1 − β₁ᵗ)) / (sqrt(v / (1 − β₂ᵗ)) + ε) · (−lr) + θ
 *
 * in that order (θ reads the new m and v; WebGPU orders the dispatches' writes). Float32 on the GPU,
 * so equal to tfjs's step up to rounding (a shader compiler may fuse a multiply and an add), not bit for bit.
 *
 * In place only where it is safe: every tensor float32 and each of θ, m and v owning its buffer
 * alone (tfjs lets tensors share one: a variable made from a tensor shares the tensor's). Otherwise
 * the update declines, writing nothing, and tfjs's own step runs (its assigns leave each variable
 * owning a fresh buffer, so the next step goes in place). After an in-place write the values a read
 * cached on the CPU are dropped, so the next read fetches the new ones.
 *
 * Browser-safe: depends only on @tensorflow/tfjs. Structurally an `InPlaceAdamUpdate`
 * (src/training/optimizer.ts), which the entry point registers (src/node/compute/webgpu.ts on Node).
 */
import * as tf from '@tensorflow/tfjs';
import { bufferOf, ELEMENTWISE_WORKGROUP, flatDispatch, type ProgramUniforms, type WebGpuBackendLike, type WgslProgram } from './webgpu-program.js';

/** One variable's share of an Adam step (src/training/optimizer.ts's `AdamSlot`). */
export interface AdamSlotLike {
  value: tf.Tensor;
  gradient: tf.Tensor;
  firstMoment: tf.Tensor;
  secondMoment: tf.Tensor;
}

/** The float32 constants of one step (src/training/optimizer.ts's `AdamScalars`). */
export interface AdamScalarsLike {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
  epsilon: number;
  negLearningRate: number;
}

/** Which moment a moment program updates: the first (g) or the second (g²). */
export type MomentKind = 'first' | 'second';

/**
 * m ← β·m + (1 − β)·g (or g² for the second moment), in place: the moment is the output (`result`,
 * read and written), the gradient the one input. Uniforms: beta, oneMinusBeta (f32).
 * @param shape - the variable's shape (rank ≥ 1); the program is elementwise over it
 */
export function adamMomentProgram(kind: MomentKind, shape: number[]): WgslProgram {
  const term = kind === 'first' ? 'g' : 'g * g';
  return {
    outputShape: shape,
    variableNames: ['gradient'],
    shaderKey: `vaekitAdamMoment_${kind}`,
    dispatchLayout: { x: shape.map((_, i) => i) },
    dispatch: flatDispatch(tf.util.sizeFromShape(shape), ELEMENTWISE_WORKGROUP),
    workgroupSize: [ELEMENTWISE_WORKGROUP, 1, 1],
    size: true,
    uniforms: 'beta : f32, oneMinusBeta : f32,',
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let g = gradient[index];
          result[index] = result[index] * uniforms.beta + ${term} * uniforms.oneMinusBeta;
        }
      }
    `,
  };
}

/**
 * θ ← (m / (1 − β₁ᵗ)) / (sqrt(v / (1 − β₂ᵗ)) + ε) · (−lr) + θ, in place: θ is the output, m and v
 * (already updated) the inputs. Uniforms: oneMinusAccBeta1, oneMinusAccBeta2, epsilon, negLearningRate (f32).
 * @param shape - the variable's shape (rank ≥ 1)
 */
export function adamValueProgram(shape: number[]): WgslProgram {
  return {
    outputShape: shape,
    variableNames: ['firstMoment', 'secondMoment'],
    shaderKey: 'vaekitAdamValue',
    dispatchLayout: { x: shape.map((_, i) => i) },
    dispatch: flatDispatch(tf.util.sizeFromShape(shape), ELEMENTWISE_WORKGROUP),
    workgroupSize: [ELEMENTWISE_WORKGROUP, 1, 1],
    size: true,
    uniforms: 'oneMinusAccBeta1 : f32, oneMinusAccBeta2 : f32, epsilon : f32, negLearningRate : f32,',
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let mHat = firstMoment[index] / uniforms.oneMinusAccBeta1;
          let vHat = secondMoment[index] / uniforms.oneMinusAccBeta2;
          result[index] = mHat / (sqrt(vHat) + uniforms.epsilon) * uniforms.negLearningRate + result[index];
        }
      }
    `,
  };
}

/** The uniform values of {@link adamMomentProgram}. */
export function adamMomentUniforms(kind: MomentKind, s: AdamScalarsLike): ProgramUniforms {
  return [
    { type: 'float32', data: [kind === 'first' ? s.beta1 : s.beta2] },
    { type: 'float32', data: [kind === 'first' ? s.oneMinusBeta1 : s.oneMinusBeta2] },
  ];
}

/** The uniform values of {@link adamValueProgram}. */
export function adamValueUniforms(s: AdamScalarsLike): ProgramUniforms {
  return [
    { type: 'float32', data: [s.oneMinusAccBeta1] },
    { type: 'float32', data: [s.oneMinusAccBeta2] },
    { type: 'float32', data: [s.epsilon] },
    { type: 'float32', data: [s.negLearningRate] },
  ];
}

/**
 * Why a slot cannot be updated in place on `backend`, or null when it can: θ not a scalar, every
 * tensor float32 and of θ's shape, and θ, m and v each the only tensor on its buffer.
 */
export function inPlaceRefusal(backend: WebGpuBackendLike, slot: AdamSlotLike): string | null {
  const { value, gradient, firstMoment, secondMoment } = slot;
  if (value.rank === 0) return 'value is a scalar';
  for (const [name, t] of Object.entries({ value, gradient, firstMoment, secondMoment })) {
    if (t.dtype !== 'float32') return `${name} is ${t.dtype}`;
    if (!tf.util.arraysEqual(t.shape, value.shape)) return `${name} is ${JSON.stringify(t.shape)}, value ${JSON.stringify(value.shape)}`;
    if (bufferOf(backend, t) == null) return `${name} is not on this backend`;
  }
  for (const [name, t] of Object.entries({ value, firstMoment, secondMoment })) {
    const refCount = bufferOf(backend, t)!.refCount;
    if (refCount !== 1) return `${name}'s buffer is shared by ${refCount} tensors`;
  }
  return null;
}

/**
 * The in-place Adam update on WebGPU, for `setInPlaceAdamUpdate` (src/training/optimizer.ts):
 * returns false, writing nothing, unless `backendName` is active and every slot can be updated in
 * place ({@link inPlaceRefusal}); then three dispatches per slot and true.
 */
export function webGpuAdamUpdate(backendName = 'webgpu'): (slots: AdamSlotLike[], scalars: AdamScalarsLike) => boolean {
  return (slots, scalars) => {
    if (tf.getBackend() !== backendName) return false;
    const backend = tf.backend() as unknown as WebGpuBackendLike;
    if (slots.some((slot) => inPlaceRefusal(backend, slot) != null)) return false;
    const first = adamMomentUniforms('first', scalars);
    const second = adamMomentUniforms('second', scalars);
    const valueUniforms = adamValueUniforms(scalars);
    for (const { value, gradient, firstMoment, secondMoment } of slots) {
      if (value.size === 0) continue;
      backend.runWebGPUProgram(adamMomentProgram('first', value.shape), [gradient], 'float32', first, firstMoment);
      backend.runWebGPUProgram(adamMomentProgram('second', value.shape), [gradient], 'float32', second, secondMoment);
      backend.runWebGPUProgram(adamValueProgram(value.shape), [firstMoment, secondMoment], 'float32', valueUniforms, value);
      // A read caches values on the CPU beside the GPU buffer; they are stale now.
      for (const t of [value, firstMoment, secondMoment]) bufferOf(backend, t)!.values = null;
    }
    return true;
  };
}
