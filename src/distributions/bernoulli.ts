/**
 * Bernoulli observations parameterised by logits l (p = sigmoid(l)).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * log Bernoulli(x; sigmoid(logits)) summed over the last axis, in the stable form
 *   log p(x) = −Σ_d [ max(l_d, 0) − l_d·x_d + log1p(exp(−|l_d|)) ]
 * which equals x·log σ(l) + (1 − x)·log(1 − σ(l)) wherever that is finite, stays finite for any
 * finite logit, and accepts x in [0, 1] (continuous "probabilities", as the PyTorch reference does).
 * @param x - observations [..., D] in [0, 1]
 * @param logits - decoder logits, broadcastable to x
 * @returns log-likelihood [...], nats; caller disposes
 * @see seed 001 (Bernoulli decoder = binary cross-entropy with a logistic output)
 */
export function bernoulliLogProb(x: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))); // [..., D]
    return tf.neg(tf.sum(bce, -1));
  });
}
