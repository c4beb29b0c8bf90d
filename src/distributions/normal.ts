/**
 * The diagonal Gaussian N(mean, diag exp(logVar)): log-density and KL divergences.
 * Tensors are [..., Z]; sums run over the last axis, so results are [...] (e.g. [B]).
 */
import * as tf from '@tensorflow/tfjs';
import { LOG_2PI } from '../math/constants.js';

/**
 * log N(x; mean, diag exp(logVar)), normalising constant included, summed over the last axis.
 *   log p(x) = −½ Σ_d [ log 2π + logVar_d + (x_d − mean_d)² / exp(logVar_d) ]
 * @param x - points [..., Z]
 * @param mean - means, broadcastable to x
 * @param logVar - log variances, broadcastable to x
 * @returns log-density [...], nats; caller disposes
 */
export function normalLogProb(x: tf.Tensor, mean: tf.Tensor, logVar: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const sq = tf.square(tf.sub(x, mean));
    const terms = tf.add(tf.add(logVar, tf.mul(sq, tf.exp(tf.neg(logVar)))), LOG_2PI); // [..., Z]
    return tf.mul(tf.sum(terms, -1), -0.5);
  });
}

/**
 * log N(x; 0, I) summed over the last axis: −½ Σ_d (log 2π + x_d²).
 * @param x - points [..., Z]
 * @returns [...], nats; caller disposes
 */
export function standardNormalLogProb(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.sum(tf.add(tf.square(x), LOG_2PI), -1), -0.5));
}

/**
 * Closed-form KL( N(mean, diag exp(logVar)) ‖ N(0, I) ), summed over the last axis.
 *   KL = ½ Σ_d [ exp(logVar_d) + mean_d² − 1 − logVar_d ]
 * @param mean - posterior means [..., Z]
 * @param logVar - posterior log variances [..., Z]
 * @returns KL [...], nats, ≥ 0; caller disposes
 * @see Kingma & Welling 2014, appendix B; Prince, Understanding Deep Learning, eq. 17.24
 */
export function klToStandardNormal(mean: tf.Tensor, logVar: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const terms = tf.sub(tf.add(tf.exp(logVar), tf.square(mean)), tf.add(logVar, 1)); // [..., Z]
    return tf.mul(tf.sum(terms, -1), 0.5);
  });
}

/**
 * Closed-form KL( N(mean, diag exp(logVar)) ‖ N(0, I) ) of each dimension, not summed:
 *   KL_d = ½ [ exp(logVar_d) + mean_d² − 1 − logVar_d ]
 * (what free bits floor and active-unit diagnostics report; summed over the last axis it is
 * {@link klToStandardNormal}).
 * @param mean - posterior means [..., Z]
 * @param logVar - posterior log variances [..., Z]
 * @returns KL per dimension [..., Z], nats, ≥ 0; caller disposes
 * @see Kingma & Welling 2014, appendix B; Kingma et al. 2016, eq. 15 (free bits)
 */
export function klToStandardNormalPerDimension(mean: tf.Tensor, logVar: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.sub(tf.add(tf.exp(logVar), tf.square(mean)), tf.add(logVar, 1)), 0.5));
}

/**
 * Closed-form KL( N(m1, diag exp(lv1)) ‖ N(m2, diag exp(lv2)) ), summed over the last axis.
 *   KL = ½ Σ_d [ lv2 − lv1 + (exp(lv1) + (m1 − m2)²) / exp(lv2) − 1 ]
 * @returns KL [...], nats, ≥ 0; caller disposes
 * @see Bishop, Pattern Recognition and Machine Learning (2006), problem 2.13 (KL between two Gaussians), with diagonal covariances
 */
export function klDivergence(m1: tf.Tensor, lv1: tf.Tensor, m2: tf.Tensor, lv2: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const ratio = tf.mul(tf.add(tf.exp(lv1), tf.square(tf.sub(m1, m2))), tf.exp(tf.neg(lv2)));
    const terms = tf.sub(tf.add(tf.sub(lv2, lv1), ratio), 1); // [..., Z]
    return tf.mul(tf.sum(terms, -1), 0.5);
  });
}
