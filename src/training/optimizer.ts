/**
 * The optimizer: Adam with PyTorch's defaults, and a restore that continues bit-for-bit.
 */
import * as tf from '@tensorflow/tfjs';

/** Adam's slots as tfjs names them: iterations, then first and second moments per variable. */
export type OptimizerWeights = Awaited<ReturnType<tf.Optimizer['getWeights']>>;

/** Adam with PyTorch's defaults (β₁ 0.9, β₂ 0.999, ε 1e-8). Caller disposes. */
export function makeOptimizer(learningRate: number): tf.Optimizer {
  return tf.train.adam(learningRate, 0.9, 0.999, 1e-8);
}

/**
 * Loads saved slots into an Adam optimizer so that the next steps equal, bit for bit, those of an
 * optimizer that never stopped. tfjs's `setWeights` recomputes the bias-correction powers β₁ᵗ, β₂ᵗ
 * with one `pow`, while a running optimizer multiplies them step by step in float32; the two differ
 * in the last bit at some t, which changes every later update. This redoes the float32 products.
 * (Reaches into AdamOptimizer's `accBeta1`/`accBeta2`; test/core/training.test.ts guards it.)
 */
export async function restoreOptimizer(optimizer: tf.Optimizer, weights: OptimizerWeights): Promise<void> {
  await optimizer.setWeights(weights);
  const adam = optimizer as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable; beta1: number; beta2: number; iterations: number };
  if (!adam.accBeta1 || !adam.accBeta2) return;
  const b1 = Math.fround(adam.beta1);
  const b2 = Math.fround(adam.beta2);
  let p1 = b1;
  let p2 = b2;
  for (let i = 0; i < adam.iterations; i++) {
    p1 = Math.fround(p1 * b1);
    p2 = Math.fround(p2 * b2);
  }
  tf.tidy(() => {
    adam.accBeta1!.assign(tf.scalar(p1));
    adam.accBeta2!.assign(tf.scalar(p2));
  });
}
