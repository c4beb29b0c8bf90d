/**
 * Equal-width binning of scores for the anomaly histogram, with numpy.histogram's edge rule: bin i
 * holds edges[i] ≤ v < edges[i + 1], the last bin also holds v = edges[B]. Non-finite values (a
 * score the file lacks is NaN) are skipped and counted apart.
 *   edges[i] = lo + (hi − lo) · i / B,  i = 0 … B
 * And the top scores, for the list of the most anomalous examples.
 * @see numpy.histogram (the closed last bin)
 */

/** Options of {@link histogram}. */
export interface HistogramOptions {
  /** B, the number of bins, an integer ≥ 1. Default 30. */
  numBins?: number;
  /** [lo, hi]: the binned range. Default: the finite values' [min, max], widened to hold `include`. */
  range?: readonly [number, number];
  /** Values the default range must reach too, e.g. a threshold drawn on the same axis (non-finite ones and null are ignored). */
  include?: ReadonlyArray<number | null>;
}

export const HISTOGRAM_DEFAULTS = Object.freeze({ numBins: 30 });

/** Counts of values per bin. */
export interface Histogram {
  /** Bin edges [B + 1], ascending. */
  edges: Float64Array;
  /** Values per bin [B]. */
  counts: Int32Array;
  /** Finite values outside [edges[0], edges[B]] (only with an explicit range). */
  numOutside: number;
  /** Non-finite values skipped (NaN, ±Inf). */
  numSkipped: number;
}

/**
 * Bins the finite values into B equal-width bins.
 * A range with lo = hi (every value equal) becomes [lo − 0.5, lo + 0.5]; with no finite value and no
 * range, [0, 1].
 * @param values - scores [N], any order; NaN / ±Inf skipped
 * @throws Error for a bad numBins or range
 */
export function histogram(values: ArrayLike<number>, options: HistogramOptions = {}): Histogram {
  const numBins = options.numBins ?? HISTOGRAM_DEFAULTS.numBins;
  if (!Number.isInteger(numBins) || numBins < 1) throw new Error(`histogram: numBins: expected an integer ≥ 1, got ${numBins}`);
  let [lo, hi] = options.range ?? dataRange(values, options.include ?? []);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) throw new Error(`histogram: range: expected finite lo ≤ hi, got [${lo}, ${hi}]`);
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  const edges = new Float64Array(numBins + 1); // [B + 1]
  for (let i = 0; i <= numBins; i++) edges[i] = lo + ((hi - lo) * i) / numBins;
  edges[numBins] = hi;
  const counts = new Int32Array(numBins); // [B]
  let numOutside = 0;
  let numSkipped = 0;
  for (let n = 0; n < values.length; n++) {
    const v = values[n];
    if (!Number.isFinite(v)) numSkipped++;
    else if (v < lo || v > hi) numOutside++;
    else counts[binOf(v, edges)]++;
  }
  return { edges, counts, numOutside, numSkipped };
}

/**
 * The bin of v among ascending edges [B + 1]: i with edges[i] ≤ v < edges[i + 1], or B − 1 for v = edges[B].
 * The arithmetic guess is corrected against the edges themselves, so a value equal to an inner edge
 * always lands in the bin that edge opens, whatever the rounding of (v − lo) / width.
 * @returns an index in 0 … B − 1 (v is assumed inside [edges[0], edges[B]])
 */
export function binOf(v: number, edges: ArrayLike<number>): number {
  const b = edges.length - 1;
  const lo = edges[0];
  const hi = edges[b];
  let i = Math.min(b - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * b)));
  while (i > 0 && v < edges[i]) i--;
  while (i < b - 1 && v >= edges[i + 1]) i++;
  return i;
}

/** [min, max] over the finite values and the finite `include` values; [0, 1] when there is none. */
function dataRange(values: ArrayLike<number>, include: ReadonlyArray<number | null>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  const take = (v: number | null) => {
    if (v === null || !Number.isFinite(v)) return;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  };
  for (let n = 0; n < values.length; n++) take(values[n]);
  include.forEach(take);
  return lo <= hi ? [lo, hi] : [0, 1];
}

/**
 * The indices of the k largest finite values, largest first (ties: the lower index first); NaN and
 * ±Inf never rank (an infinite score is not a measurement to compare).
 * @param values - scores [N], higher = more anomalous
 * @param k - how many, an integer ≥ 0 (fewer come back when fewer values are finite)
 */
export function topIndices(values: ArrayLike<number>, k: number): number[] {
  const idx: number[] = [];
  for (let n = 0; n < values.length; n++) if (Number.isFinite(values[n])) idx.push(n);
  idx.sort((a, b) => values[b] - values[a] || a - b);
  return idx.slice(0, Math.max(0, k));
}
