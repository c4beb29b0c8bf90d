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
 * Browser-safe: no `node:*` imports. `tf.loadLayersModel('…/encoder/model.json')` reads a network.
 */
import type * as tf from '@tensorflow/tfjs';
import type { VaeArtifacts } from '../models/description.js';

/** The description's file name in a model folder. */
export const MODEL_JSON = 'vaekit.json';

/** The networks' folders in a model folder, and the two files of each. */
export const NETWORK_FOLDERS = ['encoder', 'decoder'] as const;
export const NETWORK_FILES = { model: 'model.json', weights: 'weights.bin' } as const;

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

/**
 * The files of a saved model folder, by path relative to the folder ('vaekit.json',
 * 'encoder/model.json', 'encoder/weights.bin', 'decoder/model.json', 'decoder/weights.bin').
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
  files[MODEL_JSON] = utf8.encode(JSON.stringify(artifacts.description, null, 2) + '\n');
  return files;
}
