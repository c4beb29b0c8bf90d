/**
 * Training checkpoints: one binary file holding everything needed to continue a run exactly:
 * model weights, Adam's slots, the trainer state (epoch, step within the epoch, history, early-
 * stopping counters), the model description and the training options. Randomness needs no saved
 * state: every stream is derived from (seed, purpose, epoch, step) (src/math/rng.ts).
 *
 * Layout: 'VAEKITCK' (8 bytes) | header length (uint32 LE) | header JSON (UTF-8, padded to 4 bytes)
 *         | float32 data. The header lists each tensor's group, name, shape and offset, and a CRC-32
 *         of the data, so truncation and corruption are detected on read.
 * Written atomically (temporary file + fsync + rename): a process killed while writing leaves the
 * previous checkpoint readable.
 */
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { CheckpointError } from '../../errors.js';
import type { ModelDescription } from '../../models/description.js';
import { modelFromDescription } from '../../models/index.js';
import type { LatentVariableModel } from '../../models/latent-model.js';
import type { ResolvedTrainOptions } from '../../training/options.js';
import { migrateTrainerState, type TrainerState } from '../../training/state.js';
import type { OptimizerWeights } from '../../training/trainer.js';
import { writeFileAtomic } from './atomic.js';

export const CHECKPOINT_FORMAT = 'vaekit-checkpoint';
export const CHECKPOINT_VERSION = 1;
const MAGIC = Buffer.from('VAEKITCK', 'latin1');

interface TensorEntry {
  group: 'encoder' | 'decoder' | 'optimizer';
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

interface Header {
  format: string;
  version: number;
  savedAt: string;
  description: ModelDescription;
  trainOptions: ResolvedTrainOptions;
  state: TrainerState;
  /** Free-form run information the caller wants back on resume (data source, backend…). */
  extra: Record<string, unknown>;
  tensors: TensorEntry[];
  dataBytes: number;
  crc32: number;
}

export interface Checkpoint {
  description: ModelDescription;
  trainOptions: ResolvedTrainOptions;
  state: TrainerState;
  extra: Record<string, unknown>;
  /** Rebuilds the model (its kind from the description) with the saved weights. Caller disposes. */
  restoreModel(): Promise<LatentVariableModel>;
  /** Adam's slots as tfjs's `optimizer.setWeights` wants them. Caller disposes (setWeights copies). */
  optimizerWeights(): OptimizerWeights;
  savedAt: string;
}

/**
 * Writes a checkpoint atomically.
 * @throws VaeError when the file cannot be written (the previous checkpoint is left as it was)
 */
export async function writeCheckpoint(
  path: string,
  c: { model: LatentVariableModel; optimizer: tf.Optimizer; state: TrainerState; trainOptions: ResolvedTrainOptions; extra?: Record<string, unknown> },
): Promise<void> {
  const groups: Array<[TensorEntry['group'], Array<{ name: string; tensor: tf.Tensor }>]> = [
    ['encoder', c.model.encoder.weights.map((w, i) => ({ name: w.originalName ?? String(i), tensor: w.read() }))],
    ['decoder', c.model.decoder.weights.map((w, i) => ({ name: w.originalName ?? String(i), tensor: w.read() }))],
    ['optimizer', await c.optimizer.getWeights()],
  ];
  const tensors: TensorEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [group, list] of groups) {
    for (const { name, tensor } of list) {
      const values = (await tensor.data()) as Float32Array;
      const f32 = values instanceof Float32Array ? values : Float32Array.from(values);
      tensors.push({ group, name, shape: tensor.shape, offset, length: f32.length });
      chunks.push(f32);
      offset += f32.length * 4;
    }
  }
  const data = Buffer.concat(chunks.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
  tf.dispose(groups[2][1].filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor)); // getWeights' fresh iterations scalar; the slots stay the optimizer's
  const header: Header = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    savedAt: new Date().toISOString(),
    description: await c.model.describe(),
    trainOptions: c.trainOptions,
    state: c.state,
    extra: c.extra ?? {},
    tensors,
    dataBytes: data.length,
    crc32: crc32(data),
  };
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - (json.length % 4)) % 4;
  json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  await writeFileAtomic(path, Buffer.concat([MAGIC, len, json, data]));
}

/**
 * Reads and verifies a checkpoint.
 * @throws CheckpointError naming the file and the problem (missing, not a checkpoint, unknown
 *   version, truncated, checksum mismatch)
 */
export async function readCheckpoint(path: string): Promise<Checkpoint> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (cause) {
    const e = cause as NodeJS.ErrnoException;
    throw new CheckpointError(`${path}: ${e.code === 'ENOENT' ? 'no such checkpoint file' : e.message}`, { cause });
  }
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) {
    throw new CheckpointError(`${path}: expected a vaekit checkpoint (magic 'VAEKITCK'), got ${JSON.stringify(buf.subarray(0, 8).toString('latin1'))}`);
  }
  const headerLen = buf.readUInt32LE(8);
  if (12 + headerLen > buf.length) throw new CheckpointError(`${path}: truncated header (expected ${headerLen} bytes, file has ${buf.length - 12})`);
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(12, 12 + headerLen).toString('utf8'));
  } catch (cause) {
    throw new CheckpointError(`${path}: corrupt header (${(cause as Error).message})`, { cause });
  }
  if (header.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${path}: expected format '${CHECKPOINT_FORMAT}', got '${header.format}'`);
  if (header.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(`${path}: expected checkpoint version ${CHECKPOINT_VERSION}, got ${header.version}`);
  }
  const data = buf.subarray(12 + headerLen);
  if (data.length !== header.dataBytes) {
    throw new CheckpointError(`${path}: expected ${header.dataBytes} bytes of tensor data, got ${data.length} (truncated)`);
  }
  if (crc32(data) !== header.crc32) throw new CheckpointError(`${path}: checksum mismatch (the file is corrupt)`);
  const aligned = new Float32Array(data.length / 4);
  new Uint8Array(aligned.buffer).set(data);
  const tensorsOf = (group: TensorEntry['group']) =>
    header.tensors
      .filter((t) => t.group === group)
      .map((t) => ({ name: t.name, tensor: tf.tensor(aligned.subarray(t.offset / 4, t.offset / 4 + t.length), t.shape, 'float32') }));

  return {
    description: header.description,
    trainOptions: header.trainOptions,
    state: migrateTrainerState(header.state),
    extra: header.extra,
    savedAt: header.savedAt,
    optimizerWeights: () => tensorsOf('optimizer'),
    async restoreModel() {
      const model = modelFromDescription(header.description);
      for (const [group, network] of [
        ['encoder', model.encoder],
        ['decoder', model.decoder],
      ] as const) {
        const ts = tensorsOf(group);
        if (ts.length !== network.weights.length) {
          model.dispose();
          tf.dispose(ts.map((t) => t.tensor));
          throw new CheckpointError(`${path}: expected ${network.weights.length} ${group} tensors, got ${ts.length}`);
        }
        network.setWeights(ts.map((t) => t.tensor));
        tf.dispose(ts.map((t) => t.tensor));
      }
      return model;
    },
  };
}
