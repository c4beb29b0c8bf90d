/**
 * Turning anomaly scores into decisions: a threshold chosen on scores of data taken as normal, and
 * for new scores a flag and a p-value against those calibration scores.
 *
 *   threshold t = the (1 − α) quantile of the n calibration scores s_(1) ≤ … ≤ s_(n)
 *               = s_(n − ⌊α·n⌋)  (the inverted-CDF quantile: the smallest s with F̂(s) ≥ 1 − α)
 *   isAnomaly(s) = s > t      (so at most ⌊α·n⌋ calibration scores, a share ≤ α, are flagged)
 *   pValue(s)    = #{i : s_i ≥ s} / n   (the share of calibration scores at least as high)
 *
 * α is the contamination (the share of the training data believed anomalous; the calibration scores
 * are the training scores) or the false-positive rate (the calibration scores are scores of data
 * known to be normal). A Calibration is plain JSON, tagged and versioned, holding every calibration
 * score, so p-values are exact.
 */
import { CheckpointError, ConfigError, DataError, setting } from '../errors.js';
import { expectThat, shown } from '../validate.js';

export const CALIBRATION_FORMAT = 'vaekit-calibration';
export const CALIBRATION_VERSION = 1;

/** How the threshold's rate α was meant: the training data's contamination, or a false-positive rate on normal data. */
export const CALIBRATION_METHODS = ['contamination', 'fpr'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

/** A threshold on one kind of anomaly score, and the scores it was chosen on. JSON-serialisable. */
export interface Calibration {
  format: typeof CALIBRATION_FORMAT;
  version: typeof CALIBRATION_VERSION;
  /** The kind of score calibrated, e.g. 'negelbo' (scores of another kind cannot use it). */
  score: string;
  /** Samples per example of the score (K or L), null for a deterministic one; its seed. */
  numSamples: number | null;
  seed: number | null;
  method: CalibrationMethod;
  /** α, in (0, 0.5] for contamination, (0, 1) for a false-positive rate. */
  rate: number;
  /** t: a score above it is an anomaly. */
  threshold: number;
  /** Share of the calibration scores above t (≤ rate). */
  flaggedShare: number;
  /** n. */
  numScores: number;
  /** The calibration scores in ascending order [n]. */
  scores: number[];
  /** Where the scores came from, for people: model, dataset, split, when. */
  source?: Record<string, string | number | null>;
}

/** Options of {@link calibrate}: exactly one of contamination and fpr. */
export interface CalibrateOptions {
  /** α of the training scores, in (0, 0.5]. */
  contamination?: number;
  /** α of scores of normal data, in (0, 1). */
  fpr?: number;
  /** The kind of score, recorded. Default 'unknown'. */
  score?: string;
  numSamples?: number | null;
  seed?: number | null;
  source?: Record<string, string | number | null>;
}

/** Index of the first element of the ascending array `a` that is ≥ v (a.length if none). */
function lowerBound(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Throws a DataError naming the first non-finite score. */
function checkFinite(where: string, scores: ArrayLike<number>): void {
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new DataError(`${where}: expected finite scores, got ${shown(scores[i])} at index ${i}`);
  }
}

/**
 * Chooses the threshold: the (1 − α) quantile of the calibration scores (inverted CDF), so that a
 * share of at most α of them lies above it.
 * @param scores - calibration scores [n], higher = more unusual: the training data's (contamination) or normal data's (fpr)
 * @returns the calibration, with the scores sorted ascending
 * @throws ConfigError unless exactly one of contamination ∈ (0, 0.5] and fpr ∈ (0, 1) is given
 * @throws DataError for no scores or a non-finite one
 */
export function calibrate(scores: ArrayLike<number>, opts: CalibrateOptions): Calibration {
  const given = CALIBRATION_METHODS.filter((m) => opts[m] !== undefined);
  if (given.length !== 1) {
    throw new ConfigError(`${setting('contamination')} or ${setting('fpr')}: expected exactly one of them, got ${given.length === 0 ? 'neither' : 'both'}`);
  }
  const method = given[0];
  const rate = opts[method] as number;
  if (method === 'contamination') expectThat(typeof rate === 'number' && rate > 0 && rate <= 0.5, 'contamination', 'a number in (0, 0.5]', rate);
  else expectThat(typeof rate === 'number' && rate > 0 && rate < 1, 'fpr', 'a number in (0, 1)', rate);
  if (scores.length === 0) throw new DataError('calibrate: expected at least one calibration score, got none');
  checkFinite('calibrate', scores);
  const sorted = Float64Array.from(scores).sort(); // [n], ascending
  const n = sorted.length;
  const threshold = sorted[n - 1 - Math.floor(rate * n + 1e-9)]; // s_(n − ⌊α·n⌋), 1-based
  const flagged = n - lowerBound(sorted, threshold) - countEqual(sorted, threshold);
  return {
    format: CALIBRATION_FORMAT,
    version: CALIBRATION_VERSION,
    score: opts.score ?? 'unknown',
    numSamples: opts.numSamples ?? null,
    seed: opts.seed ?? null,
    method,
    rate,
    threshold,
    flaggedShare: flagged / n,
    numScores: n,
    scores: Array.from(sorted),
    ...(opts.source ? { source: opts.source } : {}),
  };
}

/** How many elements of the ascending array `a` equal v. */
function countEqual(a: Float64Array, v: number): number {
  let i = lowerBound(a, v);
  let k = 0;
  while (i < a.length && a[i] === v) {
    i++;
    k++;
  }
  return k;
}

/** Decisions on new scores. */
export interface Prediction {
  /** 1 where score > threshold [N]. */
  isAnomaly: Uint8Array;
  /** #{calibration scores ≥ score} / n [N], in [0, 1]. */
  pValue: Float64Array;
}

/**
 * Flags new scores against a calibration and gives each a p-value.
 * @param scores - scores of the calibration's kind [N]
 * @throws DataError for a NaN score
 */
export function predict(calibration: Calibration, scores: ArrayLike<number>): Prediction {
  const sorted = calibration.scores;
  const n = sorted.length;
  const isAnomaly = new Uint8Array(scores.length);
  const pValue = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (Number.isNaN(s)) throw new DataError(`predict: expected scores that are numbers, got NaN at index ${i}`);
    isAnomaly[i] = s > calibration.threshold ? 1 : 0;
    pValue[i] = (n - lowerBound(sorted, s)) / n;
  }
  return { isAnomaly, pValue };
}

/**
 * Checks a parsed calibration file: its tag, version and fields.
 * @param where - the file, for messages
 * @throws CheckpointError for another format, an unknown version or a malformed field
 */
export function parseCalibration(json: unknown, where = 'calibration'): Calibration {
  const c = json as Partial<Calibration> | null;
  if (c === null || typeof c !== 'object' || c.format !== CALIBRATION_FORMAT) {
    throw new CheckpointError(`${where}: expected a ${CALIBRATION_FORMAT} file, got format ${shown(c?.format)}`);
  }
  if (c.version !== CALIBRATION_VERSION) throw new CheckpointError(`${where}: expected version ${CALIBRATION_VERSION}, got ${shown(c.version)}`);
  const scores = c.scores;
  const ok =
    typeof c.score === 'string' &&
    typeof c.threshold === 'number' &&
    Array.isArray(scores) &&
    scores.length > 0 &&
    scores.every((s, i) => typeof s === 'number' && (i === 0 || scores[i - 1] <= s)) &&
    (CALIBRATION_METHODS as readonly string[]).includes(c.method as string);
  if (!ok) throw new CheckpointError(`${where}: expected a score kind, a method, a numeric threshold and ascending scores, got a malformed file`);
  return c as Calibration;
}
