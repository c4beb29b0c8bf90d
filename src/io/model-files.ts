/**
 * A saved model's folder as files in memory: the one home of its layout, which Node's file store
 * writes to disk (src/node/formats/model-store.ts) and the browser zips for download.
 *
 *   vaekit.json            the model's description (format tag, version, config, preprocessing, provenance, metrics)
 *   encoder/model.json     standard TensorFlow.js layers model: x [B, D] → [mean [B, Z], logVar [B, Z]]
 *   encoder/weights.bin    its weights, float32 little-endian, in the manifest's order
 *   decoder/model.json     z [B, Z] → likelihood parameters [B, D]
 *   decoder/weights.bin
 *
 * vaekit.json's `files` records each network file's size and CRC-32, which the stores check on load
 * ({@link checkModelFile}); folders saved before (vaekit 0.1.0) have none and load unchecked.
 *
 * Browser-safe: no `node:*` imports. `tf.loadLayersModel('…/encoder/model.json')` reads a network.
 */
import type * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../errors.js';
import { MODEL_JSON, type FileChecksum, type ModelDescription, type VaeArtifacts } from '../models/description.js';

export { MODEL_JSON };

/** The networks' folders in a model folder, and the two files of each. */
export const NETWORK_FOLDERS = ['encoder', 'decoder'] as const;
export const NETWORK_FILES = { model: 'model.json', weights: 'weights.bin' } as const;

/** The CRC-32 table of the IEEE polynomial (reflected, 0xEDB88320). */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * The CRC-32 (IEEE 802.3, as in zip, gzip and PNG) of some bytes, synchronous and browser-safe.
 * (No installed package exports one: fflate keeps its own internal; Web Crypto's SHA-256 is async
 * and missing from insecure browser contexts.)
 * @returns the checksum as 8 lower-case hex digits ('cbf43926' for the ASCII bytes of "123456789")
 */
export function crc32(bytes: Uint8Array): string {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}

/** A file's size and CRC-32, as vaekit.json's `files` records it. */
export function fileChecksum(bytes: Uint8Array): FileChecksum {
  return { bytes: bytes.length, crc32: crc32(bytes) };
}

/**
 * Checks a model folder's file against the size and CRC-32 its vaekit.json records; a file the
 * description records nothing for (a folder saved by vaekit 0.1.0) passes unchecked.
 * @param description - the folder's vaekit.json
 * @param path - the file's path in the folder ('decoder/weights.bin')
 * @param bytes - the file's contents
 * @param where - the file's location for the message (a path or URL)
 * @throws CheckpointError naming `where` when the file differs from the one saved
 */
export function checkModelFile(description: ModelDescription, path: string, bytes: Uint8Array, where: string): void {
  const saved = description.files?.[path];
  if (saved === undefined) return;
  const got = fileChecksum(bytes);
  if (got.bytes !== saved.bytes || got.crc32 !== saved.crc32) {
    const what = got.bytes !== saved.bytes ? `expected ${saved.bytes} bytes, got ${got.bytes}` : `expected crc32 ${saved.crc32}, got ${got.crc32}`;
    throw new CheckpointError(`${where}: checksum mismatch (${what}): the file was changed or damaged; retrain or restore it`);
  }
}

/** The weight bytes of artifacts: one buffer, or the concatenation of several. */
function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  if (!Array.isArray(data)) return new Uint8Array(data);
  const out = new Uint8Array(data.reduce((s, b) => s + b.byteLength, 0));
  let offset = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out;
}

/** A network's model.json: its topology and one weights group naming weights.bin. */
function networkJson(a: tf.io.ModelArtifacts): string {
  return JSON.stringify({
    modelTopology: a.modelTopology,
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
    weightsManifest: [{ paths: [NETWORK_FILES.weights], weights: a.weightSpecs ?? [] }],
  });
}

/** Reads one file of a model folder by its path there ('decoder/weights.bin'); a missing file is a CheckpointError naming it. */
export type ModelFileReader = (path: string) => Promise<Uint8Array>;

/**
 * Reads a network of a saved model folder (its model.json and the weight files it names): model.json
 * must parse and the weights' size match its manifest (the more telling messages come first), then
 * each file must match vaekit.json's checksums ({@link checkModelFile}).
 * @param description - the folder's vaekit.json
 * @param name - 'encoder' or 'decoder'
 * @param read - reads a file of the folder
 * @param where - a file's location for messages (a path or URL), from its path in the folder
 * @throws CheckpointError naming the file that is missing, damaged or not a TensorFlow.js model.json
 */
export async function readNetworkFiles(
  description: ModelDescription,
  name: (typeof NETWORK_FOLDERS)[number],
  read: ModelFileReader,
  where: (path: string) => string,
): Promise<tf.io.ModelArtifacts> {
  const jsonPath = `${name}/${NETWORK_FILES.model}`;
  const jsonBytes = await read(jsonPath);
  let json: {
    modelTopology: object;
    weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
    format?: string;
    generatedBy?: string;
    convertedBy?: string;
  };
  try {
    json = JSON.parse(new TextDecoder().decode(jsonBytes));
    if (!Array.isArray(json.weightsManifest)) throw new Error('no weightsManifest');
  } catch (cause) {
    throw new CheckpointError(`${where(jsonPath)}: expected a TensorFlow.js model.json, got ${(cause as Error).message}`, { cause });
  }
  checkModelFile(description, jsonPath, jsonBytes, where(jsonPath));
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const paths = json.weightsManifest.flatMap((g) => g.paths).map((p) => `${name}/${p}`);
  const parts: Uint8Array[] = [];
  for (const path of paths) parts.push(await read(path));
  const bytes = new Uint8Array(parts.reduce((s, b) => s + b.length, 0));
  let offset = 0;
  for (const b of parts) {
    bytes.set(b, offset);
    offset += b.length;
  }
  const expected = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (bytes.length !== expected) {
    const path = `${name}/${NETWORK_FILES.weights}`;
    throw new CheckpointError(`${where(path)}: expected ${expected} bytes of weights, got ${bytes.length} (truncated or corrupt)`);
  }
  paths.forEach((path, i) => checkModelFile(description, path, parts[i], where(path)));
  return {
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData: bytes.buffer as ArrayBuffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
  };
}

/**
 * The files of a saved model folder, by path relative to the folder ('vaekit.json',
 * 'encoder/model.json', 'encoder/weights.bin', 'decoder/model.json', 'decoder/weights.bin'), with
 * vaekit.json's `files` holding the size and CRC-32 of the other four (replacing any the description had).
 * @param artifacts - a model's artifacts (`model.toArtifacts()`)
 * @returns path → bytes (JSON as UTF-8); new arrays, the caller's
 */
export function modelFolderFiles(artifacts: VaeArtifacts): Record<string, Uint8Array> {
  const utf8 = new TextEncoder();
  const files: Record<string, Uint8Array> = {};
  for (const name of NETWORK_FOLDERS) {
    const a = artifacts[name];
    files[`${name}/${NETWORK_FILES.model}`] = utf8.encode(networkJson(a));
    files[`${name}/${NETWORK_FILES.weights}`] = weightBytes(a.weightData);
  }
  const checksums = Object.fromEntries(Object.entries(files).map(([path, bytes]) => [path, fileChecksum(bytes)]));
  files[MODEL_JSON] = utf8.encode(JSON.stringify({ ...artifacts.description, files: checksums }, null, 2) + '\n');
  return files;
}
