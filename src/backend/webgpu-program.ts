/**
 * What vaekit's WGSL kernels need of TensorFlow.js's WebGPU backend, written as structural types so
 * that browser-safe code never imports @tensorflow/tfjs-backend-webgpu (importing it registers a
 * backend; the entry point that picks the backend imports it, src/node/compute/webgpu.ts on Node).
 *
 * A program is what `WebGPUBackend.runWebGPUProgram` runs: tfjs wraps `getUserCode()` in a shader
 * that declares `result` (binding 0, read_write, the output), one read-only `array<f32>` per name in
 * `variableNames` (bindings 1…), and a `uniforms` struct holding the shapes, `size` (the output's
 * element count, when `size` is true) and the program's own `uniforms` fields, in that order.
 * Shapes travel as uniforms, so one compiled pipeline serves every size (the cache key is
 * `shaderKey` plus ranks and dtypes).
 *
 * Browser-safe: depends only on @tensorflow/tfjs.
 */
import type * as tf from '@tensorflow/tfjs';

/** One compute program in the shape `WebGPUBackend.runWebGPUProgram` takes (tfjs-backend-webgpu's `WebGPUProgram`). */
export interface WgslProgram {
  /** The output's shape; the output buffer is `result`. */
  outputShape: number[];
  /** Names of the input arrays, in the order of `runWebGPUProgram`'s inputs. */
  variableNames: string[];
  /** Prefix of the pipeline cache key; tfjs appends ranks and dtypes. */
  shaderKey: string;
  /** Output axes laid on the x dimension (all of them: a flat dispatch). */
  dispatchLayout: { x: number[] };
  /** Workgroups along x, y, z (tfjs folds an x over the device's per-dimension limit into x·y or x·y·z). */
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  /** Whether `uniforms.size` (the output's element count, i32) is declared. */
  size: boolean;
  /** The program's own uniform fields, WGSL struct syntax: 'dim : i32, xRows : i32,'. */
  uniforms?: string;
  getUserCode(): string;
}

/** A program's own uniform values, in the order of its `uniforms` fields. */
export type ProgramUniforms = Array<{ type: 'int32' | 'float32'; data: number[] }>;

/** The parts of tfjs-backend-webgpu's `WebGPUBackend` that vaekit's kernels use. */
export interface WebGpuBackendLike {
  runWebGPUProgram(program: WgslProgram, inputs: tf.TensorInfo[], outputDtype: tf.DataType, uniforms?: ProgramUniforms, output?: tf.TensorInfo): tf.TensorInfo;
  /** Per buffer: how many tensors share it, and the values cached on the CPU (null while only the GPU has them). */
  tensorMap: { get(dataId: object): { refCount: number; values: unknown; dtype: tf.DataType } | undefined };
}

/** Threads per workgroup of the elementwise programs (tfjs's unary ops use 128 too). */
export const ELEMENTWISE_WORKGROUP = 128;

/**
 * Workgroups for a flat dispatch of `count` items at `perWorkgroup` items each: ⌈count / perWorkgroup⌉
 * along x (tfjs reshapes an x above the device's limit, and `getGlobalIndex()` undoes it).
 * @throws RangeError when count is not a non-negative integer or perWorkgroup not a positive one
 */
export function flatDispatch(count: number, perWorkgroup: number): [number, number, number] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`flatDispatch: expected a count ≥ 0, got ${count}`);
  if (!Number.isInteger(perWorkgroup) || perWorkgroup < 1) throw new RangeError(`flatDispatch: expected a workgroup size ≥ 1, got ${perWorkgroup}`);
  return [Math.ceil(count / perWorkgroup), 1, 1];
}

/** The backend's record of a tensor's buffer, or undefined when the backend does not hold it. */
export function bufferOf(backend: WebGpuBackendLike, t: tf.TensorInfo): { refCount: number; values: unknown; dtype: tf.DataType } | undefined {
  return backend.tensorMap.get(t.dataId);
}
