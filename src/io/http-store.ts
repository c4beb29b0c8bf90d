/**
 * A read-only model store over HTTP, for browsers and Node alike: `VAE.load('https://host/runs/mnist/model')`
 * fetches the folder a file store wrote (src/node/formats/model-store.ts):
 *
 *   <url>/vaekit.json             the description (fetch)
 *   <url>/encoder/model.json      standard tfjs layers models and their weights (tf.io.http)
 *   <url>/decoder/model.json
 *
 * Importing this module registers it for 'http:' and 'https:' locations (a side effect the package
 * declares in package.json's `sideEffects`).
 */
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../errors.js';
import type { ModelDescription, VaeArtifacts } from '../models/description.js';
import { registerModelStore, type ModelStore } from '../models/model-store.js';

/** `base/name` with exactly one slash between them. */
function under(base: string, name: string): string {
  return `${base.replace(/\/+$/, '')}/${name}`;
}

async function fetchDescription(url: string): Promise<ModelDescription> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    throw new CheckpointError(`${url}: cannot fetch the model description (${(cause as Error).message})`, { cause });
  }
  if (!response.ok) throw new CheckpointError(`${url}: expected the model description, got HTTP ${response.status} ${response.statusText}`.trimEnd());
  try {
    return (await response.json()) as ModelDescription;
  } catch (cause) {
    throw new CheckpointError(`${url}: expected the model description as JSON, got ${(cause as Error).message}`, { cause });
  }
}

async function fetchNetwork(url: string): Promise<tf.io.ModelArtifacts> {
  try {
    return await tf.io.http(url).load!();
  } catch (cause) {
    throw new CheckpointError(`${url}: cannot load the network (${(cause as Error).message})`, { cause });
  }
}

/** The HTTP store: reads a saved model folder from a URL; writing is not supported. */
export const httpModelStore: ModelStore = {
  async read(location: string): Promise<VaeArtifacts> {
    const [description, encoder, decoder] = await Promise.all([
      fetchDescription(under(location, 'vaekit.json')),
      fetchNetwork(under(location, 'encoder/model.json')),
      fetchNetwork(under(location, 'decoder/model.json')),
    ]);
    return { description, encoder, decoder };
  },
};

registerModelStore(['http:', 'https:'], httpModelStore);
