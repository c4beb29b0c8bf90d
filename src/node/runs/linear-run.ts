/**
 * A linear-model run in a folder: what `vaekit train --model pca|ppca|fa|gmm` does, callable from code.
 *
 *   OUT/config.json    the resolved run configuration (LinearRunConfig, with `model`)
 *   OUT/model.json     the fitted model's tagged JSON (linearModelFromJSON reloads it)
 *   OUT/metrics.json   fit time, EM history, train/test figures (LinearRunMetrics)
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { takeFirst, type Dataset } from '../../data/dataset.js';
import { CheckpointError, ConfigError } from '../../errors.js';
import {
  fitLinearModel,
  isDensityModel,
  linearModelFromJSON,
  LINEAR_MODEL_KINDS,
  PCA,
  type GmmCovariance,
  type LinearModel,
  type LinearModelKind,
  type LinearOptionsByKind,
} from '../../models/linear/index.js';
import { writeFileAtomic } from '../formats/atomic.js';
import { describeLoaded } from '../datasets/data-source.js';
import { loadRunData, type RunDataFields } from './run-data.js';
import { VAEKIT_VERSION } from '../version.js';

export const LINEAR_RUN_FILES = { config: 'config.json', model: 'model.json', metrics: 'metrics.json' } as const;

/** Everything `vaekit train --model <linear kind>` takes. */
export interface LinearRunConfig extends RunDataFields {
  model: LinearModelKind;
  /** The run folder. */
  out: string;
  /** Z for pca, ppca, fa. */
  latentDim: number;
  /** K for gmm. */
  numComponents: number;
  /** gmm covariance form. */
  covariance: GmmCovariance;
  seed: number;
  /** Most EM iterations (null = the library's default for the model). */
  maxIter: number | null;
  /**
   * Floor on noise / component variances, as a fraction of the mean per-dimension training variance
   * (ppca, fa: varianceFloor; gmm: covarianceFloor). The CLI's 1e-2 keeps pixels constant in the
   * training examples from dominating test log-likelihoods (FA, Z = 20, 1000 MNIST examples: test
   * −27987 nats with the library's 1e-6, 814 with 1e-2; full MNIST: 1327 and 855).
   * Default LINEAR_RUN_DEFAULTS.varianceFloor = 1e-2; config.json records the value used.
   */
  varianceFloor?: number;
  /** Shape of one example, recorded at fit time (e.g. [28, 28, 1]). */
  exampleShape?: number[];
}

export const LINEAR_RUN_DEFAULTS = Object.freeze({
  numComponents: 10,
  covariance: 'diag' as GmmCovariance,
  maxIter: null as number | null,
  varianceFloor: 1e-2,
});

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
  pca: (c) => ({ latentDim: c.latentDim }),
  ppca: (c) => ({ latentDim: c.latentDim, seed: c.seed, varianceFloor: c.varianceFloor, ...(c.maxIter !== null ? { maxIter: c.maxIter } : {}) }),
  fa: (c) => ({ latentDim: c.latentDim, seed: c.seed, varianceFloor: c.varianceFloor, ...(c.maxIter !== null ? { maxIter: c.maxIter } : {}) }),
  gmm: (c) => ({
    numComponents: c.numComponents,
    covariance: c.covariance,
    seed: c.seed,
    covarianceFloor: c.varianceFloor,
    ...(c.maxIter !== null ? { maxIter: c.maxIter } : {}),
  }),
};

/** True when `kind` names a linear model. */
export function isLinearKind(kind: unknown): kind is LinearModelKind {
  return typeof kind === 'string' && (LINEAR_MODEL_KINDS as readonly string[]).includes(kind);
}

/** True when RUN holds a linear run (RUN/model.json). */
export function isLinearRun(run: string): boolean {
  return existsSync(join(run, LINEAR_RUN_FILES.model));
}

/**
 * Reads a linear run's config and model.
 * @throws CheckpointError when a file is missing, not JSON, or not a saved linear model
 */
export async function readLinearRun(run: string): Promise<{ config: LinearRunConfig; model: LinearModel }> {
  const read = async (file: string): Promise<unknown> => {
    const where = join(run, file);
    try {
      return JSON.parse(await readFile(where, 'utf8'));
    } catch (cause) {
      throw new CheckpointError(`${where}: expected the linear run's ${file}, got ${(cause as Error).message}`, { cause });
    }
  };
  const config = (await read(LINEAR_RUN_FILES.config)) as LinearRunConfig;
  return { config, model: linearModelFromJSON(await read(LINEAR_RUN_FILES.model)) };
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
 * @throws ConfigError when the folder already holds a run and `overwrite` is not set, or for a bad option
 * @throws DataError for unreadable data; TrainingError when EM diverges
 */
export async function trainLinearRun(
  cfgIn: LinearRunConfig,
  opts: { overwrite?: boolean } = {},
  cb: { log?(line: string): void } = {},
): Promise<LinearRunMetrics> {
  const log = cb.log ?? (() => {});
  if (!isLinearKind(cfgIn.model)) {
    throw new ConfigError(`model: expected one of ${LINEAR_MODEL_KINDS.join(', ')}, got ${JSON.stringify(cfgIn.model)}`);
  }
  const taken = [LINEAR_RUN_FILES.model, LINEAR_RUN_FILES.config].find((f) => existsSync(join(cfgIn.out, f)));
  if (taken && !opts.overwrite) {
    throw new ConfigError(`--out ${cfgIn.out}: the folder already holds a run (${taken}); use --force to overwrite it, or another --out`);
  }
  const loaded = loadRunData(cfgIn);
  const train = cfgIn.limit !== null ? takeFirst(loaded.train, cfgIn.limit) : loaded.train;
  const test = cfgIn.limit !== null ? takeFirst(loaded.test, cfgIn.limit) : loaded.test;
  const cfg: LinearRunConfig = {
    ...cfgIn,
    varianceFloor: cfgIn.varianceFloor ?? LINEAR_RUN_DEFAULTS.varianceFloor,
    exampleShape: train.exampleShape,
    columns: train.columns ?? null,
    labelColumn: cfgIn.labelColumn ?? null,
    standardization: loaded.standardizer?.toJSON() ?? null,
  };
  log(`config: ${JSON.stringify(cfg)}`);
  log(`data: ${describeLoaded(loaded, train, test)}`);

  const options = (OPTIONS_OF[cfg.model] as (c: LinearRunConfig) => LinearOptionsByKind[LinearModelKind])(cfg);
  const t0 = performance.now();
  const model = fitLinearModel(cfg.model, train, options, {
    onIteration: (p) => {
      if (p.iteration % 10 === 0) log(`EM iteration ${p.iteration}: train ${p.meanLogLikelihood.toFixed(2)} nats/example`);
    },
  });
  const fitSeconds = (performance.now() - t0) / 1000;
  const json = model.toJSON() as { history?: number[]; converged?: boolean };
  const tr = figures(model, train);
  const te = figures(model, test);
  const metrics: LinearRunMetrics = {
    model: cfg.model,
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
  await writeFileAtomic(join(cfg.out, LINEAR_RUN_FILES.config), JSON.stringify(cfg, null, 2) + '\n');
  await writeFileAtomic(join(cfg.out, LINEAR_RUN_FILES.model), JSON.stringify(model) + '\n');
  await writeFileAtomic(join(cfg.out, LINEAR_RUN_FILES.metrics), JSON.stringify(metrics, null, 2) + '\n');
  return metrics;
}
