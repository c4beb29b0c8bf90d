/**
 * Gradients of the training loss on a shard of a minibatch, and the contract of a gradient engine
 * that computes a whole batch's gradient elsewhere (worker threads in Node: node/parallel/).
 *
 * Data parallelism splits a batch of B rows into shards b_1 + … + b_S = B. The loss is the batch
 * mean, so the gradient of shard s's loss is scaled by b_s / B and the shard gradients sum to the
 * full-batch gradient (up to float32 summation order).
 */
import * as tf from '@tensorflow/tfjs';
import type { VAE } from '../models/vae.js';
import { negativeElboLoss } from '../objectives/elbo.js';
import { tfSeed } from '../math/rng.js';

/** A shard's contribution: gradients of (b_s/B)·loss_s per trainable variable, and (b_s/B)·[loss, reconstruction, kl]. */
export type ShardGradients = {
  /** One gradient per `vae.trainableVariables()` entry, same order and shapes. */
  grads: tf.Tensor[];
  /** [3]: (b_s/B)·[loss, reconstructionLoss, kl] batch means of the shard, nats per example. */
  stats: tf.Tensor1D;
};

/**
 * Gradient of the β-weighted −ELBO on one shard with explicit noise, scaled to its share of the batch.
 * @param x - the shard's rows [b_s, D]
 * @param eps - the shard's rows of the batch's noise ε [b_s, Z]
 * @param scale - b_s / B
 * @returns {@link ShardGradients}; caller disposes
 */
export function shardGradients(vae: VAE, x: tf.Tensor2D, eps: tf.Tensor2D, beta: number, scale: number): ShardGradients {
  const vars = vae.trainableVariables();
  let stats: tf.Tensor1D | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const t = negativeElboLoss(vae, x, { beta, eps });
    stats = tf.keep(tf.mul(tf.stack([t.loss, t.reconstructionLoss, t.kl]), scale) as tf.Tensor1D);
    return tf.mul(t.loss, scale) as tf.Scalar;
  }, vars);
  value.dispose();
  return { grads: vars.map((v) => grads[v.name]), stats: stats! };
}

/**
 * The noise ε [B, Z] of a training step, exactly as `elbo(model, x, { seed })` draws it, so a
 * sharded step sees the same noise as the single-threaded one.
 */
export function stepNoise(batchSize: number, latentDim: number, seed: number): tf.Tensor2D {
  return tf.randomNormal([batchSize, latentDim], 0, 1, 'float32', tfSeed(seed, 'eps')) as tf.Tensor2D;
}

/**
 * Computes the full-batch gradient of a training step, possibly on several threads.
 * The trainer applies the returned gradients with its own optimizer.
 */
export interface GradientEngine {
  /** How many shards a batch is split into (1 = this thread only). */
  readonly numShards: number;
  /**
   * @param x - the batch, row-major [B, D] (only the first B·D values are read)
   * @param batchSize - B
   * @param seed - the step's noise seed (see {@link stepNoise})
   * @returns gradients keyed by variable name, and [3] batch means [loss, reconstructionLoss, kl]; caller disposes
   */
  gradients(x: Float32Array, batchSize: number, seed: number): { grads: tf.NamedTensorMap; stats: tf.Tensor1D };
  /** Stops the worker threads. */
  dispose(): Promise<void>;
}
