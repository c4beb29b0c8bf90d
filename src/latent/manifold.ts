/**
 * The learned manifold of a two-dimensional latent space: the decoder means on a square grid of codes.
 *   z_{i,j} = (u_j, u_{n−1−i}),  u_k = −range + 2·range·k/(n − 1),  x̂_{i,j} = E[x | z_{i,j}]
 * Row i of the grid is z₂ from +range (top) down to −range, column j is z₁ from −range to +range, so a
 * picture of it reads like a plot with z₂ upwards. Kingma & Welling space the grid through the inverse
 * Gaussian CDF instead (equal prior mass per cell); an even grid shows the edges of the prior too.
 * @see Kingma & Welling 2014, fig. 4 (learned MNIST manifolds with a 2-D latent space)
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../errors.js';
import { decodeMeanUnder } from '../models/generate.js';
import type { LatentVariableModel } from '../models/latent-model.js';
import { check, intAtLeast, positiveNumber } from '../validate.js';
import { traversalOffsets } from './traverse.js';

/** Options of {@link latentGrid}. */
export interface LatentGridOptions {
  /** n, codes per side, an integer ≥ 2. Default 20. */
  numPerSide?: number;
  /** Half-width of the square [−range, range]², in prior standard deviations. Default 2. */
  range?: number;
}

export const LATENT_GRID_DEFAULTS = Object.freeze({ numPerSide: 20, range: 2 });

/**
 * The codes of the grid, row-major, and their decoder means.
 * @param model - a model with latentDim 2
 * @param c - a conditional model's condition [1, C], the same for every code
 * @returns z: latents [n², 2], code (i, j) at row i·n + j; mean: decoder means [n², D]; caller disposes both
 * @throws ShapeError when model.latentDim ≠ 2; ConfigError for bad options
 * @see Kingma & Welling 2014, fig. 4
 */
export function latentGrid(model: LatentVariableModel, options: LatentGridOptions = {}, c?: tf.Tensor2D): { z: tf.Tensor2D; mean: tf.Tensor2D } {
  if (model.latentDim !== 2) throw new ShapeError(`latentGrid: expected a model with latentDim = 2, got ${model.latentDim}`);
  const n = check('numPerSide', options.numPerSide ?? LATENT_GRID_DEFAULTS.numPerSide, intAtLeast(2));
  const range = check('range', options.range ?? LATENT_GRID_DEFAULTS.range, positiveNumber);
  const u = traversalOffsets(range, n);
  const codes = new Float32Array(n * n * 2); // [n², 2]
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      codes[(i * n + j) * 2] = u[j];
      codes[(i * n + j) * 2 + 1] = u[n - 1 - i];
    }
  }
  return tf.tidy(() => {
    const z = tf.tensor2d(codes, [n * n, 2]); // [n², 2]
    return { z, mean: decodeMeanUnder(model, z, c) }; // [n², 2], [n², D]
  });
}
