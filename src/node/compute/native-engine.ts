/**
 * A gradient engine for MLP VAEs that computes a whole training step in one native call
 * (native/mlp_step.c): the forward pass, the β-weighted −ELBO with one sample, its stats and every
 * parameter gradient, straight on the wasm heap, instead of the ~176 tfjs kernel dispatches of a
 * `tf.variableGrads` step (56 tape clones, 41 reshapes, ~30 small elementwise kernels).
 *
 * Same arithmetic as {@link LocalGradientEngine} with `objectiveValue` (src/objectives/elbo.ts):
 *   loss = (1/B) Σ_b −log p(x_b | z_b) + β·KL,   z = μ + exp(½·logVar)·ε
 * with KL the batch-mean KL(q ‖ N(0, I)), or with free bits λ, Σ_u max(λ, (1/B) Σ_b KL_bu); ε from
 * {@link objectiveNoise} (or `ctx.noise`), so both engines see the same noise. Results agree with
 * the `cpu` backend's tfjs gradients up to float32 summation order (test/backend/native-engine.test.ts).
 *
 * Supported: a {@link VAE} with MLP encoder and decoder (any number of hidden layers, activations
 * relu, elu, sigmoid, tanh, selu, softplus, swish, linear), unconditional or conditional; a Bernoulli
 * likelihood, or a Gaussian one with fixed, learned or learned-diag variance; the `elbo` objective
 * with numSamples 1, with or without free bits; the wasm backend with the native addon loaded.
 * Anything else (conv or rnn networks, a mixed likelihood, IWAE, K > 1, another backend) gets null
 * from {@link createNativeMlpEngine}, and the trainer's default engine runs instead.
 *
 * Off by choice with `VAEKIT_NATIVE_ENGINE=off` (or with the native kernels off).
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../errors.js';
import { GaussianLikelihood } from '../../likelihoods/gaussian.js';
import { VAE } from '../../models/vae.js';
import type { LatentVariableModel } from '../../models/latent-model.js';
import { objectiveNoise, type ObjectiveConfig, type StepContext } from '../../objectives/index.js';
import { batchTensors, LocalGradientEngine, type BatchGradients, type GradientEngine, type HostBatch } from '../../training/engine.js';
import { nativeKernelsInfo, type WasmBackendLike } from './native-kernels.js';

/** Activation codes of native/mlp_step.c. */
const ACTIVATION_CODES: Record<string, number> = { linear: 0, relu: 1, elu: 2, sigmoid: 3, tanh: 4, selu: 5, softplus: 6, swish: 7 };

/** Likelihood codes of native/mlp_step.c. */
const LikelihoodCode = { bernoulli: 0, gaussian: 1, gaussianDiag: 2 } as const;

/** The descriptor's header length, before the widths and the layers' offsets (native/mlp_step.c). */
const HEADER = 18;

interface MlpStepAddon {
  mlpVaeStep(heap: ArrayBuffer, descriptor: Float64Array): void;
}

/** One dense layer's variables: kernel [in, out] and bias [out]. */
interface DenseVars {
  kernel: tf.Variable;
  bias: tf.Variable;
}

/** What the native step needs to know of a model, found once. */
interface MlpPlan {
  /** Encoder hidden layers, μ head, logVar head, decoder hidden layers, output layer. */
  layers: DenseVars[];
  encoderWidths: number[];
  decoderWidths: number[];
  encoderActivation: number;
  decoderActivation: number;
  likelihood: number;
  /** The likelihood's log σ² (Gaussian), and whether it is trained. */
  likelihoodLogVar: tf.Variable | null;
  likelihoodLogVarTrained: boolean;
}

/**
 * Whether the engine is switched off: `VAEKIT_NATIVE_ENGINE=off`; unset, empty or `auto` leave it on
 * where it applies. The same switch turns off the native log importance weights of the
 * log-likelihood estimate (src/node/compute/native-log-weights.ts).
 * @throws ConfigError for any other value
 */
export function nativeEngineDisabled(): boolean {
  const v = process.env.VAEKIT_NATIVE_ENGINE;
  if (v == null || v === '' || v === 'auto') return false;
  if (v === 'off') return true;
  throw new ConfigError(`VAEKIT_NATIVE_ENGINE: expected auto or off, got '${v}'`);
}

let addon: MlpStepAddon | null | undefined;

/** The addon with `mlpVaeStep`, or null when it is not built (or built without it). */
function loadAddon(): MlpStepAddon | null {
  if (addon !== undefined) return addon;
  try {
    // The same module instance native-kernels.ts loaded (require caches it): its load() chose the GEMM.
    const loaded = createRequire(import.meta.url)('../../../build/Release/vaekit_native.node') as Partial<MlpStepAddon>;
    addon = typeof loaded.mlpVaeStep === 'function' ? (loaded as MlpStepAddon) : null;
  } catch {
    addon = null;
  }
  return addon;
}

/** A dense layer of `net` by name, checked: its activation (or linear), bias, and kernel [in, out]. */
function denseLayer(net: tf.LayersModel, name: string, inWidth: number, outWidth: number): { vars: DenseVars; activation: string } | string {
  let layer: tf.layers.Layer;
  try {
    layer = net.getLayer(name);
  } catch {
    return `no layer '${name}'`;
  }
  const config = layer.getConfig() as { activation?: string; useBias?: boolean };
  const weights = layer.trainableWeights as unknown as Array<{ val: tf.Variable }>;
  if (layer.getClassName() !== 'Dense' || config.useBias === false || weights.length !== 2) return `layer '${name}' is not a dense layer with bias`;
  const [kernel, bias] = weights.map((w) => w.val);
  if (!tf.util.arraysEqual(kernel.shape, [inWidth, outWidth]) || !tf.util.arraysEqual(bias.shape, [outWidth])) {
    return `layer '${name}' has kernel [${kernel.shape.join(', ')}], expected [${inWidth}, ${outWidth}]`;
  }
  return { vars: { kernel, bias }, activation: config.activation ?? 'linear' };
}

/**
 * The plan of an MLP VAE the native step computes, or why it cannot.
 * @returns the plan, or a reason (a string) for the fallback
 */
export function planNativeMlpStep(model: LatentVariableModel, objective: ObjectiveConfig): MlpPlan | string {
  if (objective.kind !== 'elbo') return `objective '${objective.kind}'`;
  if ((objective.numSamples ?? 1) !== 1) return `numSamples ${objective.numSamples}`;
  if (!(model instanceof VAE)) return `model kind '${model.kind}'`;
  const { encoder: encConfig, decoder: decConfig } = model.config;
  if (encConfig.kind !== 'mlp' || decConfig.kind !== 'mlp') return `networks ${encConfig.kind}/${decConfig.kind}`;
  const [d, c, z] = [model.dataDim, model.conditionDim, model.latentDim];
  for (const [net, allowed] of [
    [model.encoder, ['InputLayer', 'Concatenate', 'Dense']],
    [model.decoder, ['InputLayer', 'Concatenate', 'Dense']],
  ] as const) {
    const other = net.layers.find((l) => !(allowed as readonly string[]).includes(l.getClassName()));
    if (other) return `layer '${other.name}' (${other.getClassName()})`;
  }
  const layers: DenseVars[] = [];
  const chain = (net: tf.LayersModel, names: string[], widths: number[], inWidth: number, act: string | null): string | null => {
    for (const [i, name] of names.entries()) {
      const layer = denseLayer(net, name, inWidth, widths[i]);
      if (typeof layer === 'string') return layer;
      if (act !== null && layer.activation !== act) return `layer '${name}' activation '${layer.activation}'`;
      layers.push(layer.vars);
      inWidth = widths[i];
    }
    return null;
  };
  const encWidths = [...encConfig.hidden];
  const decWidths = [...decConfig.hidden].reverse();
  const encAct = encConfig.activation;
  const decAct = decConfig.activation;
  if (ACTIVATION_CODES[encAct] === undefined || ACTIVATION_CODES[decAct] === undefined) return `activation ${encAct}/${decAct}`;
  const encH = encWidths.at(-1) ?? d + c;
  const decH = decWidths.at(-1) ?? z + c;
  const problem =
    chain(
      model.encoder,
      encWidths.map((_, i) => `encoder_hidden_${i}`),
      encWidths,
      d + c,
      encAct,
    ) ??
    chain(model.encoder, ['encoder_mean'], [z], encH, 'linear') ??
    chain(model.encoder, ['encoder_logvar'], [z], encH, 'linear') ??
    chain(
      model.decoder,
      decWidths.map((_, i) => `decoder_hidden_${i}`),
      decWidths,
      z + c,
      decAct,
    ) ??
    chain(model.decoder, ['decoder_output'], [d], decH, 'linear');
  if (problem !== null) return problem;
  if (model.encoder.layers.filter((l) => l.getClassName() === 'Dense').length !== encWidths.length + 2) return 'extra encoder layers';
  if (model.decoder.layers.filter((l) => l.getClassName() === 'Dense').length !== decWidths.length + 1) return 'extra decoder layers';

  const lik = model.likelihood;
  let likelihood: number;
  let likelihoodLogVar: tf.Variable | null = null;
  if (lik.kind === 'bernoulli') likelihood = LikelihoodCode.bernoulli;
  else if (lik instanceof GaussianLikelihood) {
    // The log σ² variable itself: a scalar (fixed or learned) or [D] (learned-diag).
    likelihoodLogVar = (lik as unknown as { logVar: tf.Variable }).logVar;
    if (!(likelihoodLogVar instanceof tf.Variable)) return 'a Gaussian likelihood without its log variance';
    if (likelihoodLogVar.size === 1) likelihood = LikelihoodCode.gaussian;
    else if (likelihoodLogVar.size === d) likelihood = LikelihoodCode.gaussianDiag;
    else return `a Gaussian log variance of ${likelihoodLogVar.size} values`;
  } else return `likelihood '${lik.kind}'`;
  const likelihoodVars = lik.variables();
  const likelihoodLogVarTrained = likelihoodVars.length > 0;
  if (likelihoodVars.length > 1 || (likelihoodLogVarTrained && likelihoodVars[0] !== likelihoodLogVar)) return 'likelihood variables';

  // The native step writes a gradient for each layer variable (and the trained log σ²): exactly the trainable variables.
  const computed = new Set<tf.Variable>(layers.flatMap((l) => [l.kernel, l.bias]));
  if (likelihoodLogVarTrained) computed.add(likelihoodLogVar!);
  const vars = model.trainableVariables();
  const other = vars.find((v) => !computed.has(v));
  if (other) return `trainable variable '${other.name}'`;
  if (new Set(vars).size !== computed.size) return 'frozen layers';
  return {
    layers,
    encoderWidths: encWidths,
    decoderWidths: decWidths,
    encoderActivation: ACTIVATION_CODES[encAct],
    decoderActivation: ACTIVATION_CODES[decAct],
    likelihood,
    likelihoodLogVar,
    likelihoodLogVarTrained,
  };
}

/** The gradient engine of one native call per step; see the file's comment. */
export class NativeMlpGradients implements GradientEngine {
  readonly numShards = 1;
  /** Computes a step the native call cannot (another backend active): tfjs's own gradients. */
  private readonly fallback: LocalGradientEngine;

  private constructor(
    private readonly model: VAE,
    private readonly objective: Extract<ObjectiveConfig, { kind: 'elbo' }>,
    private readonly plan: MlpPlan,
    private readonly native: MlpStepAddon,
  ) {
    this.fallback = new LocalGradientEngine(model, objective);
  }

  /**
   * The engine for `model` and `objective`, or null (the caller uses its default engine) when the
   * model or objective is not supported, the backend is not wasm, the native addon with its GEMM is
   * not loaded, or `VAEKIT_NATIVE_ENGINE=off`.
   * @param why - told the reason when null is returned
   * @throws ConfigError for a `VAEKIT_NATIVE_ENGINE` other than auto, on or off
   */
  static create(model: LatentVariableModel, objective: ObjectiveConfig, why?: (reason: string) => void): NativeMlpGradients | null {
    const no = (reason: string) => {
      why?.(reason);
      return null;
    };
    if (nativeEngineDisabled()) return no('VAEKIT_NATIVE_ENGINE=off');
    if (tf.getBackend() !== 'wasm') return no(`backend ${tf.getBackend()}`);
    if (nativeKernelsInfo()?.blas == null) return no('native matmuls not loaded');
    const native = loadAddon();
    if (native == null) return no('the native addon has no mlpVaeStep');
    const plan = planNativeMlpStep(model, objective);
    if (typeof plan === 'string') return no(plan);
    return new NativeMlpGradients(model as VAE, objective as Extract<ObjectiveConfig, { kind: 'elbo' }>, plan, native);
  }

  async gradients(batch: HostBatch, ctx: StepContext): Promise<BatchGradients> {
    if (tf.getBackend() !== 'wasm') return this.fallback.gradients(batch, ctx);
    const backend = tf.backend() as unknown as WasmBackendLike;
    const { model, plan } = this;
    const b = batch.numRows;
    const z = model.latentDim;
    const { x, c } = batchTensors(batch, model); // [B, D], [B, C]
    const ownNoise = ctx.noise == null || backend.dataIdMap.get(ctx.noise.dataId) == null;
    const eps = ctx.noise == null ? objectiveNoise(this.objective, b, z, ctx.seed) : ownNoise ? tf.tensor(ctx.noise.dataSync(), ctx.noise.shape) : ctx.noise; // [B, Z]
    const inputs = [x, ...(c ? [c] : []), ...(ownNoise ? [eps] : [])];
    const vars = model.trainableVariables();
    const outputs = vars.map((v) => tf.engine().makeTensorFromTensorInfo(backend.makeOutput(v.shape, 'float32')));
    const stats = tf.engine().makeTensorFromTensorInfo(backend.makeOutput([3], 'float32')) as tf.Tensor1D;
    try {
      if (!tf.util.arraysEqual(eps.shape, [b, z])) throw new ConfigError(`native MLP step: expected noise [${b}, ${z}], got [${eps.shape.join(', ')}]`);
      // Offsets after every allocation: a malloc may have grown (and so moved) the heap.
      const at = (t: tf.Tensor): number => {
        const entry = backend.dataIdMap.get(t.dataId);
        if (entry == null) throw new ConfigError(`native MLP step: tensor ${t.id} is not on the wasm backend`);
        return entry.memoryOffset;
      };
      const gradientOf = new Map<tf.Variable, tf.Tensor>(vars.map((v, i) => [v, outputs[i]]));
      const descriptor = new Float64Array(HEADER + plan.encoderWidths.length + plan.decoderWidths.length + 4 * plan.layers.length);
      const logVar = plan.likelihoodLogVar;
      const logVarGradient = logVar != null && plan.likelihoodLogVarTrained ? gradientOf.get(logVar)! : null;
      descriptor.set([
        b,
        model.dataDim,
        model.conditionDim,
        z,
        plan.encoderWidths.length,
        plan.decoderWidths.length,
        plan.encoderActivation,
        plan.decoderActivation,
        plan.likelihood,
        ctx.klWeight,
        this.objective.freeBits ?? -1,
        at(x),
        c ? at(c) : -1,
        at(eps),
        at(stats),
        logVar ? at(logVar) : -1,
        logVarGradient ? at(logVarGradient) : -1,
        0,
        ...plan.encoderWidths,
        ...plan.decoderWidths,
      ]);
      let i = HEADER + plan.encoderWidths.length + plan.decoderWidths.length;
      for (const { kernel, bias } of plan.layers) {
        descriptor.set([at(kernel), at(bias), at(gradientOf.get(kernel)!), at(gradientOf.get(bias)!)], i);
        i += 4;
      }
      this.native.mlpVaeStep(backend.wasm.HEAPU8.buffer as ArrayBuffer, descriptor);
    } catch (e) {
      tf.dispose([...outputs, stats]);
      throw e;
    } finally {
      tf.dispose(inputs);
    }
    return { grads: vars.map((v, i) => ({ name: v.name, tensor: outputs[i] })), stats };
  }

  async dispose(): Promise<void> {
    await this.fallback.dispose();
  }
}

/**
 * The native MLP engine where it applies (see {@link NativeMlpGradients.create}), else null: what
 * Node's run layer passes the trainer as its `engine`.
 */
export function createNativeMlpEngine(model: LatentVariableModel, objective: ObjectiveConfig, why?: (reason: string) => void): GradientEngine | null {
  return NativeMlpGradients.create(model, objective, why);
}
