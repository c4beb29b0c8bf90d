/**
 * Samples of a linear run written to a file: a PNG grid for image data (values clipped to [0, 1]),
 * otherwise CSV with one example per row.
 */
import type { LinearModel } from '../models/linear/index.js';
import { imageGrid, type ImageShape } from '../render/grid.js';
import { writeFileAtomic } from './atomic.js';
import { writePngFile } from './png.js';

/**
 * Draws `n` examples with `seed` and writes them to `pngPath` (images: exampleShape [H, W, 1|3]) or
 * to the same path with .csv instead of .png.
 * @returns the file written
 */
export async function writeLinearSamples(model: LinearModel, exampleShape: number[] | undefined, n: number, seed: number, pngPath: string): Promise<string> {
  const x = model.sample(n, seed); // [n, D]
  if (exampleShape && exampleShape.length === 3 && (exampleShape[2] === 1 || exampleShape[2] === 3)) {
    await writePngFile(pngPath, imageGrid(x, n, exampleShape as ImageShape, { cols: Math.ceil(Math.sqrt(n)) }));
    return pngPath;
  }
  const csvPath = pngPath.replace(/\.png$/, '') + '.csv';
  const d = model.dataDim;
  const rows = Array.from({ length: n }, (_, i) => Array.from(x.subarray(i * d, (i + 1) * d)).join(','));
  await writeFileAtomic(csvPath, rows.join('\n') + '\n');
  return csvPath;
}
