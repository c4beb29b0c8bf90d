/**
 * The log importance weights of an MLP VAE in one native call (native/mlp_log_weights.c), as the
 * {@link LogWeightsProvider} of the importance-sampled log-likelihood (src/evaluation/log-likelihood.ts):
 *   log w_kg = log p(x_g | z_kg) + log p(z_kg) − log q(z_kg | x_g),   z_kg = μ_g + exp(½·logVar_g) ⊙ ε_kg
 * for K samples of G examples, straight on the wasm heap: the decoder's layers with their bias and
 * activation, and the likelihood reduced to one number per sample, in blocks of rows on every core,
 * instead of the ~25 tfjs kernels of `logImportanceWeights` and their [K·G, D] temporaries. At
 * K = 5000 on MNIST's 784-400-20 VAE (2 cores): 10.4 ms an example against 12.0 ms for tfjs's
 * kernels, of which the decoder's two products alone take 9.2 ms.
 * The same ε gives the same weights as tfjs up to float32 summation order
 * (test/node/native-log-weights.test.ts), so an estimate does not depend on which computed it.
 *
 * It takes the models the native training step takes ({@link planNativeMlpStep}: a `VAE`
 * with MLP networks, any depth, the activations of native/mlp_step.c, a Bernoulli or Gaussian
 * likelihood, unconditional or conditional) on the wasm backend with the native matmuls loaded;
 * for anything else (conv, rnn, a two-layer model, a mixed likelihood, another backend,
 * `VAEKIT_NATIVE_ENGINE=off`, `VAEKIT_NATIVE=off`) it returns null and tfjs computes the weights.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../../errors.js';
import type { LatentVariableModel, Posterior } from '../../models/latent-model.js';
import { registerLogWeightsProvider, type LogWeightsProvider } from '../../objectives/iwae.js';
import { nativeEngineDisabled, planNativeMlpStep } from './native-engine.js';
import { nativeKernelsInfo, type WasmBackendLike } from './native-kernels.js';

/** The descriptor's header length, before the decoder's widths and its layers' offsets (native/mlp_log_weights.c). */
const HEADER = 17;

interface LogWeightsAddon {
  mlpLogWeights(heap: ArrayBuffer, descriptor: Float64Array): void;
}

/** What the native call needs to know of a model's decoder and likelihood, found once per model. */
interface DecoderPlan {
  /** Decoder hidden layers (input side first), then the output layer: kernel [in, out], bias [out]. */
  layers: Array<{ kernel: tf.Variable; bias: tf.Variable }>;
  widths: number[];
  activation: number;
  likelihood: number;
  /** The Gaussian likelihood's log σ² (one value, or [D]); null for Bernoulli. */
  likelihoodLogVar: tf.Variable | null;
}

let addon: LogWeightsAddon | null | undefined;

/** How the native call splits its rows: threads (0: the GEMM's) and rows per block (0: its default). */
export interface NativeLogWeightsSplit {
  threads: number;
  rowsPerBlock: number;
}

let split: NativeLogWeightsSplit = { threads: 0, rowsPerBlock: 0 };

/**
 * Sets how the native call splits its rows, for tests and benchmarks (the weights do not depend on it).
 * @returns the split set before
 */
export function setNativeLogWeightsSplit(next: NativeLogWeightsSplit): NativeLogWeightsSplit {
  const previous = split;
  split = { ...next };
  return previous;
}

/** The addon with `mlpLogWeights`, or null when it is not built (or built without it). */
function loadAddon(): LogWeightsAddon | null {
  if (addon !== undefined) return addon;
  try {
    // The same module instance native-kernels.ts loaded (require caches it): its load() chose the GEMM.
    const loaded = createRequire(import.meta.url)('../../../build/Release/vaekit_native.node') as Partial<LogWeightsAddon>;
    addon = typeof loaded.mlpLogWeights === 'function' ? (loaded as LogWeightsAddon) : null;
  } catch {
    addon = null;
  }
  return addon;
}

/** Plans by model (null: the native call cannot describe it); models are not rebuilt in place. */
const plans = new WeakMap<LatentVariableModel, DecoderPlan | null>();

/** The decoder's plan of an MLP VAE, or null (with the reason to `why`) when the native call cannot describe it. */
export function planNativeLogWeights(model: LatentVariableModel, why?: (reason: string) => void): DecoderPlan | null {
  if (plans.has(model)) return plans.get(model)!;
  const step = planNativeMlpStep(model, { kind: 'elbo' });
  let plan: DecoderPlan | null = null;
  if (typeof step === 'string') why?.(step);
  else {
    plan = {
      layers: step.layers.slice(step.encoderWidths.length + 2), // after the encoder's hidden layers and its two heads
      widths: step.decoderWidths,
      activation: step.decoderActivation,
      likelihood: step.likelihood,
      likelihoodLogVar: step.likelihoodLogVar,
    };
  }
  plans.set(model, plan);
  return plan;
}

/**
 * Log importance weights by the native call, or null where it does not apply (see the file's
 * comment): a {@link LogWeightsProvider}.
 * @param x - observations [G, D], float32
 * @param posterior - q(z|x): mean [G, Z] and logVar [G, Z], float32
 * @param eps - standard normal noise [K, G, Z], float32
 * @param c - conditions [G, C] of a conditional model
 * @returns log w [K, G], nats, float32; caller disposes; or null
 * @throws ShapeError when x, the posterior, ε or c does not fit the model or each other;
 *   ConfigError for a `VAEKIT_NATIVE_ENGINE` other than auto or off
 * @see Burda, Grosse & Salakhutdinov 2016, eq. 8; Kingma & Welling 2014, eq. 10 (z)
 */
export const nativeLogImportanceWeights: LogWeightsProvider = (model, x, posterior, eps, c) => {
  if (nativeEngineDisabled() || tf.getBackend() !== 'wasm' || nativeKernelsInfo()?.blas == null) return null;
  const native = loadAddon();
  if (native == null) return null;
  const plan = planNativeLogWeights(model);
  if (plan == null) return null;
  const operands: tf.Tensor[] = [x, posterior.mean, posterior.logVar, eps, ...(c ? [c] : [])];
  if (operands.some((t) => t.dtype !== 'float32')) return null;
  checkShapes(model, x, posterior, eps, c);
  const backend = tf.backend() as unknown as WasmBackendLike;
  if (operands.some((t) => backend.dataIdMap.get(t.dataId) == null)) return null; // on another backend: tfjs moves it
  const [k, g, z] = eps.shape;
  const out = tf.engine().makeTensorFromTensorInfo(backend.makeOutput([k, g], 'float32')) as tf.Tensor2D; // [K, G]
  try {
    // Offsets after the allocation: its malloc may have grown (and so moved) the heap.
    const at = (t: tf.Tensor): number => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    const descriptor = new Float64Array(HEADER + plan.widths.length + 2 * plan.layers.length);
    descriptor.set([
      k,
      g,
      model.dataDim,
      model.conditionDim,
      z,
      plan.widths.length,
      plan.activation,
      plan.likelihood,
      at(x),
      c ? at(c) : -1,
      at(posterior.mean),
      at(posterior.logVar),
      at(eps),
      at(out),
      plan.likelihoodLogVar ? at(plan.likelihoodLogVar) : -1,
      split.threads,
      split.rowsPerBlock,
      ...plan.widths,
      ...plan.layers.flatMap(({ kernel, bias }) => [at(kernel), at(bias)]),
    ]);
    native.mlpLogWeights(backend.wasm.HEAPU8.buffer as ArrayBuffer, descriptor);
  } catch (e) {
    out.dispose();
    throw e;
  }
  return out;
};

/** @throws ShapeError unless x [G, D], mean and logVar [G, Z], ε [K, G, Z] and c [G, C] (conditional models only). */
function checkShapes(model: LatentVariableModel, x: tf.Tensor2D, posterior: Posterior, eps: tf.Tensor3D, c?: tf.Tensor2D): void {
  const where = 'native log importance weights';
  const d = model.dataDim;
  const z = model.latentDim;
  const shape = (t: tf.Tensor) => `[${t.shape.join(', ')}]`;
  if (x.rank !== 2 || x.shape[1] !== d) throw new ShapeError(`${where}: expected x [G, ${d}], got ${shape(x)}`);
  const g = x.shape[0];
  for (const [name, t] of [
    ['mean', posterior.mean],
    ['logVar', posterior.logVar],
  ] as const) {
    if (!tf.util.arraysEqual(t.shape, [g, z])) throw new ShapeError(`${where}: expected the posterior's ${name} [${g}, ${z}], got ${shape(t)}`);
  }
  if (eps.rank !== 3 || eps.shape[1] !== g || eps.shape[2] !== z || eps.shape[0] < 1) {
    throw new ShapeError(`${where}: expected eps [K, ${g}, ${z}] with K ≥ 1, got ${shape(eps)}`);
  }
  const cd = model.conditionDim;
  if (cd === 0 && c !== undefined) throw new ShapeError(`${where}: expected no condition (the model is unconditional), got c ${shape(c)}`);
  if (cd > 0 && (c === undefined || !tf.util.arraysEqual(c.shape, [g, cd]))) {
    throw new ShapeError(`${where}: expected a condition c [${g}, ${cd}], got ${c ? shape(c) : 'none'}`);
  }
}

/**
 * Registers {@link nativeLogImportanceWeights} as the log-likelihood's provider where the addon has
 * the call (it still steps aside per call where it does not apply), else clears the provider.
 * @returns whether it was registered
 */
export function installNativeLogWeights(): boolean {
  const available = loadAddon() != null;
  registerLogWeightsProvider(available ? nativeLogImportanceWeights : null);
  return available;
}
