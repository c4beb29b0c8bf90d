/**
 * The categorical distribution over K classes parameterised by logits l (p = softmax(l)), with
 * observations one-hot encoded: log-probability, probabilities and seeded draws.
 * Tensors are [..., K]; sums run over the last axis, so log-probabilities are [...] (e.g. [B]).
 */
import * as tf from '@tensorflow/tfjs';
import { categoricalObservationNoise } from '../math/noise.js';

/**
 * log Cat(x; softmax(logits)) of one-hot x, summed over the last axis:
 *   log p(x) = Σ_k x_k · log softmax(l)_k = Σ_k x_k · (l_k − logsumexp(l))
 * (normalised: Σ over the K one-hot vectors of p(x) is 1). tf.logSoftmax subtracts the max first,
 * so the value stays finite for any finite logits.
 * @param x - one-hot observations [..., K] (rows of 0s with one 1), broadcastable against logits
 * @param logits - unnormalised log-probabilities [..., K]
 * @returns log-probability [...], nats; caller disposes
 * @see Bishop, Pattern Recognition and Machine Learning (2006), eq. 2.26 (the 1-of-K multinoulli)
 */
export function categoricalLogProb(x: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sum(tf.mul(x, tf.logSoftmax(logits)), -1)); // [...]
}

/**
 * The class probabilities softmax(l) [..., K], each row summing to 1.
 * @param logits - [..., K]
 * @returns [..., K]; caller disposes
 */
export function categoricalProbs(logits: tf.Tensor): tf.Tensor {
  return tf.softmax(logits);
}

/**
 * One seeded draw per row, one-hot: the Gumbel-max trick, k = argmax_k (l_k + g_k) with
 * g_k = −log(−log u_k), u_k ~ U(0, 1), draws class k with probability softmax(l)_k.
 * @param logits - [..., K]
 * @param seed - the draw's seed (with `stream`, see {@link categoricalObservationNoise})
 * @param stream - a second index so several groups drawn with one seed get independent noise
 * @returns one-hot draws [..., K], float32; caller disposes
 * @see Gumbel 1954; Maddison, Tarlow & Minka 2014 (A* sampling), §2
 */
export function categoricalSample(logits: tf.Tensor, seed: number, stream = 0): tf.Tensor {
  return tf.tidy(() => {
    const k = logits.shape[logits.shape.length - 1];
    const u = categoricalObservationNoise(logits.shape, seed, stream); // [..., K] in (0, 1)
    const gumbel = tf.neg(tf.log(tf.neg(tf.log(u)))); // [..., K]
    return tf.cast(tf.oneHot(tf.argMax(tf.add(logits, gumbel), -1), k), 'float32'); // [..., K]
  });
}
