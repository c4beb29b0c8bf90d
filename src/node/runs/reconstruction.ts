/**
 * What every kind of run's reconstruction shares: the test split it reconstructs, the squared error,
 * and the file of examples beside their reconstructions (a PNG for images, CSV in raw units for a table).
 */
import { join } from 'node:path';
import { isImageShape, type Dataset } from '../../data/dataset.js';
import { Standardizer, type StandardizerJSON } from '../../data/standardize.js';
import type { TableColumn } from '../../data/table.js';
import { DataError } from '../../errors.js';
import type { RunConfig } from './config.js';
import { writeReconstructionPicture } from './pictures.js';
import { loadRunSplit } from './run-data.js';
import { writeReconstructionsCsv } from './table-csv.js';

/** (1/N) Σ_n ‖x_n − x̂_n‖², x and x̂ [N, D] row-major. */
export function meanSquaredError(x: ArrayLike<number>, rec: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let i = 0; i < rec.length; i++) s += (x[i] - rec[i]) ** 2;
  return s / n;
}

/** The run's test split, refused when empty (nothing to reconstruct). @throws DataError */
export function testSplit(cfg: RunConfig, source: string | undefined): { name: string; ds: Dataset } {
  const split = loadRunSplit(cfg, 'test', source);
  if (split.ds.numExamples === 0) throw new DataError(`reconstruct: expected test examples in ${split.name}, got none`);
  return split;
}

/**
 * Writes the first `m` pairs as a PNG (images) or CSV in raw units (tables; a categorical column as
 * its category, given the table's `layout`); returns the path and format.
 */
export async function writePairs(
  ds: Dataset,
  rec: ArrayLike<number>,
  m: number,
  exampleShape: readonly number[],
  standardization: StandardizerJSON | null | undefined,
  run: string,
  out: string | undefined,
  layout?: readonly TableColumn[] | null,
  scale = 1,
): Promise<{ file: string; format: 'png' | 'csv' }> {
  if (isImageShape(exampleShape)) {
    const file = out ?? join(run, 'reconstructions-test.png');
    await writeReconstructionPicture(ds.x, rec, m, exampleShape, file);
    return { file, format: 'png' };
  }
  const file = out ?? join(run, 'reconstructions-test.csv');
  await writeReconstructionsCsv(ds.x, rec, m, ds.dataDim, file, standardization ? Standardizer.fromJSON(standardization) : null, layout, scale);
  return { file, format: 'csv' };
}
