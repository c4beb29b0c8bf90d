/**
 * Paths between two latent codes, and the decoder means along them.
 *   lerp(z₀, z₁; t)  = (1 − t) z₀ + t z₁
 *   slerp(z₀, z₁; t) = sin((1 − t)θ)/sin θ · z₀ + sin(tθ)/sin θ · z₁,  cos θ = z₀·z₁ / (‖z₀‖ ‖z₁‖)
 * Under a Gaussian prior in Z dimensions most mass lies near the sphere of radius √Z, and the straight
 * line between two typical codes cuts inside it (its midpoint has a smaller norm than either end, so
 * it decodes to an atypical, blurred example); slerp follows the great circle and keeps the norm when
 * the two ends have equal norms.
 * @see White 2016, "Sampling generative networks" (arXiv:1609.04468), §2.1, slerp for latent spaces;
 *   Shoemake 1985 (the formula)
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../errors.js';
import { decodeMean } from '../models/generate.js';
import type { LatentVariableModel } from '../models/latent-model.js';
import { check, intAtLeast, oneOf } from '../validate.js';

export const INTERPOLATION_METHODS = ['lerp', 'slerp'] as const;
/** lerp: the straight line; slerp: the great circle (White 2016). */
export type InterpolationMethod = (typeof INTERPOLATION_METHODS)[number];

/** Options of {@link interpolationPath} and {@link interpolate}. */
export interface InterpolateOptions {
  /** S, points on the path, both ends included; an integer ≥ 2. Default 10. */
  numSteps?: number;
  /** Default 'lerp'. */
  method?: InterpolationMethod;
}

export const INTERPOLATE_DEFAULTS: Readonly<Required<InterpolateOptions>> = Object.freeze({ numSteps: 10, method: 'lerp' });

/**
 * Above this |cos θ| (θ within 0.0045 rad of 0 or π: nearly parallel or opposite ends) slerp falls back
 * to lerp; float32's cos θ is only good to a few 1e-7, and arccos near ±1 magnifies that.
 */
const SLERP_MAX_ABS_COS = 1 - 1e-5;

/** Validates options and fills defaults. @throws ConfigError naming the bad field and value */
export function resolveInterpolateOptions(options: InterpolateOptions = {}): Required<InterpolateOptions> {
  return {
    numSteps: check('numSteps', options.numSteps ?? INTERPOLATE_DEFAULTS.numSteps, intAtLeast(2)),
    method: check('method', options.method ?? INTERPOLATE_DEFAULTS.method, oneOf(INTERPOLATION_METHODS)),
  };
}

function checkEnds(where: string, z0: tf.Tensor, z1: tf.Tensor): void {
  if (z0.rank === 0 || z0.shape.join() !== z1.shape.join()) {
    throw new ShapeError(`${where}: expected z0 and z1 of one shape [..., Z], got [${z0.shape.join(', ')}] and [${z1.shape.join(', ')}]`);
  }
}

/**
 * Linear interpolation, row by row over the last axis.
 *   lerp(z₀, z₁; t) = (1 − t) z₀ + t z₁
 * @param z0 - start [..., Z] (e.g. [B, Z] or [1, Z])
 * @param z1 - end, the shape of z0
 * @param t - a number, or a tensor that broadcasts against [..., 1] (e.g. [S, 1] with z0 [1, Z] gives [S, Z])
 * @returns the broadcast shape of z0 and t; caller disposes
 * @throws ShapeError when z0 and z1 differ in shape
 */
export function lerp(z0: tf.Tensor, z1: tf.Tensor, t: number | tf.Tensor): tf.Tensor {
  checkEnds('lerp', z0, z1);
  return tf.tidy(() => tf.add(z0, tf.mul(tf.sub(z1, z0), t)));
}

/**
 * Spherical linear interpolation, row by row over the last axis (θ per row).
 *   slerp(z₀, z₁; t) = sin((1 − t)θ)/sin θ · z₀ + sin(tθ)/sin θ · z₁,  θ = arccos(z₀·z₁ / (‖z₀‖ ‖z₁‖))
 * It gives z₀ at t = 0 and z₁ at t = 1; when ‖z₀‖ = ‖z₁‖ every point has that norm. Rows whose ends
 * are (nearly) parallel or opposite (|cos θ| > 1 − 1e-5) or zero fall back to {@link lerp}, where the great
 * circle is not defined (opposite ends) or equals the line.
 * @param z0 - start [..., Z]
 * @param z1 - end, the shape of z0
 * @param t - a number, or a tensor that broadcasts against [..., 1]
 * @returns the broadcast shape of z0 and t; caller disposes
 * @throws ShapeError when z0 and z1 differ in shape
 * @see White 2016, "Sampling generative networks", §2.1; Shoemake 1985
 */
export function slerp(z0: tf.Tensor, z1: tf.Tensor, t: number | tf.Tensor): tf.Tensor {
  checkEnds('slerp', z0, z1);
  return tf.tidy(() => {
    const tt = typeof t === 'number' ? tf.scalar(t) : t;
    const norms = tf.mul(tf.norm(z0, 'euclidean', -1, true), tf.norm(z1, 'euclidean', -1, true)); // [..., 1]
    const dot = tf.sum(tf.mul(z0, z1), -1, true); // [..., 1]
    const cos = tf.clipByValue(tf.div(dot, tf.maximum(norms, 1e-30)), -1, 1); // [..., 1]
    const theta = tf.acos(cos); // [..., 1]
    const sin = tf.sin(theta); // [..., 1]
    const isDegenerate = tf.logicalOr(tf.greater(tf.abs(cos), SLERP_MAX_ABS_COS), tf.lessEqual(norms, 0)); // [..., 1]
    const safeSin = tf.where(isDegenerate, tf.onesLike(sin), sin);
    const a = tf.div(tf.sin(tf.mul(tf.sub(1, tt), theta)), safeSin); // broadcast of [..., 1] and t
    const b = tf.div(tf.sin(tf.mul(tt, theta)), safeSin);
    const arc = tf.add(tf.mul(a, z0), tf.mul(b, z1)); // broadcast shape
    const line = tf.add(z0, tf.mul(tf.sub(z1, z0), tt)); // the same broadcast shape
    return tf.where(tf.broadcastTo(isDegenerate, arc.shape), line, arc);
  });
}

/**
 * S equally spaced points t_s = s/(S − 1), s = 0 … S − 1, on the path from z₀ to z₁.
 * @param z0 - start [Z] or [1, Z]
 * @param z1 - end, the shape of z0
 * @returns latents [S, Z], row 0 = z₀ and row S − 1 = z₁; caller disposes
 * @throws ShapeError when z0 and z1 differ in shape or are not one code; ConfigError for bad options
 */
export function interpolationPath(z0: tf.Tensor, z1: tf.Tensor, options: InterpolateOptions = {}): tf.Tensor2D {
  const { numSteps, method } = resolveInterpolateOptions(options);
  checkEnds('interpolationPath', z0, z1);
  if (z0.size !== z0.shape[z0.rank - 1] || z0.rank > 2) {
    throw new ShapeError(`interpolationPath: expected one code [Z] or [1, Z], got [${z0.shape.join(', ')}]`);
  }
  const z = z0.shape[z0.rank - 1];
  return tf.tidy(() => {
    const t = tf.linspace(0, 1, numSteps).reshape([numSteps, 1]); // [S, 1]
    const a = z0.reshape([1, z]); // [1, Z]
    const b = z1.reshape([1, z]); // [1, Z]
    return (method === 'slerp' ? slerp(a, b, t) : lerp(a, b, t)) as tf.Tensor2D; // [S, Z]
  });
}

/**
 * The decoder means along the path between the encoder means of two examples.
 *   z₀ = μ(x₀), z₁ = μ(x₁),  z_s = lerp or slerp(z₀, z₁; s/(S − 1)),  x̂_s = E[x | z_s]
 * @param model - the model; a conditional one encodes each end under its own condition and decodes
 *   point s under c_s = lerp(c₀, c₁; s/(S − 1)), the condition moving with the code
 * @param x0 - the first example [1, D] or [1, ...inputShape], in the model's input units
 * @param x1 - the second, the shape of x0
 * @param conditions - a conditional model's conditions of the two examples, c0 and c1 [1, C] each
 * @returns z: latents [S, Z]; mean: decoder means [S, D] (pixel probabilities for a Bernoulli decoder); caller disposes both
 * @throws ShapeError when x0 or x1 is not one example of the model's size; ConfigError for bad options
 * @see White 2016, §2.1; Prince, Understanding Deep Learning, §17.8.3 (interpolating in the latent space)
 */
export function interpolate(
  model: LatentVariableModel,
  x0: tf.Tensor,
  x1: tf.Tensor,
  options: InterpolateOptions = {},
  conditions?: { c0: tf.Tensor2D; c1: tf.Tensor2D },
): { z: tf.Tensor2D; mean: tf.Tensor2D } {
  const opts = resolveInterpolateOptions(options);
  for (const [name, x] of [
    ['x0', x0],
    ['x1', x1],
  ] as const) {
    if (x.shape[0] !== 1) throw new ShapeError(`interpolate: expected ${name} to be one example [1, D], got [${x.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const cEnds = conditions && (tf.concat([conditions.c0, conditions.c1]) as tf.Tensor2D); // [2, C]
    const ends = model.encode(tf.concat([x0.reshape([1, -1]), x1.reshape([1, -1])]), cEnds).mean; // [2, Z]
    const [a, b] = tf.split(ends, 2); // [1, Z] each
    const z = interpolationPath(a, b, opts); // [S, Z]
    const t = tf.linspace(0, 1, opts.numSteps).reshape([opts.numSteps, 1]); // [S, 1]
    const c = conditions && (lerp(conditions.c0, conditions.c1, t) as tf.Tensor2D); // [S, C]
    return { z, mean: decodeMean(model, z, c) }; // [S, Z], [S, D]
  });
}
