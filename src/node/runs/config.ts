/**
 * The run configuration: one resolved, tagged, nested description of a run, saved as its
 * config.json and printed at its start.
 *
 *   { kind: 'vae-run' | 'linear-run', version, out, data, model, training, compute }
 *
 * `resolveRunConfig(partial)` applies the defaults (the library's, and those of the kind of data:
 * images or tables) and validates every field; the CLI only parses flags into a partial config
 * (src/cli/flags.ts maps each flag to one path here), and a library user who calls
 * `trainRun({ data: 'mnist', out: 'runs/mnist' })` gets the same defaults. Run folders of vaekit 0.1
 * (an untagged, flat config.json) are migrated when read ({@link migrateRunConfig}).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StandardizerJSON } from '../../data/standardize.js';
import { CheckpointError, ConfigError, describeJsonError, setting } from '../../errors.js';
import { resolveLikelihoodConfig, type LikelihoodConfig } from '../../likelihoods/index.js';
import { GMM_COVARIANCES, LINEAR_MODEL_KINDS, type GmmCovariance, type LinearModelKind } from '../../models/linear/index.js';
import { HVAE_DEFAULTS, resolveHvaeConfig } from '../../models/hvae.js';
import { resolveNetworks, VAE_DEFAULTS, type VaeOptions } from '../../models/vae-config.js';
import type { Activation } from '../../nets/mlp.js';
import type { NetConfig } from '../../nets/index.js';
import { resolveTrainOptions, type ResolvedTrainOptions, type TrainOptions } from '../../training/options.js';
import { check, checkKnownKeys, checkOr, expectThat, integer, intAtLeast, listOf, nonEmptyString, nullable, oneOf, positiveNumber } from '../../validate.js';
import { BACKENDS, type BackendName } from '../compute/backend.js';
import { dataKindOf, DEFAULT_SCALE, isIdxSource, type DataKind } from '../datasets/data-source.js';
import { SERIES_DEFAULTS } from '../../data/windows.js';

/** The format version of config.json written now; version 1 (vaekit 0.1) was flat and untagged. */
export const RUN_CONFIG_VERSION = 2;
export const RUN_CONFIG_FILE = 'config.json';

/** Where a run's examples come from and how they are prepared. Shared by every kind of run. */
export interface RunDataConfig {
  /** 'mnist', 'boston', a folder of MNIST-format IDX files, or a numeric CSV file. */
  source: string;
  /** Raw values are divided by this (255: bytes to [0, 1]; 1 for tables, which are then standardised). */
  scale: number;
  /** Use only the first N training and test examples (null = all). */
  limit: number | null;
  /** Validation examples split off the training set, for model selection (0 = none; VAE runs only). */
  val: number;
  /** Tables: feature columns by name (null = every numeric column but the label); the resolved run records those used. */
  columns: string[] | null;
  /** Tables: a column of integer labels, not a feature. */
  labelColumn: string | null;
  /**
   * Train (and validate) only on the examples with these labels (null = all), e.g. one digit for the
   * one-class protocol; the test split stays whole, so anomalies can be scored on it.
   */
  includeLabels?: number[] | null;
  /** Train (and validate) without the examples with these labels (null = none left out); the test split stays whole. */
  excludeLabels?: number[] | null;
  /** Shape of one example ([H, W, C] images, [D] tables), recorded when the run starts. */
  exampleShape?: number[];
  /**
   * Tables: the z-score transform, fitted on the training split (validation examples included) at
   * the start of a run and recorded here; every later command applies it. Log-likelihoods and ELBOs
   * are in these standardised units; add `standardization.logJacobian` (−Σ log std) to a
   * log-likelihood (subtract it from a −ELBO) for raw units. null for images and before the start.
   */
  standardization: StandardizerJSON | null;
  /** Tables: columns one-hot encoded as categories though they hold numbers (text columns listed in `columns` are anyway); present only when set. */
  categorical?: string[] | null;
  /**
   * Tables: the categories of each categorical column, in the order of its one-hot features, taken
   * from the training split when the run starts and recorded here (every later command encodes with
   * them); present only for a table with categorical columns.
   */
  categories?: Record<string, string[]> | null;
  /** PNG folders: every image resized to [H, W] (bilinear); present only when set. */
  resize?: number[] | null;
  /** PNG folders with class folders: the class names, label k = classes[k], recorded when the run starts. */
  classes?: string[] | null;
  /**
   * A conditional VAE's condition c (absent: none), fixed when the run starts: the class label
   * one-hot (C = numClasses; `--condition label`), or numeric table columns that become the
   * condition instead of features (C = their number; `--condition-columns`), standardised with the
   * training split's statistics, recorded in the condition's `standardization`. model.conditionDim = C.
   */
  condition?: RunCondition;
  /** Series (a CSV file): the column holding each row's time; present only for a series. */
  timeColumn?: string | null;
  /** Series: W, the steps of a window, an example [W, F]; present only for a series. */
  window?: number;
  /** Series: S, the steps between training windows (test and all windows: 1); present only for a series. */
  stride?: number;
}

export const CONDITION_KINDS = ['label', 'columns'] as const;
export type ConditionKind = (typeof CONDITION_KINDS)[number];

/**
 * The condition of a run. 'label': numClasses C (null until the run starts, then 1 + the largest
 * label of the train and test splits unless given). 'columns': the columns' z-score transform (null
 * until the run starts).
 */
export type RunCondition = { kind: 'label'; numClasses: number | null } | { kind: 'columns'; columns: string[]; standardization: StandardizerJSON | null };

/** C, the condition size a run's condition gives (null: a label condition whose classes are not yet counted). */
export function conditionDimOf(condition: RunCondition | null | undefined): number | null {
  if (!condition) return 0;
  return condition.kind === 'columns' ? condition.columns.length : condition.numClasses;
}

/** The VAE of a run: the model options less what the data decides (inputShape) and the seed (training's). */
export interface VaeModelConfig {
  kind: 'vae';
  latentDim: number;
  conditionDim: number;
  encoder: NetConfig;
  decoder: NetConfig;
  likelihood: LikelihoodConfig;
}

/**
 * The two-layer VAE of a run (models/hvae.ts): latentDims [Z₁, Z₂], each stochastic layer's hidden
 * widths, bottom first. latentDim is Z₂, the top layer's size.
 */
export interface HvaeModelConfig {
  kind: 'hvae';
  latentDim: number;
  latentDims: [number, number];
  conditionDim: 0;
  hidden: [number[], number[]];
  activation: Activation;
  likelihood: LikelihoodConfig;
}

/** A linear model of a run. */
export interface LinearModelConfig {
  kind: LinearModelKind;
  /** Z for pca, ppca, fa. */
  latentDim: number;
  /** K for gmm. */
  numComponents: number;
  /** gmm covariance form. */
  covariance: GmmCovariance;
  /**
   * Floor on noise / component variances, as a fraction of the mean per-dimension training variance
   * (ppca, fa: varianceFloor; gmm: covarianceFloor). 1e-2 keeps pixels constant in the training
   * examples from dominating test log-likelihoods (FA, Z = 20, 1000 MNIST examples: test −27987 nats
   * with the library's 1e-6, 814 with 1e-2; full MNIST: 1327 and 855).
   */
  varianceFloor: number;
}

/** How a run computes: recorded, chosen by the entry point (also on resume). */
export interface ComputeConfig {
  backend: BackendName;
  /**
   * Threads a VAE training step runs on: this one plus threads − 1 gradient workers, each with its
   * own backend, on shards of each batch (wasm and cpu backends only).
   */
  threads: number;
}

export interface VaeRunConfig {
  kind: 'vae-run';
  version: typeof RUN_CONFIG_VERSION;
  /** The run folder. */
  out: string;
  data: RunDataConfig;
  model: VaeModelConfig | HvaeModelConfig;
  training: ResolvedTrainOptions;
  compute: ComputeConfig;
}

export interface LinearRunConfig {
  kind: 'linear-run';
  version: typeof RUN_CONFIG_VERSION;
  out: string;
  data: RunDataConfig;
  model: LinearModelConfig;
  /** The fit: the seed of its initialisation, and the most EM iterations (null = the model's default). */
  training: { seed: number; maxIter: number | null };
  compute: ComputeConfig;
}

export type RunConfig = VaeRunConfig | LinearRunConfig;
export type RunKind = RunConfig['kind'];
export const RUN_KINDS: readonly RunKind[] = ['vae-run', 'linear-run'];

/**
 * A model section with any field left out: a VAE's (latentDim, conditionDim, encoder, decoder or the
 * MLP shorthand hidden and activation, likelihood) or a linear model's (latentDim, numComponents,
 * covariance, varianceFloor), by `kind` (default 'vae').
 */
export interface PartialModelConfig {
  kind?: 'vae' | 'hvae' | LinearModelKind;
  latentDim?: number;
  /** A two-layer model's [Z₁, Z₂]. */
  latentDims?: readonly number[];
  conditionDim?: number;
  encoder?: Partial<NetConfig>;
  decoder?: Partial<NetConfig>;
  /** An MLP's hidden widths; for a two-layer model, each stochastic layer's (two layers of hidden[l] units each), or its lists of widths. */
  hidden?: VaeOptions['hidden'] | readonly (readonly number[])[];
  activation?: VaeOptions['activation'];
  likelihood?: Partial<LikelihoodConfig>;
  numComponents?: number;
  covariance?: GmmCovariance;
  varianceFloor?: number;
}

/** A run configuration with any field left out (defaults fill it); `data` may be just the source. */
export interface PartialRunConfig {
  kind?: RunKind;
  version?: number;
  out?: string;
  data?: string | Partial<RunDataConfig>;
  model?: PartialModelConfig;
  /** A VAE run's training options, or a linear run's { seed, maxIter }. */
  training?: TrainOptions & { maxIter?: number | null };
  compute?: Partial<ComputeConfig>;
}

/**
 * Defaults by kind of data: images are pixels scaled to [0, 1] under the library's Bernoulli
 * decoder and Z = 20, with 5000 validation images (at most a tenth of `data.limit`: {@link DEFAULT_VAL_FRACTION}); tables are standardised columns, which a
 * Bernoulli cannot model, under a Gaussian decoder with a learned σ², small enough to train on every
 * row (no validation split unless asked), and often of few columns, so Z = 2 (FA and PPCA need Z < D).
 */
export const DATA_KIND_DEFAULTS: Readonly<
  Record<DataKind, { readonly scale: number; readonly val: number; readonly latentDim: number; readonly likelihood: LikelihoodConfig }>
> = Object.freeze({
  image: Object.freeze({ scale: DEFAULT_SCALE.image, val: 5000, latentDim: VAE_DEFAULTS.latentDim, likelihood: VAE_DEFAULTS.likelihood }),
  table: Object.freeze({
    scale: DEFAULT_SCALE.table,
    val: 0,
    latentDim: 2,
    likelihood: Object.freeze({ kind: 'gaussian', variance: 'learned' }) as LikelihoodConfig,
  }),
  series: Object.freeze({
    scale: DEFAULT_SCALE.series,
    val: 0,
    latentDim: 4,
    likelihood: Object.freeze({ kind: 'gaussian', variance: 'learned' }) as LikelihoodConfig,
  }),
});

/** Defaults that depend on no data: the data source, the linear models', and the compute. */
export const RUN_DEFAULTS = Object.freeze({
  source: 'mnist',
  linear: Object.freeze({ numComponents: 10, covariance: 'diag' as GmmCovariance, varianceFloor: 1e-2, maxIter: null as number | null }),
  compute: Object.freeze({ backend: 'wasm' as BackendName, threads: 1 }),
});

/** Where the run goes when `out` is not given: runs/<data> (a VAE) or runs/<data>-<model> (a linear model). */
export function defaultOut(source: string, model: 'vae' | 'hvae' | LinearModelKind): string {
  const base =
    source
      .replace(/[/\\]+$/, '')
      .split(/[/\\]/)
      .pop() || source;
  return model === 'vae' ? join('runs', base) : join('runs', `${base}-${model}`);
}

const isLinearKind = (k: unknown): k is LinearModelKind => typeof k === 'string' && (LINEAR_MODEL_KINDS as readonly string[]).includes(k);

/**
 * Applies every default and validates every field of a (partial) run configuration.
 * @param opts.dataKind - how to tell images from tables (default: `dataKindOf`, which looks at the file system)
 * @returns the resolved configuration; for tables, `data.standardization` stays null until the run starts
 * @throws ConfigError naming the setting (its path, e.g. 'training.epochs') and the bad value
 */
export function resolveRunConfig(partial: PartialRunConfig = {}, opts: { dataKind?: (source: string) => DataKind } = {}): RunConfig {
  checkKnownKeys('run', partial, ['kind', 'version', 'out', 'data', 'model', 'training', 'compute']);
  const modelKind = check(
    'model.kind',
    partial.model?.kind ?? (partial.kind === 'linear-run' ? undefined : 'vae'),
    oneOf(['vae', 'hvae', ...LINEAR_MODEL_KINDS] as const),
  );
  const kind: RunKind = isLinearKind(modelKind) ? 'linear-run' : 'vae-run';
  if (partial.kind !== undefined) expectThat(partial.kind === kind, 'kind', `'${kind}' for a model of kind '${modelKind}'`, partial.kind);
  const dataIn = typeof partial.data === 'string' ? { source: partial.data } : (partial.data ?? {});
  const source = checkOr('data.source', dataIn.source, nonEmptyString, RUN_DEFAULTS.source);
  const dataKind = (opts.dataKind ?? ((s: string) => dataKindOf(s, dataIn)))(source);
  // MNIST-format images hold out validation examples by default; a folder of PNG images (often small) none unless asked.
  const isPngImages = dataKind === 'image' && opts.dataKind === undefined && !isIdxSource(source);
  const data = resolveData(dataIn, source, dataKind, kind, isPngImages);
  const out = checkOr('out', partial.out, nonEmptyString, defaultOut(source, modelKind));
  checkKnownKeys('compute', partial.compute ?? {}, ['backend', 'threads']);
  const compute: ComputeConfig = {
    backend: checkOr('compute.backend', partial.compute?.backend, oneOf(BACKENDS), RUN_DEFAULTS.compute.backend),
    threads: checkOr('compute.threads', partial.compute?.threads, intAtLeast(1), RUN_DEFAULTS.compute.threads),
  };
  const defaults = DATA_KIND_DEFAULTS[dataKind];
  const m = partial.model ?? {};
  if (kind === 'linear-run') {
    checkKnownKeys('model', m, ['kind', 'latentDim', 'numComponents', 'covariance', 'varianceFloor']);
    const t = partial.training ?? {};
    checkKnownKeys('training', t, ['seed', 'maxIter']);
    const d = RUN_DEFAULTS.linear;
    return {
      kind,
      version: RUN_CONFIG_VERSION,
      out,
      data,
      model: {
        kind: modelKind as LinearModelKind,
        latentDim: checkOr('model.latentDim', m.latentDim, intAtLeast(1), defaults.latentDim),
        numComponents: checkOr('model.numComponents', m.numComponents, intAtLeast(1), d.numComponents),
        covariance: checkOr('model.covariance', m.covariance, oneOf(GMM_COVARIANCES), d.covariance),
        varianceFloor: checkOr('model.varianceFloor', m.varianceFloor, positiveNumber, d.varianceFloor),
      },
      training: { seed: checkOr('training.seed', t.seed, integer, 0), maxIter: checkOr('training.maxIter', t.maxIter, nullable(intAtLeast(1)), d.maxIter) },
      compute,
    };
  }
  if (modelKind === 'hvae') {
    const model = resolveHvaeModel(m, source, dataKind);
    const rest = vaeTrainingAndCompute(partial, compute);
    const objective = rest.training.objective;
    if (objective.kind === 'tc-vae') {
      throw new ConfigError(
        `${setting('training.objective.kind', 'tc-vae')}: the total-correlation decomposition is of one Gaussian latent layer's KL; ${setting('model.kind', 'hvae')} has two (use elbo or iwae)`,
      );
    }
    if (objective.kind === 'elbo' && objective.freeBits !== null) {
      throw new ConfigError(
        `${setting('training.objective.freeBits', objective.freeBits)}: free bits floor each latent dimension's KL, which needs a model with one stochastic layer; ` +
          `${setting('model.kind', 'hvae')} has two`,
      );
    }
    return { kind: 'vae-run', version: RUN_CONFIG_VERSION, out, data, model, ...rest };
  }
  checkKnownKeys('model', m, ['kind', 'latentDim', 'conditionDim', 'encoder', 'decoder', 'hidden', 'activation', 'likelihood']);
  const { encoder, decoder } = resolveNetworks(m as Parameters<typeof resolveNetworks>[0], 'model');
  const model: VaeModelConfig = {
    kind: 'vae',
    latentDim: checkOr('model.latentDim', m.latentDim, intAtLeast(1), defaults.latentDim),
    conditionDim: modelConditionDim(data, m.conditionDim),
    encoder,
    decoder,
    likelihood: resolveLikelihoodConfig(likelihoodOf(m.likelihood, defaults.likelihood), 'model.likelihood'),
  };
  checkVarianceApplies(m.likelihood, model.likelihood);
  const training = resolveTrainOptions(partial.training ?? {}, 'training');
  if (dataKind === 'table') checkTableRun(source, model, training);
  else if (model.likelihood.kind === 'mixed') {
    throw new ConfigError(
      `${setting('model.likelihood.kind', 'mixed')}: the mixed likelihood models a table's numeric and categorical columns; ${source} holds images`,
    );
  }
  if (dataKind === 'series') checkTableRun(source, model, training, 'series');
  checkRecurrentNets(source, model, dataKind);
  return { kind, version: RUN_CONFIG_VERSION, out, data, model, ...vaeTrainingAndCompute(partial, compute, training) };
}

/**
 * A two-layer VAE's model section: latentDims [Z₁, Z₂] (default [100, 50]), hidden as each stochastic
 * layer's width (two layers each, Burda et al. 2016) or lists of widths, activation (default tanh).
 * @throws ConfigError for a bad field, a latentDim (the sizes are latentDims), or data other than images
 */
function resolveHvaeModel(m: PartialModelConfig, source: string, dataKind: DataKind): HvaeModelConfig {
  checkKnownKeys('model', m, ['kind', 'latentDim', 'latentDims', 'conditionDim', 'hidden', 'activation', 'likelihood']);
  if (dataKind !== 'image') throw new ConfigError(`${setting('model.kind', 'hvae')}: the two-layer VAE models images; ${source} holds a ${dataKind}`);
  const hiddenIn = m.hidden as unknown[] | undefined;
  const hidden = Array.isArray(hiddenIn) && hiddenIn.every((w) => typeof w === 'number') ? hiddenIn.map((w) => [w, w]) : hiddenIn;
  const c = resolveHvaeConfig(
    {
      inputShape: [1],
      latentDims: m.latentDims,
      hidden: hidden as number[][] | undefined,
      activation: m.activation,
      likelihood: m.likelihood as LikelihoodConfig | undefined,
      conditionDim: m.conditionDim,
    },
    'model',
  );
  if (m.latentDim !== undefined && m.latentDim !== c.latentDim) {
    throw new ConfigError(
      `${setting('model.latentDim', m.latentDim)}: a two-layer model's latent sizes are ${setting('model.latentDims')} (default ${HVAE_DEFAULTS.latentDims.join(',')}); its latentDim is Z₂ = ${c.latentDim}`,
    );
  }
  return {
    kind: 'hvae',
    latentDim: c.latentDim,
    latentDims: c.latentDims,
    conditionDim: 0,
    hidden: c.hidden,
    activation: c.activation,
    likelihood: c.likelihood,
  };
}

/** A VAE run's training options and compute settings, checked together. @throws ConfigError */
function vaeTrainingAndCompute(
  partial: PartialRunConfig,
  compute: ComputeConfig,
  resolved?: ResolvedTrainOptions,
): { training: ResolvedTrainOptions; compute: ComputeConfig } {
  const training = resolved ?? resolveTrainOptions(partial.training ?? {}, 'training');
  if (compute.threads > 1 && training.objective.kind === 'elbo' && training.objective.freeBits !== null) {
    throw new ConfigError(
      `${setting('training.objective.freeBits', training.objective.freeBits)}: free bits floor each dimension's KL averaged over the whole batch, ` +
        `which shards of a batch on ${setting('compute.threads', compute.threads)} threads cannot compute apart; train on one thread`,
    );
  }
  checkObjectiveThreads(training.objective, compute.threads);
  if (compute.threads > 1 && compute.backend !== 'wasm' && compute.backend !== 'cpu') {
    throw new ConfigError(`${setting('compute.threads', compute.threads)}: gradient workers need the wasm or cpu backend, not '${compute.backend}'`);
  }
  return { training, compute };
}

/**
 * Refuses the β-TCVAE on several threads: its minibatch-weighted estimate of log q(z) compares each
 * example's z with the posterior of every example in the batch, which shards of a batch on separate
 * threads cannot compute apart (a fresh run and a resumed one, whose --threads may change).
 * @throws ConfigError when `objective` is tc-vae and `threads` > 1
 */
export function checkObjectiveThreads(objective: ResolvedTrainOptions['objective'], threads: number): void {
  if (threads > 1 && objective.kind === 'tc-vae') {
    throw new ConfigError(
      `${setting('training.objective.kind', 'tc-vae')}: the β-TCVAE estimates log q(z) from the whole batch (each example's z against every example's q(z|x)), ` +
        `which shards of a batch on ${setting('compute.threads', threads)} threads cannot compute apart; train on one thread`,
    );
  }
}

/**
 * model.conditionDim from the run's condition (0 without one); a label condition whose classes are
 * not yet counted takes a conditionDim given as its number of classes.
 * @throws ConfigError when a conditionDim given disagrees with the condition, or is given without one
 */
function modelConditionDim(data: RunDataConfig, given: number | undefined): number {
  const value = given === undefined ? undefined : check('model.conditionDim', given, intAtLeast(0));
  const derived = conditionDimOf(data.condition);
  if (data.condition?.kind === 'label' && derived === null && value !== undefined && value > 0) {
    data.condition.numClasses = check('model.conditionDim', value, intAtLeast(2));
    return value;
  }
  if (derived === 0 && value !== undefined && value > 0) {
    throw new ConfigError(
      `${setting('model.conditionDim', value)}: a conditional VAE needs its condition named, ${setting('data.condition.kind', 'label')} or ${setting('data.condition.columns')}`,
    );
  }
  if (derived !== null && derived > 0 && value !== undefined && value !== derived) {
    throw new ConfigError(`${setting('model.conditionDim', value)}: expected ${derived}, the size of the run's condition`);
  }
  return derived ?? 0;
}

/**
 * The likelihood a (partial) model section asks for: the data kind's default, with the fields given
 * over it when they are of the same kind (a Gaussian variance alone on a table keeps the Gaussian;
 * `gaussian` alone on images gets σ² 1, on tables the learned σ²), or the kind given with its fields.
 */
function likelihoodOf(given: Partial<LikelihoodConfig> | undefined, fallback: LikelihoodConfig): LikelihoodConfig {
  const g = given ?? {};
  const base = g.kind === undefined || g.kind === fallback.kind ? fallback : { kind: g.kind };
  return { ...base, ...g } as LikelihoodConfig;
}

/**
 * A decoder variance given for a likelihood that has none (Bernoulli, the image default) would be
 * dropped without a word. @throws ConfigError naming the setting and the likelihood
 */
function checkVarianceApplies(given: Partial<LikelihoodConfig> | undefined, resolved: LikelihoodConfig): void {
  const variance = (given as { variance?: unknown } | undefined)?.variance;
  if (variance === undefined || 'variance' in resolved) return;
  throw new ConfigError(
    `${setting('model.likelihood.variance', String(variance))}: a decoder variance σ² applies to Gaussian likelihoods (gaussian, mixed), not ${resolved.kind}; ` +
      `add ${setting('model.likelihood.kind', 'gaussian')} or leave the variance out`,
  );
}

function resolveData(d: Partial<RunDataConfig>, source: string, dataKind: DataKind, kind: RunKind, isPngImages = false): RunDataConfig {
  checkKnownKeys('data', d, [
    'source',
    'scale',
    'limit',
    'val',
    'columns',
    'labelColumn',
    'includeLabels',
    'excludeLabels',
    'exampleShape',
    'standardization',
    'condition',
    'categorical',
    'categories',
    'resize',
    'classes',
    'timeColumn',
    'window',
    'stride',
  ]);
  const includeLabels = checkOr('data.includeLabels', d.includeLabels, nullable(listOf(intAtLeast(0))), null);
  const excludeLabels = checkOr('data.excludeLabels', d.excludeLabels, nullable(listOf(intAtLeast(0))), null);
  if (includeLabels !== null && excludeLabels !== null) {
    throw new ConfigError(`${setting('data.includeLabels')} and ${setting('data.excludeLabels')}: give one of them, not both`);
  }
  const defaults = DATA_KIND_DEFAULTS[dataKind];
  const columns = d.columns ?? null;
  if (columns !== null) columns.forEach((c, i) => check(`data.columns[${i}]`, c, nonEmptyString));
  const labelColumn = checkOr('data.labelColumn', d.labelColumn, nullable(nonEmptyString), null);
  if (dataKind === 'image' && (columns !== null || labelColumn !== null || d.standardization)) {
    throw new ConfigError(`${setting('data.source', source)}: columns, a label column and standardisation apply to tables; this source holds images`);
  }
  const extra = resolveDataExtras(d, source, dataKind);
  const limit = checkOr('data.limit', d.limit, nullable(intAtLeast(1)), null);
  const val = checkOr('data.val', d.val, intAtLeast(0), kind === 'vae-run' && !isPngImages ? defaultVal(defaults.val, limit) : 0);
  if (kind === 'linear-run') expectThat(val === 0, 'data.val', '0 (a linear model is fitted on the whole training split)', val);
  const condition = resolveCondition(d.condition, { source, dataKind, kind, columns, labelColumn });
  return {
    source,
    scale: checkOr('data.scale', d.scale, positiveNumber, defaults.scale),
    limit,
    val,
    columns: columns ? [...columns] : null,
    labelColumn,
    ...(includeLabels !== null ? { includeLabels } : {}),
    ...(excludeLabels !== null ? { excludeLabels } : {}),
    ...(d.exampleShape ? { exampleShape: d.exampleShape.map((s, i) => check(`data.exampleShape[${i}]`, s, intAtLeast(1))) } : {}),
    standardization: d.standardization ?? null,
    ...(condition ? { condition } : {}),
    ...extra,
    ...resolveSeriesData(d, source, dataKind),
  };
}

/** Share of a limited training set held out for validation by default: `--limit 6000` validates on 600, not 5000. */
export const DEFAULT_VAL_FRACTION = 0.1;

/**
 * The default number of validation examples: the data kind's, or with a limit on the training
 * examples at most {@link DEFAULT_VAL_FRACTION} of them, ⌊0.1 · limit⌋ (0 below 10 examples).
 * Without a limit the training set's size is the dataset's, for which the kind's default is made.
 */
function defaultVal(kindDefault: number, limit: number | null): number {
  return limit === null ? kindDefault : Math.min(kindDefault, Math.floor(DEFAULT_VAL_FRACTION * limit));
}

/**
 * The data settings of one kind of source, each present only when set: a table's categorical
 * columns and recorded categories, a PNG folder's resize and recorded class names.
 * @throws ConfigError naming the setting, for a malformed value or one given for the other kind of data
 */
function resolveDataExtras(d: Partial<RunDataConfig>, source: string, dataKind: DataKind): Partial<RunDataConfig> {
  const categorical = checkOr('data.categorical', d.categorical, nullable(listOf(nonEmptyString)), null);
  const categories = d.categories ?? null;
  if (categories !== null) {
    expectThat(typeof categories === 'object' && !Array.isArray(categories), 'data.categories', 'an object of category lists by column', categories);
    for (const [c, list] of Object.entries(categories)) check(`data.categories.${c}`, list, listOf(nonEmptyString));
  }
  const resize = checkOr('data.resize', d.resize, nullable(listOf(intAtLeast(1))), null);
  if (resize !== null) expectThat(resize.length === 2, 'data.resize', '[height, width]', resize);
  const classes = checkOr('data.classes', d.classes, nullable(listOf(nonEmptyString)), null);
  if (dataKind === 'image' && (categorical !== null || categories !== null)) {
    throw new ConfigError(`${setting('data.categorical')}: applies to tables; ${source} holds images`);
  }
  if (dataKind === 'table' && (resize !== null || classes !== null))
    throw new ConfigError(`${setting('data.resize')}: applies to PNG folders; ${source} is a table`);
  return {
    ...(categorical !== null ? { categorical: [...categorical] } : {}),
    ...(categories !== null ? { categories: Object.fromEntries(Object.entries(categories).map(([c, l]) => [c, [...l]])) } : {}),
    ...(resize !== null ? { resize: [...resize] } : {}),
    ...(classes !== null ? { classes: [...classes] } : {}),
  };
}

/**
 * Validates a run's condition: its kind (columns alone mean 'columns'), the number of classes of a
 * label condition, the condition columns of a table (not features, not the label column).
 * @throws ConfigError naming the setting: both kinds given, a label condition on a table without a
 *   label column, condition columns on images, a linear run
 */
function resolveCondition(
  given: Partial<RunDataConfig['condition']> | null | undefined,
  ctx: { source: string; dataKind: DataKind; kind: RunKind; columns: string[] | null; labelColumn: string | null },
): RunCondition | null {
  if (given === undefined || given === null) return null;
  const c = given as Record<string, unknown>;
  checkKnownKeys('data.condition', c, ['kind', 'numClasses', 'columns', 'standardization']);
  const kind = check('data.condition.kind', c.kind ?? (c.columns !== undefined ? 'columns' : undefined), oneOf(CONDITION_KINDS));
  if (ctx.kind === 'linear-run') {
    throw new ConfigError(
      `${setting(kind === 'label' ? 'data.condition.kind' : 'data.condition.columns', kind === 'label' ? 'label' : undefined)}: applies to VAE runs (a conditional VAE), not a linear model`,
    );
  }
  if (kind === 'label') {
    if (c.columns !== undefined) {
      const cols = Array.isArray(c.columns) ? c.columns.join(',') : String(c.columns);
      throw new ConfigError(
        `${setting('data.condition.columns', cols)} and ${setting('data.condition.kind', 'label')}: the condition is either the class label or table columns; give one of them, not both`,
      );
    }
    if (ctx.dataKind === 'series') {
      throw new ConfigError(
        `${setting('data.condition.kind', 'label')}: a series' labels mark anomalies (us-births: the holidays), which its scores are judged against; conditioning on them would hand the model the answer`,
      );
    }
    if (ctx.dataKind === 'table' && ctx.labelColumn === null) {
      throw new ConfigError(
        `${setting('data.condition.kind', 'label')}: ${ctx.source} is a table without labels; name its column of integer class labels with ${setting('data.labelColumn')}`,
      );
    }
    return { kind, numClasses: checkOr('data.condition.numClasses', c.numClasses as number | null | undefined, nullable(intAtLeast(2)), null) };
  }
  if (ctx.dataKind !== 'table') {
    throw new ConfigError(
      `${setting('data.condition.columns')}: condition columns apply to tables; ${ctx.source} holds ${ctx.dataKind === 'series' ? 'a series' : 'images (condition on the class label instead)'}`,
    );
  }
  const columns = check('data.condition.columns', c.columns, listOf(nonEmptyString));
  const text = columns.join(',');
  expectThat(columns.length > 0 && new Set(columns).size === columns.length, 'data.condition.columns', 'distinct column names', text);
  for (const name of columns) {
    if (ctx.columns?.includes(name) || name === ctx.labelColumn) {
      throw new ConfigError(
        `${setting('data.condition.columns', text)}: '${name}' is also ${name === ctx.labelColumn ? `the label column (${setting('data.labelColumn')})` : `a feature (${setting('data.columns')})`}; a column is a feature, the label or a condition, not two of them`,
      );
    }
  }
  return { kind, columns: [...columns], standardization: (c.standardization as StandardizerJSON | null | undefined) ?? null };
}

/**
 * A series' time column, window and stride (present only for a series; W and S default to
 * SERIES_DEFAULTS: 28 and 1).
 * @throws ConfigError naming the setting, for a bad value or one given for a table or images
 */
function resolveSeriesData(d: Partial<RunDataConfig>, source: string, dataKind: DataKind): Partial<RunDataConfig> {
  if (dataKind !== 'series') {
    const given = (['timeColumn', 'window', 'stride'] as const).find((k) => d[k] != null);
    if (given) {
      throw new ConfigError(
        `${setting(`data.${given}`)}: applies to time series (us-births, or a CSV file with ${setting('data.timeColumn')}); ${source} holds ${dataKind === 'table' ? 'a table' : 'images'}`,
      );
    }
    return {};
  }
  return {
    timeColumn: checkOr('data.timeColumn', d.timeColumn, nullable(nonEmptyString), null),
    window: checkOr('data.window', d.window, intAtLeast(1), SERIES_DEFAULTS.window),
    stride: checkOr('data.stride', d.stride, intAtLeast(1), SERIES_DEFAULTS.stride),
  };
}

/** A recurrent network reads windows of a series [W, F]. @throws ConfigError naming the setting for other data */
function checkRecurrentNets(source: string, model: VaeModelConfig, dataKind: DataKind): void {
  for (const net of ['encoder', 'decoder'] as const) {
    if (model[net].kind === 'rnn' && dataKind !== 'series') {
      throw new ConfigError(
        `${setting(`model.${net}.kind`, 'rnn')}: a recurrent network reads windows of a time series [W, F] (us-births, or a CSV file with ${setting('data.timeColumn')}); ` +
          `${source} holds ${dataKind === 'table' ? 'a table' : 'images'}`,
      );
    }
  }
}

/** Options that make no sense on standardised columns. @throws ConfigError naming the setting */
function checkTableRun(source: string, model: VaeModelConfig, training: ResolvedTrainOptions, what: DataKind = 'table'): void {
  if (model.likelihood.kind === 'bernoulli') {
    throw new ConfigError(
      `${setting('model.likelihood.kind', 'bernoulli')}: ${source} is a ${what}, standardised to zero mean and unit variance per column, which a ` +
        `Bernoulli likelihood cannot model; use ${setting('model.likelihood.kind', 'gaussian')} (the default for tables)`,
    );
  }
  if (training.binarize !== 'none') {
    throw new ConfigError(
      `${setting('training.binarize', training.binarize)}: binarisation is for pixel intensities in [0, 1]; ${source} is a table of standardised columns`,
    );
  }
}

/** A vaekit 0.1 config.json: flat and untagged (VAE runs have `training`, linear runs a `model` kind string). */
interface RunConfigV1 {
  data: string;
  out: string;
  scale: number;
  limit: number | null;
  columns?: string[] | null;
  labelColumn?: string | null;
  standardization?: StandardizerJSON | null;
  exampleShape?: number[];
  latentDim: number;
  // VAE runs
  val?: number;
  hidden?: number[];
  activation?: VaeOptions['activation'];
  likelihood?: LikelihoodConfig;
  training?: Omit<ResolvedTrainOptions, 'beta' | 'objective'> & { beta: number };
  backend?: BackendName;
  threads?: number;
  // linear runs
  model?: LinearModelKind;
  numComponents?: number;
  covariance?: GmmCovariance;
  seed?: number;
  maxIter?: number | null;
  varianceFloor?: number;
}

/**
 * A config.json of any version as the current version, unresolved: vaekit 0.1's flat VAE and linear
 * configs become tagged nested ones.
 * @throws CheckpointError for a config of an unknown kind or a newer version
 */
export function migrateRunConfig(json: unknown, where = RUN_CONFIG_FILE): PartialRunConfig {
  const c = json as Record<string, unknown> | null;
  if (c === null || typeof c !== 'object' || Array.isArray(c))
    throw new CheckpointError(`${where}: expected a run configuration (a JSON object), got ${JSON.stringify(json)}`);
  if (c.kind !== undefined) {
    if (!(RUN_KINDS as readonly unknown[]).includes(c.kind))
      throw new CheckpointError(`${where}: expected a run of kind ${RUN_KINDS.join(' or ')}, got ${JSON.stringify(c.kind)}`);
    if (c.version !== RUN_CONFIG_VERSION)
      throw new CheckpointError(`${where}: expected config version ${RUN_CONFIG_VERSION} or an untagged one of vaekit 0.1, got ${JSON.stringify(c.version)}`);
    return c as PartialRunConfig;
  }
  if (!isRunConfigV1(c)) return c as PartialRunConfig; // a partial configuration of the current shape, untagged
  const v1 = c as unknown as RunConfigV1;
  const data: Partial<RunDataConfig> = {
    source: v1.data,
    scale: v1.scale,
    limit: v1.limit ?? null,
    columns: v1.columns ?? null,
    labelColumn: v1.labelColumn ?? null,
    standardization: v1.standardization ?? null,
    ...(v1.exampleShape ? { exampleShape: v1.exampleShape } : {}),
  };
  const compute = { backend: v1.backend ?? RUN_DEFAULTS.compute.backend, threads: v1.threads ?? 1 };
  if (typeof v1.model === 'string') {
    return {
      kind: 'linear-run',
      out: v1.out,
      data: { ...data, val: 0 },
      model: { kind: v1.model, latentDim: v1.latentDim, numComponents: v1.numComponents, covariance: v1.covariance, varianceFloor: v1.varianceFloor },
      training: { seed: v1.seed ?? 0, maxIter: v1.maxIter ?? null },
      compute,
    };
  }
  if (!v1.training)
    throw new CheckpointError(`${where}: expected a vaekit run configuration (a 'kind', or vaekit 0.1's 'training' or 'model'), got none of them`);
  const mlp = { kind: 'mlp' as const, hidden: v1.hidden ?? [400], activation: v1.activation ?? 'relu' };
  return {
    kind: 'vae-run',
    out: v1.out,
    data: { ...data, val: v1.val ?? 0 },
    model: { kind: 'vae', latentDim: v1.latentDim, encoder: mlp, decoder: { ...mlp }, likelihood: v1.likelihood },
    training: { ...v1.training, beta: v1.training.beta },
    compute,
  };
}

/** Fields only vaekit 0.1's flat config.json had at its top level. */
const V1_FIELDS = [
  'latentDim',
  'hidden',
  'activation',
  'likelihood',
  'scale',
  'val',
  'limit',
  'backend',
  'threads',
  'seed',
  'numComponents',
  'covariance',
  'maxIter',
  'varianceFloor',
  'columns',
  'labelColumn',
  'standardization',
  'exampleShape',
];

/** True when `json` is a config.json of vaekit 0.1: untagged, flat (a linear run's `model` is its kind). */
export function isRunConfigV1(json: unknown): boolean {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  const c = json as Record<string, unknown>;
  return c.kind === undefined && (typeof c.model === 'string' || V1_FIELDS.some((k) => k in c));
}

/**
 * Reads RUN/config.json of any version, migrated and resolved (data defaults by the recorded source).
 * @throws CheckpointError when missing, not JSON, or not a run configuration
 */
export async function readRunConfig(run: string): Promise<RunConfig> {
  const where = join(run, RUN_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(where, 'utf8');
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (not a run folder, or an incomplete one)' : (cause as Error).message;
    throw new CheckpointError(`${where}: expected the run's configuration, got ${why}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new CheckpointError(`${where}: ${describeJsonError(text, cause)}; expected the run's configuration`, { cause });
  }
  const partial = migrateRunConfig(json, where);
  try {
    // The kind of data as the run recorded it, not as the file system says today (a CSV may have moved).
    return resolveRunConfig(partial, { dataKind: () => (isSeries(partial) ? 'series' : isTable(partial) ? 'table' : 'image') });
  } catch (cause) {
    throw new CheckpointError(`${where}: not a valid run configuration: ${(cause as Error).message}`, { cause });
  }
}

/** A run's recorded data is a series when it has a window. */
function isSeries(p: PartialRunConfig): boolean {
  const d = p.data as Partial<RunDataConfig> | undefined;
  return Boolean(d && d.window != null);
}

/** A run's recorded data is a table when it has columns or a standardisation. */
function isTable(p: PartialRunConfig): boolean {
  const d = p.data as Partial<RunDataConfig> | undefined;
  return Boolean(d && (d.columns || d.standardization || (d.exampleShape && d.exampleShape.length === 1)));
}
