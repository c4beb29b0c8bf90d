/**
 * The model registry: each model class by its config's `kind`, so checkpoints, model stores and
 * worker threads rebuild a saved model without naming its class. A new model kind is a file in
 * models/ and one entry in {@link MODELS}.
 */
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, ConfigError } from '../errors.js';
import { MODEL_JSON, type ModelDescription, type VaeArtifacts } from './description.js';
import type { LatentVariableModel } from './latent-model.js';
import { modelStoreFor, type ModelStore } from './model-store.js';
import { HierarchicalVAE, type HvaeOptions } from './hvae.js';
import { asSavedModel, checkDescription, VAE, type VaeNetworks } from './vae.js';
import type { VaeOptions } from './vae-config.js';

/** Options of any model kind: a VAE's ({@link VaeOptions}) or a two-layer model's ({@link HvaeOptions}). */
export type ModelOptions = VaeOptions | HvaeOptions;

interface ModelEntry {
  /** A new model with fresh weights. */
  create(options: ModelOptions): LatentVariableModel;
  /** The model of a description, with fresh weights unless the networks are given. */
  fromDescription(d: ModelDescription, networks?: VaeNetworks): LatentVariableModel;
}

const MODELS: Record<string, ModelEntry> = {
  vae: { create: (options) => new VAE(options as VaeOptions), fromDescription: (d, networks) => VAE.fromDescription(d, networks) },
  hvae: { create: (options) => new HierarchicalVAE(options as HvaeOptions), fromDescription: (d, networks) => HierarchicalVAE.fromDescription(d, networks) },
};

/** The kinds of model: 'vae', 'hvae' (two stochastic layers). */
export const MODEL_KINDS = Object.keys(MODELS);

/**
 * A new model of a kind, with fresh weights (seeded by `options.seed`).
 * @throws ConfigError for an unknown kind or a bad option
 */
export function createModel(kind: string, options: ModelOptions): LatentVariableModel {
  const entry = Object.hasOwn(MODELS, kind) ? MODELS[kind] : undefined;
  if (!entry) throw new ConfigError(`model.kind: expected one of ${MODEL_KINDS.join(', ')}, got '${kind}'`);
  return entry.create(options);
}

/**
 * The model a saved description names (its config's `kind`).
 * @throws CheckpointError for another format or version, or an unknown kind
 */
export function modelFromDescription(d: ModelDescription, networks?: VaeNetworks, where = 'model'): LatentVariableModel {
  checkDescription(d, where);
  const kind = d.config.kind ?? 'vae';
  const entry = Object.hasOwn(MODELS, kind) ? MODELS[kind] : undefined;
  if (!entry) throw new CheckpointError(`${where}: expected a model of kind ${MODEL_KINDS.join(', ')}, got '${kind}'`);
  return asSavedModel(where, () => entry.fromDescription(d, networks), networks ? [networks.encoder, networks.decoder] : []);
}

/** The model of saved artifacts, with their weights. @throws CheckpointError */
export async function modelFromArtifacts(a: VaeArtifacts, where = 'model'): Promise<LatentVariableModel> {
  checkDescription(a.description, where);
  const encoder = await tf.loadLayersModel(tf.io.fromMemory(a.encoder));
  const decoder = await tf.loadLayersModel(tf.io.fromMemory(a.decoder));
  return modelFromDescription(a.description, { encoder, decoder }, where);
}

/**
 * Saves a model of any kind to a location (a folder in Node's file store).
 * @throws CheckpointError when no store writes such locations, or VaeError when the write fails
 */
export async function saveModel(model: LatentVariableModel, location: string, store: ModelStore = modelStoreFor(location)): Promise<void> {
  if (!store.write) throw new CheckpointError(`${location}: the model store for this location is read-only`);
  await store.write(location, await model.toArtifacts());
}

/**
 * Loads a saved model of any kind from a location (a folder in Node, an http(s) URL anywhere).
 * The store checks the network files (their checksums in vaekit.json, when it has them), so a
 * description that does not fit them (an edited `latentDim`) is an error naming vaekit.json.
 * @throws CheckpointError for a missing, corrupt or unknown model, naming the file
 */
export async function loadModel(location: string, store: ModelStore = modelStoreFor(location)): Promise<LatentVariableModel> {
  const artifacts = await store.read(location);
  return modelFromArtifacts(artifacts, `${location.replace(/[\\/]+$/, '')}/${MODEL_JSON}`);
}
