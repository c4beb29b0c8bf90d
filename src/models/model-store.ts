/**
 * Where saved models live: stores keyed by the scheme of a location. `VAE.load('http://…/model')`
 * reads over HTTP (src/io/http-store.ts registers 'http:' and 'https:'); a plain path such as
 * 'runs/mnist/model' reads from the file system where the Node entry has registered its file store
 * (src/node/formats/model-store.ts). A browser has no file store, so a plain path there is an error
 * that says so.
 */
import { CheckpointError } from '../errors.js';
import type { VaeArtifacts } from './description.js';

/** Reads and (where it can) writes a model's artifacts at a location. */
export interface ModelStore {
  read(location: string): Promise<VaeArtifacts>;
  /** Absent for read-only stores (HTTP). */
  write?(location: string, artifacts: VaeArtifacts): Promise<void>;
}

/** Key of plain paths (no scheme). */
const PATH = '';
const stores = new Map<string, ModelStore>();

/**
 * The scheme of a location, lower case with its colon ('http:', 'file:'), or '' for a plain path.
 * A Windows drive ('C:\\runs') is a path: a scheme needs at least two letters.
 */
export function schemeOf(location: string): string {
  const m = /^([a-z][a-z0-9+.-]+):/i.exec(location);
  return m ? `${m[1].toLowerCase()}:` : PATH;
}

/**
 * Registers `store` for locations of these schemes ('http:', 'https:'; '' for plain paths), replacing
 * any store registered for them; null unregisters.
 */
export function registerModelStore(schemes: readonly string[], store: ModelStore | null): void {
  for (const s of schemes) {
    if (store) stores.set(s.toLowerCase(), store);
    else stores.delete(s.toLowerCase());
  }
}

/** Sets the store for plain paths and file: URLs (the Node entry's file store), or clears it with null. */
export function setModelStore(store: ModelStore | null): void {
  registerModelStore([PATH, 'file:'], store);
}

/**
 * The store for a location.
 * @throws CheckpointError when no store is registered for its scheme
 */
export function modelStoreFor(location: string): ModelStore {
  const scheme = schemeOf(location);
  const store = stores.get(scheme);
  if (store) return store;
  if (scheme === PATH) {
    throw new CheckpointError(`${location}: no model store for file paths here (import 'vaekit' from Node for files, or load from an http:// URL)`);
  }
  throw new CheckpointError(
    `${location}: no model store for '${scheme}' locations (known: ${[...stores.keys()].map((s) => s || 'paths').join(', ') || 'none'})`,
  );
}
