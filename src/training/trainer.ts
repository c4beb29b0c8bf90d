/**
 * Minibatch training of a latent variable model with Adam: sample a batch, compute the objective's
 * gradient (encode, reparameterise, decode, −ELBO by default), take a step; with per-epoch
 * validation and test evaluation, early stopping, and a resumable state (Kingma & Welling 2014,
 * algorithm 1; Prince, Understanding Deep Learning, §17.7). Browser-safe: no synchronous tensor
 * reads, and file IO (checkpoints, run folders) lives in node/, reached through the callbacks.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherBatch, type HostBatch } from '../data/batch.js';
import { applyBinarization } from '../data/binarize.js';
import type { Dataset } from '../data/dataset.js';
import { DataError, ShapeError, TrainingError, setting } from '../errors.js';
import { evaluateElbo, type ElboSummary } from '../evaluation/elbo-eval.js';
import { latentStatistics } from '../evaluation/latent-stats.js';
import { estimateLogLikelihood } from '../evaluation/log-likelihood.js';
import { takeFirst } from '../data/dataset.js';
import { stepSeed } from '../math/noise.js';
import { deriveRng } from '../math/rng.js';
import type { LatentVariableModel } from '../models/latent-model.js';
import { objectiveTerms, type StepContext } from '../objectives/index.js';
import { LocalGradientEngine, type GradientEngine } from './engine.js';
import { resolveTrainOptions, type ResolvedTrainOptions, type TrainOptions } from './options.js';
import { flushTinySlots, makeOptimizer, restoreOptimizer, SLOT_FLUSH_EVERY, type OptimizerWeights } from './optimizer.js';
import { klWeight } from './schedules.js';
import { emptySums, initialTrainerState, METRICS_VERSION, type EpochLogLikelihood, type EpochMetrics, type EpochSums, type TrainerState } from './state.js';

export { makeOptimizer, type OptimizerWeights } from './optimizer.js';
export { initialTrainerState, type EpochLogLikelihood, type EpochMetrics, type TrainerState } from './state.js';

/** The data of a run: training examples, and optional validation (model selection) and test (report only) sets. */
export interface TrainData {
  train: Dataset;
  val?: Dataset;
  test?: Dataset;
}

export interface StepInfo {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  /** Mean training loss over the epoch so far, nats per example. */
  loss: number;
  examplesPerSecond: number;
}

export interface TrainCallbacks {
  /** Before the first (or, on resume, the next) step of each epoch; `epoch` is 1-based. */
  onEpochStart?(epoch: number, stepsPerEpoch: number): void;
  /** Every `logEvery` steps and at the end of each epoch. */
  onStep?(info: StepInfo): void;
  /** After each epoch's evaluation; `isBest` when the validation loss improved (or there is none). */
  onEpochEnd?(metrics: EpochMetrics, ctx: { state: TrainerState; optimizer: tf.Optimizer; isBest: boolean }): Promise<void> | void;
  /** Polled after every step; true stops training after that step (e.g. on Ctrl-C). */
  shouldStop?(): boolean;
  /** Called when training stops through `shouldStop` mid-epoch, with a state that resumes at the next step. */
  onInterrupt?(ctx: { state: TrainerState; optimizer: tf.Optimizer }): Promise<void> | void;
}

export interface TrainResult {
  history: EpochMetrics[];
  state: TrainerState;
  stoppedEarly: boolean;
  interrupted: boolean;
  optimizer: tf.Optimizer;
}

/** Resume point: the state and Adam's slots from a checkpoint (weights are already in the model). */
export interface ResumeFrom {
  state: TrainerState;
  optimizerWeights: OptimizerWeights;
}

/** What {@link train} takes besides the model and the data (like tfjs's `model.fit` arguments). */
export interface TrainArgs {
  /** Epochs, batch size, learning rate, objective, β schedule, seed…; see {@link TrainOptions}. */
  options?: TrainOptions;
  callbacks?: TrainCallbacks;
  /** Continue from a checkpoint's state and optimizer slots. */
  resumeFrom?: ResumeFrom;
  /** Where gradients are computed. Default: this thread ({@link LocalGradientEngine}); the caller disposes one it gives. */
  engine?: GradientEngine;
}

/** Everything one run of the loop works with. */
interface Run {
  model: LatentVariableModel;
  o: ResolvedTrainOptions;
  optimizer: tf.Optimizer;
  engine: GradientEngine;
  callbacks: TrainCallbacks;
  state: TrainerState;
  train: Dataset;
  /** The training set under a fixed binarisation (the training set itself for 'none' and 'dynamic'). */
  staticTrain: Dataset;
  val?: Dataset;
  test?: Dataset;
  stepsPerEpoch: number;
  /** The examples of the per-epoch log-likelihood (the first `limit` of the test set, else validation), when asked for. */
  logLikelihoodSet: { split: 'test' | 'val'; ds: Dataset } | null;
  /** The objective's term names, in the order of its stats. */
  termNames: readonly string[];
  /** Reused for every full batch: x [B, D], c [B, C]. */
  buffers: { x: Float32Array; c?: Float32Array };
}

/**
 * Trains `model` in place by minimising the objective (the β-weighted −ELBO by default) with Adam.
 * Same seed and backend → the same loss sequence; a run resumed from a checkpoint continues
 * with exactly the numbers the uninterrupted run would have produced.
 * @param data - train [N, D] (and optional val, test) with D = model.dataDim
 * @returns per-epoch metrics and the final state; the optimizer is returned for checkpointing (caller disposes)
 * @throws ShapeError when the data's dimension differs from the model's
 * @throws DataError when a conditional model's data has neither conditions nor labels
 * @throws TrainingError when the loss becomes non-finite (names epoch and step)
 * @see Kingma & Welling 2014, algorithm 1; Prince, Understanding Deep Learning, §17.7
 */
export async function train(model: LatentVariableModel, data: TrainData, args: TrainArgs = {}): Promise<TrainResult> {
  const o = resolveTrainOptions(args.options);
  checkData(model, data);
  const optimizer = makeOptimizer(o.learningRate);
  const engine = args.engine ?? new LocalGradientEngine(model, o.objective);
  try {
    if (args.resumeFrom) await restoreOptimizer(optimizer, args.resumeFrom.optimizerWeights);
    const run: Run = {
      model,
      o,
      optimizer,
      engine,
      callbacks: args.callbacks ?? {},
      state: args.resumeFrom ? structuredClone(args.resumeFrom.state) : initialTrainerState(),
      train: data.train,
      staticTrain: o.binarize === 'dynamic' ? data.train : applyBinarization(data.train, o.binarize, o.seed, 0),
      val: evaluationSet(data.val, o, o.seed + 1),
      test: evaluationSet(data.test, o, o.seed + 2),
      stepsPerEpoch: Math.ceil(data.train.numExamples / o.batchSize),
      logLikelihoodSet: null,
      termNames: objectiveTerms(o.objective),
      buffers: {
        x: new Float32Array(o.batchSize * model.dataDim),
        ...(model.conditionDim > 0 ? { c: new Float32Array(o.batchSize * model.conditionDim) } : {}),
      },
    };
    run.logLikelihoodSet = logLikelihoodSet(run);
    return await runEpochs(run);
  } catch (e) {
    optimizer.dispose();
    throw e;
  } finally {
    if (!args.engine) await engine.dispose();
  }
}

/** @throws ShapeError or DataError when the data does not fit the model */
function checkData(model: LatentVariableModel, data: TrainData): void {
  for (const [name, ds] of Object.entries(data) as [string, Dataset | undefined][]) {
    if (!ds) continue;
    if (ds.dataDim !== model.dataDim) {
      throw new ShapeError(`train: ${name} data (${ds.source}) has ${ds.dataDim} features per example, the model expects ${model.dataDim}`);
    }
    if (model.conditionDim > 0 && !ds.conditions && !ds.labels) {
      throw new DataError(
        `train: ${name} data (${ds.source}) has neither conditions nor labels, and the model is conditional (conditionDim ${model.conditionDim})`,
      );
    }
  }
  if (data.train.numExamples === 0) throw new ShapeError(`train: the training set (${data.train.source}) is empty`);
}

/** An evaluation set as the trainer evaluates it: 'dynamic' becomes one fixed draw, so figures compare across epochs. */
function evaluationSet(ds: Dataset | undefined, o: ResolvedTrainOptions, seed: number): Dataset | undefined {
  if (!ds || ds.numExamples === 0) return undefined;
  return applyBinarization(ds, o.binarize === 'dynamic' ? 'static' : o.binarize, seed, 0);
}

/** The loop over epochs: train, evaluate, record, stop early or on request. */
async function runEpochs(run: Run): Promise<TrainResult> {
  const { state, callbacks } = run;
  const result = (stoppedEarly: boolean, interrupted: boolean): TrainResult => ({
    history: state.history,
    state,
    stoppedEarly,
    interrupted,
    optimizer: run.optimizer,
  });
  while (state.epoch < run.o.epochs) {
    const seconds = await trainEpoch(run);
    if (seconds === null) return result(false, true);
    const metrics = await evaluateEpoch(run, seconds);
    const isBest = recordEpoch(state, metrics);
    await callbacks.onEpochEnd?.(metrics, { state, optimizer: run.optimizer, isBest });
    if (run.o.patience !== null && metrics.valLoss !== null && state.epochsWithoutImprovement >= run.o.patience) return result(true, false);
    if (callbacks.shouldStop?.()) return result(false, true);
  }
  return result(false, false);
}

/**
 * Trains the current epoch from `state.step` to its end, or until `shouldStop` asks to stop.
 * @returns the epoch's training seconds, or null when interrupted mid-epoch (after `onInterrupt`)
 */
async function trainEpoch(run: Run): Promise<number | null> {
  const { state, o, callbacks, stepsPerEpoch } = run;
  const epoch = state.epoch; // 0-based index of the epoch being trained
  const epochData = o.binarize === 'dynamic' ? applyBinarization(run.train, 'dynamic', o.seed, epoch) : run.staticTrain;
  const order = deriveRng(o.seed, 'shuffle', epoch).permutation(run.train.numExamples);
  const sums = state.partial;
  const losses = new LossReadback(run.termNames);
  callbacks.onEpochStart?.(epoch + 1, stepsPerEpoch);
  const t0 = performance.now();
  const elapsed = () => sums.seconds + (performance.now() - t0) / 1000;

  while (state.step < stepsPerEpoch) {
    await trainStep(run, epochData, order, losses);
    state.step++;
    if (state.step % o.logEvery === 0 || state.step === stepsPerEpoch) {
      await losses.readInto(sums, epoch, state.step, stepsPerEpoch);
      callbacks.onStep?.({ epoch: epoch + 1, step: state.step, stepsPerEpoch, loss: sums.loss / sums.examples, examplesPerSecond: sums.examples / elapsed() });
      // Let pending events (a Ctrl-C handler, a browser's UI) run between steps.
      if (callbacks.shouldStop) await new Promise((r) => setTimeout(r, 0));
    }
    if (callbacks.shouldStop?.() && state.step < stepsPerEpoch) {
      await losses.readInto(sums, epoch, state.step, stepsPerEpoch);
      sums.seconds = elapsed();
      await callbacks.onInterrupt?.({ state, optimizer: run.optimizer });
      return null;
    }
  }
  await losses.readInto(sums, epoch, state.step, stepsPerEpoch);
  return elapsed();
}

/** One optimizer step on the batch at `state.step` of the epoch's order. */
async function trainStep(run: Run, epochData: Dataset, order: Int32Array, losses: LossReadback): Promise<void> {
  const { state, o, model, optimizer } = run;
  const start = state.step * o.batchSize;
  const end = Math.min(start + o.batchSize, epochData.numExamples);
  const full = end - start === o.batchSize;
  const batch: HostBatch = gatherBatch(epochData, order, start, end, { conditionDim: model.conditionDim, buffers: full ? run.buffers : undefined });
  const step = state.epoch * run.stepsPerEpoch + state.step; // global, 0-based
  const ctx: StepContext = {
    seed: stepSeed(o.seed, state.epoch, state.step),
    step,
    klWeight: klWeight(o.beta, { step, stepsPerEpoch: run.stepsPerEpoch }),
    datasetSize: run.train.numExamples, // N, for objectives that estimate q(z) from the batch (β-TCVAE)
  };
  const { grads, stats } = await run.engine.gradients(batch, ctx);
  optimizer.applyGradients(grads);
  tf.dispose(grads.map((g) => g.tensor));
  if (optimizer.iterations % SLOT_FLUSH_EVERY === 0) flushTinySlots(optimizer);
  losses.push(stats, batch.numRows);
}

/**
 * The steps' [loss, ...terms] batch means, kept on the device and read back together every
 * `logEvery` steps (one asynchronous read instead of one per step).
 */
class LossReadback {
  private pending: tf.Tensor[] = [];
  private sizes: number[] = [];

  constructor(private readonly termNames: readonly string[]) {}

  /** Takes ownership of one step's stats [1 + T] for a batch of `rows` examples. */
  push(stats: tf.Tensor, rows: number): void {
    this.pending.push(stats);
    this.sizes.push(rows);
  }

  /**
   * Reads the pending stats and adds them, times their batch sizes, to `sums`.
   * @param step - the 1-based step of the epoch the last pending entry belongs to (for messages)
   * @throws TrainingError naming the epoch and step of the first non-finite loss
   */
  async readInto(sums: EpochSums, epoch: number, step: number, stepsPerEpoch: number): Promise<void> {
    if (this.pending.length === 0) return;
    const stacked = tf.stack(this.pending); // [steps, 1 + T]
    tf.dispose(this.pending);
    const v = await stacked.data();
    stacked.dispose();
    const width = 1 + this.termNames.length;
    const sizes = this.sizes;
    this.pending = [];
    this.sizes = [];
    for (let i = 0; i < sizes.length; i++) {
      const loss = v[width * i];
      const terms = this.termNames.map((name, j) => [name, v[width * i + 1 + j]] as const);
      if (!Number.isFinite(loss)) {
        throw new TrainingError(
          `training: the loss became ${loss} at epoch ${epoch + 1}, step ${step - sizes.length + i + 1} of ${stepsPerEpoch} ` +
            `(${terms.map(([n, t]) => `${n} ${t}`).join(', ')}); check the data for extreme values or try a lower ${setting('training.learningRate')}; ` +
            'the last checkpoint is unchanged',
        );
      }
      const b = sizes[i];
      sums.loss += loss * b;
      for (const [name, t] of terms) sums.terms[name] = (sums.terms[name] ?? 0) + t * b;
      sums.examples += b;
    }
  }
}

/**
 * The epoch's metrics: its training means, the −ELBO on the validation and test sets, the KL per
 * latent dimension and the active units on the validation set (else the test set), and when asked
 * the importance-sampled log p(x) of the first test (else validation) examples.
 */
async function evaluateEpoch(run: Run, seconds: number): Promise<EpochMetrics> {
  const { state, o, model } = run;
  const sums = state.partial;
  const e0 = performance.now();
  const evalOpts = { batchSize: o.evalBatchSize, seed: o.seed };
  const v: ElboSummary | null = run.val ? await evaluateElbo(model, run.val, evalOpts) : null;
  const t: ElboSummary | null = run.test ? await evaluateElbo(model, run.test, evalOpts) : null;
  // The weights can turn non-finite in an epoch's last step, after its loss was read: nothing of such an epoch is saved.
  for (const [split, s] of [
    ['validation', v],
    ['test', t],
  ] as const) {
    if (s && !Number.isFinite(s.loss)) {
      throw new TrainingError(
        `training: the ${split} loss became ${s.loss} after epoch ${state.epoch + 1} (the weights diverged in its last steps); ` +
          `check the data for extreme values or try a lower ${setting('training.learningRate')}; the last checkpoint is unchanged`,
      );
    }
  }
  const heldOut = run.val ?? run.test;
  const latent = heldOut ? await latentStatistics(model, heldOut, { batchSize: o.evalBatchSize }) : null;
  const logLikelihood = await epochLogLikelihood(run);
  const terms = Object.fromEntries(run.termNames.map((n) => [n, sums.terms[n] / sums.examples]));
  const lastStep = (state.epoch + 1) * run.stepsPerEpoch - 1;
  return {
    version: METRICS_VERSION,
    epoch: state.epoch + 1,
    trainLoss: sums.loss / sums.examples,
    reconstruction: terms.reconstruction ?? null,
    kl: terms.kl ?? null,
    beta: klWeight(o.beta, { step: lastStep, stepsPerEpoch: run.stepsPerEpoch }),
    terms,
    valLoss: v?.loss ?? null,
    valReconstruction: v?.reconstructionLoss ?? null,
    valKl: v?.kl ?? null,
    testLoss: t?.loss ?? null,
    testReconstruction: t?.reconstructionLoss ?? null,
    testKl: t?.kl ?? null,
    examplesPerSecond: sums.examples / seconds,
    seconds,
    evalSeconds: (performance.now() - e0) / 1000,
    klPerDimension: latent?.klPerDimension ?? null,
    activeUnits: latent?.activeUnits ?? null,
    logLikelihood,
  };
}

/** The examples the per-epoch log-likelihood is estimated on (null when the options don't ask for it, or without held-out data). */
function logLikelihoodSet(run: Run): Run['logLikelihoodSet'] {
  const e = run.o.evalLogLikelihood;
  if (!e) return null;
  if (run.test) return { split: 'test', ds: takeFirst(run.test, e.limit) };
  if (run.val) return { split: 'val', ds: takeFirst(run.val, e.limit) };
  return null;
}

/** The per-epoch log-likelihood estimate the options ask for (null when they don't, or without held-out data). */
async function epochLogLikelihood(run: Run): Promise<EpochLogLikelihood | null> {
  const e = run.o.evalLogLikelihood;
  const set = run.logLikelihoodSet;
  if (!e || !set) return null;
  const { split, ds } = set;
  const est = await estimateLogLikelihood(run.model, ds, { numSamples: e.numSamples, seed: run.o.seed });
  return {
    split,
    numSamples: e.numSamples,
    numExamples: est.numExamples,
    value: est.value,
    standardError: est.standardError,
    meanEffectiveSampleSize: est.meanEffectiveSampleSize,
  };
}

/**
 * Records an epoch in the state (history, best validation loss, epochs without improvement) and
 * moves it to the next epoch.
 * @returns true when the validation loss improved (or there is no validation set)
 */
function recordEpoch(state: TrainerState, m: EpochMetrics): boolean {
  const isBest = m.valLoss === null || state.bestValLoss === null || m.valLoss < state.bestValLoss;
  if (isBest) {
    state.bestValLoss = m.valLoss;
    state.bestEpoch = m.epoch;
    state.epochsWithoutImprovement = 0;
  } else {
    state.epochsWithoutImprovement++;
  }
  state.history.push(m);
  state.epoch++;
  state.step = 0;
  state.partial = emptySums();
  return isBest;
}
