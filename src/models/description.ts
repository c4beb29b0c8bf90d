/**
 * A saved model's self-description (vaekit.json) and its artifacts in memory: the format a model
 * store writes and reads, and every model kind shares.
 */
import type * as tf from '@tensorflow/tfjs';
import type { StandardizerJSON } from '../data/standardize.js';
import type { HvaeConfig } from './hvae.js';
import type { VaeConfig } from './vae-config.js';

/** Format tag and version of a saved model's vaekit.json. */
export const MODEL_FORMAT = 'vaekit-model';
export const MODEL_FORMAT_VERSION = 1;

/** The description's file name in a saved model folder. */
export const MODEL_JSON = 'vaekit.json';

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
  /**
   * A conditional model (conditionDim C > 0): what its condition c [C] means. 'label': c is the
   * class label one-hot, class k named classNames[k] (from `labelColumn` of a table); 'columns': c
   * holds these table columns, z-scored by `standardization` (after the division by `scale`).
   */
  condition?: ConditionDescription;
}

/** What a conditional model's c means, saved with it (see {@link Preprocessing.condition}). */
export type ConditionDescription =
  { kind: 'label'; numClasses: number; classNames: string[]; labelColumn?: string } | { kind: 'columns'; columns: string[]; standardization: StandardizerJSON };

/** Everything about a saved model that is not a weight: the self-description of the folder. */
export interface ModelDescription {
  format: typeof MODEL_FORMAT;
  version: number;
  /** The model's config; `config.kind` picks the model class in the model registry. */
  config: VaeConfig | HvaeConfig;
  preprocessing?: Preprocessing;
  /** Where and how it was trained (dataset, epochs, seed, backend, vaekit version, dates). */
  provenance?: Record<string, unknown>;
  /** Final figures, e.g. { testLoss: 104.9 } in nats per example. */
  metrics?: Record<string, number | null>;
  /**
   * Each network file's size in bytes and CRC-32 (8 hex digits), by its path in the folder
   * ('decoder/weights.bin'); written by src/io/model-files.ts, checked on load. Absent in folders
   * saved by vaekit 0.1.0.
   */
  files?: Record<string, FileChecksum>;
}

/** A file's size in bytes and its CRC-32 (IEEE) as 8 lower-case hex digits. */
export interface FileChecksum {
  bytes: number;
  crc32: string;
}

/** The tfjs parts of a saved model, in memory: what a store writes and reads. */
export interface VaeArtifacts {
  description: ModelDescription;
  encoder: tf.io.ModelArtifacts;
  decoder: tf.io.ModelArtifacts;
}
