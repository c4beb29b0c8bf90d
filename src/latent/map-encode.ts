/**
 * Resynthesis by optimisation: the latent code of an example as the mode of the true posterior
 * p(z|x) ∝ p(x|z) p(z), found by gradient ascent from the encoder's mean, rather than the encoder's
 * mean itself. The encoder is amortised and approximate (the "amortisation gap"); a few steps of
 * Adam per example close part of that gap, so the decoded code explains x better.
 *   J(z) = log p(x|z) + log p(z),  log p(z) = −½ Σ_u (log 2π + z_u²)
 *   z_0 = μ(x),  z_{t+1} = Adam step on −Σ_b J_b(z_b),  ẑ = argmax_{t ≤ T} J(z_t), per example
 * The loss is the batch sum (not the mean) and Adam acts elementwise, so each example's path depends
 * on its own x alone: results do not depend on the batch size.
 * @see Prince, Understanding Deep Learning, §17.8.3, resynthesis option ii (optimise the latent
 *   variable to maximise the posterior, starting from the encoder's estimate); Cremer, Li &
 *   Duvenaud 2018, "Inference suboptimality in variational autoencoders" (the amortisation gap)
 */
import * as tf from '@tensorflow/tfjs';
import { gatherBatch } from '../data/batch.js';
import { makeDataset, type Dataset } from '../data/dataset.js';
import { ShapeError } from '../errors.js';
import { standardNormalLogProb } from '../distributions/normal.js';
import type { LatentVariableModel } from '../models/latent-model.js';
import { check, intAtLeast, oneOf, positiveNumber } from '../validate.js';

/** How a code is found: 'mean', the encoder's mean μ(x); 'map', the posterior mode from μ(x) by Adam. */
export const ENCODE_METHODS = ['mean', 'map'] as const;
export type EncodeMethod = (typeof ENCODE_METHODS)[number];

/** Options of {@link mapEncode}. */
export interface MapEncodeOptions {
  /** T, Adam steps per example, an integer ≥ 0 (0: the encoder mean). Default 100. */
  steps?: number;
  /** Adam's learning rate, z units per step, > 0. Default 0.05. */
  learningRate?: number;
  /** A conditional model's conditions [B, C]; absent for an unconditional one. */
  c?: tf.Tensor2D;
  /** Whether to return J per step (reads J back once a step). Default false. */
  recordHistory?: boolean;
}

/** Defaults of {@link mapEncode} (and of `vaekit encode --method map`). */
export const MAP_ENCODE_DEFAULTS = Object.freeze({ steps: 100, learningRate: 0.05, recordHistory: false });

/** Validated options of {@link mapEncode}, defaults filled. */
export interface ResolvedMapEncodeOptions {
  steps: number;
  learningRate: number;
  recordHistory: boolean;
}

/**
 * Validates options and fills defaults.
 * @throws ConfigError naming `steps` or `learningRate` and the bad value
 */
export function resolveMapEncodeOptions(options: Omit<MapEncodeOptions, 'c'> = {}): ResolvedMapEncodeOptions {
  const d = MAP_ENCODE_DEFAULTS;
  return {
    steps: check('steps', options.steps ?? d.steps, intAtLeast(0)),
    learningRate: check('learningRate', options.learningRate ?? d.learningRate, positiveNumber),
    recordHistory: options.recordHistory ?? d.recordHistory,
  };
}

/** The codes {@link mapEncode} found, and the objective at the encoder mean and at the codes. */
export interface MapEncoding {
  /** ẑ [B, Z], the best code seen per example (μ(x) when no step improved on it); caller disposes. */
  z: tf.Tensor2D;
  /** J(μ(x)) = log p(x|μ) + log p(μ) [B], nats per example. */
  logJointBefore: Float32Array;
  /** J(ẑ) [B], nats per example; ≥ logJointBefore elementwise. */
  logJointAfter: Float32Array;
  /** log p(x|μ(x)) [B], nats per example (the reconstruction log-likelihood at the encoder mean). */
  logLikelihoodBefore: Float32Array;
  /** log p(x|ẑ) [B], nats per example. */
  logLikelihoodAfter: Float32Array;
  /**
   * With `recordHistory`: J at each evaluated code z_t (`current`) and the best so far (`best`), each
   * [T + 1] arrays of [B], nats per example; t = 0 is the encoder mean. `best` never decreases.
   */
  history?: { current: Float32Array[]; best: Float32Array[] };
}

/** J(z) and log p(x|z) per example [B]; caller disposes (call within a tidy or keep them). */
function logJointTerms(model: LatentVariableModel, x: tf.Tensor2D, z: tf.Tensor2D, c: tf.Tensor2D | undefined): { joint: tf.Tensor1D; lik: tf.Tensor1D } {
  const lik = model.likelihood.logProb(x, model.decode(z, c)) as tf.Tensor1D; // [B]
  return { joint: tf.add(lik, standardNormalLogProb(z)), lik }; // [B], [B]
}

interface Best {
  z: tf.Tensor2D; // [B, Z]
  joint: tf.Tensor1D; // [B]
  lik: tf.Tensor1D; // [B]
}

/**
 * The better of the best so far and the code just evaluated, per example (a NaN best is replaced).
 * Disposes `best` and the evaluated terms; returns new tensors.
 */
function keepBest(best: Best | null, z: tf.Tensor2D, joint: tf.Tensor1D, lik: tf.Tensor1D): Best {
  if (best === null) return { z: tf.clone(z), joint, lik };
  const next = tf.tidy(() => {
    const isBetter = tf.logicalOr(tf.greater(joint, best.joint), tf.isNaN(best.joint)); // [B]
    return {
      z: tf.where(tf.reshape(isBetter, [-1, 1]), z, best.z) as tf.Tensor2D, // [B, Z]: a condition [B, 1] broadcasts over Z
      joint: tf.where(isBetter, joint, best.joint) as tf.Tensor1D, // [B]
      lik: tf.where(isBetter, lik, best.lik) as tf.Tensor1D, // [B]
    };
  });
  tf.dispose([best.z, best.joint, best.lik, joint, lik]);
  return next;
}

/**
 * The posterior mode of each example's code, by Adam from the encoder mean, batched: T gradient
 * steps on −Σ_b J_b(z_b), J evaluated at z_0 … z_T, and per example the best code seen returned, so
 * the objective never decreases (a step that overshoots an example's mode loses nothing).
 *   J(z) = log p(x|z, c) + log N(z; 0, I),  z_0 = μ(x, c),  ẑ = argmax_{z_t, t = 0 … T} J(z_t)
 * Costs T + 1 decoder passes (T with a backward pass); reads results back asynchronously, once.
 * A model with two stochastic layers decodes z₂ through the mean of p(z₁|z₂) (its `decode`), so there J
 * is the surrogate log p(x | z₁ = E[z₁|z₂]) + log p(z₂), not its joint density.
 * @param model - any model of the contract (the decoder's weights stay fixed)
 * @param x - observations [B, D] or [B, ...inputShape], in the model's input units
 * @param options - steps T (default 100), learningRate (default 0.05), c [B, C] for a conditional
 *   model, recordHistory
 * @returns {@link MapEncoding}: ẑ [B, Z] (caller disposes) and J before and after [B], nats per example
 * @throws ShapeError when x or c does not fit the model; ConfigError for bad steps or learningRate
 * @see Prince, Understanding Deep Learning, §17.8.3 (resynthesis, option ii)
 */
export async function mapEncode(model: LatentVariableModel, x: tf.Tensor, options: MapEncodeOptions = {}): Promise<MapEncoding> {
  const { steps, learningRate, recordHistory } = resolveMapEncodeOptions(options);
  const c = options.c;
  const start = tf.tidy(() => model.encode(x, c).mean); // [B, Z]; checks x and c
  const b = start.shape[0];
  const xFlat = x.reshape([b, model.dataDim]) as tf.Tensor2D; // [B, D]
  const z = tf.variable(start, true); // [B, Z]
  const optimizer = tf.train.adam(learningRate);
  const history = recordHistory ? { current: [] as Float32Array[], best: [] as Float32Array[] } : undefined;
  let best: Best | null = null;
  let before: { joint: tf.Tensor1D; lik: tf.Tensor1D } | null = null;
  let isReturned = false;
  try {
    for (let t = 0; t <= steps; t++) {
      let terms: { joint: tf.Tensor1D; lik: tf.Tensor1D };
      if (t < steps) {
        let kept: { joint: tf.Tensor1D; lik: tf.Tensor1D } | null = null;
        const { value, grads } = optimizer.computeGradients(() => {
          const j = logJointTerms(model, xFlat, z, c);
          kept = { joint: tf.keep(j.joint), lik: tf.keep(j.lik) };
          return tf.neg(tf.sum(j.joint)) as tf.Scalar;
        }, [z]);
        terms = kept!;
        best = keepBest(best, z, tf.clone(terms.joint), tf.clone(terms.lik)); // J(z_t), before the step moves z
        optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
        tf.dispose([value, ...Object.values(grads)]);
      } else {
        terms = tf.tidy(() => logJointTerms(model, xFlat, z, c));
        best = keepBest(best, z, tf.clone(terms.joint), tf.clone(terms.lik));
      }
      if (history) {
        history.current.push((await terms.joint.data()) as Float32Array);
        history.best.push((await best.joint.data()) as Float32Array);
      }
      if (t === 0) before = terms;
      else tf.dispose([terms.joint, terms.lik]);
    }
    const [logJointBefore, logJointAfter, logLikelihoodBefore, logLikelihoodAfter] = (await Promise.all(
      [before!.joint, best!.joint, before!.lik, best!.lik].map((t) => t.data()),
    )) as Float32Array[];
    const result: MapEncoding = { z: best!.z, logJointBefore, logJointAfter, logLikelihoodBefore, logLikelihoodAfter };
    isReturned = true; // ẑ now belongs to the caller
    return history ? { ...result, history } : result;
  } finally {
    if (best) tf.dispose([...(isReturned ? [] : [best.z]), best.joint, best.lik]);
    if (before) tf.dispose([before.joint, before.lik]);
    optimizer.dispose();
    tf.dispose([start, xFlat, z]);
  }
}

/** Options of {@link encodeDataset}. */
export interface EncodeDatasetOptions extends Omit<MapEncodeOptions, 'c' | 'recordHistory'> {
  /** 'mean' (the encoder mean, J evaluated there) or 'map' ({@link mapEncode}). Default 'mean'. */
  method?: EncodeMethod;
  /** Examples per chunk, an integer ≥ 1 (memory, not results). Default 1000. */
  batchSize?: number;
  /** Called after each chunk with (examples done, N). */
  onProgress?: (done: number, total: number) => void;
}

/** Every example's code and the objective at the encoder mean and at the code. */
export interface DatasetEncoding {
  method: EncodeMethod;
  /** T and the learning rate ('map'; 0 steps for 'mean'). */
  steps: number;
  learningRate: number;
  /** The codes [N, Z], float32, with the examples' labels (copied). */
  codes: Dataset;
  /** J(μ(x_n)) [N], nats per example. */
  logJointBefore: Float32Array;
  /** J(code_n) [N], nats per example (= logJointBefore for 'mean'). */
  logJointAfter: Float32Array;
  /** log p(x_n|μ(x_n)) [N], nats per example. */
  logLikelihoodBefore: Float32Array;
  /** log p(x_n|code_n) [N], nats per example. */
  logLikelihoodAfter: Float32Array;
}

/**
 * The code of every example of a dataset, by the encoder mean or the posterior mode ({@link mapEncode}),
 * in chunks of `batchSize`, each example under its own condition (a conditional model).
 * @param ds - examples [N, D], D = model.dataDim, in the model's input units
 * @returns {@link DatasetEncoding}: codes [N, Z] and J per example before and after, nats
 * @throws ShapeError when ds.dataDim ≠ model.dataDim; ConfigError for a bad option
 * @see Prince, Understanding Deep Learning, §17.8.3
 */
export async function encodeDataset(model: LatentVariableModel, ds: Dataset, options: EncodeDatasetOptions = {}): Promise<DatasetEncoding> {
  const method = check('method', options.method ?? 'mean', oneOf(ENCODE_METHODS));
  const resolved = resolveMapEncodeOptions({ steps: options.steps, learningRate: options.learningRate });
  const steps = method === 'map' ? resolved.steps : 0;
  const batchSize = check('batchSize', options.batchSize ?? 1000, intAtLeast(1));
  const { numExamples: n, dataDim: d } = ds;
  if (d !== model.dataDim) throw new ShapeError(`encodeDataset(${ds.source}): expected examples of size dataDim = ${model.dataDim}, got ${d}`);
  const zDim = model.latentDim;
  const codes = new Float32Array(n * zDim); // [N, Z]
  const out = {
    logJointBefore: new Float32Array(n),
    logJointAfter: new Float32Array(n),
    logLikelihoodBefore: new Float32Array(n),
    logLikelihoodAfter: new Float32Array(n),
  };
  for (let lo = 0; lo < n; lo += batchSize) {
    const m = Math.min(batchSize, n - lo);
    const batch = gatherBatch(ds, null, lo, lo + m, { conditionDim: model.conditionDim });
    const x = tf.tensor2d(batch.x, [m, d]); // [B, D]
    const c = batch.c && tf.tensor2d(batch.c, [m, model.conditionDim]); // [B, C]
    try {
      const r = await mapEncode(model, x, { steps, learningRate: resolved.learningRate, c });
      try {
        codes.set(await r.z.data(), lo * zDim);
      } finally {
        r.z.dispose();
      }
      for (const k of Object.keys(out) as (keyof typeof out)[]) out[k].set(r[k], lo);
    } finally {
      tf.dispose([x, ...(c ? [c] : [])]);
    }
    options.onProgress?.(lo + m, n);
  }
  return {
    method,
    steps,
    learningRate: resolved.learningRate,
    codes: makeDataset({ x: codes, numExamples: n, dataDim: zDim, labels: ds.labels?.slice(), source: `${ds.source} (latent codes, ${method})` }),
    ...out,
  };
}
