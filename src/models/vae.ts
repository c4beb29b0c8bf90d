/**
 * The variational autoencoder: an encoder q_φ(z|x) = N(mean, diag exp(logVar)), a decoder
 * p_θ(x|z) (Bernoulli on logits, or Gaussian), and the prior p(z) = N(0, I).
 *
 * The class holds parameters and deterministic forward passes; the ELBO and its relatives are
 * functions in objectives/ that take the model.
 */
import * as tf from '@tensorflow/tfjs';
import type { StandardizerJSON } from '../data/standardize.js';
import { ShapeError, CheckpointError } from '../errors.js';
import { makeLikelihood, type Likelihood } from '../likelihoods/index.js';
import { deriveRng, tfSeed } from '../math/rng.js';
import { mlpDecoder, mlpEncoder } from '../nets/mlp.js';
import { elbo, type ElboOptions, type ElboTerms } from '../objectives/elbo.js';
import type { LatentVariableModel } from './latent-model.js';
import { resolveVaeConfig, vaeOptionsFromConfig, type VaeConfig, type VaeOptions } from './vae-config.js';

/** Format tag and version of a saved model's vaekit.json. */
export const MODEL_FORMAT = 'vaekit-model';
export const MODEL_FORMAT_VERSION = 1;

/** How raw data was turned into the model's input; saved with the model so users can repeat it. */
export interface Preprocessing {
  /** Raw values were divided by this (255 for 8-bit pixels; 1 for none). */
  scale: number;
  /** Binarisation applied to training inputs. */
  binarize: 'none' | 'static' | 'dynamic' | 'threshold';
  /**
   * Tables: the per-column z-score transform the model's inputs went through, z = (x − mean) / std
   * (after the division by `scale`); invert it to read decoder outputs in raw units.
   */
  standardization?: StandardizerJSON;
}

/** Everything about a saved model that is not a weight: the self-description of the folder. */
export interface ModelDescription {
  format: typeof MODEL_FORMAT;
  version: number;
  config: VaeConfig;
  preprocessing?: Preprocessing;
  /** Where and how it was trained (dataset, epochs, seed, backend, vaekit version, dates). */
  provenance?: Record<string, unknown>;
  /** Final figures, e.g. { testLoss: 104.9 } in nats per example. */
  metrics?: Record<string, number | null>;
}

/** The tfjs parts of a saved model, in memory: what `save` writes and `load` reads. */
export interface VaeArtifacts {
  description: ModelDescription;
  encoder: tf.io.ModelArtifacts;
  decoder: tf.io.ModelArtifacts;
}

/** Where a model's artifacts go; the Node entry registers a file-system store for string paths. */
export interface ModelStore {
  write(location: string, artifacts: VaeArtifacts): Promise<void>;
  read(location: string): Promise<VaeArtifacts>;
}

let defaultStore: ModelStore | null = null;
/** Sets the store `VAE.save(path)` / `VAE.load(path)` use for string locations. */
export function setModelStore(store: ModelStore | null): void {
  defaultStore = store;
}

export class VAE implements LatentVariableModel {
  readonly config: VaeConfig;
  /** [B, D] → [mean [B, Z], logVar [B, Z]] */
  readonly encoder: tf.LayersModel;
  /** [B, Z] → likelihood parameters [B, D] */
  readonly decoder: tf.LayersModel;
  readonly likelihood: Likelihood;
  preprocessing?: Preprocessing;
  provenance?: Record<string, unknown>;
  metrics?: Record<string, number | null>;

  /**
   * @param options - architecture; see {@link VaeOptions} for defaults (784-400-20 style MLP, Bernoulli)
   * @throws ConfigError naming the bad field
   */
  constructor(options: VaeOptions, parts?: { encoder: tf.LayersModel; decoder: tf.LayersModel }) {
    this.config = resolveVaeConfig(options);
    const rng = deriveRng(this.config.seed, 'init');
    const { dataDim, latentDim } = this.config;
    this.encoder = parts?.encoder ?? mlpEncoder(dataDim, latentDim, this.config.encoder, rng);
    this.decoder = parts?.decoder ?? mlpDecoder(latentDim, dataDim, this.config.decoder, rng);
    this.likelihood = makeLikelihood(this.config.likelihood, dataDim);
  }

  get latentDim(): number {
    return this.config.latentDim;
  }
  get dataDim(): number {
    return this.config.dataDim;
  }

  /** All trainable variables: encoder, decoder, and a learned likelihood variance if any. */
  trainableVariables(): tf.Variable[] {
    const layerVars = [...this.encoder.trainableWeights, ...this.decoder.trainableWeights].map(
      (w) => (w as unknown as { val: tf.Variable }).val,
    );
    return [...layerVars, ...this.likelihood.variables()];
  }

  /** Flattens [B, ...inputShape] or checks [B, D]. @throws ShapeError */
  private flat(x: tf.Tensor): tf.Tensor2D {
    const d = this.config.dataDim;
    const rest = x.shape.slice(1);
    const size = rest.reduce((a, b) => a * b, 1);
    if (x.rank < 2 || size !== d) {
      throw new ShapeError(`VAE input: expected [B, ${d}] or [B, ${this.config.inputShape.join(', ')}], got [${x.shape.join(', ')}]`);
    }
    return (x.rank === 2 ? x : tf.reshape(x, [x.shape[0], d])) as tf.Tensor2D;
  }

  /**
   * The approximate posterior q(z|x) = N(mean, diag exp(logVar)).
   * @param x - inputs [B, D] or [B, ...inputShape]
   * @returns mean [B, Z] and logVar [B, Z]; caller disposes
   * @throws ShapeError when x does not match the model's input
   */
  encode(x: tf.Tensor): { mean: tf.Tensor2D; logVar: tf.Tensor2D } {
    return tf.tidy(() => {
      const [mean, logVar] = this.encoder.apply(this.flat(x)) as tf.Tensor2D[];
      return { mean, logVar };
    });
  }

  /**
   * Decoder: likelihood parameters of p(x|z) (Bernoulli logits, or Gaussian means).
   * @param z - latents [N, Z]
   * @returns [N, D]; caller disposes
   * @throws ShapeError when z is not [N, Z]
   */
  decode(z: tf.Tensor): tf.Tensor2D {
    if (z.rank !== 2 || z.shape[1] !== this.latentDim) {
      throw new ShapeError(`VAE.decode: expected z of shape [N, ${this.latentDim}], got [${z.shape.join(', ')}]`);
    }
    return this.decoder.apply(z) as tf.Tensor2D;
  }

  /** E[x|z]: decoder means (pixel probabilities for Bernoulli) [N, D]; caller disposes. */
  decodeMean(z: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.likelihood.mean(this.decode(z)) as tf.Tensor2D);
  }

  /**
   * ELBO per example with its two terms (see objectives/elbo.ts).
   * @param x - [B, D] or [B, ...inputShape]
   * @returns elbo, reconstruction (E_q log p(x|z)), kl, each [B], nats; caller disposes
   */
  elbo(x: tf.Tensor, opts?: ElboOptions): ElboTerms {
    return tf.tidy(() => elbo(this, this.flat(x), opts));
  }

  /**
   * Generation from the prior: z ~ N(0, I), returns decoder means E[x|z].
   * @param n - number of samples
   * @returns [n, D]; caller disposes
   * @see Prince §17.6 (seed 004); seed 002 (the decoder alone is the generative model)
   */
  sample(n: number, opts: { seed?: number; temperature?: number } = {}): tf.Tensor2D {
    return tf.tidy(() => {
      const z = tf.randomNormal([n, this.latentDim], 0, opts.temperature ?? 1, 'float32', tfSeed(opts.seed ?? 0, 'sample'));
      return this.decodeMean(z);
    });
  }

  /**
   * Reconstruction: decoder mean at the posterior mean, E[x | z = mean(x)].
   * @param x - [B, D] or [B, ...inputShape]
   * @returns [B, D]; caller disposes
   */
  reconstruct(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.decodeMean(this.encode(x).mean));
  }

  /** The model's self-description (config with learned likelihood values, preprocessing, provenance). */
  describe(): ModelDescription {
    return {
      format: MODEL_FORMAT,
      version: MODEL_FORMAT_VERSION,
      config: { ...this.config, likelihood: this.likelihood.toConfig() },
      preprocessing: this.preprocessing,
      provenance: this.provenance,
      metrics: this.metrics,
    };
  }

  /** Encoder and decoder in the standard tfjs format, plus the description. */
  async toArtifacts(): Promise<VaeArtifacts> {
    const capture = async (m: tf.LayersModel) => {
      let out: tf.io.ModelArtifacts | undefined;
      await m.save(
        tf.io.withSaveHandler(async (a) => {
          out = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      return out!;
    };
    return { description: this.describe(), encoder: await capture(this.encoder), decoder: await capture(this.decoder) };
  }

  /**
   * Rebuilds a model from artifacts. No code is deserialised: standard tfjs layers and a JSON config.
   * @throws CheckpointError for a wrong format tag or unsupported version
   */
  static async fromArtifacts(a: VaeArtifacts): Promise<VAE> {
    const d = a.description;
    if (d?.format !== MODEL_FORMAT) throw new CheckpointError(`model: expected format '${MODEL_FORMAT}', got '${d?.format}'`);
    if (d.version !== MODEL_FORMAT_VERSION) {
      throw new CheckpointError(`model: expected format version ${MODEL_FORMAT_VERSION}, got ${d.version}`);
    }
    const encoder = await tf.loadLayersModel(tf.io.fromMemory(a.encoder));
    const decoder = await tf.loadLayersModel(tf.io.fromMemory(a.decoder));
    return VAE.fromDescription(d, { encoder, decoder });
  }

  /**
   * A model of a saved description: its architecture (fresh weights unless `parts` are given) and its
   * preprocessing, provenance and metrics.
   */
  static fromDescription(d: ModelDescription, parts?: { encoder: tf.LayersModel; decoder: tf.LayersModel }): VAE {
    const vae = new VAE(vaeOptionsFromConfig(d.config), parts);
    vae.preprocessing = d.preprocessing;
    vae.provenance = d.provenance;
    vae.metrics = d.metrics;
    return vae;
  }

  /** Saves to a folder (Node, via the registered store) or to any {@link ModelStore}. */
  async save(location: string, store: ModelStore | null = defaultStore): Promise<void> {
    if (!store) throw new CheckpointError(`VAE.save: no model store for '${location}' (import 'vaekit' from Node, or pass a store)`);
    await store.write(location, await this.toArtifacts());
  }

  /** Loads a model saved by {@link VAE.save}. @throws CheckpointError */
  static async load(location: string, store: ModelStore | null = defaultStore): Promise<VAE> {
    if (!store) throw new CheckpointError(`VAE.load: no model store for '${location}' (import 'vaekit' from Node, or pass a store)`);
    return VAE.fromArtifacts(await store.read(location));
  }

  /** Frees every tensor the model holds. */
  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.likelihood.dispose();
  }
}
