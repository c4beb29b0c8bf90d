/**
 * In-memory datasets: a row-major float32 matrix of examples [N, D] with optional integer labels,
 * plus the few operations training needs (subsets, a seeded validation split, batch gathering).
 * Browser-safe: no `node:*` imports and no tfjs.
 */
import { ConfigError, DataError, ShapeError } from '../errors.js';
import { deriveRng } from '../math/rng.js';
import { intAtLeast } from '../validate.js';

/** A set of examples held in memory. */
export interface Dataset {
  /** Examples, row-major [numExamples, dataDim], float32. */
  x: Float32Array;
  numExamples: number;
  dataDim: number;
  /** Shape of one example, e.g. [28, 28, 1] for MNIST (channels-last), [D] for tables. */
  exampleShape: number[];
  /** Optional integer class labels [numExamples]. */
  labels?: Int32Array;
  /**
   * Optional numeric conditions [numExamples, conditionDim], row-major, for a conditional model
   * (src/data/batch.ts feeds them, or the labels one-hot, as c).
   */
  conditions?: Float32Array;
  /** C, the size of one condition; present exactly when `conditions` is. */
  conditionDim?: number;
  /** Tables only: the name of each of the D features (a CSV header), [dataDim]. */
  columns?: string[];
  /**
   * Windows of a time series only (src/data/windows.ts): the time index of each example's last step,
   * a row of the series [numExamples]; present exactly when `timeLabels` is.
   */
  timeIndex?: Int32Array;
  /** Windows of a time series only: the time of each example's last step as text, e.g. '1988-12-31' [numExamples]. */
  timeLabels?: string[];
  /** Where the data came from, used in error messages, e.g. 'train-images-idx3-ubyte'. */
  source: string;
}

/** What {@link makeDataset} needs: a Dataset whose `exampleShape` may be left out (then [dataDim]). */
export type DatasetInit = Omit<Dataset, 'exampleShape'> & { exampleShape?: number[] };

const isCount = (n: number, min: number): boolean => intAtLeast(min).test(n);

/**
 * True when examples of this shape are images: [H, W, C] with C 1 (gray) or 3 (RGB), channels-last.
 * Tables are [D]; image-only outputs (PNG grids) and preprocessing (÷255, binarisation) key on this.
 */
export function isImageShape(shape: readonly number[]): boolean {
  return shape.length === 3 && (shape[2] === 1 || shape[2] === 3);
}

/**
 * Builds a Dataset after checking that its parts agree.
 *   x.length = numExamples · dataDim,  Π exampleShape = dataDim,  labels.length = numExamples
 * @param init - x [numExamples, dataDim] float32 (kept, not copied); exampleShape defaults to [dataDim]
 * @returns the dataset; it shares `x` and `labels` with `init`
 * @throws DataError when x is not a Float32Array or labels not an Int32Array
 * @throws ShapeError when sizes disagree or a size is not a non-negative integer
 */
export function makeDataset(init: DatasetInit): Dataset {
  const { x, numExamples, dataDim, labels, columns, conditions, conditionDim, timeIndex, timeLabels, source } = init;
  const exampleShape = init.exampleShape ? [...init.exampleShape] : [dataDim];
  const where = `makeDataset(${source})`;
  if (!(x instanceof Float32Array)) {
    throw new DataError(`${where}: expected x to be a Float32Array, got ${Object.prototype.toString.call(x)}`);
  }
  if (labels !== undefined && !(labels instanceof Int32Array)) {
    throw new DataError(`${where}: expected labels to be an Int32Array, got ${Object.prototype.toString.call(labels)}`);
  }
  if (!isCount(numExamples, 0)) {
    throw new ShapeError(`${where}: expected numExamples to be an integer >= 0, got ${numExamples}`);
  }
  if (!isCount(dataDim, 1)) throw new ShapeError(`${where}: expected dataDim to be an integer >= 1, got ${dataDim}`);
  if (!exampleShape.every((s) => isCount(s, 1)) || product(exampleShape) !== dataDim) {
    throw new ShapeError(`${where}: expected exampleShape with product dataDim = ${dataDim}, got [${exampleShape}]`);
  }
  if (x.length !== numExamples * dataDim) {
    throw new ShapeError(`${where}: expected x.length = numExamples · dataDim = ${numExamples} · ${dataDim} = ` + `${numExamples * dataDim}, got ${x.length}`);
  }
  if (labels && labels.length !== numExamples) {
    throw new ShapeError(`${where}: expected ${numExamples} labels, got ${labels.length}`);
  }
  if ((conditions === undefined) !== (conditionDim === undefined)) {
    throw new ShapeError(`${where}: expected conditions and conditionDim together, got ${conditions ? 'conditions only' : 'conditionDim only'}`);
  }
  if (conditions !== undefined) {
    if (!(conditions instanceof Float32Array))
      throw new DataError(`${where}: expected conditions to be a Float32Array, got ${Object.prototype.toString.call(conditions)}`);
    if (!isCount(conditionDim!, 1)) throw new ShapeError(`${where}: expected conditionDim to be an integer >= 1, got ${conditionDim}`);
    if (conditions.length !== numExamples * conditionDim!) {
      throw new ShapeError(`${where}: expected conditions.length = numExamples · conditionDim = ${numExamples * conditionDim!}, got ${conditions.length}`);
    }
  }
  if (columns !== undefined && (!Array.isArray(columns) || columns.length !== dataDim || exampleShape.length !== 1)) {
    throw new ShapeError(
      `${where}: expected one column name per feature of a table [${dataDim}], got ${JSON.stringify(columns)} for exampleShape [${exampleShape}]`,
    );
  }
  if ((timeIndex === undefined) !== (timeLabels === undefined) || (timeIndex && (timeIndex.length !== numExamples || timeLabels!.length !== numExamples))) {
    throw new ShapeError(
      `${where}: expected timeIndex and timeLabels together, one per example (${numExamples}), got ${timeIndex?.length} and ${timeLabels?.length}`,
    );
  }
  return {
    x,
    numExamples,
    dataDim,
    exampleShape,
    ...(labels ? { labels } : {}),
    ...(timeIndex ? { timeIndex, timeLabels } : {}),
    ...(conditions ? { conditions, conditionDim } : {}),
    ...(columns ? { columns: [...columns] } : {}),
    source,
  };
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Copies rows indices[start..end) of a row-major matrix [N, width] into `out`, one
 * `Float32Array.prototype.set` per row; allocation-free when `out` is given.
 * @throws ShapeError for a bad range, an index out of range, or `out` of the wrong length
 */
export function gatherMatrixRows(
  values: Float32Array,
  width: number,
  numRows: number,
  indices: ArrayLike<number>,
  start: number,
  end: number,
  where: string,
  out?: Float32Array,
): Float32Array {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= indices.length)) {
    throw new ShapeError(`${where}: expected 0 <= start <= end <= ${indices.length}, got ${start}, ${end}`);
  }
  const size = (end - start) * width;
  const dst = out ?? new Float32Array(size); // [end − start, width]
  if (dst.length !== size) {
    throw new ShapeError(`${where}: expected out.length = ${end - start} · ${width} = ${size}, got ${dst.length}`);
  }
  for (let p = start; p < end; p++) {
    const i = indices[p];
    if (!(Number.isInteger(i) && i >= 0 && i < numRows)) {
      throw new ShapeError(`${where}: expected example indices in [0, ${numRows}), got ${i} at position ${p}`);
    }
    dst.set(values.subarray(i * width, i * width + width), (p - start) * width);
  }
  return dst;
}

/**
 * Copies rows indices[start..end) of ds.x into `out`, one `Float32Array.prototype.set` per row.
 * Allocation-free when `out` is given: this runs once per training batch.
 * @param indices - example indices, integers in [0, numExamples), e.g. an epoch's permutation
 * @param start - first position in `indices` (inclusive)
 * @param end - last position in `indices` (exclusive); start <= end <= indices.length
 * @param out - destination [end − start, dataDim], float32; allocated when absent
 * @returns `out`, holding the rows [end − start, dataDim]
 * @throws ShapeError for a bad range, an index out of range, or `out` of the wrong length
 */
export function gatherRows(ds: Dataset, indices: ArrayLike<number>, start: number, end: number, out?: Float32Array): Float32Array {
  return gatherMatrixRows(ds.x, ds.dataDim, ds.numExamples, indices, start, end, `gatherRows(${ds.source})`, out);
}

/**
 * A new dataset holding the given examples, in the given order (rows and labels are copied).
 * @param indices - example indices [M], integers in [0, numExamples); repeats allowed
 * @param source - the subset's source for error messages (default ds.source)
 * @returns a dataset of M examples
 * @throws ShapeError when an index is out of range
 */
export function subset(ds: Dataset, indices: ArrayLike<number>, source = ds.source): Dataset {
  const x = gatherRows(ds, indices, 0, indices.length); // [M, D]
  let labels: Int32Array | undefined;
  if (ds.labels) {
    labels = new Int32Array(indices.length); // [M]
    for (let p = 0; p < indices.length; p++) labels[p] = ds.labels[indices[p]];
  }
  const conditions = ds.conditions && gatherMatrixRows(ds.conditions, ds.conditionDim!, ds.numExamples, indices, 0, indices.length, `subset(${ds.source})`); // [M, C]
  const timeIndex = ds.timeIndex && Int32Array.from(indices, (i) => ds.timeIndex![i]); // [M]
  const timeLabels = ds.timeLabels && Array.from(indices, (i) => ds.timeLabels![i]); // [M]
  return makeDataset({ ...ds, x, numExamples: indices.length, labels, conditions, timeIndex, timeLabels, source });
}

/**
 * The first min(n, numExamples) examples, copied; for tiny runs and tests.
 * @param n - how many examples to keep, an integer >= 0
 * @throws ConfigError when n is not an integer >= 0
 */
export function takeFirst(ds: Dataset, n: number): Dataset {
  if (!isCount(n, 0)) throw new ConfigError(`takeFirst(${ds.source}): expected n to be an integer >= 0, got ${n}`);
  const m = Math.min(n, ds.numExamples);
  return makeDataset({
    ...ds,
    x: ds.x.slice(0, m * ds.dataDim), // [m, D]
    numExamples: m,
    labels: ds.labels?.slice(0, m),
    conditions: ds.conditions?.slice(0, m * ds.conditionDim!), // [m, C]
    timeIndex: ds.timeIndex?.slice(0, m), // [m]
    timeLabels: ds.timeLabels?.slice(0, m), // [m]
  });
}

/**
 * Draws `numHeld` of ds's examples without replacement from the stream `deriveRng(seed, purpose)`:
 * the held-out part and the rest, each in the original order of its examples.
 */
function holdOut(ds: Dataset, numHeld: number, seed: number, purpose: string): { rest: Int32Array; held: Int32Array } {
  return heldOutIndices(ds.numExamples, numHeld, seed, purpose);
}

function heldOutIndices(n: number, numHeld: number, seed: number, purpose: string): { rest: Int32Array; held: Int32Array } {
  const perm = deriveRng(seed, purpose).permutation(n); // [N]
  return { held: perm.subarray(0, numHeld).sort(), rest: perm.subarray(numHeld).sort() }; // [numHeld], [N − numHeld]
}

/**
 * The example indices {@link splitTrainTest} puts in each part, without the data: what a reader needs
 * to fit something on the training rows before the dataset exists (a table's categories).
 * @returns `train` [n − numTest] and `test` [numTest], each ascending
 */
export function trainTestIndices(n: number, numTest: number, seed: number): { train: Int32Array; test: Int32Array } {
  const { rest, held } = heldOutIndices(n, numTest, seed, 'test-split');
  return { train: rest, test: held };
}

/**
 * Splits off `numVal` randomly chosen examples for validation. The choice is a permutation drawn
 * from `deriveRng(seed, 'validation-split')`, so equal seeds give equal splits; each part keeps
 * the original order of its examples.
 * @param numVal - number of validation examples, an integer in [0, numExamples); 0 gives an empty `val`
 * @param seed - the run's seed
 * @returns disjoint `train` [numExamples − numVal, D] and `val` [numVal, D] that together cover `ds`
 * @throws ConfigError when numVal is not an integer in [0, numExamples)
 */
export function splitValidation(ds: Dataset, numVal: number, seed: number): { train: Dataset; val: Dataset } {
  if (!(Number.isInteger(numVal) && numVal >= 0 && numVal < ds.numExamples)) {
    throw new ConfigError(
      `splitValidation(${ds.source}): expected val (number of validation examples) to be an integer in ` + `[0, ${ds.numExamples}), got ${numVal}`,
    );
  }
  const { rest, held } = holdOut(ds, numVal, seed, 'validation-split');
  return {
    train: subset(ds, rest, `${ds.source} (training split)`),
    val: subset(ds, held, `${ds.source} (validation split)`),
  };
}

/**
 * Splits a dataset that comes without a test set (a table) into train and test: `numTest` examples
 * drawn by the permutation `deriveRng(seed, 'test-split')`, each part in the original order. The
 * same (dataset, numTest, seed) always gives the same split, so figures on the test part compare
 * between runs and models.
 * @param numTest - number of test examples, an integer in [1, numExamples)
 * @param seed - the split's seed (data sources fix it in code, independent of a run's seed)
 * @returns disjoint `train` [numExamples − numTest, D] and `test` [numTest, D] covering `ds`
 * @throws ConfigError when numTest is not an integer in [1, numExamples)
 */
export function splitTrainTest(ds: Dataset, numTest: number, seed: number): { train: Dataset; test: Dataset } {
  if (!(Number.isInteger(numTest) && numTest >= 1 && numTest < ds.numExamples)) {
    throw new ConfigError(`splitTrainTest(${ds.source}): expected numTest to be an integer in [1, ${ds.numExamples}), got ${numTest}`);
  }
  const { rest, held } = holdOut(ds, numTest, seed, 'test-split');
  return { train: subset(ds, rest, `${ds.source} (training split)`), test: subset(ds, held, `${ds.source} (test split)`) };
}

/**
 * The examples of `a` followed by those of `b` (copied), e.g. a source's train and test splits as one.
 * @returns [Na + Nb, D]; labels only when both have them
 * @throws ShapeError when the example shapes or column names differ
 */
export function concatDatasets(a: Dataset, b: Dataset, source = a.source): Dataset {
  if (a.exampleShape.join(',') !== b.exampleShape.join(',') || (a.columns ?? []).join('\u0000') !== (b.columns ?? []).join('\u0000')) {
    throw new ShapeError(
      `concatDatasets(${a.source}, ${b.source}): expected equal example shapes and columns, got [${a.exampleShape}] and [${b.exampleShape}]`,
    );
  }
  if (a.conditionDim !== b.conditionDim) {
    throw new ShapeError(
      `concatDatasets(${a.source}, ${b.source}): expected conditions of one size, got ${a.conditionDim ?? 'none'} and ${b.conditionDim ?? 'none'}`,
    );
  }
  const x = new Float32Array(a.x.length + b.x.length); // [Na + Nb, D]
  x.set(a.x);
  x.set(b.x, a.x.length);
  let labels: Int32Array | undefined;
  if (a.labels && b.labels) {
    labels = new Int32Array(a.numExamples + b.numExamples); // [Na + Nb]
    labels.set(a.labels);
    labels.set(b.labels, a.numExamples);
  }
  let conditions: Float32Array | undefined;
  if (a.conditions && b.conditions) {
    conditions = new Float32Array(a.conditions.length + b.conditions.length); // [Na + Nb, C]
    conditions.set(a.conditions);
    conditions.set(b.conditions, a.conditions.length);
  }
  const hasTimes = a.timeIndex && b.timeIndex;
  const timeIndex = hasTimes ? Int32Array.from([...a.timeIndex!, ...b.timeIndex!]) : undefined; // [Na + Nb]
  const timeLabels = hasTimes ? [...a.timeLabels!, ...b.timeLabels!] : undefined; // [Na + Nb]
  return makeDataset({ ...a, x, numExamples: a.numExamples + b.numExamples, labels, conditions, timeIndex, timeLabels, source });
}
