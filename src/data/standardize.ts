/**
 * Per-column standardisation (z-scores) of a table, the transform every tabular data source applies:
 *   z_j = (x_j − mean_j) / std_j,   x_j = mean_j + std_j · z_j
 * with mean_j and std_j (population, divisor N) fitted on a training split only; a constant column
 * gets std_j = 1. Densities change by the Jacobian of the map, so a log-likelihood in standardised
 * units converts to raw units as
 *   log p_raw(x) = log p_z(z) + logJacobian,   logJacobian = −Σ_j log std_j   (nats per example)
 * A table run divides its raw values by `data.scale` before this transform: {@link rawUnits} and
 * {@link modelUnits} convert between raw units and the model's, scale included.
 * Browser-safe: no `node:*` imports and no tfjs.
 * @see scikit-learn's StandardScaler (fit / transform / inverse_transform), which this mirrors
 */
import { DataError, ShapeError } from '../errors.js';
import { makeDataset, type Dataset } from './dataset.js';

/** Format tag and version of {@link StandardizerJSON}. */
export const STANDARDIZER_KIND = 'standardize';
export const STANDARDIZER_VERSION = 1;

/** The saved form of a fitted {@link Standardizer}, as recorded in a run's config.json. */
export interface StandardizerJSON {
  kind: typeof STANDARDIZER_KIND;
  version: typeof STANDARDIZER_VERSION;
  /** Per-column means [D], raw units. */
  mean: number[];
  /** Per-column standard deviations [D], raw units, each > 0 (1 for a constant column). */
  std: number[];
  /** Column names [D], when the data has them. */
  columns?: string[];
  /** −Σ log std_j, nats: add to a standardised log-likelihood per example to get raw units. Derived; recomputed on load. */
  logJacobian: number;
  /** Examples the statistics were computed on. */
  numExamples: number;
}

/** A fitted z-score transform of D columns. Immutable; the statistics are float64. */
export class Standardizer {
  /** [D] */
  readonly mean: Float64Array;
  /** [D], each > 0 */
  readonly std: Float64Array;
  readonly columns?: string[];
  readonly numExamples: number;

  /**
   * @param mean - [D] per-column means, finite
   * @param std - [D] per-column standard deviations, finite and > 0
   * @throws ShapeError when the lengths differ; DataError for a non-finite mean or a std that is not > 0
   */
  constructor(mean: ArrayLike<number>, std: ArrayLike<number>, opts: { columns?: string[]; numExamples?: number } = {}) {
    if (mean.length !== std.length || mean.length === 0 || (opts.columns && opts.columns.length !== mean.length)) {
      throw new ShapeError(
        `Standardizer: expected mean, std (and columns) of one length D ≥ 1, got ${mean.length}, ${std.length}` +
          (opts.columns ? `, ${opts.columns.length}` : ''),
      );
    }
    for (let j = 0; j < mean.length; j++) {
      if (!Number.isFinite(mean[j]) || !(Number.isFinite(std[j]) && std[j] > 0)) {
        throw new DataError(`Standardizer: expected a finite mean and a positive finite std for column ${j}, got ${mean[j]} and ${std[j]}`);
      }
    }
    this.mean = Float64Array.from(mean);
    this.std = Float64Array.from(std);
    if (opts.columns) this.columns = [...opts.columns];
    this.numExamples = opts.numExamples ?? 0;
  }

  /** D, the number of columns. */
  get dataDim(): number {
    return this.mean.length;
  }

  /** −Σ_j log std_j, nats per example: log p_raw(x) = log p_z(z) + logJacobian. */
  get logJacobian(): number {
    let s = 0;
    for (const v of this.std) s -= Math.log(v);
    return s;
  }

  /**
   * Fits per-column means and standard deviations (divisor N) on `ds`, two passes in float64.
   * A column whose values are all equal gets std 1, so it maps to 0 and back. Columns flagged in
   * `opts.identity` (a table's one-hot category indicators) get mean 0 and std 1: they stay 0/1, and
   * add nothing to logJacobian; the saved form is the same as any other column's.
   * @param ds - the training split [N, D], N ≥ 1, finite values
   * @param opts.identity - [D] flags, true for columns left as they are; default none
   * @throws DataError when ds has no examples or holds a non-finite value (naming example and column)
   * @throws ShapeError when `identity` is not [D]
   */
  static fit(ds: Dataset, opts: { identity?: readonly boolean[] } = {}): Standardizer {
    const { x, numExamples: n, dataDim: d } = ds;
    if (n === 0) throw new DataError(`Standardizer.fit(${ds.source}): expected at least one example, got 0`);
    if (opts.identity && opts.identity.length !== d) {
      throw new ShapeError(`Standardizer.fit(${ds.source}): expected identity flags for the ${d} columns, got ${opts.identity.length}`);
    }
    const mean = new Float64Array(d); // [D]
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const v = x[i * d + j];
        if (!Number.isFinite(v)) {
          throw new DataError(`Standardizer.fit(${ds.source}): expected finite values, got ${v} at example ${i}, ${columnName(ds.columns, j)}`);
        }
        mean[j] += v;
      }
    }
    for (let j = 0; j < d; j++) mean[j] /= n;
    const std = new Float64Array(d); // [D]
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) std[j] += (x[i * d + j] - mean[j]) ** 2;
    for (let j = 0; j < d; j++) {
      const s = Math.sqrt(std[j] / n);
      std[j] = s > 0 ? s : 1;
      if (opts.identity?.[j]) [mean[j], std[j]] = [0, 1];
    }
    return new Standardizer(mean, std, { columns: ds.columns, numExamples: n });
  }

  /**
   * z = (x − mean) / std, per column.
   * @param ds - [N, D] in raw units, D = this.dataDim
   * @returns a new dataset [N, D] in standardised units (labels, shape and columns kept)
   * @throws ShapeError when D differs; DataError when both name their columns and the names differ
   */
  apply(ds: Dataset): Dataset {
    this.checkDim(ds.dataDim, `apply(${ds.source})`);
    if (this.columns && ds.columns && this.columns.some((c, j) => c !== ds.columns![j])) {
      throw new DataError(`Standardizer.apply(${ds.source}): expected columns ${this.columns.join(', ')}, got ${ds.columns.join(', ')}`);
    }
    const d = ds.dataDim;
    const z = new Float32Array(ds.x.length); // [N, D]
    for (let i = 0; i < z.length; i++) z[i] = (ds.x[i] - this.mean[i % d]) / this.std[i % d];
    return makeDataset({ ...ds, x: z });
  }

  /**
   * x = mean + std · z, per column: standardised values back to the units the statistics were fitted
   * in (a table run's raw units divided by its `data.scale`; {@link rawUnits} includes the scale).
   * @param z - row-major [N, D] in standardised units
   * @returns [N, D] in raw units, float64 (the caller's to keep)
   * @throws ShapeError when z.length is not a multiple of D
   */
  invert(z: ArrayLike<number>): Float64Array {
    const d = this.dataDim;
    if (z.length % d !== 0) throw new ShapeError(`Standardizer.invert: expected a row-major [N, ${d}] array, got length ${z.length}`);
    const x = new Float64Array(z.length); // [N, D]
    for (let i = 0; i < z.length; i++) x[i] = this.mean[i % d] + this.std[i % d] * z[i];
    return x;
  }

  /** The tagged JSON form (config.json's `standardization`). */
  toJSON(): StandardizerJSON {
    return {
      kind: STANDARDIZER_KIND,
      version: STANDARDIZER_VERSION,
      mean: Array.from(this.mean),
      std: Array.from(this.std),
      ...(this.columns ? { columns: [...this.columns] } : {}),
      logJacobian: this.logJacobian,
      numExamples: this.numExamples,
    };
  }

  /**
   * Rebuilds a standardizer from {@link toJSON}'s output.
   * @throws DataError when the tag or version is wrong or a field is malformed
   */
  static fromJSON(json: unknown): Standardizer {
    const j = json as Partial<StandardizerJSON> | null;
    if (j?.kind !== STANDARDIZER_KIND || j.version !== STANDARDIZER_VERSION) {
      throw new DataError(
        `standardization: expected {kind: '${STANDARDIZER_KIND}', version: ${STANDARDIZER_VERSION}}, got ${JSON.stringify({ kind: j?.kind, version: j?.version })}`,
      );
    }
    if (!Array.isArray(j.mean) || !Array.isArray(j.std)) {
      throw new DataError('standardization: expected arrays mean and std');
    }
    return new Standardizer(j.mean, j.std, { columns: j.columns, numExamples: j.numExamples });
  }

  private checkDim(d: number, where: string): void {
    if (d !== this.dataDim) throw new ShapeError(`Standardizer.${where}: expected ${this.dataDim} columns, got ${d}`);
  }
}

/**
 * Per-column statistics of a z-score transform, in units of raw / scale: a {@link Standardizer}, or
 * its saved form {@link StandardizerJSON} (a run's `data.standardization`, a condition's
 * `standardization`).
 */
export interface ZScoreStats {
  /** [D] */
  readonly mean: ArrayLike<number>;
  /** [D], each > 0 */
  readonly std: ArrayLike<number>;
}

/**
 * Model units to raw units: the inverse of what a table's loader does (divide by `scale`, then z-score).
 *   raw_ij = (z_ij · std_j + mean_j) · scale        (no standardisation: raw_ij = z_ij · scale)
 * Row-major with period D, so [D], [N, D], and a series' windows [N, T, F] with per-feature stats [F] all work.
 * @param z - [D] or [N, D] row-major, model (standardised) units; D = stats.mean.length
 * @param stats - mean, std [D] in units of raw / scale (null: the data was not standardised)
 * @param scale - the run's `data.scale`, finite and > 0: raw values were divided by it before standardisation
 * @returns [D] or [N, D] like z, raw units, float64 (the caller's to keep)
 * @throws ShapeError when z.length is not a multiple of D; DataError when scale is not finite and > 0
 * @see {@link modelUnits}, its inverse; src/node/datasets/data-source.ts (loadTable), the forward map
 */
export function rawUnits(z: ArrayLike<number>, stats: ZScoreStats | null, scale: number): Float64Array {
  const d = checkUnits('rawUnits', z.length, stats, scale);
  const raw = new Float64Array(z.length); // [N, D]
  for (let i = 0; i < z.length; i++) raw[i] = (stats ? z[i] * stats.std[i % d] + stats.mean[i % d] : z[i]) * scale;
  return raw;
}

/**
 * Raw units to model units: what a table's loader does to each value (a `--condition col=v` given in raw units).
 *   z_ij = (raw_ij / scale − mean_j) / std_j        (no standardisation: z_ij = raw_ij / scale)
 * @param raw - [D] or [N, D] row-major, raw units; D = stats.mean.length
 * @param stats - mean, std [D] in units of raw / scale (null: the data was not standardised)
 * @param scale - the run's `data.scale`, finite and > 0
 * @returns [D] or [N, D] like raw, model units, float64 (the caller's to keep)
 * @throws ShapeError when raw.length is not a multiple of D; DataError when scale is not finite and > 0
 * @see {@link rawUnits}, its inverse
 */
export function modelUnits(raw: ArrayLike<number>, stats: ZScoreStats | null, scale: number): Float64Array {
  const d = checkUnits('modelUnits', raw.length, stats, scale);
  const z = new Float64Array(raw.length); // [N, D]
  for (let i = 0; i < raw.length; i++) z[i] = stats ? (raw[i] / scale - stats.mean[i % d]) / stats.std[i % d] : raw[i] / scale;
  return z;
}

/** D (1 without stats), after checking the length, the stats and the scale. */
function checkUnits(where: string, length: number, stats: ZScoreStats | null, scale: number): number {
  if (!(Number.isFinite(scale) && scale > 0)) throw new DataError(`${where}: expected a positive finite scale, got ${scale}`);
  if (!stats) return 1;
  const d = stats.mean.length;
  if (d === 0 || stats.std.length !== d) throw new ShapeError(`${where}: expected mean and std of one length D ≥ 1, got ${d} and ${stats.std.length}`);
  if (length % d !== 0) throw new ShapeError(`${where}: expected a row-major [N, ${d}] array, got length ${length}`);
  return d;
}

function columnName(columns: string[] | undefined, j: number): string {
  return columns ? `column '${columns[j]}'` : `column ${j}`;
}
