/**
 * The variational autoencoder: an encoder q_φ(z|x) = N(mean, diag exp(logVar)), a decoder
 * p_θ(x|z) (Bernoulli on logits, or Gaussian), and the prior p(z) = N(0, I); with conditionDim
 * C > 0, the conditional VAE q_φ(z|x, c), p_θ(x|z, c) (Sohn, Lee & Yan 2015).
 *
 * The class holds parameters and deterministic forward passes; the ELBO and its relatives are
 * functions in objectives/ that take any model of the contract (LatentVariableModel).
 */
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, ConfigError, ShapeError } from '../errors.js';
import { makeLikelihood, type Likelihood } from '../likelihoods/index.js';
import { deriveRng } from '../math/rng.js';
import { makeDecoder, makeEncoder } from '../nets/index.js';
import { checkModelMemory } from './memory.js';
import { describeModel, modelArtifacts } from './artifacts.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelDescription, type Preprocessing, type VaeArtifacts } from './description.js';
import { decodeMean, reconstruct, sampleFromPrior, type PriorSampleOptions } from './generate.js';
import type { LatentVariableModel, Posterior } from './latent-model.js';
import { modelStoreFor, type ModelStore } from './model-store.js';
import { resolveVaeConfig, vaeOptionsFromConfig, type VaeConfig, type VaeOptions } from './vae-config.js';

/** The networks of a model, when they come from elsewhere (a saved folder) rather than fresh. */
export interface VaeNetworks {
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
}

export class VAE implements LatentVariableModel {
  readonly kind = 'vae' as const;
  readonly config: VaeConfig;
  /** x [B, D] (and c [B, C]) → [mean [B, Z], logVar [B, Z]] */
  readonly encoder: tf.LayersModel;
  /** z [B, Z] (and c [B, C]) → likelihood parameters [B, D] */
  readonly decoder: tf.LayersModel;
  readonly likelihood: Likelihood;
  preprocessing?: Preprocessing;
  provenance?: Record<string, unknown>;
  metrics?: Record<string, number | null>;

  /**
   * @param options - architecture; see {@link VaeOptions} for defaults (784-400-20 style MLP, Bernoulli)
   * @param networks - trained networks to use instead of fresh ones (their shapes must fit the options)
   * @throws ConfigError naming the bad field, or for fresh networks too large for the backend's memory
   *   ({@link checkModelMemory}); ShapeError when the networks do not fit the options
   */
  constructor(options: VaeOptions, networks?: VaeNetworks) {
    this.config = resolveVaeConfig(options);
    const rng = deriveRng(this.config.seed, 'init');
    const dims = { dataDim: this.dataDim, inputShape: this.inputShape, latentDim: this.latentDim, conditionDim: this.conditionDim };
    if (networks) checkNetworks(networks, dims);
    else checkModelMemory(this.config, tf.getBackend()); // before any weight is allocated
    this.encoder = networks?.encoder ?? makeEncoder(this.config.encoder, dims, rng);
    this.decoder = networks?.decoder ?? makeDecoder(this.config.decoder, dims, rng);
    this.likelihood = makeLikelihood(this.config.likelihood, this.dataDim);
  }

  get latentDim(): number {
    return this.config.latentDim;
  }
  get dataDim(): number {
    return this.config.dataDim;
  }
  get conditionDim(): number {
    return this.config.conditionDim;
  }
  get inputShape(): readonly number[] {
    return this.config.inputShape;
  }

  /** All trainable variables: encoder, decoder, and a learned likelihood variance if any. */
  trainableVariables(): tf.Variable[] {
    const layerVars = [...this.encoder.trainableWeights, ...this.decoder.trainableWeights].map((w) => (w as unknown as { val: tf.Variable }).val);
    return [...layerVars, ...this.likelihood.variables()];
  }

  /** Flattens [B, ...inputShape] or checks [B, D]. @throws ShapeError */
  private flat(x: tf.Tensor): tf.Tensor2D {
    const d = this.dataDim;
    const size = x.shape.slice(1).reduce((a, b) => a * b, 1);
    if (x.rank < 2 || size !== d) {
      throw new ShapeError(`VAE input: expected [B, ${d}] or [B, ${this.inputShape.join(', ')}], got [${x.shape.join(', ')}]`);
    }
    return (x.rank === 2 ? x : tf.reshape(x, [x.shape[0], d])) as tf.Tensor2D;
  }

  /** The network's inputs: `main` alone, or with the condition c [B, C]. @throws ShapeError */
  private withCondition(where: string, main: tf.Tensor2D, c: tf.Tensor2D | undefined): tf.Tensor2D | tf.Tensor2D[] {
    if (this.conditionDim === 0) {
      if (c !== undefined) throw new ShapeError(`${where}: expected no condition (the model is unconditional), got c of shape [${c.shape.join(', ')}]`);
      return main;
    }
    if (c === undefined || c.rank !== 2 || c.shape[1] !== this.conditionDim || c.shape[0] !== main.shape[0]) {
      throw new ShapeError(`${where}: expected a condition c of shape [${main.shape[0]}, ${this.conditionDim}], got ${c ? `[${c.shape.join(', ')}]` : 'none'}`);
    }
    return [main, c];
  }

  /**
   * The approximate posterior q(z|x, c) = N(mean, diag exp(logVar)).
   * @param x - inputs [B, D] or [B, ...inputShape]
   * @param c - conditions [B, C], for a conditional model only
   * @returns mean [B, Z] and logVar [B, Z]; caller disposes
   * @throws ShapeError when x or c does not match the model
   * @see Kingma & Welling 2014, §3 (the encoder outputs μ and log σ²)
   */
  encode(x: tf.Tensor, c?: tf.Tensor2D): Posterior {
    return tf.tidy(() => {
      const [mean, logVar] = this.encoder.apply(this.withCondition('VAE.encode', this.flat(x), c)) as tf.Tensor2D[];
      return { mean, logVar };
    });
  }

  /**
   * Decoder: likelihood parameters of p(x|z, c) (Bernoulli logits, or Gaussian means).
   * @param z - latents [N, Z]
   * @param c - conditions [N, C], for a conditional model only
   * @returns [N, D]; caller disposes
   * @throws ShapeError when z is not [N, Z] or c does not match
   */
  decode(z: tf.Tensor2D, c?: tf.Tensor2D): tf.Tensor2D {
    if (z.rank !== 2 || z.shape[1] !== this.latentDim) {
      throw new ShapeError(`VAE.decode: expected z of shape [N, ${this.latentDim}], got [${z.shape.join(', ')}]`);
    }
    return this.decoder.apply(this.withCondition('VAE.decode', z, c)) as tf.Tensor2D;
  }

  /** E[x|z, c]: decoder means (pixel probabilities for Bernoulli) [N, D]; caller disposes. */
  decodeMean(z: tf.Tensor2D, c?: tf.Tensor2D): tf.Tensor2D {
    return decodeMean(this, z, c);
  }

  /**
   * Generation from the prior: z ~ N(0, temperature² I), returns decoder means E[x|z].
   * @returns [n, D]; caller disposes
   * @see {@link sampleFromPrior}
   */
  sample(n: number, opts: PriorSampleOptions = {}): tf.Tensor2D {
    return sampleFromPrior(this, n, opts);
  }

  /**
   * Reconstruction: decoder mean at the posterior mean, E[x | z = mean(x), c].
   * @param x - [B, D] or [B, ...inputShape]
   * @returns [B, D]; caller disposes
   */
  reconstruct(x: tf.Tensor, c?: tf.Tensor2D): tf.Tensor2D {
    return reconstruct(this, x, c);
  }

  /** The model's self-description (config with learned likelihood values, preprocessing, provenance). */
  async describe(): Promise<ModelDescription> {
    return describeModel(this, this.config);
  }

  /** Encoder and decoder in the standard tfjs format, plus the description. */
  async toArtifacts(): Promise<VaeArtifacts> {
    return modelArtifacts(this);
  }

  /**
   * Rebuilds a model from artifacts. No code is deserialised: standard tfjs layers and a JSON config.
   * @throws CheckpointError for a wrong format tag or unsupported version
   */
  static async fromArtifacts(a: VaeArtifacts, where = 'model'): Promise<VAE> {
    checkDescription(a.description, where);
    const encoder = await tf.loadLayersModel(tf.io.fromMemory(a.encoder));
    const decoder = await tf.loadLayersModel(tf.io.fromMemory(a.decoder));
    return asSavedModel(where, () => VAE.fromDescription(a.description, { encoder, decoder }), [encoder, decoder]);
  }

  /**
   * A model of a saved description: its architecture (fresh weights unless `networks` are given) and
   * its preprocessing, provenance and metrics.
   */
  static fromDescription(d: ModelDescription, networks?: VaeNetworks): VAE {
    const vae = new VAE(vaeOptionsFromConfig(d.config as VaeConfig), networks);
    vae.preprocessing = d.preprocessing;
    vae.provenance = d.provenance;
    vae.metrics = d.metrics;
    return vae;
  }

  /**
   * Saves to a location: a folder (Node's file store) or any location a registered store writes.
   * @throws CheckpointError when no store writes such locations
   */
  async save(location: string, store: ModelStore = modelStoreFor(location)): Promise<void> {
    if (!store.write) throw new CheckpointError(`VAE.save: the model store for '${location}' is read-only`);
    await store.write(location, await this.toArtifacts());
  }

  /**
   * Loads a model saved by {@link VAE.save}: a folder (Node), or a URL (http: and https:, in a
   * browser and in Node), or through the store given.
   * @throws CheckpointError for a missing, corrupt or unknown model
   */
  static async load(location: string, store: ModelStore = modelStoreFor(location)): Promise<VAE> {
    return VAE.fromArtifacts(await store.read(location), location);
  }

  /** Frees every tensor the model holds. */
  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.likelihood.dispose();
  }
}

/**
 * @param where - the model's location, for messages
 * @throws CheckpointError for a description of another format or version, or without a config
 */
export function checkDescription(d: ModelDescription | undefined, where = 'model'): void {
  if (d?.format !== MODEL_FORMAT) throw new CheckpointError(`${where}: expected format '${MODEL_FORMAT}', got '${d?.format}'`);
  if (d.version !== MODEL_FORMAT_VERSION) throw new CheckpointError(`${where}: expected format version ${MODEL_FORMAT_VERSION}, got ${d.version}`);
  if (typeof d.config !== 'object' || d.config === null)
    throw new CheckpointError(`${where}: expected a model config in its description, got ${JSON.stringify(d.config)}`);
}

/**
 * A saved model built by `make`: a bad config or networks that do not fit it are a CheckpointError
 * naming the location (the networks given are disposed then).
 */
export function asSavedModel<M>(where: string, make: () => M, networks: tf.LayersModel[]): M {
  try {
    return make();
  } catch (e) {
    if (!(e instanceof ConfigError || e instanceof ShapeError)) throw e;
    networks.forEach((n) => n.dispose());
    throw new CheckpointError(`${where}: the saved model does not hold together (${e.message})`, { cause: e });
  }
}

/** The size of each input and output of a network, without the batch axis. */
function sizes(shapes: tf.Shape | tf.Shape[]): number[] {
  const list = (Array.isArray(shapes[0]) || shapes.length === 0 ? shapes : [shapes]) as tf.Shape[];
  return list.map((s) => s.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1));
}

/** @throws ShapeError when trained networks do not take and give the sizes of the config */
function checkNetworks(n: VaeNetworks, dims: { dataDim: number; latentDim: number; conditionDim: number }): void {
  const c = dims.conditionDim > 0 ? [dims.conditionDim] : [];
  const expect = [
    ['encoder inputs', sizes(n.encoder.inputs.map((i) => i.shape)), [dims.dataDim, ...c]],
    ['encoder outputs', sizes(n.encoder.outputs.map((o) => o.shape)), [dims.latentDim, dims.latentDim]],
    ['decoder inputs', sizes(n.decoder.inputs.map((i) => i.shape)), [dims.latentDim, ...c]],
    ['decoder outputs', sizes(n.decoder.outputs.map((o) => o.shape)), [dims.dataDim]],
  ] as const;
  for (const [what, got, want] of expect) {
    if (got.join(',') !== want.join(','))
      throw new ShapeError(`VAE networks: expected ${what} of sizes [${want.join(', ')}] (from the config), got [${got.join(', ')}]`);
  }
}
