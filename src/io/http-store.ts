/**
 * A read-only model store over HTTP, for browsers and Node alike: `VAE.load('https://host/runs/mnist/model')`
 * fetches the folder a file store wrote (src/node/formats/model-store.ts):
 *
 *   <url>/vaekit.json             the description (fetch)
 *   <url>/encoder/model.json      standard tfjs layers models and their weights.bin (fetch), each
 *   <url>/decoder/model.json      checked against vaekit.json's checksums (src/io/model-files.ts)
 *
 * Importing this module registers it for 'http:' and 'https:' locations (a side effect the package
 * declares in package.json's `sideEffects`).
 */
import { CheckpointError } from '../errors.js';
import { readNetworkFiles } from './model-files.js';
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

/** The bytes at a URL. @throws CheckpointError naming it when the fetch fails or the answer is not 200 OK */
async function fetchBytes(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    throw new CheckpointError(`${url}: cannot fetch the file (${(cause as Error).message})`, { cause });
  }
  if (response.status === 404) throw new CheckpointError(`${url}: no such file (HTTP 404; the model folder is incomplete)`);
  if (!response.ok) throw new CheckpointError(`${url}: expected the file, got HTTP ${response.status} ${response.statusText}`.trimEnd());
  return new Uint8Array(await response.arrayBuffer());
}

/** The HTTP store: reads a saved model folder from a URL; writing is not supported. */
export const httpModelStore: ModelStore = {
  async read(location: string): Promise<VaeArtifacts> {
    const description = await fetchDescription(under(location, 'vaekit.json'));
    const at = (path: string) => under(location, path);
    const read = (path: string) => fetchBytes(at(path));
    const [encoder, decoder] = await Promise.all([readNetworkFiles(description, 'encoder', read, at), readNetworkFiles(description, 'decoder', read, at)]);
    return { description, encoder, decoder };
  },
};

registerModelStore(['http:', 'https:'], httpModelStore);
