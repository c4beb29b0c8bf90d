/**
 * The one batch gatherer: the trainer, the evaluators and the worker threads all cut their batches
 * from a dataset here, as observations x and, for a conditional model, conditions c: the dataset's
 * numeric conditions, or its integer labels one-hot.
 */
import { DataError, ShapeError } from '../errors.js';
import { gatherMatrixRows, type Dataset } from './dataset.js';

/** A batch on the host: row-major x [B, D] and, for a conditional model, c [B, C]. */
export interface HostBatch {
  /** B, the rows of this batch. */
  numRows: number;
  /** [B, D], row-major (only the first B·D values are read). */
  x: Float32Array;
  /** [B, C], for a conditional model. */
  c?: Float32Array;
}

/** Options of {@link gatherBatch}. */
export interface GatherOptions {
  /** C, the model's condition size: 0 (default) gathers no c. */
  conditionDim?: number;
  /** Buffers to gather into (x [B_max, D], c [B_max, C]); a full batch then allocates nothing. */
  buffers?: { x: Float32Array; c?: Float32Array };
}

/**
 * Rows [start, end) of `order` (an epoch's permutation), or of the dataset itself when `order` is
 * null (contiguous rows, no copy), as a batch.
 *   x[i] = ds.x[order[start + i]]
 *   c[i] = ds.conditions[order[start + i]], or one-hot(ds.labels[order[start + i]]) of size C
 * @param order - example indices, or null for the identity
 * @returns the batch [end − start rows]; x and c view `opts.buffers` when given and full
 * @throws ShapeError for a bad range or index, or conditions of another size than C
 * @throws DataError when the model is conditional and the dataset has neither conditions nor labels,
 *   or a label falls outside [0, C)
 */
export function gatherBatch(ds: Dataset, order: ArrayLike<number> | null, start: number, end: number, opts: GatherOptions = {}): HostBatch {
  const numRows = end - start;
  const conditionDim = opts.conditionDim ?? 0;
  const where = `gatherBatch(${ds.source})`;
  const fits = (buf: Float32Array | undefined, width: number) => (buf && buf.length === numRows * width ? buf : undefined);
  let x: Float32Array;
  if (order === null) {
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= ds.numExamples)) {
      throw new ShapeError(`${where}: expected 0 <= start <= end <= ${ds.numExamples}, got ${start}, ${end}`);
    }
    x = ds.x.subarray(start * ds.dataDim, end * ds.dataDim); // [B, D]
  } else {
    x = gatherMatrixRows(ds.x, ds.dataDim, ds.numExamples, order, start, end, where, fits(opts.buffers?.x, ds.dataDim)); // [B, D]
  }
  if (conditionDim === 0) return { numRows, x };
  return { numRows, x, c: gatherConditions(ds, order, start, end, conditionDim, fits(opts.buffers?.c, conditionDim)) };
}

/** c [B, C] of rows [start, end) of `order`: the dataset's conditions, or its labels one-hot. */
function gatherConditions(ds: Dataset, order: ArrayLike<number> | null, start: number, end: number, conditionDim: number, out?: Float32Array): Float32Array {
  const where = `gatherBatch(${ds.source})`;
  const index = (p: number) => (order === null ? p : order[p]);
  if (ds.conditions) {
    if (ds.conditionDim !== conditionDim) {
      throw new ShapeError(`${where}: expected conditions of size ${conditionDim} (the model's conditionDim), got ${ds.conditionDim}`);
    }
    if (order === null) return ds.conditions.subarray(start * conditionDim, end * conditionDim); // [B, C]
    return gatherMatrixRows(ds.conditions, conditionDim, ds.numExamples, order, start, end, where, out); // [B, C]
  }
  if (!ds.labels) {
    throw new DataError(`${where}: a conditional model (conditionDim ${conditionDim}) needs conditions or class labels, and this data has neither`);
  }
  const c = out ?? new Float32Array((end - start) * conditionDim); // [B, C]
  c.fill(0);
  for (let p = start; p < end; p++) {
    const label = ds.labels[index(p)];
    if (!(label >= 0 && label < conditionDim)) {
      throw new DataError(
        `${where}: expected class labels in [0, ${conditionDim}) for a one-hot condition of size ${conditionDim}, got ${label} at example ${index(p)}`,
      );
    }
    c[(p - start) * conditionDim + label] = 1;
  }
  return c;
}
