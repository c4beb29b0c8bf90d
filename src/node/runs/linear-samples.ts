/**
 * Samples of a linear run written to a file: a PNG grid for image data (values clipped to [0, 1]),
 * otherwise CSV with one example per row, in raw units under a header of column names.
 */
import { isImageShape } from '../../data/dataset.js';
import type { Standardizer } from '../../data/standardize.js';
import type { LinearModel } from '../../models/linear/index.js';
import { imageGrid, type ImageShape } from '../../render/grid.js';
import { writeFileAtomic } from '../formats/atomic.js';
import { writePngFile } from '../formats/png.js';
import { tableCsv } from './table-csv.js';

/**
 * Draws `n` examples with `seed` and writes them to `pngPath` (images: exampleShape [H, W, 1|3]) or
 * to the same path with .csv instead of .png (tables: the standardisation inverted, so raw units).
 * @param standardizer - the run's table transform (null: write the model's units as they are)
 * @returns the file written
 */
export async function writeLinearSamples(
  model: LinearModel,
  exampleShape: number[] | undefined,
  n: number,
  seed: number,
  pngPath: string,
  standardizer: Standardizer | null = null,
  scale = 1,
): Promise<string> {
  const x = model.sample(n, seed); // [n, D]
  if (exampleShape && isImageShape(exampleShape)) {
    await writePngFile(pngPath, imageGrid(x, n, exampleShape as ImageShape, { cols: Math.ceil(Math.sqrt(n)) }));
    return pngPath;
  }
  const csvPath = pngPath.replace(/\.png$/, '') + '.csv';
  await writeFileAtomic(csvPath, tableCsv(x, model.dataDim, standardizer, [], undefined, null, scale));
  return csvPath;
}
