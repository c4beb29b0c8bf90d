import * as tf from '@tensorflow/tfjs';

/**
 * Numerically stable log of the mean of exponentials along `axis`.
 *   logmeanexp(a) = log (1/K) Σ_k exp(a_k) = logsumexp(a) − log K
 * @param a - values, e.g. log importance weights [K, B]
 * @param axis - the axis to reduce (default 0, the sample axis)
 * @returns a with `axis` removed, e.g. [B]; caller disposes
 */
export function logMeanExp(a: tf.Tensor, axis = 0): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.logSumExp(a, axis), Math.log(a.shape[axis])));
}
