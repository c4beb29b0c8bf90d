/**
 * The pictures of a run: test images beside their reconstructions, and samples from the prior.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherBatch } from '../../data/batch.js';
import type { Dataset } from '../../data/dataset.js';
import { reconstruct, sampleFromPrior } from '../../models/generate.js';
import type { LatentVariableModel } from '../../models/latent-model.js';
import { imageGrid, sideBySide, type ImageShape } from '../../render/grid.js';
import { writePngFile } from '../formats/png.js';
import { ShapeError } from '../../errors.js';

function imageShape(shape: number[]): ImageShape {
  if (shape.length !== 3 || (shape[2] !== 1 && shape[2] !== 3)) {
    throw new ShapeError(`pictures: expected image examples [H, W, 1|3], got [${shape.join(', ')}]`);
  }
  return shape as ImageShape;
}

/**
 * Writes `numImages` examples beside their reconstructions (8 pairs a row), values clipped to [0, 1]:
 * the picture of any model that reconstructs (a VAE, PCA, PPCA, factor analysis).
 * @param originals - examples [≥ numImages, D], row-major, D = Π exampleShape
 * @param reconstructions - x̂ [≥ numImages, D], the same order and units
 * @param exampleShape - [H, W, 1|3]
 * @throws ShapeError when the examples are not images
 */
export async function writeReconstructionPicture(
  originals: ArrayLike<number>,
  reconstructions: ArrayLike<number>,
  numImages: number,
  exampleShape: readonly number[],
  path: string,
): Promise<void> {
  const shape = imageShape([...exampleShape]);
  const size = numImages * shape[0] * shape[1] * shape[2];
  const x = Float32Array.from({ length: size }, (_, i) => originals[i]); // [numImages, D]
  const r = Float32Array.from({ length: size }, (_, i) => reconstructions[i]); // [numImages, D]
  await writePngFile(path, sideBySide(x, r, numImages, shape, { pairsPerRow: 8 }));
}

/**
 * Writes the first `n` examples of `ds` beside their reconstructions E[x | z = mean(x)] (8 pairs a row);
 * a conditional model encodes and decodes each example under its own condition (its label or conditions).
 * @throws ShapeError when the examples are not images
 */
export async function renderReconstructions(model: LatentVariableModel, ds: Dataset, path: string, n = 32): Promise<void> {
  const m = Math.min(n, ds.numExamples);
  const x = ds.x.slice(0, m * ds.dataDim); // [m, D]
  const c = gatherBatch(ds, null, 0, m, { conditionDim: model.conditionDim }).c; // [m, C] for a conditional model: the examples' own
  const recon = tf.tidy(() => reconstruct(model, tf.tensor2d(x, [m, ds.dataDim]), c && tf.tensor2d(c, [m, model.conditionDim])));
  const r = (await recon.data()) as Float32Array;
  recon.dispose();
  await writeReconstructionPicture(x, r, m, model.inputShape, path);
}

/**
 * Writes `n` decoder means E[x|z] for z ~ N(0, I) as a grid.
 * @throws ShapeError when the model's examples are not images
 */
export async function renderSamples(model: LatentVariableModel, n: number, path: string, seed = 0, temperature = 1): Promise<void> {
  const shape = imageShape([...model.inputShape]);
  const s = sampleFromPrior(model, n, { seed, temperature });
  const v = (await s.data()) as Float32Array;
  s.dispose();
  await writePngFile(path, imageGrid(v, n, shape, { cols: Math.ceil(Math.sqrt(n)) }));
}
