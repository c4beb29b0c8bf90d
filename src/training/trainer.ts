/**
 * Minibatch training of a VAE with Adam: the algorithm of seed 001 (sample a batch, encode,
 * reparameterise, decode, −ELBO, gradient step), with per-epoch validation and test evaluation,
 * early stopping, and a resumable state. Browser-safe: file IO (checkpoints, run folders) lives in
 * node/, reached through the callbacks.
 */
import * as tf from '@tensorflow/tfjs';
import { applyBinarization } from '../data/binarize.js';
import { gatherRows, type Dataset } from '../data/dataset.js';
import { ShapeError, TrainingError } from '../errors.js';
import { evaluateElbo } from '../evaluation/elbo-eval.js';
import { deriveRng } from '../math/rng.js';
import type { VAE } from '../models/vae.js';
import { negativeElboLoss } from '../objectives/elbo.js';
import type { GradientEngine } from './gradients.js';
import { resolveTrainOptions, type ResolvedTrainOptions, type TrainOptions } from './options.js';
import { flushTinySlots, makeOptimizer, restoreOptimizer, SLOT_FLUSH_EVERY, type OptimizerWeights } from './optimizer.js';

export { makeOptimizer, type OptimizerWeights } from './optimizer.js';

/** The data of a run: training examples, and optional validation (model selection) and test (report only) sets. */
export interface TrainData {
  train: Dataset;
  val?: Dataset;
  test?: Dataset;
}

/**
 * One line of metrics.jsonl. Losses are −ELBO in nats per example; `reconstruction` and `kl` are the
 * two terms of the training loss (reconstruction = −E_q[log p(x|z)]), so trainLoss = reconstruction + β·kl.
 */
export interface EpochMetrics {
  /** 1-based epoch number. */
  epoch: number;
  trainLoss: number;
  reconstruction: number;
  kl: number;
  beta: number;
  valLoss: number | null;
  valReconstruction: number | null;
  valKl: number | null;
  testLoss: number | null;
  testReconstruction: number | null;
  testKl: number | null;
  /** Training examples per second over the epoch (evaluation excluded). */
  examplesPerSecond: number;
  /** The epoch's training time in seconds (evaluation excluded). */
  seconds: number;
  /** Seconds spent evaluating validation and test sets. */
  evalSeconds: number;
}

/** Everything besides weights and optimizer slots needed to continue a run exactly. */
export interface TrainerState {
  /** Completed epochs. */
  epoch: number;
  /** Completed steps within the current (unfinished) epoch; 0 at an epoch boundary. */
  step: number;
  /** Sums over the unfinished epoch's completed steps: [loss·n, reconstruction·n, kl·n, examples, seconds]. */
  partial: [number, number, number, number, number];
  history: EpochMetrics[];
  bestValLoss: number | null;
  bestEpoch: number | null;
  epochsWithoutImprovement: number;
}

export function initialTrainerState(): TrainerState {
  return { epoch: 0, step: 0, partial: [0, 0, 0, 0, 0], history: [], bestValLoss: null, bestEpoch: null, epochsWithoutImprovement: 0 };
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

function prepare(ds: Dataset | undefined, mode: ResolvedTrainOptions['binarize'], seed: number): Dataset | undefined {
  if (!ds || ds.numExamples === 0) return undefined;
  // Evaluation sets get one fixed binarisation for 'dynamic', so figures compare across epochs.
  return applyBinarization(ds, mode === 'dynamic' ? 'static' : mode, seed, 0);
}

/**
 * Trains `vae` in place by minimising the β-weighted −ELBO with Adam.
 * Same seed and backend → the same loss sequence; a run resumed from a checkpoint continues
 * with exactly the numbers the uninterrupted run would have produced.
 * @param data - train [N, D] (and optional val, test) with D = vae.dataDim
 * @returns per-epoch metrics and the final state; the optimizer is returned for checkpointing (caller disposes)
 * @throws ShapeError when the data's dimension differs from the model's
 * @throws TrainingError when the loss becomes non-finite (names epoch and step)
 * @see seed 001 (the minibatch training algorithm); Prince §17.7 (seed 004)
 */
export async function train(
  vae: VAE,
  data: TrainData,
  options: TrainOptions = {},
  callbacks: TrainCallbacks = {},
  resume?: ResumeFrom,
  engine?: GradientEngine,
): Promise<TrainResult> {
  const o = resolveTrainOptions(options);
  for (const [name, ds] of Object.entries(data) as [string, Dataset | undefined][]) {
    if (ds && ds.dataDim !== vae.dataDim) {
      throw new ShapeError(`train: ${name} data (${ds.source}) has ${ds.dataDim} features per example, the model expects ${vae.dataDim}`);
    }
  }
  const trainSet = data.train;
  if (trainSet.numExamples === 0) throw new ShapeError(`train: the training set (${trainSet.source}) is empty`);
  const staticTrain = o.binarize === 'dynamic' ? trainSet : applyBinarization(trainSet, o.binarize, o.seed, 0);
  const val = prepare(data.val, o.binarize, o.seed + 1);
  const test = prepare(data.test, o.binarize, o.seed + 2);

  const optimizer = makeOptimizer(o.learningRate);
  try {
    if (resume) await restoreOptimizer(optimizer, resume.optimizerWeights);
    return await runEpochs(vae, trainSet, val, test, staticTrain, o, optimizer, callbacks, resume, engine);
  } catch (e) {
    optimizer.dispose();
    throw e;
  }
}

async function runEpochs(
  vae: VAE,
  trainSet: Dataset,
  val: Dataset | undefined,
  test: Dataset | undefined,
  staticTrain: Dataset,
  o: ResolvedTrainOptions,
  optimizer: tf.Optimizer,
  callbacks: TrainCallbacks,
  resume: ResumeFrom | undefined,
  engine: GradientEngine | undefined,
): Promise<TrainResult> {
  const vars = vae.trainableVariables();
  const state: TrainerState = resume ? structuredClone(resume.state) : initialTrainerState();

  const n = trainSet.numExamples;
  const d = trainSet.dataDim;
  const stepsPerEpoch = Math.ceil(n / o.batchSize);
  const fullBatch = new Float32Array(o.batchSize * d); // [B, D], reused every step
  let stoppedEarly = false;

  while (state.epoch < o.epochs) {
    const epoch = state.epoch; // 0-based index of the epoch being trained
    const epochData = o.binarize === 'dynamic' ? applyBinarization(trainSet, 'dynamic', o.seed, epoch) : staticTrain;
    const perm = deriveRng(o.seed, 'shuffle', epoch).permutation(n);
    const sums = state.partial;
    let pending: tf.Tensor[] = []; // per-step [loss, reconstruction, kl] batch means, read every logEvery steps
    let pendingSizes: number[] = [];
    callbacks.onEpochStart?.(epoch + 1, stepsPerEpoch);
    let t0 = performance.now();

    const flush = () => {
      if (pending.length === 0) return;
      const stacked = tf.stack(pending);
      const v = stacked.dataSync();
      stacked.dispose();
      tf.dispose(pending);
      for (let i = 0; i < pendingSizes.length; i++) {
        const [l, r, k] = [v[3 * i], v[3 * i + 1], v[3 * i + 2]];
        if (!Number.isFinite(l)) {
          const step = state.step - pendingSizes.length + i + 1; // 1-based step of this entry
          throw new TrainingError(
            `training: the loss became ${l} at epoch ${epoch + 1}, step ${step} of ${stepsPerEpoch} ` +
              `(reconstruction ${r}, kl ${k}); check the data for extreme values or try a lower --lr; the last checkpoint is unchanged`,
          );
        }
        const b = pendingSizes[i];
        sums[0] += l * b;
        sums[1] += r * b;
        sums[2] += k * b;
        sums[3] += b;
      }
      pending = [];
      pendingSizes = [];
    };
    const elapsed = () => sums[4] + (performance.now() - t0) / 1000;

    while (state.step < stepsPerEpoch) {
      const start = state.step * o.batchSize;
      const end = Math.min(start + o.batchSize, n);
      const b = end - start;
      const buf = gatherRows(epochData, perm, start, end, b === o.batchSize ? fullBatch : undefined);
      const seed = deriveRng(o.seed, 'eps', epoch, state.step).nextSeed();
      let stats: tf.Tensor | undefined;
      if (engine) {
        // Shards of the batch on several threads; the same noise, one optimizer step here.
        const r = engine.gradients(buf, b, seed);
        optimizer.applyGradients(r.grads);
        tf.dispose(Object.values(r.grads));
        stats = r.stats;
      } else {
        const x = tf.tensor2d(buf, [b, d]);
        const cost = optimizer.minimize(
          () => {
            const t = negativeElboLoss(vae, x, { beta: o.beta, seed });
            stats = tf.keep(tf.stack([t.loss, t.reconstructionLoss, t.kl]));
            return t.loss;
          },
          false,
          vars,
        );
        cost?.dispose();
        x.dispose();
      }
      if (optimizer.iterations % SLOT_FLUSH_EVERY === 0) flushTinySlots(optimizer);
      pending.push(stats!);
      pendingSizes.push(b);
      state.step++;
      if (state.step % o.logEvery === 0 || state.step === stepsPerEpoch) {
        flush();
        callbacks.onStep?.({ epoch: epoch + 1, step: state.step, stepsPerEpoch, loss: sums[0] / sums[3], examplesPerSecond: sums[3] / elapsed() });
        // Let pending events (a Ctrl-C handler, a browser's UI) run between steps.
        if (callbacks.shouldStop) await new Promise((r) => setTimeout(r, 0));
      }
      if (callbacks.shouldStop?.() && state.step < stepsPerEpoch) {
        flush();
        sums[4] = elapsed();
        await callbacks.onInterrupt?.({ state, optimizer });
        return { history: state.history, state, stoppedEarly: false, interrupted: true, optimizer };
      }
    }
    flush();
    const seconds = elapsed();

    const e0 = performance.now();
    const evalOpts = { batchSize: o.evalBatchSize, seed: o.seed };
    const v = val ? evaluateElbo(vae, val, evalOpts) : null;
    const t = test ? evaluateElbo(vae, test, evalOpts) : null;
    const metrics: EpochMetrics = {
      epoch: epoch + 1,
      trainLoss: sums[0] / sums[3],
      reconstruction: sums[1] / sums[3],
      kl: sums[2] / sums[3],
      beta: o.beta,
      valLoss: v?.loss ?? null,
      valReconstruction: v?.reconstructionLoss ?? null,
      valKl: v?.kl ?? null,
      testLoss: t?.loss ?? null,
      testReconstruction: t?.reconstructionLoss ?? null,
      testKl: t?.kl ?? null,
      examplesPerSecond: sums[3] / seconds,
      seconds,
      evalSeconds: (performance.now() - e0) / 1000,
    };
    if (v && !Number.isFinite(v.loss)) {
      throw new TrainingError(`training: the validation loss became ${v.loss} after epoch ${epoch + 1}; the last checkpoint is unchanged`);
    }
    const isBest = v === null || state.bestValLoss === null || v.loss < state.bestValLoss;
    if (isBest) {
      state.bestValLoss = v?.loss ?? null;
      state.bestEpoch = epoch + 1;
      state.epochsWithoutImprovement = 0;
    } else {
      state.epochsWithoutImprovement++;
    }
    state.history.push(metrics);
    state.epoch++;
    state.step = 0;
    state.partial = [0, 0, 0, 0, 0];
    await callbacks.onEpochEnd?.(metrics, { state, optimizer, isBest });
    if (o.patience !== null && v && state.epochsWithoutImprovement >= o.patience) {
      stoppedEarly = true;
      break;
    }
    if (callbacks.shouldStop?.()) return { history: state.history, state, stoppedEarly, interrupted: true, optimizer };
  }
  return { history: state.history, state, stoppedEarly, interrupted: false, optimizer };
}
