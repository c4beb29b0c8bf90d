/**
 * Training a VAE into a run folder: what `vaekit train` does for `--model vae`, callable from code.
 * The folder's files are listed in src/node/runs/folder.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { auditData, auditWarnings, checkLikelihoodFit } from '../../data/audit.js';
import { isImageShape } from '../../data/dataset.js';
import { ConfigError, renderMessage, setting, type SettingNamer } from '../../errors.js';
import { likelihoodForColumns } from '../../likelihoods/index.js';
import { createModel, loadModel, saveModel } from '../../models/index.js';
import type { LatentVariableModel } from '../../models/latent-model.js';
import { collapseWarning } from '../../training/diagnostics.js';
import { train, type ResumeFrom, type StepInfo } from '../../training/trainer.js';
import type { EpochMetrics, TrainerState } from '../../training/state.js';
import { describeNativeKernels, nativeKernelsInfo, nativeKernelsUnavailable } from '../compute/native-kernels.js';
import { createNativeMlpEngine } from '../compute/native-engine.js';
import type { GradientEngine } from '../../training/engine.js';
import { removeStaleTempFiles, writeFileAtomic } from '../formats/atomic.js';
import { readCheckpoint, writeCheckpoint } from '../formats/checkpoint.js';
import { fsModelStore } from '../formats/model-store.js';
import { writeLossCurve } from '../formats/plot.js';
import { DataParallelGradients } from '../parallel/data-parallel.js';
import { VAEKIT_VERSION } from '../version.js';
import { checkObjectiveThreads, conditionDimOf, readRunConfig, RUN_CONFIG_FILE, type VaeRunConfig } from './config.js';
import { describeCondition } from './conditions.js';
import { CLASS_GRID_DEFAULT_PER_ROW, isClassGrid, priorLatents, writeConditionedSamples } from './conditional-samples.js';
import { RUN_FILES, writeMetricsFile } from './folder.js';
import { withRunFolder } from './lock.js';
import { renderReconstructions, renderSamples } from './pictures.js';
import { loadRunExamples, recordedDataExtras, trainingLayout, type RunExamples } from './run-data.js';
import { writeVaeReconstructionsCsv, writeVaeSamplesCsv } from './table-csv.js';

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

/** What a run reports while it trains. */
export interface RunCallbacks {
  /** One line of human information (resolved config, data audit warnings, file paths). */
  log?(line: string): void;
  /** How settings are named in those lines (the CLI names its flags); default the configuration paths. */
  settingNamer?: SettingNamer;
  onEpochStart?(epoch: number, stepsPerEpoch: number): void;
  onStep?(info: StepInfo): void;
  onEpochEnd?(m: EpochMetrics): void;
  shouldStop?(): boolean;
}

/** How a training run starts. */
export interface TrainRunOptions {
  /** Continue the run in `out` from its checkpoint; its saved config.json defines the run. */
  resume?: boolean;
  /** On resume: a new epoch budget or patience (absent fields keep the saved values). */
  resumeChanges?: { epochs?: number; patience?: number | null };
  /** Replace a run already in `out`. */
  overwrite?: boolean;
}

/**
 * The configuration a run continues with: the saved one (data, model, training), with the epoch
 * budget and patience the caller changes and the caller's compute settings.
 */
async function resumedConfig(cfg: VaeRunConfig, changes: TrainRunOptions['resumeChanges']): Promise<VaeRunConfig> {
  const saved = await readRunConfig(cfg.out);
  if (saved.kind !== 'vae-run') throw new ConfigError(`${setting('out', cfg.out)}: holds a ${saved.kind}, which has no checkpoint to resume`);
  const given = Object.fromEntries(Object.entries(changes ?? {}).filter(([, v]) => v !== undefined));
  return { ...saved, out: cfg.out, compute: cfg.compute, training: { ...saved.training, ...given } };
}

/** The checks on the data before training: the likelihood fits every split; warnings and facts for the log. */
function auditRunData(data: RunExamples, cfg: VaeRunConfig, log: (line: string) => void, namer?: SettingNamer): void {
  const kind = cfg.model.likelihood.kind;
  const audit = auditData(data.train);
  checkLikelihoodFit(audit, kind);
  if (data.val) checkLikelihoodFit(auditData(data.val), kind);
  checkLikelihoodFit(auditData(data.test), kind);
  // Binarised data (--binarize) reaches the likelihood as 0/1, so the warning about continuous values does not apply.
  const seen = cfg.training.binarize === 'none' ? audit : { ...audit, isBinary: true };
  for (const w of auditWarnings(seen, kind, namer)) log(`data: ${w}`);
  log(`data: ${data.description}`);
  log(`data: training values in [${audit.min}, ${audit.max}]${audit.isBinary ? ', binary' : ''}`);
}

/** The compute log lines: threads and native kernels. */
function logCompute(cfg: VaeRunConfig, log: (line: string) => void): void {
  const threads = cfg.compute.threads;
  if (threads > 1) log(`threads: ${threads} (this one and ${threads - 1} gradient worker${threads > 2 ? 's' : ''}, shards of each batch)`);
  const native = cfg.compute.backend === 'wasm' ? nativeKernelsInfo() : null;
  if (native) log(`native kernels: ${describeNativeKernels(native)}`);
  else if (cfg.compute.backend === 'wasm' && nativeKernelsUnavailable())
    log(`native kernels: off, plain wasm (about 5× slower): ${nativeKernelsUnavailable()}`);
}

/**
 * Trains (or, with `resume`, continues) a VAE into a run folder.
 * @param cfgIn - a resolved VAE run configuration (src/node/runs/config.ts)
 * @throws ConfigError when the folder already holds a run and neither resume nor overwrite is set, when `out` is
 *   not a writable folder, or when another process trains into it (RUN/.lock)
 * @throws DataError for unreadable data or data the likelihood does not fit
 * @throws TrainingError on a non-finite loss (the last checkpoint stays intact)
 */
export async function trainVaeRun(cfgIn: VaeRunConfig, opts: TrainRunOptions = {}, cb: RunCallbacks = {}): Promise<RunSummary> {
  return withRunFolder(cfgIn.out, () => trainVaeRunLocked(cfgIn, opts, cb));
}

/** {@link trainVaeRun} in a run folder this process holds (src/node/runs/lock.ts). */
async function trainVaeRunLocked(cfgIn: VaeRunConfig, opts: TrainRunOptions, cb: RunCallbacks): Promise<RunSummary> {
  const log = (line: string) => cb.log?.(renderMessage(line, cb.settingNamer));
  const ckptPath = join(cfgIn.out, RUN_FILES.checkpoint);
  const ckpt = opts.resume ? await readCheckpoint(ckptPath) : null;
  if (!ckpt && existsSync(ckptPath) && !opts.overwrite) {
    throw new ConfigError(
      `${setting('out', cfgIn.out)}: the folder already holds a run (${RUN_FILES.checkpoint}); use ${setting('resume')} to continue it, ` +
        `${setting('overwrite')} to overwrite it, or another ${setting('out')}`,
    );
  }
  let cfg = ckpt ? await resumedConfig(cfgIn, opts.resumeChanges) : cfgIn;
  if (ckpt) log(`resuming ${cfg.out} at epoch ${ckpt.state.epoch + 1}, step ${ckpt.state.step} (checkpoint of ${ckpt.savedAt})`);
  const data = loadRunExamples(cfg.data, cfg.training.seed);
  cfg = {
    ...cfg,
    data: {
      ...cfg.data,
      columns: data.train.columns ?? cfg.data.columns ?? null,
      exampleShape: data.train.exampleShape,
      standardization: data.standardizer?.toJSON() ?? null,
      ...(data.condition ? { condition: data.condition } : {}),
      ...recordedDataExtras(data, data.train),
    },
    // A conditional VAE's condition size C, fixed by its condition (the classes counted in the data).
    model: {
      ...cfg.model,
      conditionDim: conditionDimOf(data.condition) ?? 0,
      likelihood: likelihoodForColumns(cfg.model.likelihood, trainingLayout(data, data.train)),
    } as VaeRunConfig['model'],
  };
  // The model first: one too large for memory is refused before any line about the data.
  const model = ckpt ? await ckpt.restoreModel() : newModel(cfg, data.train.exampleShape);
  try {
    log(`config: ${JSON.stringify(cfg)}`);
    auditRunData(data, cfg, log, cb.settingNamer);
  } catch (e) {
    model.dispose();
    throw e;
  }
  const resumeFrom = ckpt ? { state: ckpt.state, optimizerWeights: ckpt.optimizerWeights() } : undefined;
  model.preprocessing = {
    scale: cfg.data.scale,
    binarize: cfg.training.binarize,
    ...(cfg.data.standardization ? { standardization: cfg.data.standardization } : {}),
    ...(cfg.data.condition ? { condition: describeCondition(cfg.data.condition, cfg.data.labelColumn) } : {}),
  };
  let engine: GradientEngine | undefined;
  try {
    if (cfg.compute.threads > 1) {
      checkObjectiveThreads(cfg.training.objective, cfg.compute.threads); // a resumed run's --threads is not checked with its config
      engine = await DataParallelGradients.start(model, {
        numShards: cfg.compute.threads,
        batchSize: cfg.training.batchSize,
        objective: cfg.training.objective,
        backend: cfg.compute.backend as 'wasm' | 'cpu',
      });
    } else {
      // One native call per step for an MLP VAE on wasm (src/node/compute/native-engine.ts); null: tfjs autodiff.
      engine = createNativeMlpEngine(model, cfg.training.objective) ?? undefined;
    }
    logCompute(cfg, log);
    if (engine && cfg.compute.threads === 1) log('gradients: one native call per step (native/mlp_step.c; VAEKIT_NATIVE_ENGINE=off for tfjs autodiff)');
    await prepareFolder(cfg, log);
    const result = await trainInFolder(cfg, model, data, { resumeFrom, engine, cb, log });
    const summary = await finishRun(cfg, data, result);
    return summary;
  } finally {
    await engine?.dispose();
    model.dispose();
    if (resumeFrom) tf.dispose(resumeFrom.optimizerWeights.map((w) => w.tensor));
  }
}

/** A fresh model of the run's config for examples of this shape. */
function newModel(cfg: VaeRunConfig, exampleShape: number[]): LatentVariableModel {
  const { kind, ...m } = cfg.model;
  return createModel(kind, { inputShape: exampleShape, ...m, seed: cfg.training.seed });
}

/** Creates the run folder, clears what a killed process left in it, and writes config.json. */
async function prepareFolder(cfg: VaeRunConfig, log: (line: string) => void): Promise<void> {
  await mkdir(cfg.out, { recursive: true });
  const stale = await removeStaleTempFiles(cfg.out);
  if (stale.length > 0) log(`removed ${stale.length} temporary file(s) a killed process left in ${cfg.out}: ${stale.join(', ')}`);
  await writeFileAtomic(join(cfg.out, RUN_CONFIG_FILE), JSON.stringify(cfg, null, 2) + '\n');
}

/** Where and how the model was trained, saved with it. */
function provenance(cfg: VaeRunConfig, data: RunExamples, state: TrainerState): Record<string, unknown> {
  return {
    dataset: data.name,
    numTrain: data.train.numExamples,
    numVal: data.val?.numExamples ?? 0,
    numTest: data.test.numExamples,
    epochsTrained: state.epoch,
    bestEpoch: state.bestEpoch,
    seed: cfg.training.seed,
    trainOptions: cfg.training,
    backend: cfg.compute.backend,
    vaekitVersion: VAEKIT_VERSION,
    savedAt: new Date().toISOString(),
  };
}

/** Runs the trainer with the folder's callbacks: the best model, a checkpoint, the metrics and the loss curve every epoch. */
async function trainInFolder(
  cfg: VaeRunConfig,
  model: LatentVariableModel,
  data: RunExamples,
  ctx: { resumeFrom?: ResumeFrom; engine?: GradientEngine; cb: RunCallbacks; log: (l: string) => void },
) {
  const ckptPath = join(cfg.out, RUN_FILES.checkpoint);
  const extra = { data: data.name };
  const { cb, log } = ctx;
  let warnedAt: number | null = null; // active units when the collapse warning was last given
  const result = await train(
    model,
    { train: data.train, val: data.val, test: data.test },
    {
      options: cfg.training,
      engine: ctx.engine,
      resumeFrom: ctx.resumeFrom,
      callbacks: {
        onEpochStart: cb.onEpochStart,
        onStep: cb.onStep,
        shouldStop: cb.shouldStop,
        onInterrupt: async ({ state, optimizer }) => {
          await writeCheckpoint(ckptPath, { model, optimizer, state, trainOptions: cfg.training, extra });
          log(`interrupted: checkpoint saved at epoch ${state.epoch + 1}, step ${state.step}; continue with ${setting('resume')}`);
        },
        onEpochEnd: async (m, { state, optimizer, isBest }) => {
          model.provenance = provenance(cfg, data, state);
          if (isBest) {
            model.metrics = { epoch: m.epoch, trainLoss: m.trainLoss, valLoss: m.valLoss, testLoss: m.testLoss };
            await saveModel(model, join(cfg.out, RUN_FILES.model), fsModelStore);
          }
          await writeCheckpoint(ckptPath, { model, optimizer, state, trainOptions: cfg.training, extra });
          await writeMetricsFile(cfg.out, state.history);
          await writeLossCurve(join(cfg.out, RUN_FILES.lossCurve), state.history, { title: `vaekit: ${data.name}` });
          cb.onEpochEnd?.(m);
          const warning = collapseWarning(m, cfg.training, cfg.model.kind !== 'hvae');
          if (warning && (warnedAt === null || (m.activeUnits ?? 0) < warnedAt)) {
            warnedAt = m.activeUnits;
            log(`warning: epoch ${m.epoch}: ${warning}`);
          }
          if (cb.shouldStop?.()) log(`interrupted after epoch ${m.epoch}: checkpoint saved; continue with ${setting('resume')}`);
        },
      },
    },
  );
  result.optimizer.dispose();
  return result;
}

/** Rows of RUN/metrics.jsonl (0 when it is missing). */
async function metricsRowCount(out: string): Promise<number> {
  const text = await readFile(join(out, RUN_FILES.metrics), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim() !== '').length;
}

/** The run's summary, the best model's pictures (or CSV files for a table), and summary.json. */
async function finishRun(cfg: VaeRunConfig, data: RunExamples, result: Awaited<ReturnType<typeof trainInFolder>>): Promise<RunSummary> {
  const state = result.state;
  // A kill between the last epoch's checkpoint and its metrics write leaves metrics.jsonl a row short, and the
  // resumed run trains no epoch that would rewrite it: then write both files from the history here.
  if (state.history.length > 0 && (await metricsRowCount(cfg.out)) !== state.history.length) {
    await writeMetricsFile(cfg.out, state.history);
    await writeLossCurve(join(cfg.out, RUN_FILES.lossCurve), state.history, { title: `vaekit: ${data.name}` });
  }
  const best = state.history.find((h) => h.epoch === state.bestEpoch) ?? state.history.at(-1);
  const totalSeconds = state.history.reduce((s, h) => s + h.seconds, 0);
  const isImage = isImageShape(data.train.exampleShape);
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
    const bestModel = await loadModel(join(cfg.out, RUN_FILES.model), fsModelStore);
    try {
      const picturesFrom = data.test.numExamples > 0 ? data.test : data.train;
      // Reconstructions under each example's own condition (if any); samples as `vaekit sample` draws them by default.
      if (isImage) await renderReconstructions(bestModel, picturesFrom, join(cfg.out, reconstructions));
      else await writeVaeReconstructionsCsv(bestModel, picturesFrom, join(cfg.out, reconstructionsCsv), data.standardizer, 32, cfg.data.scale);
      const seed = cfg.training.seed;
      if (bestModel.conditionDim > 0) {
        const n = isClassGrid(cfg.data.condition, {}) ? CLASS_GRID_DEFAULT_PER_ROW : 64;
        await writeConditionedSamples(
          bestModel,
          cfg.data.condition,
          await priorLatents(bestModel, n, seed),
          n,
          seed,
          { trainingConditions: () => data.train, scale: cfg.data.scale },
          { file: join(cfg.out, isImage ? samples : samplesCsv), standardizer: data.standardizer, scale: cfg.data.scale },
        );
      } else if (isImage) await renderSamples(bestModel, 64, join(cfg.out, samples), seed);
      else await writeVaeSamplesCsv(bestModel, 64, join(cfg.out, samplesCsv), data.standardizer, seed, 1, cfg.data.scale);
    } finally {
      bestModel.dispose();
    }
  }
  const { state: _omit, ...written } = summary;
  await writeFileAtomic(join(cfg.out, RUN_FILES.summary), JSON.stringify(written, null, 2) + '\n');
  return summary;
}
