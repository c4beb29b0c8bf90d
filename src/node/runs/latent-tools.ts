/**
 * The latent space of a saved VAE run, as pictures (or CSV in raw units for a table run):
 *   interpolateRun  RUN/interpolation.png   decoder means on the path between two test examples' codes
 *   traverseRun     RUN/traversal.png       one row per latent dimension, ordered by its KL
 *   attributeRun    RUN/attribute.png       a test example moved along a labelled attribute vector
 *   mapRun          RUN/latent-map.svg      test codes in 2-D coloured by label; for Z = 2 RUN/manifold.png
 *   encodeRun       RUN/latents-<split>-<method>.csv   each example's code (encoder mean or MAP) and J before/after
 *   reconstructMapRun  RUN/reconstructions-test.png    test examples beside E[x | z = ẑ(x)], the MAP code decoded
 * Examples are the run's test split (its limit, scaling, standardisation and evaluation binarisation);
 * attribute vectors come from its training split. VAE runs only: a linear run has no decoder network.
 * A conditional VAE encodes each example under its own condition and decodes under it (interpolation:
 * the condition moves with the code, c_s = lerp(c_from, c_to; t)); codes not of an example (a
 * traversal around 0, the manifold) decode under `condition`, default class 0 or the training mean of
 * the condition columns.
 * Codes are the encoder means μ(x), or with method 'map' the posterior modes ẑ(x) found by Adam from
 * μ(x) (src/latent/map-encode.ts; Prince §17.8.3, resynthesis option ii).
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { isImageShape, takeFirst, type Dataset } from '../../data/dataset.js';
import { Standardizer } from '../../data/standardize.js';
import { gatherBatch } from '../../data/batch.js';
import { ConfigError, DataError, setting } from '../../errors.js';
import { dimensionsByKl, latentStatistics } from '../../evaluation/latent-stats.js';
import { encodeMeans } from '../../latent/aggregated-posterior.js';
import { encodeDataset, ENCODE_METHODS, mapEncode, type EncodeMethod } from '../../latent/map-encode.js';
import { applyAttribute, attributeVector } from '../../latent/attribute.js';
import { interpolate, resolveInterpolateOptions, type InterpolationMethod } from '../../latent/interpolate.js';
import { LATENT_GRID_DEFAULTS, latentGrid } from '../../latent/manifold.js';
import { projectLatents } from '../../latent/projection.js';
import { resolveTraverseOptions, traversalOffsets, traverse } from '../../latent/traverse.js';
import { decodeMean } from '../../models/generate.js';
import { loadModel } from '../../models/index.js';
import type { LatentVariableModel } from '../../models/latent-model.js';
import { imageGrid, type ImageShape } from '../../render/grid.js';
import { latentMapSpec } from '../../render/latent-map.js';
import { check, expectThat, finiteNumber, intAtLeast, oneOf } from '../../validate.js';
import { writeFileAtomic } from '../formats/atomic.js';
import { csvText } from '../formats/csv.js';
import { fsModelStore } from '../formats/model-store.js';
import { renderSpecToSvg } from '../formats/plot.js';
import { writePngFile } from '../formats/png.js';
import type { VaeRunConfig } from './config.js';
import { noRunHere, vaeModelFolder } from './folder.js';
import { readRun, type SavedRun } from './kinds.js';
import type { ReconstructOptions, RunReconstructions } from './results.js';
import { loadRunSplit, type Split } from './run-data.js';
import { reconstructVaeRun } from './vae-run.js';
import { conditionVector, type ConditionValue } from './conditions.js';
import { tableCsv } from './table-csv.js';

/** Default file names in the run folder (a table run writes .csv instead of .png). */
export const LATENT_TOOL_FILES = Object.freeze({
  interpolation: 'interpolation',
  traversal: 'traversal',
  attribute: 'attribute',
  map: 'latent-map.svg',
  manifold: 'manifold',
  latents: 'latents',
});

/** A file a command wrote: a PNG grid (images) or CSV in raw units under the column names (tables). */
export interface LatentToolFile {
  file: string;
  format: 'png' | 'csv';
}

/** What every command reports: the file, and the data its examples came from. */
export interface LatentToolResult extends LatentToolFile {
  /** The data source's name ('mnist') or path. */
  dataset: string;
}

/** Options of {@link interpolateRun}. */
export interface InterpolateRunOptions {
  /** Index of the first example in the run's test split. */
  from: number;
  /** Index of the second. */
  to: number;
  /** S, points on the path, both ends included. Default 10. */
  numSteps?: number;
  method?: InterpolationMethod;
  /** The file to write. Default RUN/interpolation.png (.csv for a table). */
  out?: string;
}

export interface InterpolationResult extends LatentToolResult {
  from: number;
  to: number;
  /** The two examples' labels, null when unlabelled. */
  labels: [number | null, number | null];
  numSteps: number;
  method: InterpolationMethod;
}

/** Options of {@link traverseRun}. */
export interface TraverseRunOptions {
  /** The test example whose posterior mean μ(x) is the centre; default none (the centre is 0). */
  index?: number;
  /** The dimensions to show (rows are ordered by KL whatever the order given). Default all. */
  dims?: number[];
  /** Offsets in [−range, range]. Default 3. */
  range?: number;
  /** Offsets per row. Default 9. */
  numSteps?: number;
  /** Default RUN/traversal.png (.csv for a table). */
  out?: string;
  /** A conditional run without `index`: the condition the codes decode under (default class 0, or the condition columns' training means). */
  condition?: ConditionValue;
}

export interface TraversalResult extends LatentToolResult {
  /** The dimensions shown, in row order (largest KL first). */
  dims: number[];
  /** Mean KL per dimension over the test split [Z], nats per example. */
  klPerDimension: number[];
  /** Dimensions with Var_x(μ_u(x)) > 0.01 on the test split (Burda et al. 2016). */
  activeUnits: number;
  /** The centre's test example, or null for the prior's centre 0. */
  index: number | null;
  /** A conditional run: the condition decoded under, in words; null otherwise. */
  condition: string | null;
  range: number;
  numSteps: number;
}

/** Options of {@link attributeRun}. */
export interface AttributeRunOptions {
  /** A, the label the vector points from. */
  fromLabel: number;
  /** B, the label it points to. */
  toLabel: number;
  /** The test example to edit. */
  index: number;
  /** The largest α; the picture shows α = 0 … strength. Default 1 (the whole difference of the group means). */
  strength?: number;
  /** Strengths shown, an integer ≥ 2. Default 5. */
  numSteps?: number;
  /** Default RUN/attribute.png (.csv for a table). */
  out?: string;
  /** The codes: encoder means ('mean', the default) or posterior modes ('map'), of the groups and of the edited example. */
  method?: EncodeMethod;
  /** 'map': Adam steps per example and learning rate (defaults of MAP_ENCODE_DEFAULTS). */
  steps?: number;
  learningRate?: number;
}

export interface AttributeResult extends LatentToolResult {
  fromLabel: number;
  toLabel: number;
  /** Training examples in each group. */
  numFrom: number;
  numTo: number;
  /** ‖v‖, z units. */
  vectorNorm: number;
  index: number;
  /** The example's own label, null when unlabelled. */
  label: number | null;
  /** α_s [S]. */
  strengths: number[];
  /** How the codes were found. */
  method: EncodeMethod;
}

/** Options of {@link mapRun}. */
export interface MapRunOptions {
  /** The first N test examples plotted (and, for Z > 2, projected). Default 2000. */
  numExamples?: number;
  /** Default RUN/latent-map.svg. */
  out?: string;
  /** Z = 2: the manifold grid's file. Default RUN/manifold.png (.csv for a table). */
  manifoldOut?: string;
  /** Z = 2: codes per side of the manifold grid. Default 20. */
  gridSize?: number;
  /** A conditional run: the condition the manifold decodes under (default class 0, or the condition columns' training means). */
  condition?: ConditionValue;
}

export interface MapResult {
  /** The SVG file. */
  file: string;
  dataset: string;
  numExamples: number;
  /** 'identity' (the codes, Z ≤ 2) or 'pca' (the first two principal directions). */
  method: 'identity' | 'pca';
  /** PCA: the share of the codes' variance on each axis [2]; null otherwise. */
  explainedVarianceRatio: number[] | null;
  hasLabels: boolean;
  /** Z = 2: the decoded grid; null otherwise. */
  manifold: LatentToolFile | null;
  /** A conditional run with a manifold: the condition it decodes under, in words; null otherwise. */
  condition: string | null;
}

export const MAP_DEFAULTS = Object.freeze({ numExamples: 2000 });
export const ATTRIBUTE_RUN_DEFAULTS = Object.freeze({ strength: 1, numSteps: 5 });

/** The run, refused unless it is a VAE run. @throws ConfigError naming the command */
async function vaeRun(run: string | SavedRun, command: string): Promise<{ dir: string; config: VaeRunConfig }> {
  const { dir, config } = typeof run === 'string' ? await readRun(run) : run;
  if (config.kind !== 'vae-run') {
    throw new ConfigError(`${command}: ${dir} is a linear '${config.model.kind}' run; ${command} is for VAE runs (it needs an encoder and a decoder network)`);
  }
  return { dir, config };
}

/** Loads the run's model and runs `f` with it, disposing it after. */
async function withVae<T>(dir: string, command: string, f: (model: LatentVariableModel) => Promise<T>): Promise<T> {
  const folder = vaeModelFolder(dir);
  if (!folder) throw noRunHere(dir);
  const model = await loadModel(folder, fsModelStore);
  try {
    return await f(model);
  } finally {
    model.dispose();
  }
}

/** The run's test split, refused when empty. @throws DataError */
function testExamples(cfg: VaeRunConfig, command: string): { name: string; ds: Dataset } {
  const split = loadRunSplit(cfg, 'test');
  if (split.ds.numExamples === 0) throw new DataError(`${command}: expected test examples in ${split.name}, got none`);
  return split;
}

/** `index` checked against the test split's size. @throws ConfigError naming the setting */
function exampleIndex(field: string, index: number, ds: Dataset): number {
  const n = ds.numExamples;
  expectThat(Number.isInteger(index) && index >= 0 && index < n, field, `an example index in [0, ${n - 1}] (the run's ${n} test examples)`, index);
  return index;
}

/** Example `i` as a tensor [1, D]; caller disposes. */
const exampleTensor = (ds: Dataset, i: number) => tf.tensor2d(ds.x.subarray(i * ds.dataDim, (i + 1) * ds.dataDim), [1, ds.dataDim]);

/** A conditional model's condition of example `i` [1, C] (its conditions, or its label one-hot); undefined for an unconditional one. Caller disposes. */
function exampleCondition(model: LatentVariableModel, ds: Dataset, i: number): tf.Tensor2D | undefined {
  const c = gatherBatch(ds, [i], 0, 1, { conditionDim: model.conditionDim }).c; // [1, C]
  return c && tf.tensor2d(c, [1, model.conditionDim]);
}

/**
 * A conditional model's condition for codes of no example [1, C]: the one asked for, else class 0
 * (a label run) or the condition columns' training means (0 in standardised units); with its words.
 * @throws ConfigError for a condition on an unconditional run or a bad one
 */
function chosenCondition(model: LatentVariableModel, cfg: VaeRunConfig, value: ConditionValue | undefined): { c?: Float32Array; text: string | null } {
  const condition = cfg.data.condition;
  if (model.conditionDim === 0) {
    if (value !== undefined) conditionVector(undefined, value);
    return { text: null };
  }
  if (value !== undefined)
    return { c: conditionVector(condition, value, cfg.data.scale), text: typeof value === 'number' ? `class ${value}` : JSON.stringify(value) };
  if (condition?.kind === 'label') return { c: conditionVector(condition, 0), text: 'class 0' };
  return { c: new Float32Array(model.conditionDim), text: 'the condition columns at their training means' };
}

/** Reads a tensor back and disposes it. */
async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/** Where a command writes: `out`, else RUN/<stem>.png for images or .csv for a table. */
function outputOf(model: LatentVariableModel, dir: string, stem: string, out: string | undefined): LatentToolFile {
  const format = isImageShape(model.inputShape) ? 'png' : 'csv';
  return { file: out ?? join(dir, `${stem}.${format}`), format };
}

/** Writes rows [N, D] of model units: a PNG grid of `cols` columns, or CSV in raw units with lead cells. */
async function writeRows(
  target: LatentToolFile,
  cfg: VaeRunConfig,
  model: LatentVariableModel,
  rows: Float32Array,
  cols: number,
  leadHeader: string[],
  lead: (i: number) => string[],
): Promise<void> {
  const n = rows.length / model.dataDim;
  if (target.format === 'png') {
    await writePngFile(target.file, imageGrid(rows, n, model.inputShape as ImageShape, { cols }));
    return;
  }
  const st = cfg.data.standardization;
  await writeFileAtomic(target.file, tableCsv(rows, model.dataDim, st ? Standardizer.fromJSON(st) : null, leadHeader, lead, null, cfg.data.scale));
}

/** A number for a CSV lead cell or a message: at most 6 significant digits. */
const short = (v: number) => String(Number(v.toPrecision(6)));

/**
 * The decoder means on the path between the posterior means of two test examples, written with the
 * two examples at the ends: a PNG strip [x_from, x̂_0 … x̂_{S−1}, x_to], or for a table CSV
 * `what,t,<columns>` in raw units (what = data | interpolation).
 *   z_s = lerp or slerp(μ(x_from), μ(x_to); s/(S − 1)),  x̂_s = E[x | z_s]
 * @throws ConfigError for a linear run or an index outside the test split (naming
 *   `from` or `to`); DataError for an empty test split; CheckpointError for a folder without a run
 * @see White 2016, §2.1 (slerp); Prince, Understanding Deep Learning, §17.8.3
 */
export async function interpolateRun(run: string | SavedRun, opts: InterpolateRunOptions): Promise<InterpolationResult> {
  const { dir, config } = await vaeRun(run, 'interpolate');
  const { numSteps, method } = resolveInterpolateOptions({ numSteps: opts.numSteps, method: opts.method });
  return withVae(dir, 'interpolate', async (model) => {
    const { name, ds } = testExamples(config, 'interpolate');
    const from = exampleIndex('from', opts.from, ds);
    const to = exampleIndex('to', opts.to, ds);
    const d = ds.dataDim;
    const path = tf.tidy(() => {
      const [c0, c1] = [exampleCondition(model, ds, from), exampleCondition(model, ds, to)];
      return interpolate(model, exampleTensor(ds, from), exampleTensor(ds, to), { numSteps, method }, c0 && c1 && { c0, c1 }).mean; // [S, D]
    });
    const means = await readAndDispose(path);
    const rows = new Float32Array((numSteps + 2) * d); // [S + 2, D]
    rows.set(ds.x.subarray(from * d, (from + 1) * d), 0);
    rows.set(means, d);
    rows.set(ds.x.subarray(to * d, (to + 1) * d), (numSteps + 1) * d);
    const target = outputOf(model, dir, LATENT_TOOL_FILES.interpolation, opts.out);
    const lead = (i: number) => (i === 0 ? ['data', '0'] : i === numSteps + 1 ? ['data', '1'] : ['interpolation', short((i - 1) / (numSteps - 1))]);
    await writeRows(target, config, model, rows, numSteps + 2, ['what', 't'], lead);
    const label = (i: number) => (ds.labels ? ds.labels[i] : null);
    return { ...target, dataset: name, from, to, labels: [label(from), label(to)], numSteps, method };
  });
}

/**
 * A latent traversal: one row per dimension, ordered by the dimension's mean KL over the test split
 * (largest first, so collapsed dimensions sit at the bottom), each varying that dimension over
 * [−range, range] around μ(x_index), or around 0 without an index. A PNG grid of S columns, or for a
 * table CSV `dim,kl,offset,<columns>` in raw units.
 *   z_{r,s} = centre + v_s e_{dims[r]},  v_s = −range + 2·range·s/(S − 1)
 * @throws ConfigError for a linear run, an index outside the test split (`index`) or
 *   dimensions outside [0, Z − 1] (`dims`); DataError for an empty test split
 * @see Higgins et al. 2017 (traversals); Burda et al. 2016, §5.2 (active units)
 */
export async function traverseRun(run: string | SavedRun, opts: TraverseRunOptions = {}): Promise<TraversalResult> {
  const { dir, config } = await vaeRun(run, 'traverse');
  return withVae(dir, 'traverse', async (model) => {
    const asked = resolveTraverseOptions(model.latentDim, { dims: opts.dims, range: opts.range, numSteps: opts.numSteps });
    const { name, ds } = testExamples(config, 'traverse');
    const index = opts.index === undefined ? null : exampleIndex('index', opts.index, ds);
    const stats = await latentStatistics(model, ds);
    const dims = dimensionsByKl(stats.klPerDimension).filter((u) => asked.dims.includes(u));
    if (index !== null && opts.condition !== undefined) {
      throw new ConfigError(`${setting('condition')}: the traversal decodes under the condition of example ${setting('index', index)}; give one of them`);
    }
    const chosen = index === null ? chosenCondition(model, config, opts.condition) : { text: model.conditionDim > 0 ? `that of test example ${index}` : null };
    const mean = tf.tidy(() => {
      const c = index === null ? chosen.c && tf.tensor2d(chosen.c, [1, model.conditionDim]) : exampleCondition(model, ds, index); // [1, C]
      const centre = index === null ? tf.zeros([1, model.latentDim]) : model.encode(exampleTensor(ds, index), c).mean; // [1, Z]
      return traverse(model, centre, { dims, range: asked.range, numSteps: asked.numSteps }, c).mean; // [R·S, D]
    });
    const rows = await readAndDispose(mean);
    const s = asked.numSteps;
    const offsets = traversalOffsets(asked.range, s);
    const target = outputOf(model, dir, LATENT_TOOL_FILES.traversal, opts.out);
    const lead = (i: number) => [String(dims[Math.floor(i / s)]), short(stats.klPerDimension[dims[Math.floor(i / s)]]), short(offsets[i % s])];
    await writeRows(target, config, model, rows, s, ['dim', 'kl', 'offset'], lead);
    return {
      ...target,
      dataset: name,
      dims,
      klPerDimension: stats.klPerDimension,
      activeUnits: stats.activeUnits,
      index,
      condition: chosen.text,
      range: asked.range,
      numSteps: s,
    };
  });
}

/**
 * Resynthesis with an attribute vector: v = m_B − m_A from the run's training examples labelled A and
 * B, added to the code of test example `index` at strengths α = 0 … strength; codes are encoder
 * means μ(x), or with method 'map' posterior modes ẑ(x) (the groups' and the example's). A PNG strip
 * [x, x̂(α_0) … x̂(α_{S−1})] (α_0 = 0 is the reconstruction), or for a table CSV `what,strength,<columns>`
 * in raw units (what = data | edited).
 *   z(α) = μ(x) + α v,  x̂(α) = E[x | z(α)]
 * @throws ConfigError for a linear run, the same label twice or an index outside the
 *   test split; DataError when the run's data has no labels or no training example has a label (naming
 *   `fromLabel` or `toLabel`)
 * @see Prince, Understanding Deep Learning, §17.8.3
 */
export async function attributeRun(run: string | SavedRun, opts: AttributeRunOptions): Promise<AttributeResult> {
  const { dir, config } = await vaeRun(run, 'attribute');
  const strength = check('strength', opts.strength ?? ATTRIBUTE_RUN_DEFAULTS.strength, finiteNumber);
  const numSteps = check('numSteps', opts.numSteps ?? ATTRIBUTE_RUN_DEFAULTS.numSteps, intAtLeast(2));
  const method = check('method', opts.method ?? 'mean', oneOf(ENCODE_METHODS));
  return withVae(dir, 'attribute', async (model) => {
    const { name, ds } = testExamples(config, 'attribute');
    const index = exampleIndex('index', opts.index, ds);
    const train = loadRunSplit(config, 'train').ds;
    if (!train.labels) {
      throw new DataError(
        `attribute: the training examples of ${name} have no labels; an attribute vector needs labelled groups (a table run needs a label column)`,
      );
    }
    const map = { steps: opts.steps, learningRate: opts.learningRate };
    const v = await attributeVector(model, train, { fromLabel: opts.fromLabel, toLabel: opts.toLabel, method, ...map });
    const strengths = Array.from({ length: numSteps }, (_, s) => (strength * s) / (numSteps - 1));
    const c = exampleCondition(model, ds, index); // [1, C]: the edited example's own condition
    const x = exampleTensor(ds, index); // [1, D]
    let mean: tf.Tensor2D; // [S, D]
    try {
      const code = method === 'map' ? (await mapEncode(model, x, { ...map, c })).z : tf.tidy(() => model.encode(x, c).mean); // [1, Z]
      mean = tf.tidy(() => applyAttribute(model, code, v.vector, strengths, c).mean);
      code.dispose();
    } finally {
      tf.dispose([x, ...(c ? [c] : [])]);
    }
    const edited = await readAndDispose(mean);
    const d = ds.dataDim;
    const rows = new Float32Array((numSteps + 1) * d); // [S + 1, D]
    rows.set(ds.x.subarray(index * d, (index + 1) * d), 0);
    rows.set(edited, d);
    const target = outputOf(model, dir, LATENT_TOOL_FILES.attribute, opts.out);
    const lead = (i: number) => (i === 0 ? ['data', ''] : ['edited', short(strengths[i - 1])]);
    await writeRows(target, config, model, rows, numSteps + 1, ['what', 'strength'], lead);
    return {
      ...target,
      dataset: name,
      fromLabel: v.fromLabel,
      toLabel: v.toLabel,
      numFrom: v.numFrom,
      numTo: v.numTo,
      vectorNorm: Math.hypot(...v.vector),
      index,
      label: ds.labels ? ds.labels[index] : null,
      strengths,
      method,
    };
  });
}

/**
 * The map of the latent space: the posterior means of the first N test examples in 2-D (the means
 * themselves for Z ≤ 2, their first two principal coordinates otherwise), coloured by label, as SVG;
 * for Z = 2 also the decoded manifold grid (a PNG, or for a table CSV `z1,z2,<columns>` in raw units).
 * @throws ConfigError for a linear run or a bad condition; DataError for an empty test split
 * @see Kingma & Welling 2014, fig. 4; Bishop 2006, §12.1
 */
export async function mapRun(run: string | SavedRun, opts: MapRunOptions = {}): Promise<MapResult> {
  const { dir, config } = await vaeRun(run, 'map');
  const limit = check('numExamples', opts.numExamples ?? MAP_DEFAULTS.numExamples, intAtLeast(1));
  const gridSize = check('gridSize', opts.gridSize ?? LATENT_GRID_DEFAULTS.numPerSide, intAtLeast(2));
  return withVae(dir, 'map', async (model) => {
    const { name, ds: all } = testExamples(config, 'map');
    const ds = takeFirst(all, Math.min(limit, all.numExamples));
    const means = await encodeMeans(model, ds); // [N, Z]
    const p = projectLatents(means, { numComponents: 2 });
    const ratio = p.explainedVarianceRatio ? Array.from(p.explainedVarianceRatio) : null;
    const axis = (k: number) => (p.method === 'pca' ? `principal direction ${k + 1} (${(100 * ratio![k]).toFixed(1)}% of the variance)` : `z${'₁₂'[k]}`);
    const spec = latentMapSpec(p.coords, p.numComponents as 1 | 2, means.labels, {
      title: `Latent means of ${means.numExamples} test examples (${name}, Z = ${model.latentDim})`,
      xTitle: axis(0),
      yTitle: p.numComponents === 2 ? axis(1) : '',
    });
    const file = opts.out ?? join(dir, LATENT_TOOL_FILES.map);
    await writeFileAtomic(file, await renderSpecToSvg(spec));
    let manifold: LatentToolFile | null = null;
    const chosen = chosenCondition(model, config, opts.condition);
    if (model.latentDim === 2) {
      const grid = tf.tidy(() => latentGrid(model, { numPerSide: gridSize }, chosen.c && tf.tensor2d(chosen.c, [1, model.conditionDim])));
      let codes: Float32Array; // [n², 2]
      let rows: Float32Array; // [n², D]
      try {
        [codes, rows] = (await Promise.all([grid.z.data(), grid.mean.data()])) as [Float32Array, Float32Array];
      } finally {
        tf.dispose([grid.z, grid.mean]);
      }
      manifold = outputOf(model, dir, LATENT_TOOL_FILES.manifold, opts.manifoldOut);
      await writeRows(manifold, config, model, rows, gridSize, ['z1', 'z2'], (i) => [short(codes[2 * i]), short(codes[2 * i + 1])]);
    }
    return {
      file,
      dataset: name,
      numExamples: means.numExamples,
      method: p.method,
      explainedVarianceRatio: ratio,
      hasLabels: Boolean(means.labels),
      manifold,
      condition: manifold ? chosen.text : null,
    };
  });
}

/** Options of {@link encodeRun}. */
export interface EncodeRunOptions {
  /** 'mean' (the encoder mean μ(x)) or 'map' (the posterior mode from μ(x), by Adam). Default 'mean'. */
  method?: EncodeMethod;
  /** 'map': Adam steps per example, an integer ≥ 0, and learning rate (defaults of MAP_ENCODE_DEFAULTS: 100, 0.05). */
  steps?: number;
  learningRate?: number;
  /** The run's split: 'test' (default), 'train' or 'all'. */
  split?: Split;
  /** Only the first n examples of the split, an integer ≥ 1. Default all. */
  numExamples?: number;
  /** The CSV file to write. Default RUN/latents-<split>-<method>.csv. */
  out?: string;
  /** Called after each chunk of examples with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** The gain in J = log p(x|z) + log p(z) of the codes over the encoder means, nats per example. */
export interface LogJointGain {
  /** Means over the examples of J(μ(x)) and J(code), nats per example. */
  logJointBefore: number;
  logJointAfter: number;
  /** Means over the examples of log p(x|μ(x)) and log p(x|code), nats per example. */
  logLikelihoodBefore: number;
  logLikelihoodAfter: number;
  /** Mean and median over the examples of J(code) − J(μ(x)) ≥ 0, nats per example. */
  meanGain: number;
  medianGain: number;
  /** Examples whose J rose. */
  numImproved: number;
}

export interface EncodeResult extends LogJointGain {
  /** The CSV file: index, label (labelled data), logJointBefore, logJointAfter, gain, logLikelihoodBefore, logLikelihoodAfter, z1 … zZ. */
  file: string;
  dataset: string;
  split: Split;
  method: EncodeMethod;
  /** T (0 for 'mean') and the learning rate. */
  steps: number;
  learningRate: number;
  numExamples: number;
  latentDim: number;
}

/** Means and median gain of per-example J and log p(x|z) before and after, in float64. */
function gainOf(r: {
  logJointBefore: Float32Array;
  logJointAfter: Float32Array;
  logLikelihoodBefore: Float32Array;
  logLikelihoodAfter: Float32Array;
}): LogJointGain {
  const n = r.logJointBefore.length;
  const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / n;
  const gains = Float64Array.from(r.logJointAfter, (v, i) => v - r.logJointBefore[i]).sort(); // [N], ascending
  const medianGain = n % 2 === 1 ? gains[(n - 1) / 2] : (gains[n / 2 - 1] + gains[n / 2]) / 2;
  return {
    logJointBefore: mean(r.logJointBefore),
    logJointAfter: mean(r.logJointAfter),
    logLikelihoodBefore: mean(r.logLikelihoodBefore),
    logLikelihoodAfter: mean(r.logLikelihoodAfter),
    meanGain: mean(gains),
    medianGain,
    numImproved: gains.filter((g) => g > 0).length,
  };
}

/**
 * The codes of a split's examples, written as CSV with the objective J = log p(x|z) + log p(z) at the
 * encoder mean and at the code, per example in nats: the encoder means (method 'mean'), or the
 * posterior modes found by Adam from them ('map'), with the gain over the encoder means.
 *   'map': ẑ(x) = argmax over z_0 = μ(x), …, z_T of J(z_t), J(ẑ) ≥ J(μ(x))
 * @throws ConfigError for a linear run, a bad method, steps, learningRate or numExamples; DataError for
 *   an empty split; CheckpointError for a folder without a run
 * @see Prince, Understanding Deep Learning, §17.8.3 (resynthesis, option ii)
 */
export async function encodeRun(run: string | SavedRun, opts: EncodeRunOptions = {}): Promise<EncodeResult> {
  const { dir, config } = await vaeRun(run, 'encode');
  const method = check('method', opts.method ?? 'mean', oneOf(ENCODE_METHODS));
  const split = opts.split ?? 'test';
  const limit = opts.numExamples === undefined ? null : check('numExamples', opts.numExamples, intAtLeast(1));
  return withVae(dir, 'encode', async (model) => {
    const { name, ds } = loadRunSplit(config, split, undefined, limit);
    if (ds.numExamples === 0) throw new DataError(`encode: expected examples in the ${split} split of ${name}, got none`);
    const r = await encodeDataset(model, ds, { method, steps: opts.steps, learningRate: opts.learningRate, onProgress: opts.onProgress });
    const z = model.latentDim;
    const hasLabels = Boolean(ds.labels);
    const header = ['index', ...(hasLabels ? ['label'] : []), 'logJointBefore', 'logJointAfter', 'gain', 'logLikelihoodBefore', 'logLikelihoodAfter'];
    const rows: (string | number)[][] = [[...header, ...Array.from({ length: z }, (_, u) => `z${u + 1}`)]];
    for (let n = 0; n < ds.numExamples; n++) {
      rows.push([
        n,
        ...(hasLabels ? [ds.labels![n]] : []),
        r.logJointBefore[n],
        r.logJointAfter[n],
        r.logJointAfter[n] - r.logJointBefore[n],
        r.logLikelihoodBefore[n],
        r.logLikelihoodAfter[n],
        ...r.codes.x.subarray(n * z, (n + 1) * z),
      ]);
    }
    const file = opts.out ?? join(dir, `${LATENT_TOOL_FILES.latents}-${split}-${method}.csv`);
    await writeFileAtomic(file, csvText(rows));
    return { file, dataset: name, split, method, steps: r.steps, learningRate: r.learningRate, numExamples: ds.numExamples, latentDim: z, ...gainOf(r) };
  });
}

/** Options of {@link reconstructMapRun}: those of any reconstruction, and Adam's. */
export interface ReconstructMapOptions extends ReconstructOptions {
  /** Adam steps per example and learning rate (defaults of MAP_ENCODE_DEFAULTS: 100, 0.05). */
  steps?: number;
  learningRate?: number;
  onProgress?: (done: number, total: number) => void;
}

/** A MAP reconstruction: the usual figures, and the codes' gain over the encoder means. */
export interface MapReconstructions extends RunReconstructions {
  /** Over the examples of the squared error (numErrorExamples): J before and after, nats per example. */
  map: LogJointGain & { steps: number; learningRate: number };
}

/**
 * A VAE run's reconstruction at the posterior mode: x̂ = E[x | z = ẑ(x)], ẑ found by Adam from μ(x)
 * ({@link encodeRun}'s 'map'), for the first test examples (those written and those of the squared
 * error); the test −ELBO as `vaekit reconstruct` reports it (it does not depend on the codes).
 * @throws ConfigError for a linear run or bad Adam options; DataError for an empty test split
 * @see Prince, Understanding Deep Learning, §17.8.3 (resynthesis, option ii)
 */
export async function reconstructMapRun(run: string | SavedRun, opts: ReconstructMapOptions = {}): Promise<MapReconstructions> {
  const { dir, config } = await vaeRun(run, 'reconstructMapRun');
  return reconstructVaeRun(dir, config, opts, async (model, first, c) => {
    const r = await encodeDataset(model, first, { method: 'map', steps: opts.steps, learningRate: opts.learningRate, onProgress: opts.onProgress });
    const n = first.numExamples;
    const rec = await readAndDispose(
      tf.tidy(() => decodeMean(model, tf.tensor2d(r.codes.x, [n, model.latentDim]), c && tf.tensor2d(c, [n, model.conditionDim]))),
    ); // [n, D]
    return {
      rec,
      reconstruction: `x̂ = E[x | z = ẑ(x)], the decoder mean at the posterior mode (${r.steps} Adam steps from the encoder mean, learning rate ${r.learningRate})`,
      extra: { map: { steps: r.steps, learningRate: r.learningRate, ...gainOf(r) } }, // over the first n = e ≥ m examples
    };
  });
}
