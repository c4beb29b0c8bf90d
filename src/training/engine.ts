/**
 * Gradient engines: what computes the gradient of the training objective on one batch. The trainer
 * always goes through this contract; {@link LocalGradientEngine} computes on this thread, and the
 * Node part adds one over worker threads (src/node/parallel/data-parallel.ts) that splits each batch
 * into shards. The step's context (its noise seed, its number, its β) travels with every batch, so a
 * β that changes per step reaches every thread.
 *
 * Data parallelism splits a batch of B rows into shards b_1 + … + b_S = B. The loss is the batch
 * mean, so the gradient of shard s's loss is scaled by b_s / B and the shard gradients sum to the
 * full-batch gradient (up to float32 summation order).
 */
import * as tf from '@tensorflow/tfjs';
import type { HostBatch } from '../data/batch.js';
import type { LatentVariableModel } from '../models/latent-model.js';
import { objectiveTerms, objectiveValue, type Batch, type ObjectiveConfig, type StepContext } from '../objectives/index.js';

export type { HostBatch } from '../data/batch.js';

/** A batch's gradient, and its statistics for the trainer's running means. */
export interface BatchGradients {
  /**
   * ∂loss/∂v per trainable variable, in `model.trainableVariables()` order, named by the variable's
   * name: the optimizer's slots are kept by position, so the order is part of a checkpoint's format.
   */
  grads: NamedGradient[];
  /** [1 + T]: the batch means of the loss and of the objective's T terms, in `objectiveTerms` order. */
  stats: tf.Tensor1D;
}

/** One variable's gradient, as tfjs optimizers take it. */
export type NamedGradient = {
  name: string;
  tensor: tf.Tensor;
};

/** Computes the full-batch gradient of a training step; the trainer applies it with its optimizer. */
export interface GradientEngine {
  /** How many shards a batch is split into (1 = this thread only). */
  readonly numShards: number;
  /**
   * @param batch - the step's batch on the host
   * @param ctx - the step's context (noise seed, step number, β)
   * @returns gradients and stats; caller disposes
   */
  gradients(batch: HostBatch, ctx: StepContext): Promise<BatchGradients>;
  /** Frees what the engine holds (worker threads, buffers). */
  dispose(): Promise<void>;
}

/** The batch's tensors: x [B, D] and c [B, C] (none for an unconditional model). */
export function batchTensors(batch: HostBatch, model: Pick<LatentVariableModel, 'dataDim' | 'conditionDim'>): Batch {
  const b = batch.numRows;
  const x = tf.tensor2d(batch.x.subarray(0, b * model.dataDim), [b, model.dataDim]);
  if (model.conditionDim === 0) return { x };
  return { x, c: tf.tensor2d(batch.c!.subarray(0, b * model.conditionDim), [b, model.conditionDim]) };
}

/**
 * The gradient of the objective on one batch (or one shard of it) and its stats, both scaled by
 * `scale` (b_s / B for a shard of a batch split over threads; 1 for a whole batch).
 * @returns gradients in `model.trainableVariables()` order, and [1 + T] scaled stats; caller disposes
 */
export function shardGradients(
  model: LatentVariableModel,
  objective: ObjectiveConfig,
  batch: Batch,
  ctx: StepContext,
  scale: number,
): { grads: tf.Tensor[]; stats: tf.Tensor1D } {
  const vars = model.trainableVariables();
  const names = objectiveTerms(objective);
  let stats: tf.Tensor1D | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const v = objectiveValue(objective, model, batch, ctx);
    const all = tf.stack([v.loss, ...names.map((n) => v.terms[n])]) as tf.Tensor1D;
    stats = tf.keep(scale === 1 ? all : (tf.mul(all, scale) as tf.Tensor1D));
    return scale === 1 ? v.loss : (tf.mul(v.loss, scale) as tf.Scalar);
  }, vars);
  value.dispose();
  return { grads: vars.map((v) => grads[v.name]), stats: stats! };
}

/** The engine that computes every batch on this thread, with this thread's backend. */
export class LocalGradientEngine implements GradientEngine {
  readonly numShards = 1;

  constructor(
    private readonly model: LatentVariableModel,
    private readonly objective: ObjectiveConfig,
  ) {}

  async gradients(batch: HostBatch, ctx: StepContext): Promise<BatchGradients> {
    return tf.tidy(() => {
      const { grads, stats } = shardGradients(this.model, this.objective, batchTensors(batch, this.model), ctx, 1);
      return { grads: this.model.trainableVariables().map((v, i) => ({ name: v.name, tensor: grads[i] })), stats };
    });
  }

  async dispose(): Promise<void> {}
}
