/**
 * What every model kind saves: its self-description and its networks in the standard tfjs format
 * (src/models/description.ts), written by a model store.
 */
import * as tf from '@tensorflow/tfjs';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelDescription, type VaeArtifacts } from './description.js';
import type { LatentVariableModel } from './latent-model.js';

/**
 * A model's self-description: its config with the likelihood's learned values, and its
 * preprocessing, provenance and metrics.
 */
export async function describeModel(model: LatentVariableModel, config: ModelDescription['config']): Promise<ModelDescription> {
  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    config: { ...config, likelihood: await model.likelihood.toConfig() },
    preprocessing: model.preprocessing,
    provenance: model.provenance,
    metrics: model.metrics,
  };
}

/** A network in the standard tfjs format, in memory (what `model.save` would write). */
async function captureNetwork(m: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let out: tf.io.ModelArtifacts | undefined;
  await m.save(
    tf.io.withSaveHandler(async (a) => {
      out = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return out!;
}

/** A model's encoder and decoder in the standard tfjs format, and its description. */
export async function modelArtifacts(model: LatentVariableModel): Promise<VaeArtifacts> {
  return { description: await model.describe(), encoder: await captureNetwork(model.encoder), decoder: await captureNetwork(model.decoder) };
}
