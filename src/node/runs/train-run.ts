/**
 * A training run in a folder: what `vaekit train` does, callable from code.
 *
 *   OUT/config.json        the resolved run configuration
 *   OUT/metrics.jsonl      one JSON object per epoch (schema: EpochMetrics in src/training/trainer.ts)
 *   OUT/checkpoint.vkc     the latest training state, rewritten atomically every epoch and on Ctrl-C
 *   OUT/model/             the best model by validation loss (the last one without validation)
 *   OUT/reconstructions.png, OUT/samples.png (images) or OUT/reconstructions.csv, OUT/samples.csv
 *   (tables, raw units), OUT/loss-curve.svg, OUT/summary.json
 */
import { describeNativeKernels, nativeKernelsInfo, nativeKernelsUnavailable } from '../compute/native-kernels.js';
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { auditData, auditWarnings, checkLikelihoodFit } from '../../data/audit.js';
import { isImageShape, splitValidation, takeFirst, type Dataset } from '../../data/dataset.js';
import type { Standardizer } from '../../data/standardize.js';
import { CheckpointError, ConfigError } from '../../errors.js';
import type { LikelihoodConfig } from '../../likelihoods/likelihood.js';
import type { Activation } from '../../nets/mlp.js';
import { VAE } from '../../models/vae.js';
import { saveModel } from '../../models/index.js';
import { resolveTrainOptions, type TrainOptions } from '../../training/options.js';
import { train, type EpochMetrics, type StepInfo, type TrainerState } from '../../training/trainer.js';
import { removeStaleTempFiles, writeFileAtomic } from '../formats/atomic.js';
import { readCheckpoint, writeCheckpoint } from '../formats/checkpoint.js';
import { DEFAULT_SCALE, describeLoaded, type DataKind } from '../datasets/data-source.js';
import { fsModelStore } from '../formats/model-store.js';
import { LOSS_CURVE_FILE, writeLossCurve } from '../formats/plot.js';
import { renderReconstructions, renderSamples } from './pictures.js';
import { loadRunData, type RunDataFields } from './run-data.js';
import { writeVaeReconstructionsCsv, writeVaeSamplesCsv } from './table-csv.js';
import { VAEKIT_VERSION } from '../version.js';
import { DataParallelGradients } from '../parallel/data-parallel.js';

export const RUN_FILES = {
  config: 'config.json',
  metrics: 'metrics.jsonl',
  checkpoint: 'checkpoint.vkc',
  model: 'model',
  reconstructions: 'reconstructions.png',
  samples: 'samples.png',
  /** Tables, instead of the PNGs: raw units, a header of column names. */
  reconstructionsCsv: 'reconstructions.csv',
  samplesCsv: 'samples.csv',
  lossCurve: LOSS_CURVE_FILE,
  summary: 'summary.json',
} as const;

/** Everything `vaekit train` takes. */
export interface RunConfig extends RunDataFields {
  /** The run folder. */
  out: string;
  /** Validation examples split off the training set (0 = none). */
  val: number;
  latentDim: number;
  hidden: number[];
  activation: Activation;
  likelihood: LikelihoodConfig;
  training: Required<TrainOptions>;
  /** The compute backend in use (recorded, chosen by the entry point). */
  backend: string;
  /**
   * Threads a training step runs on: this one plus threads − 1 gradient workers, each with its own
   * backend, on shards of each batch (wasm and cpu backends only). Recorded; chosen by the entry
   * point, also on resume. Default 1.
   */
  threads?: number;
}

/**
 * Defaults that depend on the kind of data (`dataKindOf(data)`), for VAE and linear runs: images are
 * pixels scaled to [0, 1] under a Bernoulli decoder, with 5000 validation images and Z = 20; tables
 * are standardised columns, which a Bernoulli cannot model, under a Gaussian decoder with a learned
 * σ², small enough to train on every row (no validation split unless asked), and often of few
 * columns, so Z = 2 (FA and PPCA need Z < D).
 */
export const DATA_KIND_DEFAULTS: Readonly<
  Record<DataKind, { readonly scale: number; readonly val: number; readonly latentDim: number; readonly likelihood: LikelihoodConfig }>
> = Object.freeze({
  image: Object.freeze({ scale: DEFAULT_SCALE.image, val: 5000, latentDim: 20, likelihood: Object.freeze({ kind: 'bernoulli' }) as LikelihoodConfig }),
  table: Object.freeze({ scale: DEFAULT_SCALE.table, val: 0, latentDim: 2, likelihood: Object.freeze({ kind: 'gaussian', variance: 'learned' }) as LikelihoodConfig }),
});

export const RUN_DEFAULTS = Object.freeze({
  data: 'mnist',
  scale: DATA_KIND_DEFAULTS.image.scale,
  val: DATA_KIND_DEFAULTS.image.val,
  limit: null as number | null,
  latentDim: DATA_KIND_DEFAULTS.image.latentDim,
  hidden: [400],
  activation: 'relu' as Activation,
  likelihood: DATA_KIND_DEFAULTS.image.likelihood,
});

/** The end of a run, also written to summary.json. Losses in nats per example. */
export interface RunSummary {
  out: string;
  epochs: number;
  bestEpoch: number | null;
  /** Test −ELBO of the saved (best) model; null without a test set. */
  testLoss: number | null;
  valLoss: number | null;
  trainSeconds: number;
  examplesPerSecond: number;
  stoppedEarly: boolean;
  interrupted: boolean;
  /** The files of the run folder (names within `out`). */
  files: string[];
  /** Tables: −Σ log std of the standardisation (nats); the losses above are of standardised data. null for images. */
  logJacobian: number | null;
  state: TrainerState;
}

export interface RunCallbacks {
  /** One line of human information (resolved config, data audit warnings, file paths). */
  log?(line: string): void;
  onEpochStart?(epoch: number, stepsPerEpoch: number): void;
  onStep?(info: StepInfo): void;
  onEpochEnd?(m: EpochMetrics): void;
  shouldStop?(): boolean;
}

/** A run folder's config.json. @throws CheckpointError when missing or not JSON */
export async function readRunConfig(out: string): Promise<RunConfig> {
  const where = join(out, RUN_FILES.config);
  try {
    return JSON.parse(await readFile(where, 'utf8')) as RunConfig;
  } catch (cause) {
    throw new CheckpointError(`${where}: expected the run's configuration, got ${(cause as Error).message}`, { cause });
  }
}

interface RunData {
  train: Dataset;
  val?: Dataset;
  test: Dataset;
  name: string;
  kind: DataKind;
  standardizer: Standardizer | null;
  /** The log line about the data. */
  description: string;
}

async function loadSplits(cfg: RunConfig): Promise<RunData> {
  const loaded = loadRunData(cfg);
  let { train: tr, test } = loaded;
  if (cfg.limit !== null) {
    tr = takeFirst(tr, cfg.limit);
    test = takeFirst(test, cfg.limit);
  }
  const common = { test, name: loaded.name, kind: loaded.kind, standardizer: loaded.standardizer };
  if (cfg.val > 0) {
    if (cfg.val >= tr.numExamples) {
      throw new ConfigError(`--val: expected fewer validation examples than the ${tr.numExamples} training examples, got ${cfg.val}`);
    }
    const s = splitValidation(tr, cfg.val, cfg.training.seed);
    return { ...common, train: s.train, val: s.val, description: describeLoaded(loaded, s.train, test, cfg.val) };
  }
  return { ...common, train: tr, description: describeLoaded(loaded, tr, test) };
}

/** Options that make no sense on standardised columns. @throws ConfigError naming the option */
function checkTableOptions(cfg: RunConfig): void {
  if (cfg.likelihood.kind === 'bernoulli') {
    throw new ConfigError(
      `--likelihood bernoulli: ${cfg.data} is a table, standardised to zero mean and unit variance per column, which a ` +
        'Bernoulli likelihood cannot model; use --likelihood gaussian (the default for tables)',
    );
  }
  if (cfg.training.binarize !== 'none') {
    throw new ConfigError(`--binarize ${cfg.training.binarize}: binarisation is for pixel intensities in [0, 1]; ${cfg.data} is a table of standardised columns`);
  }
}

/**
 * Trains (or, with `resume`, continues) a VAE into a run folder.
 * @throws ConfigError when the folder already holds a run and neither resume nor overwrite is set
 * @throws DataError for unreadable data or data the likelihood does not fit
 * @throws TrainingError on a non-finite loss (the last checkpoint stays intact)
 */
export async function trainRun(
  cfgIn: RunConfig,
  opts: {
    /** Continue the run in cfgIn.out from its checkpoint; its saved config.json defines the run. */
    resume?: boolean;
    /** On resume: a new epoch budget or patience (absent fields keep the saved values). */
    resumeChanges?: { epochs?: number; patience?: number | null };
    overwrite?: boolean;
  } = {},
  cb: RunCallbacks = {},
): Promise<RunSummary> {
  const log = cb.log ?? (() => {});
  const ckptPath = join(cfgIn.out, RUN_FILES.checkpoint);
  let cfg = cfgIn;
  const ckpt = opts.resume ? await readCheckpoint(ckptPath) : null;
  if (ckpt) {
    const saved = await readRunConfig(cfg.out);
    // The saved run defines data, model and training; only the epoch budget and patience may be changed on resume.
    const changes = Object.fromEntries(Object.entries(opts.resumeChanges ?? {}).filter(([, v]) => v !== undefined));
    cfg = { ...saved, out: cfgIn.out, backend: cfgIn.backend, threads: cfgIn.threads, training: { ...saved.training, ...changes } };
    log(`resuming ${cfg.out} at epoch ${ckpt.state.epoch + 1}, step ${ckpt.state.step} (checkpoint of ${ckpt.savedAt})`);
  } else if (existsSync(ckptPath) && !opts.overwrite) {
    throw new ConfigError(`--out ${cfg.out}: the folder already holds a run (${RUN_FILES.checkpoint}); use --resume to continue it, --force to overwrite it, or another --out`);
  }
  const training = resolveTrainOptions(cfg.training);
  cfg = { ...cfg, training };
  const data = await loadSplits(cfg);
  if (data.kind === 'table') checkTableOptions(cfg);
  cfg = {
    ...cfg,
    columns: data.train.columns ?? null,
    labelColumn: cfg.labelColumn ?? null,
    standardization: data.standardizer?.toJSON() ?? null,
  };
  log(`config: ${JSON.stringify(cfg)}`);
  const exampleShape = data.train.exampleShape;
  const audit = auditData(data.train);
  checkLikelihoodFit(audit, cfg.likelihood.kind);
  if (data.val) checkLikelihoodFit(auditData(data.val), cfg.likelihood.kind);
  checkLikelihoodFit(auditData(data.test), cfg.likelihood.kind);
  for (const w of auditWarnings(audit, cfg.likelihood.kind)) log(`data: ${w}`);
  log(`data: ${data.description}`);
  log(`data: training values in [${audit.min}, ${audit.max}]${audit.isBinary ? ', binary' : ''}`);

  const vae = ckpt
    ? await ckpt.restoreModel()
    : new VAE({ inputShape: exampleShape, latentDim: cfg.latentDim, hidden: cfg.hidden, activation: cfg.activation, likelihood: cfg.likelihood, seed: training.seed });
  const resumeFrom = ckpt ? { state: ckpt.state, optimizerWeights: ckpt.optimizerWeights() } : undefined;
  vae.preprocessing = {
    scale: cfg.scale,
    binarize: training.binarize,
    ...(cfg.standardization ? { standardization: cfg.standardization } : {}),
  };

  const provenance = (state: TrainerState) => ({
    dataset: data.name,
    numTrain: data.train.numExamples,
    numVal: data.val?.numExamples ?? 0,
    numTest: data.test.numExamples,
    epochsTrained: state.epoch,
    bestEpoch: state.bestEpoch,
    seed: training.seed,
    trainOptions: training,
    backend: cfg.backend,
    vaekitVersion: VAEKIT_VERSION,
    savedAt: new Date().toISOString(),
  });
  const extra = { data: data.name };
  const threads = cfg.threads ?? 1;
  let engine: DataParallelGradients | undefined;
  try {
    if (threads > 1) {
      if (cfg.backend !== 'wasm' && cfg.backend !== 'cpu') throw new ConfigError(`--threads ${threads}: gradient workers need the wasm or cpu backend, not '${cfg.backend}'`);
      engine = await DataParallelGradients.start(vae, { numShards: threads, batchSize: training.batchSize, objective: training.objective, backend: cfg.backend });
      log(`threads: ${threads} (this one and ${threads - 1} gradient worker${threads > 2 ? 's' : ''}, shards of each batch)`);
    }
    const native = cfg.backend === 'wasm' ? nativeKernelsInfo() : null;
    if (native) log(`native kernels: ${describeNativeKernels(native)}`);
    else if (cfg.backend === 'wasm' && nativeKernelsUnavailable()) log(`native kernels: off, plain wasm (about 5× slower): ${nativeKernelsUnavailable()}`);
    await mkdir(cfg.out, { recursive: true });
    const stale = await removeStaleTempFiles(cfg.out);
    if (stale.length > 0) log(`removed ${stale.length} temporary file(s) a killed process left in ${cfg.out}: ${stale.join(', ')}`);
    await writeFileAtomic(join(cfg.out, RUN_FILES.config), JSON.stringify(cfg, null, 2) + '\n');
    const result = await train(vae, { train: data.train, val: data.val, test: data.test }, {
      options: training,
      engine,
      resumeFrom,
      callbacks: {
        onEpochStart: cb.onEpochStart,
        onStep: cb.onStep,
        shouldStop: cb.shouldStop,
        onInterrupt: async ({ state, optimizer }) => {
          await writeCheckpoint(ckptPath, { model: vae, optimizer, state, trainOptions: training, extra });
          log(`interrupted: checkpoint saved at epoch ${state.epoch + 1}, step ${state.step}; continue with --resume`);
        },
        onEpochEnd: async (m, { state, optimizer, isBest }) => {
          vae.provenance = provenance(state);
          if (isBest) {
            vae.metrics = { epoch: m.epoch, trainLoss: m.trainLoss, valLoss: m.valLoss, testLoss: m.testLoss };
            await saveModel(vae, join(cfg.out, RUN_FILES.model), fsModelStore);
          }
          await writeCheckpoint(ckptPath, { model: vae, optimizer, state, trainOptions: training, extra });
          await writeFileAtomic(join(cfg.out, RUN_FILES.metrics), state.history.map((h) => JSON.stringify(h)).join('\n') + '\n');
          await writeLossCurve(join(cfg.out, RUN_FILES.lossCurve), state.history, { title: `vaekit: ${data.name}` });
          cb.onEpochEnd?.(m);
          if (cb.shouldStop?.()) log(`interrupted after epoch ${m.epoch}: checkpoint saved; continue with --resume`);
        },
      },
    });
    result.optimizer.dispose();
    const state = result.state;
    const best = state.history.find((h) => h.epoch === state.bestEpoch) ?? state.history.at(-1);
    const totalSeconds = state.history.reduce((s, h) => s + h.seconds, 0);
    const isImage = isImageShape(exampleShape);
    const { reconstructions, samples, reconstructionsCsv, samplesCsv, ...always } = RUN_FILES;
    const summary: RunSummary = {
      out: cfg.out,
      epochs: state.epoch,
      bestEpoch: state.bestEpoch,
      testLoss: best?.testLoss ?? null,
      valLoss: best?.valLoss ?? null,
      trainSeconds: totalSeconds,
      examplesPerSecond: totalSeconds > 0 ? state.history.reduce((s, h) => s + h.examplesPerSecond * h.seconds, 0) / totalSeconds : 0,
      stoppedEarly: result.stoppedEarly,
      interrupted: result.interrupted,
      logJacobian: data.standardizer?.logJacobian ?? null,
      files: [...Object.values(always), ...(isImage ? [reconstructions, samples] : [reconstructionsCsv, samplesCsv])],
      state,
    };
    if (state.history.length > 0 && existsSync(join(cfg.out, RUN_FILES.model))) {
      const bestModel = await VAE.load(join(cfg.out, RUN_FILES.model), fsModelStore);
      try {
        const picturesFrom = data.test.numExamples > 0 ? data.test : data.train;
        if (isImage) {
          await renderReconstructions(bestModel, picturesFrom, join(cfg.out, reconstructions));
          await renderSamples(bestModel, 64, join(cfg.out, samples), training.seed);
        } else {
          await writeVaeReconstructionsCsv(bestModel, picturesFrom, join(cfg.out, reconstructionsCsv), data.standardizer);
          await writeVaeSamplesCsv(bestModel, 64, join(cfg.out, samplesCsv), data.standardizer, training.seed);
        }
      } finally {
        bestModel.dispose();
      }
    }
    const { state: _omit, ...written } = summary;
    await writeFileAtomic(join(cfg.out, RUN_FILES.summary), JSON.stringify(written, null, 2) + '\n');
    return summary;
  } finally {
    await engine?.dispose();
    vae.dispose();
    if (resumeFrom) tf.dispose(resumeFrom.optimizerWeights.map((w) => w.tensor));
  }
}
