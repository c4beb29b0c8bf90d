/**
 * The VAE with two stochastic layers, z₂ → z₁ → x, of Burda, Grosse & Salakhutdinov 2016 (§5, the
 * second architecture; Prince, Understanding Deep Learning, 17.8.2, "hierarchical priors, in which
 * one latent variable generates another"):
 *   generative  p(z₂) = N(0, I),  p(z₁|z₂) = N(μ_p(z₂), diag σ²_p(z₂)),  p(x|z₁) the likelihood
 *   inference   q(z₁|x) = N(μ₁(x), diag σ²₁(x)),  q(z₂|z₁) = N(μ₂(z₁), diag σ²₂(z₁))
 * each conditional an MLP (by default two tanh layers of 200 units on the x side and of 100 on the
 * z₁–z₂ side, Z₁ = 100, Z₂ = 50, as in the paper).
 *
 * Saved as two standard tfjs LayersModels like every model, so a browser loads them with
 * `tf.loadLayersModel`: the encoder takes [x, z₁] and gives [μ₁, log σ²₁, μ₂, log σ²₂] (two
 * disconnected halves: q(z₁|x) and q(z₂|z₁)); the decoder takes [z₂, z₁] and gives [μ_p, log σ²_p,
 * likelihood parameters] (p(z₁|z₂) and p(x|z₁)). The halves are used through sub-models that share
 * their layers.
 */
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, ConfigError, ShapeError } from '../errors.js';
import { makeLikelihood, resolveLikelihoodConfig, type Likelihood } from '../likelihoods/index.js';
import type { LikelihoodConfig } from '../likelihoods/likelihood.js';
import { deriveRng, type Rng } from '../math/rng.js';
import { dense, denseStack } from '../nets/layers.js';
import { ACTIVATIONS, type Activation } from '../nets/mlp.js';
import { check, checkOr, expectThat, intAtLeast, integer, oneOf } from '../validate.js';
import { describeModel, modelArtifacts } from './artifacts.js';
import type { ModelDescription, VaeArtifacts } from './description.js';
import type { HierarchicalLatentModel, Posterior } from './latent-model.js';

export interface HvaeOptions {
  /** Shape of one example, e.g. [28, 28, 1]. */
  inputShape: readonly number[];
  /** [Z₁, Z₂], the stochastic layers' sizes, bottom (next to x) first. Default [100, 50]. */
  latentDims?: readonly number[];
  /**
   * Hidden widths of each stochastic layer's networks, bottom first: hidden[0] for q(z₁|x) (and
   * mirrored for p(x|z₁)), hidden[1] for q(z₂|z₁) and p(z₁|z₂). An empty list is a linear map.
   * Default [[200, 200], [100, 100]].
   */
  hidden?: readonly (readonly number[])[];
  /** Hidden layers' activation. Default tanh (Burda et al. 2016). */
  activation?: Activation;
  /** Observation model p(x|z₁). Default Bernoulli on logits. */
  likelihood?: LikelihoodConfig;
  /** Conditions are not supported: 0 or absent. */
  conditionDim?: number;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
}

export interface HvaeConfig {
  kind: 'hvae';
  inputShape: number[];
  dataDim: number;
  /** [Z₁, Z₂]. */
  latentDims: [number, number];
  /** Z₂, the top layer's size (the contract's latent). */
  latentDim: number;
  conditionDim: 0;
  hidden: [number[], number[]];
  activation: Activation;
  likelihood: LikelihoodConfig;
  seed: number;
}

/** Defaults of the two-layer model: Burda et al. 2016's second MNIST architecture. */
export const HVAE_DEFAULTS = Object.freeze({
  latentDims: Object.freeze([100, 50]) as readonly number[],
  hidden: Object.freeze([Object.freeze([200, 200]), Object.freeze([100, 100])]) as readonly (readonly number[])[],
  activation: 'tanh' as Activation,
  likelihood: Object.freeze({ kind: 'bernoulli' }) as Readonly<LikelihoodConfig>,
  seed: 0,
});

/** Validates options and fills defaults. @throws ConfigError naming the bad field and value */
export function resolveHvaeConfig(opts: HvaeOptions, field = ''): HvaeConfig {
  const at = (name: string) => (field ? `${field}.${name}` : name);
  const shape = opts.inputShape;
  expectThat(Array.isArray(shape) && shape.length > 0, 'inputShape', 'a non-empty array of integers ≥ 1', shape);
  const inputShape = shape.map((d, i) => check(`inputShape[${i}]`, d, intAtLeast(1)));
  const dims = opts.latentDims ?? HVAE_DEFAULTS.latentDims;
  expectThat(Array.isArray(dims) && dims.length === 2, at('latentDims'), 'two latent sizes [Z₁, Z₂], bottom first', dims);
  const latentDims = dims.map((z, i) => check(`${at('latentDims')}[${i}]`, z, intAtLeast(1))) as [number, number];
  const hiddenIn = opts.hidden ?? HVAE_DEFAULTS.hidden;
  expectThat(
    Array.isArray(hiddenIn) && hiddenIn.length === 2 && hiddenIn.every(Array.isArray),
    at('hidden'),
    'two lists of hidden widths, bottom first',
    hiddenIn,
  );
  const hidden = hiddenIn.map((ws, l) => ws.map((w, i) => check(`${at('hidden')}[${l}][${i}]`, w, intAtLeast(1)))) as [number[], number[]];
  if ((opts.conditionDim ?? 0) !== 0) {
    throw new ConfigError(`${at('conditionDim')}: expected 0 (the two-layer model is unconditional), got ${JSON.stringify(opts.conditionDim)}`);
  }
  return {
    kind: 'hvae',
    inputShape,
    dataDim: inputShape.reduce((a, b) => a * b, 1),
    latentDims,
    latentDim: latentDims[1],
    conditionDim: 0,
    hidden,
    activation: checkOr(at('activation'), opts.activation, oneOf(ACTIVATIONS), HVAE_DEFAULTS.activation),
    likelihood: resolveLikelihoodConfig(opts.likelihood ?? HVAE_DEFAULTS.likelihood, at('likelihood')),
    seed: checkOr(at('seed'), opts.seed, integer, HVAE_DEFAULTS.seed),
  };
}

/** A Gaussian head on h: [mean, logVar], each [B, units], named `${name}_mean`, `${name}_logvar`. */
function gaussianHead(h: tf.SymbolicTensor, fanIn: number, units: number, name: string, rng: Rng): tf.SymbolicTensor[] {
  return [
    dense(units, fanIn, 'linear', `${name}_mean`, rng).apply(h) as tf.SymbolicTensor,
    dense(units, fanIn, 'linear', `${name}_logvar`, rng).apply(h) as tf.SymbolicTensor,
  ];
}

/** Fresh networks of a config: encoder [x, z₁] → [μ₁, log σ²₁, μ₂, log σ²₂]; decoder [z₂, z₁] → [μ_p, log σ²_p, params]. */
function makeNetworks(c: HvaeConfig, rng: Rng): { encoder: tf.LayersModel; decoder: tf.LayersModel } {
  const [z1Dim, z2Dim] = c.latentDims;
  const x = tf.input({ shape: [c.dataDim], name: 'x' });
  const z1In = tf.input({ shape: [z1Dim], name: 'z1' });
  const q1 = denseStack(x, c.dataDim, c.hidden[0], c.activation, 'q1_hidden', rng); // [B, H₀]
  const q2 = denseStack(z1In, z1Dim, c.hidden[1], c.activation, 'q2_hidden', rng); // [B, H₁]
  const encoder = tf.model({
    inputs: [x, z1In],
    outputs: [...gaussianHead(q1.h, q1.width, z1Dim, 'q1', rng), ...gaussianHead(q2.h, q2.width, z2Dim, 'q2', rng)],
    name: 'encoder',
  });
  const z2 = tf.input({ shape: [z2Dim], name: 'z2' });
  const z1 = tf.input({ shape: [z1Dim], name: 'z1' });
  const p1 = denseStack(z2, z2Dim, [...c.hidden[1]].reverse(), c.activation, 'p1_hidden', rng); // [B, H₁]
  const px = denseStack(z1, z1Dim, [...c.hidden[0]].reverse(), c.activation, 'px_hidden', rng); // [B, H₀]
  const out = dense(c.dataDim, px.width, 'linear', 'decoder_output', rng).apply(px.h) as tf.SymbolicTensor; // [B, D]
  const decoder = tf.model({ inputs: [z2, z1], outputs: [...gaussianHead(p1.h, p1.width, z1Dim, 'p1', rng), out], name: 'decoder' });
  return { encoder, decoder };
}

/** The size of each input and output of a network, without the batch axis. */
function sizes(list: tf.SymbolicTensor[]): number[] {
  return list.map((s) => s.shape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1));
}

/** @throws ShapeError when saved networks do not take and give the sizes of the config */
function checkNetworks(n: { encoder: tf.LayersModel; decoder: tf.LayersModel }, c: HvaeConfig): void {
  const [z1, z2] = c.latentDims;
  const expect = [
    ['encoder inputs', sizes(n.encoder.inputs), [c.dataDim, z1]],
    ['encoder outputs', sizes(n.encoder.outputs), [z1, z1, z2, z2]],
    ['decoder inputs', sizes(n.decoder.inputs), [z2, z1]],
    ['decoder outputs', sizes(n.decoder.outputs), [z1, z1, c.dataDim]],
  ] as const;
  for (const [what, got, want] of expect) {
    if (got.join(',') !== want.join(','))
      throw new ShapeError(`HVAE networks: expected ${what} of sizes [${want.join(', ')}] (from the config), got [${got.join(', ')}]`);
  }
}

/**
 * The two-layer VAE. Holds the networks and the deterministic passes of each conditional; the
 * objectives (objectives/hierarchical.ts) sample z₁ and z₂ by reparameterisation.
 */
export class HierarchicalVAE implements HierarchicalLatentModel {
  readonly kind = 'hvae' as const;
  readonly config: HvaeConfig;
  readonly encoder: tf.LayersModel;
  readonly decoder: tf.LayersModel;
  readonly likelihood: Likelihood;
  preprocessing?: ModelDescription['preprocessing'];
  provenance?: Record<string, unknown>;
  metrics?: Record<string, number | null>;
  /** Sub-models sharing the networks' layers: q(z₁|x), q(z₂|z₁), p(z₁|z₂), p(x|z₁). */
  private readonly q1: tf.LayersModel;
  private readonly q2: tf.LayersModel;
  private readonly p1: tf.LayersModel;
  private readonly px: tf.LayersModel;

  /**
   * @param networks - trained networks to use instead of fresh ones (a saved model)
   * @throws ConfigError naming a bad option; ShapeError when the networks do not fit the options
   */
  constructor(options: HvaeOptions, networks?: { encoder: tf.LayersModel; decoder: tf.LayersModel }) {
    this.config = resolveHvaeConfig(options);
    if (networks) checkNetworks(networks, this.config);
    const nets = networks ?? makeNetworks(this.config, deriveRng(this.config.seed, 'init'));
    this.encoder = nets.encoder;
    this.decoder = nets.decoder;
    const e = this.encoder;
    const d = this.decoder;
    this.q1 = tf.model({ inputs: e.inputs[0], outputs: [e.outputs[0], e.outputs[1]] });
    this.q2 = tf.model({ inputs: e.inputs[1], outputs: [e.outputs[2], e.outputs[3]] });
    this.p1 = tf.model({ inputs: d.inputs[0], outputs: [d.outputs[0], d.outputs[1]] });
    this.px = tf.model({ inputs: d.inputs[1], outputs: d.outputs[2] });
    this.likelihood = makeLikelihood(this.config.likelihood, this.dataDim);
  }

  get latentDims(): readonly [number, number] {
    return this.config.latentDims;
  }
  /** Z₂, the top layer's size. */
  get latentDim(): number {
    return this.config.latentDims[1];
  }
  get noiseDim(): number {
    return this.config.latentDims[0] + this.config.latentDims[1];
  }
  get dataDim(): number {
    return this.config.dataDim;
  }
  get inputShape(): readonly number[] {
    return this.config.inputShape;
  }
  get conditionDim(): number {
    return 0;
  }

  trainableVariables(): tf.Variable[] {
    const layerVars = [...this.encoder.trainableWeights, ...this.decoder.trainableWeights].map((w) => (w as unknown as { val: tf.Variable }).val);
    return [...layerVars, ...this.likelihood.variables()];
  }

  /** Flattens [B, ...inputShape] or checks [B, D]; rejects a condition. @throws ShapeError */
  private flat(where: string, x: tf.Tensor, c?: tf.Tensor2D): tf.Tensor2D {
    if (c !== undefined) throw new ShapeError(`${where}: expected no condition (the model is unconditional), got c of shape [${c.shape.join(', ')}]`);
    const d = this.dataDim;
    const size = x.shape.slice(1).reduce((a, b) => a * b, 1);
    if (x.rank < 2 || size !== d) throw new ShapeError(`${where}: expected [B, ${d}] or [B, ${this.inputShape.join(', ')}], got [${x.shape.join(', ')}]`);
    return (x.rank === 2 ? x : tf.reshape(x, [x.shape[0], d])) as tf.Tensor2D;
  }

  private checkLatent(where: string, z: tf.Tensor, size: number): void {
    if (z.rank !== 2 || z.shape[1] !== size) throw new ShapeError(`${where}: expected z of shape [N, ${size}], got [${z.shape.join(', ')}]`);
  }

  encodeBottom(x: tf.Tensor): Posterior {
    return tf.tidy(() => {
      const [mean, logVar] = this.q1.apply(this.flat('HVAE.encodeBottom', x)) as tf.Tensor2D[];
      return { mean, logVar };
    });
  }

  encodeTop(z1: tf.Tensor2D): Posterior {
    this.checkLatent('HVAE.encodeTop', z1, this.latentDims[0]);
    return tf.tidy(() => {
      const [mean, logVar] = this.q2.apply(z1) as tf.Tensor2D[];
      return { mean, logVar };
    });
  }

  priorBottom(z2: tf.Tensor2D): Posterior {
    this.checkLatent('HVAE.priorBottom', z2, this.latentDim);
    return tf.tidy(() => {
      const [mean, logVar] = this.p1.apply(z2) as tf.Tensor2D[];
      return { mean, logVar };
    });
  }

  decodeBottom(z1: tf.Tensor2D): tf.Tensor2D {
    this.checkLatent('HVAE.decodeBottom', z1, this.latentDims[0]);
    return this.px.apply(z1) as tf.Tensor2D;
  }

  /**
   * The top layer's posterior given x, through the mean of the bottom one: q(z₂ | z₁ = E[z₁|x]).
   * @param x - [B, D] or [B, ...inputShape]
   * @returns mean, logVar [B, Z₂]; caller disposes
   * @throws ShapeError for a wrong shape or a condition
   */
  encode(x: tf.Tensor, c?: tf.Tensor2D): Posterior {
    const flat = this.flat('HVAE.encode', x, c);
    return tf.tidy(() => {
      const [mean1] = this.q1.apply(flat) as tf.Tensor2D[];
      const [mean, logVar] = this.q2.apply(mean1) as tf.Tensor2D[];
      return { mean, logVar };
    });
  }

  /**
   * Likelihood parameters given the top latent, through the mean of p(z₁|z₂): p(x | z₁ = E[z₁|z₂]).
   * @param z - z₂ [N, Z₂]
   * @returns [N, D]; caller disposes
   * @throws ShapeError for a wrong shape or a condition
   */
  decode(z: tf.Tensor2D, c?: tf.Tensor2D): tf.Tensor2D {
    this.checkLatent('HVAE.decode', z, this.latentDim);
    if (c !== undefined) throw new ShapeError(`HVAE.decode: expected no condition (the model is unconditional), got c of shape [${c.shape.join(', ')}]`);
    return tf.tidy(() => {
      const [mean1] = this.p1.apply(z) as tf.Tensor2D[];
      return this.px.apply(mean1) as tf.Tensor2D;
    });
  }

  async describe(): Promise<ModelDescription> {
    return describeModel(this, this.config);
  }

  /** Encoder and decoder in the standard tfjs format, plus the description. */
  async toArtifacts(): Promise<VaeArtifacts> {
    return modelArtifacts(this);
  }

  /**
   * The model of a saved description, with fresh weights unless `networks` are given.
   * @throws CheckpointError when the description is not of a two-layer model
   */
  static fromDescription(d: ModelDescription, networks?: { encoder: tf.LayersModel; decoder: tf.LayersModel }): HierarchicalVAE {
    const c = d.config as unknown as HvaeConfig;
    if (c.kind !== 'hvae') throw new CheckpointError(`expected a model of kind 'hvae', got '${String(c.kind)}'`);
    const model = new HierarchicalVAE(
      { inputShape: c.inputShape, latentDims: c.latentDims, hidden: c.hidden, activation: c.activation, likelihood: c.likelihood, seed: c.seed },
      networks,
    );
    model.preprocessing = d.preprocessing;
    model.provenance = d.provenance;
    model.metrics = d.metrics;
    return model;
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.likelihood.dispose();
  }
}
