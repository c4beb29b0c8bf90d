/**
 * A saved VAE on disk: one self-describing folder, laid out by src/io/model-files.ts (which this
 * store writes through, so Node and the browser's download write the same files).
 *
 *   model/
 *     vaekit.json            format tag + version, architecture, likelihood, latent size, input shape,
 *                            preprocessing, provenance and metrics
 *     encoder/model.json     standard TensorFlow.js layers model: x [B, D] → [mean [B, Z], logVar [B, Z]]
 *     encoder/weights.bin
 *     decoder/model.json     z [B, Z] → likelihood parameters [B, D]
 *     decoder/weights.bin
 *
 * A browser loads a network with `tf.loadLayersModel('model/decoder/model.json')`; nothing in the
 * folder is code.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CheckpointError } from '../../errors.js';
import type { ModelDescription, VaeArtifacts } from '../../models/description.js';
import type { ModelStore } from '../../models/model-store.js';
import { MODEL_JSON, modelFolderFiles, readNetworkFiles, type ModelFileReader } from '../../io/model-files.js';
import { replaceDirAtomic, writeFileAtomic } from './atomic.js';

export { MODEL_JSON };

/** Writes a model's folder files (src/io/model-files.ts, the one home of the layout) under `dir`, each atomically. */
async function writeModelFiles(dir: string, files: Record<string, Uint8Array>): Promise<void> {
  for (const [path, bytes] of Object.entries(files)) {
    const target = join(dir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFileAtomic(target, bytes);
  }
}

/** Reads a file of the model folder `dir`. @throws CheckpointError naming it when missing or unreadable */
function fileReader(dir: string): ModelFileReader {
  return async (path) => {
    const where = join(dir, path);
    try {
      return new Uint8Array(await readFile(where));
    } catch (cause) {
      const e = cause as NodeJS.ErrnoException;
      throw new CheckpointError(`${where}: ${e.code === 'ENOENT' ? 'no such file (the model folder is incomplete; retrain or restore it)' : e.message}`, {
        cause,
      });
    }
  };
}

/** Reads a folder's vaekit.json. @throws CheckpointError when missing or not JSON */
export async function readModelDescription(dir: string): Promise<ModelDescription> {
  const where = join(dir, MODEL_JSON);
  try {
    return JSON.parse(await readFile(where, 'utf8')) as ModelDescription;
  } catch (cause) {
    const e = cause as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file (is this a vaekit model folder?)' : e.message;
    throw new CheckpointError(`${where}: ${why}`, { cause });
  }
}

/**
 * The folder that holds the model saved at `dir`: `dir` itself, or `dir.old` when a process was
 * killed between the two renames of an atomic replacement (src/node/formats/atomic.ts), which leaves
 * the previous version there; null when neither holds a model. The one place that knows about `.old`.
 */
export function savedModelFolder(dir: string): string | null {
  if (existsSync(join(dir, MODEL_JSON))) return dir;
  if (existsSync(join(`${dir}.old`, MODEL_JSON))) return `${dir}.old`;
  return null;
}

/** The file-system model store: `save(dir)` replaces the folder atomically. */
export const fsModelStore: ModelStore = {
  async write(dir: string, a: VaeArtifacts): Promise<void> {
    await replaceDirAtomic(dir, async (tmp) => {
      await mkdir(tmp, { recursive: true });
      await writeModelFiles(tmp, modelFolderFiles(a));
    });
  },
  async read(dir: string): Promise<VaeArtifacts> {
    const from = savedModelFolder(dir) ?? dir;
    const description = await readModelDescription(from);
    const read = fileReader(from);
    const where = (path: string) => join(from, path);
    return {
      description,
      encoder: await readNetworkFiles(description, 'encoder', read, where),
      decoder: await readNetworkFiles(description, 'decoder', read, where),
    };
  },
};
