/**
 * Latent traversals: one latent dimension varied at a time around a centre, the others held fixed,
 * and the decoder means along each. Row r varies dimension dims[r]:
 *   z_{r,s} = centre + v_s e_{dims[r]},  v_s = −range + 2·range·s/(S − 1),  s = 0 … S − 1
 * The centre is an example's posterior mean μ(x) or the prior's mean 0. Order the rows by each
 * dimension's KL (`latentStatistics` and `dimensionsByKl`, src/evaluation/latent-stats.ts) so the
 * dimensions that carry information come first and collapsed ones (KL ≈ 0, decoded alike) last.
 * @see Higgins et al. 2017, "β-VAE" (ICLR), figs. 1–2 (latent traversals); Burda et al. 2016, §5.2 (inactive units)
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../errors.js';
import { decodeMeanUnder } from '../models/generate.js';
import type { LatentVariableModel } from '../models/latent-model.js';
import { check, expectThat, intAtLeast, intBetween, listOf, positiveNumber } from '../validate.js';

/** Options of {@link traversalLatents} and {@link traverse}. */
export interface TraverseOptions {
  /** The dimensions to vary, one row each, in row order; distinct integers in [0, Z − 1]. Default 0 … Z − 1. */
  dims?: readonly number[];
  /** Half-width of the offsets v ∈ [−range, range], in prior standard deviations (z units). Default 3. */
  range?: number;
  /** S, offsets per row, an integer ≥ 2; odd S puts the centre itself in the middle column. Default 9. */
  numSteps?: number;
}

export const TRAVERSE_DEFAULTS = Object.freeze({ range: 3, numSteps: 9 });

/** Validates options and fills defaults for latent size `latentDim`. @throws ConfigError naming the bad field and value */
export function resolveTraverseOptions(latentDim: number, options: TraverseOptions = {}): { dims: number[]; range: number; numSteps: number } {
  const dims = check('dims', options.dims ?? Array.from({ length: latentDim }, (_, u) => u), listOf(intBetween(0, latentDim - 1)));
  expectThat(new Set(dims).size === dims.length, 'dims', 'distinct dimensions', dims);
  return {
    dims: [...dims],
    range: check('range', options.range ?? TRAVERSE_DEFAULTS.range, positiveNumber),
    numSteps: check('numSteps', options.numSteps ?? TRAVERSE_DEFAULTS.numSteps, intAtLeast(2)),
  };
}

/** The offsets v_s = −range + 2·range·s/(S − 1), s = 0 … S − 1 (float64). */
export function traversalOffsets(range: number, numSteps: number): number[] {
  return Array.from({ length: numSteps }, (_, s) => -range + (2 * range * s) / (numSteps - 1));
}

/**
 * The latents of a traversal, row-major: rows of S codes, row r varying dimension dims[r].
 *   z_{r,s} = centre + v_s e_{dims[r]}
 * @param centre - [Z] or [1, Z]: μ(x) of an example, or zeros for the prior's centre
 * @returns latents [R·S, Z], code (r, s) at row r·S + s; caller disposes
 * @throws ShapeError when centre is not one code; ConfigError for bad options
 */
export function traversalLatents(centre: tf.Tensor, options: TraverseOptions = {}): tf.Tensor2D {
  if (centre.rank < 1 || centre.rank > 2 || centre.size !== centre.shape[centre.rank - 1]) {
    throw new ShapeError(`traversalLatents: expected one code [Z] or [1, Z] as the centre, got [${centre.shape.join(', ')}]`);
  }
  const z = centre.size;
  const { dims, range, numSteps } = resolveTraverseOptions(z, options);
  const v = traversalOffsets(range, numSteps);
  const offsets = new Float32Array(dims.length * numSteps * z); // [R·S, Z]
  dims.forEach((u, r) => v.forEach((vs, s) => (offsets[(r * numSteps + s) * z + u] = vs)));
  return tf.tidy(() => tf.add(centre.reshape([1, z]), tf.tensor2d(offsets, [dims.length * numSteps, z]))); // [R·S, Z]
}

/**
 * A traversal decoded: the decoder means E[x | z_{r,s}] for every code of {@link traversalLatents}.
 * @param model - the decoder (a conditional one decodes every code under `c`)
 * @param centre - [Z] or [1, Z], Z = model.latentDim
 * @param c - a conditional model's condition [1, C], e.g. the centre example's own
 * @returns z: latents [R·S, Z]; mean: decoder means [R·S, D], row r·S + s; caller disposes both
 * @throws ShapeError when centre is not one code of size model.latentDim; ConfigError for bad options
 * @see Higgins et al. 2017, figs. 1–2
 */
export function traverse(model: LatentVariableModel, centre: tf.Tensor, options: TraverseOptions = {}, c?: tf.Tensor2D): { z: tf.Tensor2D; mean: tf.Tensor2D } {
  if (centre.size !== model.latentDim) {
    throw new ShapeError(`traverse: expected a centre of latentDim = ${model.latentDim} values, got [${centre.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const z = traversalLatents(centre, options); // [R·S, Z]
    return { z, mean: decodeMeanUnder(model, z, c) }; // [R·S, Z], [R·S, D]
  });
}
