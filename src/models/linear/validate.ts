/**
 * Checks shared by the linear models: option fields (ConfigError naming the field and value) and
 * datasets (ShapeError for sizes, DataError for non-finite values).
 */
import { ConfigError, DataError, ShapeError } from '../../errors.js';
import type { Dataset } from '../../data/dataset.js';

/** An integer >= min, else ConfigError `name: expected an integer >= min, got v`. */
export function intAtLeast(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ConfigError(`${name}: expected an integer >= ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** A finite number > 0, else ConfigError. */
export function positiveNumber(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new ConfigError(`${name}: expected a positive finite number, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Any integer (a seed), else ConfigError. */
export function integer(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new ConfigError(`${name}: expected an integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** One of `choices`, else ConfigError listing them. */
export function oneOf<T extends string>(name: string, v: unknown, choices: readonly T[]): T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new ConfigError(`${name}: expected one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

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
    throw new ShapeError(
      `${where}(${ds.source}): expected x.length = ${ds.numExamples} · ${ds.dataDim}, got ${ds.x.length}`,
    );
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
  intAtLeast(`${where}: numSamples`, numSamples, 0);
  integer(`${where}: seed`, seed);
}
