/**
 * Checks shared by the linear models: datasets (ShapeError for sizes, DataError for non-finite
 * values) and sample requests. Option fields are checked with src/validate.ts.
 */
import type { Dataset } from '../../data/dataset.js';
import { DataError, ShapeError } from '../../errors.js';
import { check, integer, intAtLeast } from '../../validate.js';

/**
 * Checks a dataset fed to a fitted model or a fit.
 * @param where - the caller's name for messages, e.g. 'FactorAnalysis.logLikelihood'
 * @param dataDim - the model's D, or undefined when fitting
 * @param minExamples - the fewest examples accepted
 * @throws ShapeError when ds.dataDim ≠ dataDim or x.length ≠ N·D
 * @throws DataError when there are fewer than minExamples examples or a value is NaN or ±Inf
 */
export function checkDataset(ds: Dataset, where: string, dataDim: number | undefined, minExamples = 0): void {
  if (dataDim !== undefined && ds.dataDim !== dataDim) {
    throw new ShapeError(`${where}(${ds.source}): expected examples of size dataDim = ${dataDim}, got ${ds.dataDim}`);
  }
  if (ds.x.length !== ds.numExamples * ds.dataDim) {
    throw new ShapeError(`${where}(${ds.source}): expected x.length = ${ds.numExamples} · ${ds.dataDim}, got ${ds.x.length}`);
  }
  if (ds.numExamples < minExamples) {
    throw new DataError(`${where}(${ds.source}): expected at least ${minExamples} examples, got ${ds.numExamples}`);
  }
  const x = ds.x;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      const n = Math.floor(i / ds.dataDim);
      throw new DataError(`${where}(${ds.source}): expected finite values, got ${x[i]} at example ${n}, index ${i - n * ds.dataDim}`);
    }
  }
}

/** Checks a sample request. @throws ConfigError for a bad count or seed */
export function checkSampleArgs(where: string, numSamples: number, seed: number): void {
  check(`${where}: numSamples`, numSamples, intAtLeast(0));
  check(`${where}: seed`, seed, integer);
}
