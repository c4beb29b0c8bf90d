/**
 * A training run in a folder: what `vaekit train` does, callable from code.
 *
 *   OUT/config.json        the resolved run configuration
 *   OUT/metrics.jsonl      one JSON object per epoch (schema: EpochMetrics in src/training/trainer.ts)
 *   OUT/checkpoint.vkc     the latest training state, rewritten atomically every epoch and on Ctrl-C
 *   OUT/model/             the best model by validation loss (the last one without validation)
 *   OUT/reconstructions.png, OUT/samples.png, OUT/loss-curve.svg, OUT/summary.json
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { auditData, auditWarnings, checkLikelihoodFit } from '../data/audit.js';
import { splitValidation, takeFirst, type Dataset } from '../data/dataset.js';
import { CheckpointError, ConfigError } from '../errors.js';
import type { LikelihoodConfig } from '../likelihoods/likelihood.js';
import type { Activation } from '../nets/mlp.js';
import { VAE } from '../models/vae.js';
import { resolveTrainOptions, type TrainOptions } from '../training/options.js';
import { train, type EpochMetrics, type StepInfo, type TrainerState } from '../training/trainer.js';
import { writeFileAtomic } from './atomic.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { loadDataSource } from './data-source.js';
import { fsModelStore } from './model-store.js';
import { LOSS_CURVE_FILE, writeLossCurve } from './plot.js';
import { renderReconstructions, renderSamples } from './pictures.js';
import { VAEKIT_VERSION } from './version.js';

export const RUN_FILES = {
  config: 'config.json',
  metrics: 'metrics.jsonl',
  checkpoint: 'checkpoint.vkc',
  model: 'model',
  reconstructions: 'reconstructions.png',
  samples: 'samples.png',
  lossCurve: LOSS_CURVE_FILE,
  summary: 'summary.json',
} as const;

/** Everything `vaekit train` takes. */
export interface RunConfig {
  /** 'mnist' or a folder of MNIST-format IDX files. */
  data: string;
  /** The run folder. */
  out: string;
  /** Raw values are divided by this (255: bytes to [0, 1]). */
  scale: number;
  /** Validation examples split off the training set (0 = none). */
  val: number;
  /** Use only the first N training and test examples (null = all). */
  limit: number | null;
  latentDim: number;
  hidden: number[];
  activation: Activation;
  likelihood: LikelihoodConfig;
  training: Required<TrainOptions>;
  /** The compute backend in use (recorded, chosen by the entry point). */
  backend: string;
}

export const RUN_DEFAULTS = Object.freeze({
  data: 'mnist',
  scale: 255,
  val: 5000,
  limit: null as number | null,
  latentDim: 20,
  hidden: [400],
  activation: 'relu' as Activation,
  likelihood: { kind: 'bernoulli' } as LikelihoodConfig,
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

async function loadSplits(cfg: RunConfig): Promise<{ train: Dataset; val?: Dataset; test: Dataset; name: string }> {
  const loaded = loadDataSource(cfg.data, { scale: cfg.scale });
  let { train: tr, test } = loaded;
  if (cfg.limit !== null) {
    tr = takeFirst(tr, cfg.limit);
    test = takeFirst(test, cfg.limit);
  }
  if (cfg.val > 0) {
    if (cfg.val >= tr.numExamples) {
      throw new ConfigError(`--val: expected fewer validation examples than the ${tr.numExamples} training examples, got ${cfg.val}`);
    }
    const s = splitValidation(tr, cfg.val, cfg.training.seed);
    return { train: s.train, val: s.val, test, name: loaded.name };
  }
  return { train: tr, test, name: loaded.name };
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
    cfg = { ...saved, out: cfgIn.out, backend: cfgIn.backend, training: { ...saved.training, ...changes } };
    log(`resuming ${cfg.out} at epoch ${ckpt.state.epoch + 1}, step ${ckpt.state.step} (checkpoint of ${ckpt.savedAt})`);
  } else if (existsSync(ckptPath) && !opts.overwrite) {
    throw new ConfigError(`--out ${cfg.out}: the folder already holds a run (${RUN_FILES.checkpoint}); use --resume to continue it, --force to overwrite it, or another --out`);
  }
  const training = resolveTrainOptions(cfg.training);
  cfg = { ...cfg, training };
  const data = await loadSplits(cfg);
  log(`config: ${JSON.stringify(cfg)}`);
  const exampleShape = data.train.exampleShape;
  const audit = auditData(data.train);
  checkLikelihoodFit(audit, cfg.likelihood.kind);
  if (data.val) checkLikelihoodFit(auditData(data.val), cfg.likelihood.kind);
  checkLikelihoodFit(auditData(data.test), cfg.likelihood.kind);
  for (const w of auditWarnings(audit, cfg.likelihood.kind)) log(`data: ${w}`);
  log(
    `data: ${data.name}: ${data.train.numExamples} train, ${data.val?.numExamples ?? 0} validation, ${data.test.numExamples} test; ` +
      `${audit.dataDim} features in [${audit.min}, ${audit.max}]${audit.isBinary ? ', binary' : ''}`,
  );

  const vae = ckpt
    ? await ckpt.restoreModel()
    : new VAE({ inputShape: exampleShape, latentDim: cfg.latentDim, hidden: cfg.hidden, activation: cfg.activation, likelihood: cfg.likelihood, seed: training.seed });
  const resumeFrom = ckpt ? { state: ckpt.state, optimizerWeights: ckpt.optimizerWeights() } : undefined;
  vae.preprocessing = { scale: cfg.scale, binarize: training.binarize };

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
  try {
    await mkdir(cfg.out, { recursive: true });
    await writeFileAtomic(join(cfg.out, RUN_FILES.config), JSON.stringify(cfg, null, 2) + '\n');
    const result = await train(
      vae,
      { train: data.train, val: data.val, test: data.test },
      training,
      {
        onEpochStart: cb.onEpochStart,
        onStep: cb.onStep,
        shouldStop: cb.shouldStop,
        onInterrupt: async ({ state, optimizer }) => {
          await writeCheckpoint(ckptPath, { vae, optimizer, state, trainOptions: training, extra });
          log(`interrupted: checkpoint saved at epoch ${state.epoch + 1}, step ${state.step}; continue with --resume`);
        },
        onEpochEnd: async (m, { state, optimizer, isBest }) => {
          vae.provenance = provenance(state);
          if (isBest) {
            vae.metrics = { epoch: m.epoch, trainLoss: m.trainLoss, valLoss: m.valLoss, testLoss: m.testLoss };
            await vae.save(join(cfg.out, RUN_FILES.model), fsModelStore);
          }
          await writeCheckpoint(ckptPath, { vae, optimizer, state, trainOptions: training, extra });
          await writeFileAtomic(join(cfg.out, RUN_FILES.metrics), state.history.map((h) => JSON.stringify(h)).join('\n') + '\n');
          await writeLossCurve(join(cfg.out, RUN_FILES.lossCurve), state.history, { title: `vaekit: ${data.name}` });
          cb.onEpochEnd?.(m);
          if (cb.shouldStop?.()) log(`interrupted after epoch ${m.epoch}: checkpoint saved; continue with --resume`);
        },
      },
      resumeFrom,
    );
    result.optimizer.dispose();
    const state = result.state;
    const best = state.history.find((h) => h.epoch === state.bestEpoch) ?? state.history.at(-1);
    const totalSeconds = state.history.reduce((s, h) => s + h.seconds, 0);
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
      state,
    };
    if (state.history.length > 0 && existsSync(join(cfg.out, RUN_FILES.model))) {
      const bestModel = await VAE.load(join(cfg.out, RUN_FILES.model), fsModelStore);
      try {
        const picturesFrom = data.test.numExamples > 0 ? data.test : data.train;
        if (exampleShape.length === 3) {
          await renderReconstructions(bestModel, picturesFrom, join(cfg.out, RUN_FILES.reconstructions));
          await renderSamples(bestModel, 64, join(cfg.out, RUN_FILES.samples), training.seed);
        }
      } finally {
        bestModel.dispose();
      }
    }
    const { state: _omit, ...written } = summary;
    await writeFileAtomic(join(cfg.out, RUN_FILES.summary), JSON.stringify(written, null, 2) + '\n');
    return summary;
  } finally {
    vae.dispose();
    if (resumeFrom) tf.dispose(resumeFrom.optimizerWeights.map((w) => w.tensor));
  }
}
