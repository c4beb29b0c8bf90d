/**
 * Samples of a VAE run with their conditions: decoder means E[x | z, c] for latents z [n, Z] (from
 * the prior or a fitted mixture) and the conditions the command asks for.
 *   unconditional        x̂_i = E[x | z_i]
 *   --condition k        x̂_i = E[x | z_i, one-hot(k)]                        (a label run)
 *   class grid           x̂_{k,i} = E[x | z_i, one-hot(k)], row k = class k    (a label run: --grid, or no --condition)
 *   --condition a=…      x̂_i = E[x | z_i, c], c the z-scores of the values    (a columns run)
 *   columns, no value    x̂_i = E[x | z_i, c_i], c_i the condition of a training row drawn with the
 *                        seed: samples of p(x) = Σ_c p(x|c) p̂(c), p̂ the training conditions
 * A grid uses the same z_i in every row, so a column shows one z under every class: what the class
 * changes, with the style z held fixed (Sohn, Lee & Yan 2015; Kingma et al. 2014, fig. 1).
 */
import * as tf from '@tensorflow/tfjs';
import { isImageShape, type Dataset } from '../../data/dataset.js';
import { rawUnits, Standardizer } from '../../data/standardize.js';
import { ConfigError, DataError, setting } from '../../errors.js';
import { priorNoise } from '../../math/noise.js';
import { deriveRng } from '../../math/rng.js';
import { decodeMean } from '../../models/generate.js';
import type { LatentVariableModel } from '../../models/latent-model.js';
import { imageGrid, type ImageShape } from '../../render/grid.js';
import { writeFileAtomic } from '../formats/atomic.js';
import { writePngFile } from '../formats/png.js';
import type { RunCondition } from './config.js';
import { tableCsv } from './table-csv.js';
import { classGridConditions, conditionText, conditionVector, repeatRows, requireLabelCondition, type ConditionValue } from './conditions.js';

/** Samples per row of a class grid when the number is not given. */
export const CLASS_GRID_DEFAULT_PER_ROW = 8;

/** What to condition samples on. */
export interface SampleConditionOptions {
  /** A class (label runs) or column values in raw units (columns runs); all samples share it. */
  condition?: ConditionValue;
  /** Label runs: one row per class, the same latents in every row (the default without `condition`). */
  grid?: boolean;
  /** Columns runs without `condition`: the training examples whose conditions are drawn. */
  trainingConditions?: () => Dataset;
  /** The run's `data.scale`: condition values and CSV rows in raw units divide / multiply by it. Default 1. */
  scale?: number;
}

/** Decoded samples and how to lay them out. */
export interface ConditionedSamples {
  /** Decoder means [N, D], N = numRows. */
  values: Float32Array;
  numRows: number;
  /** Columns of the picture: n for a class grid (one row per class), else ⌈√N⌉. */
  cols: number;
  /** The conditions per sample for a table's CSV lead cells (header and cells), raw units; absent when unconditional. */
  lead?: { header: string[]; cells: (i: number) => string[] };
  /** One line on what the samples were conditioned on; absent when unconditional. */
  note?: string;
  /** True for a class grid. */
  isGrid: boolean;
}

/** True when samples of this run are a class grid unless a condition is given. */
export function isClassGrid(condition: RunCondition | undefined, opts: SampleConditionOptions): boolean {
  return Boolean(opts.grid) || (condition?.kind === 'label' && opts.condition === undefined);
}

/**
 * Decodes latents under the conditions asked for.
 * @param z - latents [n, Z], row-major
 * @throws ConfigError for a condition or grid on an unconditional run, a grid on a columns run, or a bad condition
 */
async function decodeWithConditions(
  model: LatentVariableModel,
  condition: RunCondition | undefined,
  z: Float32Array,
  n: number,
  seed: number,
  opts: SampleConditionOptions,
): Promise<ConditionedSamples> {
  const cDim = model.conditionDim;
  if (cDim === 0) {
    if (opts.condition !== undefined) conditionVector(undefined, opts.condition);
    if (opts.grid) throw new ConfigError(`${setting('grid')}: one row per class needs a conditional VAE; the run's VAE is unconditional`);
    return { values: await decode(model, z, n, null), numRows: n, cols: Math.ceil(Math.sqrt(n)), isGrid: false };
  }
  if (isClassGrid(condition, opts)) {
    const numClasses = requireLabelCondition(condition, 'grid');
    if (opts.condition !== undefined) throw new ConfigError(`${setting('grid')}: one row per class, not with ${setting('condition', String(opts.condition))}`);
    const tiled = new Float32Array(numClasses * z.length); // [C·n, Z]
    for (let k = 0; k < numClasses; k++) tiled.set(z, k * z.length);
    const values = await decode(model, tiled, numClasses * n, classGridConditions(numClasses, n));
    return {
      values,
      numRows: numClasses * n,
      cols: n,
      isGrid: true,
      lead: { header: ['class'], cells: (i) => [String(Math.floor(i / n))] },
      note: `condition: one row per class (classes 0 to ${numClasses - 1}, ${n} samples each; each column one z under every class)`,
    };
  }
  if (opts.condition !== undefined) {
    const c = conditionVector(condition, opts.condition, opts.scale ?? 1); // [C]
    const values = await decode(model, z, n, repeatRows(c, n));
    return {
      values,
      numRows: n,
      cols: Math.ceil(Math.sqrt(n)),
      isGrid: false,
      lead: leadCells(condition!, repeatRows(c, n), opts.scale ?? 1),
      note: `condition: ${shown(opts.condition)}`,
    };
  }
  // A columns run without a condition: each sample takes the condition of a training row drawn with the seed.
  const train = opts.trainingConditions?.();
  if (!train?.conditions || train.numExamples === 0) {
    throw new DataError(`${setting('condition')}: no training conditions to draw from; give the condition columns' values (${conditionText(condition)})`);
  }
  const rng = deriveRng(seed, 'sample-conditions');
  const c = new Float32Array(n * cDim); // [n, C]
  for (let i = 0; i < n; i++) {
    const row = rng.nextInt(train.numExamples);
    c.set(train.conditions.subarray(row * cDim, (row + 1) * cDim), i * cDim);
  }
  return {
    values: await decode(model, z, n, c),
    numRows: n,
    cols: Math.ceil(Math.sqrt(n)),
    isGrid: false,
    lead: leadCells(condition!, c, opts.scale ?? 1),
    note: `condition: each sample's drawn from the ${train.numExamples} training rows (seed ${seed}): samples of p(x) = Σ_c p(x|c) p̂(c)`,
  };
}

/** E[x | z, c] [n, D] read back. */
async function decode(model: LatentVariableModel, z: Float32Array, n: number, c: Float32Array | null): Promise<Float32Array> {
  const t = tf.tidy(() => decodeMean(model, tf.tensor2d(z, [n, model.latentDim]), c ? tf.tensor2d(c, [n, model.conditionDim]) : undefined)); // [n, D]
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/** A condition value as the user wrote it. */
function shown(v: ConditionValue): string {
  return typeof v === 'number'
    ? `class ${v}`
    : Object.entries(v)
        .map(([k, x]) => `${k}=${x}`)
        .join(', ');
}

/** CSV lead cells of the conditions c [N, C]: the class, or the condition columns in raw units. */
function leadCells(condition: RunCondition, c: Float32Array, scale: number): { header: string[]; cells: (i: number) => string[] } {
  if (condition.kind === 'label') {
    const k = condition.numClasses!;
    return { header: ['class'], cells: (i) => [String(c.subarray(i * k, (i + 1) * k).indexOf(1))] };
  }
  const raw = rawUnits(c, Standardizer.fromJSON(condition.standardization), scale); // [N, C], raw units
  const m = condition.columns.length;
  return { header: [...condition.columns], cells: (i) => Array.from(raw.subarray(i * m, (i + 1) * m), (v) => String(Number(v.toPrecision(7)))) };
}

/** z ~ N(0, temperature² I) [n, Z], the prior draws of `sampleFromPrior` with this seed, read back. */
export async function priorLatents(model: LatentVariableModel, n: number, seed: number, temperature = 1): Promise<Float32Array> {
  const z = priorNoise(n, model.latentDim, seed, temperature); // [n, Z]
  try {
    return (await z.data()) as Float32Array;
  } finally {
    z.dispose();
  }
}

/**
 * Decodes latents under the conditions asked for and writes them: a PNG grid (images), or CSV in
 * raw units with the conditions as lead columns (tables).
 * @param z - latents [n, Z]
 * @returns the samples written
 */
export async function writeConditionedSamples(
  model: LatentVariableModel,
  condition: RunCondition | undefined,
  z: Float32Array,
  n: number,
  seed: number,
  opts: SampleConditionOptions,
  target: { file: string; csv?: string; standardizer: Standardizer | null; scale?: number },
): Promise<ConditionedSamples & { files: string[] }> {
  const s = await decodeWithConditions(model, condition, z, n, seed, opts);
  const files: string[] = [];
  if (isImageShape(model.inputShape)) {
    await writePngFile(target.file, imageGrid(s.values, s.numRows, model.inputShape as ImageShape, { cols: s.cols }));
    files.push(target.file);
    if (target.csv) {
      await writeFileAtomic(target.csv, tableCsv(s.values, model.dataDim, null, s.lead?.header ?? [], s.lead?.cells));
      files.push(target.csv);
    }
  } else {
    const file = target.csv ?? target.file;
    await writeFileAtomic(file, tableCsv(s.values, model.dataDim, target.standardizer, s.lead?.header ?? [], s.lead?.cells, null, target.scale ?? 1));
    files.push(file);
  }
  return { ...s, files };
}
