/**
 * What a training objective is: a function of a model, a batch and the step's context that returns
 * the scalar to minimise and its named terms. The trainer, the local gradient engine and the worker
 * threads all call objectives through the registry (objectives/index.ts), never by name.
 */
import type * as tf from '@tensorflow/tfjs';

/** One batch as tensors: observations x [B, D] and, for a conditional model, conditions c [B, C]. */
export interface Batch {
  x: tf.Tensor2D;
  c?: tf.Tensor2D;
}

/** What an objective is told about the step it is computed for. */
export interface StepContext {
  /** The step's noise seed (src/math/noise.ts `stepSeed`): the objective draws its ε from it. */
  seed: number;
  /** The global step, 0-based, counted over all epochs: what schedules are functions of. */
  step: number;
  /** β, the weight of the KL term at this step (1 = the ELBO). */
  klWeight: number;
  /**
   * The noise of this batch's rows, when the caller drew it (a shard of a batch split over threads
   * gets its rows of the whole batch's noise); otherwise the objective draws it from `seed`.
   */
  noise?: tf.Tensor;
  /**
   * N, the number of training examples the batch is drawn from (the trainer sets it): what an
   * objective that estimates the aggregate posterior q(z) = (1/N) Σ_n q(z|n) from a batch needs
   * (the β-TCVAE, src/objectives/tc-vae.ts). Absent when the caller does not know it.
   */
  datasetSize?: number;
}

/** An objective's value on a batch: scalars in nats per example (batch means). */
export interface ObjectiveValue {
  /** What training minimises. */
  loss: tf.Scalar;
  /** The objective's named terms, e.g. { reconstruction, kl } for the ELBO; reported per epoch. */
  terms: Record<string, tf.Scalar>;
}
