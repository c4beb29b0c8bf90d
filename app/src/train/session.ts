/**
 * Training in the page: the model `vaekit train` would build for this data (the library's defaults:
 * an MLP of 400 ReLU units mirrored, Bernoulli for images, Gaussian with a learned σ² for tables;
 * the latent size the user picks), trained by vaekit's own trainer with Node's defaults (Adam, lr
 * 1e-3, batch 128, seed 0), described as Node describes a saved model so the downloaded folder is
 * one that `vaekit info`, `sample` and `evaluate` accept. No DOM here: Node tests run it.
 *
 * Unlike a Node run there is no validation split (the trainer reports the test −ELBO after each
 * epoch instead) and no checkpoint.
 */
import {
  createModel,
  encodeMeans,
  projectLatents,
  resolveTrainOptions,
  takeFirst,
  train,
  TRAIN_DEFAULTS,
  type EpochMetrics,
  type LatentVariableModel,
  type StepInfo,
  type TrainOptions,
  type TrainResult,
} from 'vaekit';
import { PAGE_DEFAULTS, PAGE_LIKELIHOOD } from './defaults.js';
import type { PageData } from './page-data.js';

/** What the user chose, and where the page runs. */
export interface PageTrainSettings {
  /** Z, an integer ≥ 1. */
  latentDim: number;
  /** Epochs, an integer ≥ 1. */
  epochs: number;
  /** The TensorFlow.js backend training runs on ('webgl', 'wasm' …), recorded with the model. */
  backend: string;
  /** The vaekit version of the site (site.json), recorded with the model. */
  vaekitVersion: string;
}

/** What the page hears while training. */
export interface PageTrainCallbacks {
  /** Every {@link PAGE_DEFAULTS.logEvery} steps: the epoch's running mean loss (nats per example). */
  onStep?(info: StepInfo): void;
  /** After each epoch's evaluation (the model already describes itself up to this epoch). */
  onEpochEnd?(metrics: EpochMetrics): Promise<void> | void;
  /** Polled after every step; true stops training after that step. */
  shouldStop?(): boolean;
}

/**
 * A fresh VAE for the data, as `vaekit train` builds one: the data's example shape, latent size Z,
 * the library's MLP (VAE_DEFAULTS, MLP_DEFAULTS), the data kind's likelihood, seeded by the training seed.
 * A table's columns are all numeric here (text columns are left out), so its likelihood is the Gaussian.
 */
export function pageModel(data: PageData, settings: Pick<PageTrainSettings, 'latentDim'>): LatentVariableModel {
  return createModel('vae', {
    inputShape: data.train.exampleShape,
    latentDim: settings.latentDim,
    likelihood: PAGE_LIKELIHOOD[data.kind],
    seed: TRAIN_DEFAULTS.seed,
  });
}

/** The trainer's options: Node's defaults, the user's epochs, and a read-back every few steps so the page stays responsive. */
export function pageTrainOptions(settings: Pick<PageTrainSettings, 'epochs'>): TrainOptions {
  return { epochs: settings.epochs, logEvery: PAGE_DEFAULTS.logEvery };
}

/**
 * Writes the model's description as a Node run does (src/node/runs/vae-train.ts): preprocessing
 * (scale, binarisation 'none', a table's standardisation), provenance (dataset, sizes, epochs, seed,
 * options, backend, version, date, and that it was trained in the browser), and the last epoch's figures.
 * @param history - the epochs trained so far
 */
export function describeModel(model: LatentVariableModel, data: PageData, settings: PageTrainSettings, history: readonly EpochMetrics[]): void {
  const options = resolveTrainOptions(pageTrainOptions(settings));
  const last = history.at(-1);
  model.preprocessing = {
    scale: data.scale,
    binarize: options.binarize,
    ...(data.standardizer ? { standardization: data.standardizer.toJSON() } : {}),
  };
  model.provenance = {
    dataset: data.name,
    numTrain: data.train.numExamples,
    numVal: 0,
    numTest: data.test.numExamples,
    epochsTrained: history.length,
    bestEpoch: last?.epoch ?? null,
    seed: options.seed,
    trainOptions: options,
    backend: `${settings.backend}, trained in the browser`,
    trainedIn: 'browser',
    ...(data.classNames ? { classNames: data.classNames } : {}),
    vaekitVersion: settings.vaekitVersion,
    savedAt: new Date().toISOString(),
  };
  model.metrics = last ? { epoch: last.epoch, trainLoss: last.trainLoss, valLoss: last.valLoss, testLoss: last.testLoss } : undefined;
}

/**
 * Trains `model` on the page's data with vaekit's trainer. The trainer lets pending events run after
 * every read-back when `shouldStop` is given (src/training/trainer.ts), so one is always passed.
 * @returns the trainer's result (its optimizer already disposed); the model is described up to the last epoch trained
 * @throws TrainingError when the loss becomes non-finite; ShapeError when the data does not fit the model
 */
export async function trainInPage(model: LatentVariableModel, data: PageData, settings: PageTrainSettings, cb: PageTrainCallbacks = {}): Promise<TrainResult> {
  const result = await train(
    model,
    { train: data.train, test: data.test },
    {
      options: pageTrainOptions(settings),
      callbacks: {
        onStep: cb.onStep,
        shouldStop: cb.shouldStop ?? (() => false),
        onEpochEnd: async (m, { state }) => {
          describeModel(model, data, settings, state.history);
          await cb.onEpochEnd?.(m);
        },
      },
    },
  );
  result.optimizer.dispose();
  describeModel(model, data, settings, result.state.history);
  return result;
}

/** The latent map: posterior means of the first examples, in two (or one) coordinates. */
export interface LatentMap {
  /** [N, K] row-major, z units. */
  coords: Float64Array;
  /** K: 2, or 1 for a one-dimensional latent space. */
  numComponents: 1 | 2;
  /** [N] class labels, or null. */
  labels: Int32Array | null;
  /** 'identity' (Z ≤ 2: the codes themselves) or 'pca' (their first two principal coordinates). */
  method: 'identity' | 'pca';
}

/**
 * The posterior means E_q[z|x] of the first {@link PAGE_DEFAULTS.mapExamples} training examples,
 * projected with vaekit's `projectLatents` (the identity for Z ≤ 2, PCA otherwise).
 * @returns the map, or null when there are too few examples for a PCA (fewer than 2 with Z > 2)
 */
export async function latentMap(model: LatentVariableModel, data: PageData): Promise<LatentMap | null> {
  const ds = takeFirst(data.train, PAGE_DEFAULTS.mapExamples);
  if (ds.numExamples < 2 && model.latentDim > 2) return null;
  const means = await encodeMeans(model, ds); // [N, Z]
  const p = projectLatents(means, { numComponents: 2 });
  return { coords: p.coords, numComponents: p.numComponents as 1 | 2, labels: means.labels ?? null, method: p.method };
}
