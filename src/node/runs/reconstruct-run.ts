/**
 * Reconstructions of a run's test examples, for every run kind that has one:
 *   VAE           x̂ = E[x | z = mean of q(z|x)], with the test −ELBO
 *   PCA           x̂ = μ + U Uᵀ (x − μ), the projection onto the principal subspace
 *   PPCA, FA      x̂ = μ + W E[z|x], the exact posterior mean mapped back
 * (a Gaussian mixture has none: its latent variable is a component label). The data is the run's
 * own (its scale, columns, table standardisation, --limit and test binarisation, via loadRunSplit).
 * Images: the first examples beside their reconstructions in a PNG; tables: the same pairs as CSV in
 * raw units (the standardisation inverted).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isImageShape, takeFirst, type Dataset } from '../../data/dataset.js';
import { Standardizer, type StandardizerJSON } from '../../data/standardize.js';
import { ConfigError, DataError, ShapeError } from '../../errors.js';
import { evaluateElbo } from '../../evaluation/elbo-eval.js';
import { hasReconstruction, type LinearModel, type LinearModelKind } from '../../models/linear/index.js';
import { VAE } from '../../models/vae.js';
import { fsModelStore, MODEL_JSON } from '../formats/model-store.js';
import { writeReconstructionPicture } from './pictures.js';
import { isLinearRun } from './linear-run.js';
import { loadRunSplit, type RunDataConfig } from './run-data.js';
import { openRun } from './open-run.js';
import { writeReconstructionsCsv } from './table-csv.js';
import { RUN_FILES } from './train-run.js';

/** Options of {@link reconstructRun}. */
export interface ReconstructOptions {
  /** Data source (default: the run's own), read with the run's columns and standardisation. */
  data?: string;
  /** Examples written to the file (the first of the test split). Default 32. */
  numShown?: number;
  /** File to write. Default RUN/reconstructions-test.png (images) or RUN/reconstructions-test.csv (tables). */
  out?: string;
}

export const RECONSTRUCT_DEFAULTS = Object.freeze({
  numShown: 32,
  /** A VAE's squared error is over this many test examples at most (a tfjs forward pass each). */
  vaeErrorExamples: 1000,
});

/** What {@link reconstructRun} did. Squared errors in squared data units (standardised units for a table). */
export interface RunReconstructions {
  model: 'vae' | LinearModelKind;
  dataset: string;
  /** How x̂ is formed, for people: e.g. 'x̂ = μ + W E[z|x], the posterior mean of z mapped back'. */
  reconstruction: string;
  /** The file written: a PNG (images) or CSV in raw units (tables). */
  file: string;
  format: 'png' | 'csv';
  /** Examples in the file. */
  numShown: number;
  /** Examples in the test split (after the run's --limit). */
  numExamples: number;
  /** (1/N) Σ_n ‖x_n − x̂_n‖² over the first `numErrorExamples` test examples, squared data units per example. */
  squaredError: number;
  numErrorExamples: number;
  /** D, so squaredError / dataDim is the mean per dimension. */
  dataDim: number;
  /** True for a standardised table: the errors are in standardised units, the file in raw units. */
  isStandardized: boolean;
  /** VAE only: the test −ELBO and its terms, nats per example (first-draw ε, seed 0). */
  elbo: { loss: number; reconstructionLoss: number; kl: number } | null;
}

/** How each linear kind reconstructs, or (no entry) why it cannot. */
const LINEAR_RECONSTRUCTION: { readonly [K in LinearModelKind]?: string } = Object.freeze({
  pca: 'x̂ = μ + U Uᵀ (x − μ), the projection onto the principal subspace',
  ppca: 'x̂ = μ + W E[z|x], the posterior mean of z mapped back',
  fa: 'x̂ = μ + W E[z|x], the posterior mean of z mapped back',
});
const NO_RECONSTRUCTION: { readonly [K in LinearModelKind]?: string } = Object.freeze({
  gmm: 'a Gaussian mixture has no reconstruction; its latent variable is a component label, not a point that maps back to x (vaekit score RUN gives −log p(x) per example, vaekit sample RUN draws from it)',
});
const VAE_RECONSTRUCTION = 'x̂ = E[x | z = μ(x)], the decoder mean at the encoder mean';

/** (1/N) Σ_n ‖x_n − x̂_n‖², x and x̂ [N, D] row-major. */
function meanSquaredError(x: ArrayLike<number>, rec: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let i = 0; i < rec.length; i++) s += (x[i] - rec[i]) ** 2;
  return s / n;
}

/** The run's test split, refused when empty (nothing to reconstruct). @throws DataError */
function testSplit(cfg: RunDataConfig, data: string | undefined): { name: string; ds: Dataset } {
  const split = loadRunSplit(cfg, 'test', data);
  if (split.ds.numExamples === 0) throw new DataError(`reconstruct: expected test examples in ${split.name}, got none`);
  return split;
}

/** Writes the first `m` pairs as a PNG (images) or CSV in raw units (tables); returns the path and format. */
async function writePairs(
  ds: Dataset,
  rec: ArrayLike<number>,
  m: number,
  exampleShape: readonly number[],
  standardization: StandardizerJSON | null | undefined,
  run: string,
  out: string | undefined,
): Promise<{ file: string; format: 'png' | 'csv' }> {
  if (isImageShape(exampleShape)) {
    const file = out ?? join(run, 'reconstructions-test.png');
    await writeReconstructionPicture(ds.x, rec, m, exampleShape, file);
    return { file, format: 'png' };
  }
  const file = out ?? join(run, 'reconstructions-test.csv');
  await writeReconstructionsCsv(ds.x, rec, m, ds.dataDim, file, standardization ? Standardizer.fromJSON(standardization) : null);
  return { file, format: 'csv' };
}

/**
 * Reconstructs the test split of the run in RUN (a run folder, or a bare VAE model folder) and
 * writes the first examples beside their reconstructions.
 * @throws ConfigError for a Gaussian mixture (no reconstruction); CheckpointError for a folder
 *   without a run; DataError for unreadable data; ShapeError when the data's D differs from the model's
 */
export async function reconstructRun(run: string, opts: ReconstructOptions = {}): Promise<RunReconstructions> {
  const numShown = opts.numShown ?? RECONSTRUCT_DEFAULTS.numShown;
  const isModelFolder = existsSync(join(run, MODEL_JSON));
  const hasRunConfig = !isModelFolder && existsSync(join(run, RUN_FILES.config));
  const saved = hasRunConfig || isLinearRun(run) ? await openRun(run) : null;
  if (saved?.family === 'linear') return reconstructLinear(run, saved.config, saved.model, numShown, opts);
  // A run folder with config.json, or (no config.json) a model folder RUN or RUN/model on its own.
  const vae = saved?.family === 'vae' ? saved.vae : await VAE.load(isModelFolder ? run : join(run, RUN_FILES.model), fsModelStore);
  try {
    const cfg: RunDataConfig = saved?.family === 'vae' ? saved.config : modelDataConfig(vae);
    const { name, ds } = testSplit(cfg, opts.data);
    const m = Math.min(numShown, ds.numExamples);
    const e = Math.min(RECONSTRUCT_DEFAULTS.vaeErrorExamples, ds.numExamples);
    const first = takeFirst(ds, Math.max(m, e));
    const recT = tf.tidy(() => vae.reconstruct(tf.tensor2d(first.x, [first.numExamples, first.dataDim]))); // [max(m, e), D]
    const rec = (await recT.data()) as Float32Array;
    recT.dispose();
    const written = await writePairs(ds, rec, m, vae.config.inputShape, cfg.standardization, run, opts.out);
    const elbo = await evaluateElbo(vae, ds, { seed: 0 });
    return {
      model: 'vae',
      dataset: name,
      reconstruction: VAE_RECONSTRUCTION,
      ...written,
      numShown: m,
      numExamples: ds.numExamples,
      squaredError: meanSquaredError(first.x.subarray(0, e * ds.dataDim), rec.subarray(0, e * ds.dataDim), e),
      numErrorExamples: e,
      dataDim: ds.dataDim,
      isStandardized: Boolean(cfg.standardization),
      elbo: { loss: elbo.loss, reconstructionLoss: elbo.reconstructionLoss, kl: elbo.kl },
    };
  } finally {
    vae.dispose();
  }
}

/** A model folder without a run's config.json: its data as its vaekit.json describes it (default MNIST). */
function modelDataConfig(vae: VAE): RunDataConfig {
  const p = vae.preprocessing;
  const dataset = vae.provenance?.dataset;
  return {
    data: typeof dataset === 'string' ? dataset : 'mnist',
    scale: p?.scale ?? 255,
    limit: null,
    columns: p?.standardization?.columns ?? null,
    standardization: p?.standardization ?? null,
  };
}

async function reconstructLinear(
  run: string,
  config: RunDataConfig & { exampleShape?: number[] },
  model: LinearModel,
  numShown: number,
  opts: ReconstructOptions,
): Promise<RunReconstructions> {
  if (!hasReconstruction(model)) {
    throw new ConfigError(`reconstruct: ${NO_RECONSTRUCTION[model.kind] ?? `a '${model.kind}' model has no reconstruction`}`);
  }
  const { name, ds } = testSplit(config, opts.data);
  if (ds.dataDim !== model.dataDim) {
    throw new ShapeError(`reconstruct: expected examples of size dataDim = ${model.dataDim} (the model's), got ${ds.dataDim} in ${name}`);
  }
  const rec = model.reconstruct(ds.x); // [N, D], float64
  const m = Math.min(numShown, ds.numExamples);
  const written = await writePairs(ds, rec, m, config.exampleShape ?? ds.exampleShape, config.standardization, run, opts.out);
  return {
    model: model.kind,
    dataset: name,
    reconstruction: LINEAR_RECONSTRUCTION[model.kind] ?? model.kind,
    ...written,
    numShown: m,
    numExamples: ds.numExamples,
    squaredError: meanSquaredError(ds.x, rec, ds.numExamples), // = model.reconstructionError(ds), without reconstructing twice
    numErrorExamples: ds.numExamples,
    dataDim: ds.dataDim,
    isStandardized: Boolean(config.standardization),
    elbo: null,
  };
}
