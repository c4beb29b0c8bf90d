import * as tf from '@tensorflow/tfjs';

/**
 * The reparameterization trick: a draw from q(z|x) = N(mean, diag exp(logVar)) written as a
 * differentiable function of the encoder outputs and external noise.
 *   z = mean + exp(½·logVar) ⊙ ε,   ε ~ N(0, I)
 * @param mean - posterior means [B, Z]
 * @param logVar - posterior log variances [B, Z]
 * @param eps - standard normal noise [B, Z] or [K, B, Z] (explicit so tests can pin it)
 * @returns z with eps's shape; caller disposes
 * @see Kingma & Welling 2014, §2.4 and eq. 10; Prince, Understanding Deep Learning, §17.7
 */
export function reparameterize(mean: tf.Tensor, logVar: tf.Tensor, eps: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)));
}
