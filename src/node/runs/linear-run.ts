/**
 * A linear-model run in a folder: what `vaekit train --model pca|ppca|fa|gmm` does, callable from
 * code, and the commands on such a run (evaluate, score, reconstruct, sample, describe). Registered as
 * the 'linear-run' kind in src/node/runs/kinds.ts.
 *
 *   OUT/config.json    the resolved run configuration (kind 'linear-run')
 *   OUT/model.json     the fitted model's tagged JSON (linearModelFromJSON reloads it)
 *   OUT/metrics.json   fit time, EM history, train/test figures (LinearRunMetrics)
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { takeFirst, type Dataset } from '../../data/dataset.js';
import { Standardizer } from '../../data/standardize.js';
import { CheckpointError, ConfigError, renderMessage, setting, ShapeError, type SettingNamer } from '../../errors.js';
import {
  fitLinearModel,
  hasReconstruction,
  isDensityModel,
  linearModelFromJSON,
  PCA,
  type LinearModel,
  type LinearModelByKind,
  type LinearModelKind,
  type LinearOptionsByKind,
} from '../../models/linear/index.js';
import { describeLoaded } from '../datasets/data-source.js';
import { writeFileAtomic } from '../formats/atomic.js';
import { VAEKIT_VERSION } from '../version.js';
import { RUN_CONFIG_FILE, type LinearRunConfig } from './config.js';
import { describeStandardization, field, fixed } from './describe-text.js';
import { LINEAR_RUN_FILES } from './folder.js';
import { writeLinearSamples } from './linear-samples.js';
import { withRunFolder } from './lock.js';
import { meanSquaredError, testSplit, writePairs } from './reconstruction.js';
import {
  EVALUATION_VERSION,
  RECONSTRUCT_DEFAULTS,
  type EvaluateRunOptions,
  type Evaluation,
  type ReconstructOptions,
  type RunDescription,
  type RunReconstructions,
  type RunScores,
  type SampleResult,
  type SampleRunOptions,
  type ScoreRunOptions,
} from './results.js';
import { loadRunData, loadRunSplit, recordedDataExtras, selectTrainingLabels, tableLayoutOf } from './run-data.js';

/** OUT/metrics.json. Log-likelihoods in nats per example; reconstruction errors in squared data units per example. */
export interface LinearRunMetrics {
  model: LinearModelKind;
  dataset: string;
  numTrain: number;
  numTest: number;
  fitSeconds: number;
  /** EM iterations run (null for closed-form fits). */
  emIterations: number | null;
  converged: boolean | null;
  /** Mean training log-likelihood after each EM iteration (entry 0: initial parameters). */
  history: number[] | null;
  trainLogLikelihood: number | null;
  testLogLikelihood: number | null;
  /** PCA only. */
  trainReconstructionError: number | null;
  testReconstructionError: number | null;
  /** PCA only: Σ of the kept components' explained-variance ratios, in [0, 1]. */
  explainedVarianceRatio: number | null;
  /**
   * Tables: −Σ_j log std_j of the standardisation, nats: log-likelihoods above are of standardised
   * data; add this for raw units. null for images.
   */
  logJacobian: number | null;
  vaekitVersion: string;
}

/** Each kind's library options from the run config (a registry, not an if-chain). */
const OPTIONS_OF: { readonly [K in LinearModelKind]: (c: LinearRunConfig) => LinearOptionsByKind[K] } = {
  pca: (c) => ({ latentDim: c.model.latentDim }),
  ppca: (c) => ({ latentDim: c.model.latentDim, seed: c.training.seed, varianceFloor: c.model.varianceFloor, ...maxIter(c) }),
  fa: (c) => ({ latentDim: c.model.latentDim, seed: c.training.seed, varianceFloor: c.model.varianceFloor, ...maxIter(c) }),
  gmm: (c) => ({
    numComponents: c.model.numComponents,
    covariance: c.model.covariance,
    seed: c.training.seed,
    covarianceFloor: c.model.varianceFloor,
    ...maxIter(c),
  }),
};

const maxIter = (c: LinearRunConfig) => (c.training.maxIter !== null ? { maxIter: c.training.maxIter } : {});

/**
 * Reads a linear run's model.
 * @throws CheckpointError when the file is missing, not JSON, or not a saved linear model
 */
export async function readLinearModel(run: string): Promise<LinearModel> {
  const where = join(run, LINEAR_RUN_FILES.model);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(where, 'utf8'));
  } catch (cause) {
    throw new CheckpointError(`${where}: expected the linear run's model.json, got ${(cause as Error).message}`, { cause });
  }
  return linearModelFromJSON(json);
}

/**
 * Reads a linear run's metrics.json.
 * @returns the metrics, or null when the run has none (a model.json and config.json written by hand)
 * @throws CheckpointError when the file exists but is not JSON
 */
export async function readLinearRunMetrics(run: string): Promise<LinearRunMetrics | null> {
  const where = join(run, LINEAR_RUN_FILES.metrics);
  if (!existsSync(where)) return null;
  try {
    return JSON.parse(await readFile(where, 'utf8')) as LinearRunMetrics;
  } catch (cause) {
    throw new CheckpointError(`${where}: expected the linear run's metrics, got ${(cause as Error).message}`, { cause });
  }
}

/** Mean log-likelihood (density models) or reconstruction error (PCA) of one split; nulls for an empty split. */
function figures(model: LinearModel, ds: Dataset): { logLikelihood: number | null; reconstructionError: number | null } {
  if (ds.numExamples === 0) return { logLikelihood: null, reconstructionError: null };
  return {
    logLikelihood: isDensityModel(model) ? model.meanLogLikelihood(ds) : null,
    reconstructionError: model instanceof PCA ? model.reconstructionError(ds) : null,
  };
}

/**
 * Fits a linear model on the whole training split and writes the run folder (atomic writes).
 * @param cfgIn - a resolved linear run configuration
 * @throws ConfigError when the folder already holds a run and `overwrite` is not set, for a bad option, when `out`
 *   is not a writable folder, or when another process trains into it (RUN/.lock)
 * @throws DataError for unreadable data; TrainingError when EM diverges
 */
export async function trainLinearRun(
  cfgIn: LinearRunConfig,
  opts: { overwrite?: boolean } = {},
  cb: { log?(line: string): void; settingNamer?: SettingNamer } = {},
): Promise<LinearRunMetrics> {
  return withRunFolder(cfgIn.out, () => trainLinearRunLocked(cfgIn, opts, cb));
}

/** {@link trainLinearRun} in a run folder this process holds (src/node/runs/lock.ts). */
async function trainLinearRunLocked(
  cfgIn: LinearRunConfig,
  opts: { overwrite?: boolean },
  cb: { log?(line: string): void; settingNamer?: SettingNamer },
): Promise<LinearRunMetrics> {
  const log = (line: string) => cb.log?.(renderMessage(line, cb.settingNamer));
  const taken = [LINEAR_RUN_FILES.model, RUN_CONFIG_FILE].find((f) => existsSync(join(cfgIn.out, f)));
  if (taken && !opts.overwrite) {
    throw new ConfigError(
      `${setting('out', cfgIn.out)}: the folder already holds a run (${taken}); use ${setting('overwrite')} to overwrite it, or another ${setting('out')}`,
    );
  }
  const loaded = loadRunData(cfgIn.data);
  const train = selectTrainingLabels(cfgIn.data.limit !== null ? takeFirst(loaded.train, cfgIn.data.limit) : loaded.train, cfgIn.data);
  const test = cfgIn.data.limit !== null ? takeFirst(loaded.test, cfgIn.data.limit) : loaded.test;
  const cfg: LinearRunConfig = {
    ...cfgIn,
    data: {
      ...cfgIn.data,
      columns: train.columns ?? cfgIn.data.columns ?? null,
      exampleShape: train.exampleShape,
      standardization: loaded.standardizer?.toJSON() ?? null,
      ...recordedDataExtras(loaded, train),
    },
  };
  // PPCA and FA fit Z < D factors, PCA keeps Z ≤ D components: the table default Z = 2 fits no table of two columns.
  const maxLatent = { pca: train.dataDim, ppca: train.dataDim - 1, fa: train.dataDim - 1, gmm: Infinity }[cfg.model.kind];
  if (cfg.model.latentDim > maxLatent) {
    throw new ConfigError(
      `${setting('model.latentDim', cfg.model.latentDim)}: expected at most ${maxLatent} (${cfg.model.kind} on data of dimension D = ${train.dataDim}); give a smaller ${setting('model.latentDim')}`,
    );
  }
  if (cfg.model.kind === 'gmm' && cfg.model.numComponents > train.numExamples)
    throw new ConfigError(
      `${setting('model.numComponents', cfg.model.numComponents)}: expected at most ${train.numExamples} (the training examples), got ${cfg.model.numComponents}`,
    );
  log(`config: ${JSON.stringify(cfg)}`);
  log(`data: ${describeLoaded(loaded, train, test)}`);

  const options = (OPTIONS_OF[cfg.model.kind] as (c: LinearRunConfig) => LinearOptionsByKind[LinearModelKind])(cfg);
  const t0 = performance.now();
  const model = fitLinearModel(cfg.model.kind, train, options, {
    onIteration: (p) => {
      if (p.iteration % 10 === 0) log(`EM iteration ${p.iteration}: train ${p.meanLogLikelihood.toFixed(2)} nats/example`);
    },
  });
  const fitSeconds = (performance.now() - t0) / 1000;
  const json = model.toJSON() as { history?: number[]; converged?: boolean };
  const tr = figures(model, train);
  const te = figures(model, test);
  const metrics: LinearRunMetrics = {
    model: cfg.model.kind,
    dataset: loaded.name,
    numTrain: train.numExamples,
    numTest: test.numExamples,
    fitSeconds,
    emIterations: json.history ? json.history.length - 1 : null,
    converged: json.converged ?? null,
    history: json.history ?? null,
    trainLogLikelihood: tr.logLikelihood,
    testLogLikelihood: te.logLikelihood,
    trainReconstructionError: tr.reconstructionError,
    testReconstructionError: te.reconstructionError,
    explainedVarianceRatio: model instanceof PCA ? model.explainedVarianceRatio.reduce((a, b) => a + b, 0) : null,
    logJacobian: loaded.standardizer?.logJacobian ?? null,
    vaekitVersion: VAEKIT_VERSION,
  };
  await mkdir(cfg.out, { recursive: true });
  await writeFileAtomic(join(cfg.out, RUN_CONFIG_FILE), JSON.stringify(cfg, null, 2) + '\n');
  await writeFileAtomic(join(cfg.out, LINEAR_RUN_FILES.model), JSON.stringify(model) + '\n');
  await writeFileAtomic(join(cfg.out, LINEAR_RUN_FILES.metrics), JSON.stringify(metrics, null, 2) + '\n');
  return metrics;
}

/** Evaluates a linear run: its exact log-likelihood (density models) or reconstruction error (PCA). */
export async function evaluateLinearRun(dir: string, cfg: LinearRunConfig, opts: EvaluateRunOptions): Promise<Evaluation> {
  const split = opts.split ?? 'test';
  const m = await readLinearModel(dir);
  const { name, ds } = loadRunSplit(cfg, split, opts.data, opts.limit);
  const ll = isDensityModel(m) ? m.meanLogLikelihood(ds) : null;
  return {
    version: EVALUATION_VERSION,
    model: m.kind,
    dataset: name,
    split,
    numExamples: ds.numExamples,
    dataDim: ds.dataDim,
    logLikelihood: ll === null ? null : { mean: ll, exact: true },
    bitsPerDim: ll === null ? null : -ll / (ds.dataDim * Math.LN2),
    elbo: null,
    logLikelihoodEstimate: null,
    latent: null,
    iwaeBound: null,
    reconstructionError: m instanceof PCA ? m.reconstructionError(ds) : null,
    vaekitVersion: VAEKIT_VERSION,
    evaluatedAt: new Date().toISOString(),
  };
}

/**
 * Scores every example: −log p(x) (density models; score 'nll', the default) or the squared
 * reconstruction error (PCA, the default; PPCA and FA with score 'recon-error').
 * @throws ConfigError for a score the model cannot give
 */
export async function scoreLinearRun(dir: string, cfg: LinearRunConfig, opts: ScoreRunOptions): Promise<RunScores> {
  const split = opts.split ?? 'test';
  const m = await readLinearModel(dir);
  const kinds = [...(isDensityModel(m) ? ['nll' as const] : []), ...(hasReconstruction(m) ? ['recon-error' as const] : [])];
  const score = opts.score ?? kinds[0];
  if (!score || !kinds.includes(score as (typeof kinds)[number])) {
    throw new ConfigError(`${setting('score', String(score))}: a ${m.kind} run scores by ${kinds.join(' or ') || 'nothing'}`);
  }
  const { name, ds } = loadRunSplit(cfg, split, opts.data);
  const labels = { ...(ds.labels ? { labels: ds.labels } : {}), ...(ds.timeIndex ? { timeIndex: ds.timeIndex, timeLabels: ds.timeLabels } : {}) };
  const common = { model: m.kind, dataset: name, split, score, numSamples: null, seed: null };
  if (score === 'nll' && isDensityModel(m)) return { ...common, column: 'nll', scores: m.logLikelihood(ds).map((v) => -v), ...labels };
  if (!hasReconstruction(m)) throw new ConfigError(`score: no anomaly score for model '${m.kind}'`);
  const rec = m.reconstruct(ds.x); // [N, D]
  const scores = new Float64Array(ds.numExamples); // [N]
  for (let n = 0; n < ds.numExamples; n++) {
    let s = 0;
    for (let i = n * ds.dataDim; i < (n + 1) * ds.dataDim; i++) s += (ds.x[i] - rec[i]) ** 2;
    scores[n] = s;
  }
  return { ...common, column: 'squaredError', scores, ...labels };
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

/** The test examples beside their reconstructions: PCA's projection, PPCA's and FA's posterior mean mapped back. */
export async function reconstructLinearRun(dir: string, cfg: LinearRunConfig, opts: ReconstructOptions): Promise<RunReconstructions> {
  const numShown = opts.numShown ?? RECONSTRUCT_DEFAULTS.numShown;
  const model = await readLinearModel(dir);
  if (!hasReconstruction(model)) {
    throw new ConfigError(`reconstruct: ${NO_RECONSTRUCTION[model.kind] ?? `a '${model.kind}' model has no reconstruction`}`);
  }
  const { name, ds } = testSplit(cfg, opts.data);
  if (ds.dataDim !== model.dataDim) {
    throw new ShapeError(`reconstruct: expected examples of size dataDim = ${model.dataDim} (the model's), got ${ds.dataDim} in ${name}`);
  }
  const rec = model.reconstruct(ds.x); // [N, D], float64
  const m = Math.min(numShown, ds.numExamples);
  const written = await writePairs(
    ds,
    rec,
    m,
    cfg.data.exampleShape ?? ds.exampleShape,
    cfg.data.standardization,
    dir,
    opts.out,
    tableLayoutOf(cfg.data),
    cfg.data.scale,
  );
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
    isStandardized: Boolean(cfg.data.standardization),
    elbo: null,
  };
}

/** Draws from the fitted model: a PNG grid for images, CSV in raw units for a table. */
export async function sampleLinearRun(dir: string, cfg: LinearRunConfig, opts: SampleRunOptions): Promise<SampleResult> {
  const model = await readLinearModel(dir);
  if ((opts.prior ?? 'normal') !== 'normal') {
    throw new ConfigError(
      `${setting('prior', opts.prior)}: ${dir} is a linear '${model.kind}' run, which samples from its own fitted model; a fitted latent prior is for VAE runs`,
    );
  }
  const n = opts.numSamples ?? 64;
  const seed = opts.seed ?? 0;
  const st = cfg.data.standardization;
  const standardizer = st ? Standardizer.fromJSON(st) : null;
  const file = await writeLinearSamples(model, cfg.data.exampleShape, n, seed, opts.out ?? join(dir, `samples-${seed}.png`), standardizer, cfg.data.scale);
  return { numSamples: n, files: [file], isRawUnits: Boolean(standardizer), notes: [] };
}

/** Each linear kind's one-line description of the fitted model (a registry, not an if-chain). */
const MODEL_LINE: { readonly [K in LinearModelKind]: (m: LinearModelByKind[K]) => string } = {
  pca: (m) => `PCA, ${m.latentDim} principal components (latent dim Z = ${m.latentDim}), no density`,
  ppca: (m) => `probabilistic PCA, latent dim Z = ${m.latentDim}, noise variance σ² = ${m.noiseVariance.toPrecision(4)}`,
  fa: (m) => {
    const psi = m.noiseVariance;
    return `factor analysis, latent dim Z = ${m.latentDim} factors, noise variances ψ in [${Math.min(...psi).toPrecision(3)}, ${Math.max(...psi).toPrecision(3)}]`;
  },
  gmm: (m) => `Gaussian mixture, ${m.numComponents} components, ${m.covariance} covariances`,
};

/** A linear run described: config.json, model.json and metrics.json. */
export async function describeLinearRun(dir: string, cfg: LinearRunConfig): Promise<RunDescription> {
  const model = await readLinearModel(dir);
  const m = await readLinearRunMetrics(dir);
  const lines = [field('run', `${dir} (linear model: config.json, model.json${m ? ', metrics.json' : ''})`)];
  lines.push(field('model', (MODEL_LINE[model.kind] as (m: LinearModel) => string)(model)));
  const d = cfg.data;
  const counts = m ? `; ${m.numTrain} train, ${m.numTest} test examples` : '';
  const shape = d.exampleShape ? `, example shape [${d.exampleShape.join(', ')}]` : '';
  lines.push(
    field(
      'data',
      `${m?.dataset ?? d.source}, dataDim ${model.dataDim}${shape}${counts}${d.limit !== null ? ` (${setting('data.limit', d.limit)})` : ''}, values / ${d.scale}`,
    ),
  );
  if (d.standardization) lines.push(field('standardised', describeStandardization(d.standardization)));
  const fit: string[] = [];
  if (m && m.emIterations !== null) {
    fit.push(
      `EM, ${m.emIterations} iterations, ${m.converged ? 'converged' : `not converged (stopped at the iteration limit; raise ${setting('training.maxIter')})`}`,
    );
  } else {
    fit.push('closed form (eigendecomposition)');
  }
  if (isDensityModel(model)) fit.push(`variance floor ${cfg.model.varianceFloor} × the mean training variance`);
  fit.push(`seed ${cfg.training.seed}`);
  if (m) fit.push(`${m.fitSeconds.toFixed(2)} s`);
  lines.push(field('fit', fit.join('; ')));
  if (m && isDensityModel(model)) {
    const units = d.standardization ? ' of the standardised table (add logJacobian for raw units)' : '';
    lines.push(field('log p(x)', `train ${fixed(m.trainLogLikelihood)}, test ${fixed(m.testLogLikelihood)} nats per example${units}`));
  }
  if (m && m.explainedVarianceRatio !== null) lines.push(field('explained', `${(100 * m.explainedVarianceRatio).toFixed(2)}% of the training variance`));
  if (m && (m.trainReconstructionError !== null || m.testReconstructionError !== null)) {
    lines.push(field('squared error', `train ${fixed(m.trainReconstructionError, 3)}, test ${fixed(m.testReconstructionError, 3)} per example (‖x − x̂‖²)`));
  }
  if (m) lines.push(field('vaekit', m.vaekitVersion));
  return { lines, json: { config: cfg, metrics: m } };
}
