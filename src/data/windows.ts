/**
 * Time series as examples: a series of T steps of F features cut into windows of W consecutive steps,
 * each window an example [W, F] (flattened step-major to D = W·F), recording the time index of its
 * last step.
 *
 *   window ending at step t:  x = (s_{t−W+1}, …, s_t),  t = start + W − 1, start + W − 1 + S, … < end
 *
 * A series is split by time, not at random: the last {@link SERIES_DEFAULTS}.testFraction of its steps
 * are the test part, the rest the training part, and no window straddles the split; each feature is
 * standardised with the mean and standard deviation of the training part's steps only. A gap in the
 * series (a missing date, an irregular step: `breaks`) is another boundary no window crosses.
 * Browser-safe: no `node:*` imports and no tfjs.
 * @see Su et al. 2019 (OmniAnomaly) and Xu et al. 2018 (Donut): sliding windows of stride 1, each
 *   window's score the score of its last point
 */
import { ConfigError, DataError, ShapeError } from '../errors.js';
import { intAtLeast } from '../validate.js';
import { makeDataset, type Dataset } from './dataset.js';
import { Standardizer } from './standardize.js';

/** A multivariate time series in memory, its steps in time order. */
export interface TimeSeries {
  /** Values, row-major [numSteps, numFeatures], float32, raw units. */
  values: Float32Array;
  numSteps: number;
  numFeatures: number;
  /** Feature names [numFeatures]. */
  columns: string[];
  /** The time of each step as text, e.g. '1969-01-01' [numSteps]. */
  times: string[];
  /** Optional integer labels per step [numSteps] (e.g. 1 on a holiday, an anomaly); a window takes its last step's. */
  labels?: Int32Array;
  /**
   * Steps t that do not follow step t − 1 by the series' regular step (a gap before t), ascending;
   * no window holds both t − 1 and t. Empty for a regular series.
   */
  breaks: number[];
  /** Where the series came from, for messages. */
  source: string;
}

/** Defaults of windowed series: four weeks of daily data, stride 1, the last 20% of the steps for testing. */
export const SERIES_DEFAULTS = Object.freeze({ window: 28, stride: 1, testFraction: 0.2 });

/** Options of {@link cutWindows}. */
export interface WindowOptions {
  /** W, steps per window (≥ 1). */
  window: number;
  /** S, steps between the last steps of consecutive windows (≥ 1). Default 1. */
  stride?: number;
  /** First step a window may hold. Default 0. */
  start?: number;
  /** One past the last step a window may hold. Default numSteps. */
  end?: number;
  /** Name of the windows, for messages. Default the series' source. */
  source?: string;
}

/**
 * Checks a series' parts agree. @throws ShapeError naming the part that does not
 */
export function checkSeries(s: TimeSeries): void {
  const where = `series(${s.source})`;
  if (s.values.length !== s.numSteps * s.numFeatures) {
    throw new ShapeError(`${where}: expected values [${s.numSteps}, ${s.numFeatures}] (${s.numSteps * s.numFeatures}), got ${s.values.length}`);
  }
  if (s.columns.length !== s.numFeatures) throw new ShapeError(`${where}: expected ${s.numFeatures} column names, got ${s.columns.length}`);
  if (s.times.length !== s.numSteps) throw new ShapeError(`${where}: expected ${s.numSteps} times, got ${s.times.length}`);
  if (s.labels && s.labels.length !== s.numSteps) throw new ShapeError(`${where}: expected ${s.numSteps} labels, got ${s.labels.length}`);
}

/**
 * The windows of W steps within steps [start, end) of a series, their last steps `stride` apart,
 * skipping any window that would cross a break.
 *   window n: x_n = values[t_n − W + 1 … t_n] [W, F],  t_n = start + W − 1 + n·S
 * @returns a dataset [N, W·F], exampleShape [W, F], timeIndex t_n and timeLabels times[t_n] [N], and
 *   labels[t_n] when the series has labels; N = 0 when the range is shorter than W
 * @throws ConfigError for a window or stride that is not an integer ≥ 1, or a range outside the series
 */
export function cutWindows(series: TimeSeries, opts: WindowOptions): Dataset {
  checkSeries(series);
  const w = opts.window;
  const stride = opts.stride ?? 1;
  const start = opts.start ?? 0;
  const end = opts.end ?? series.numSteps;
  if (!intAtLeast(1).test(w)) throw new ConfigError(`window: expected an integer ≥ 1, got ${w}`);
  if (!intAtLeast(1).test(stride)) throw new ConfigError(`stride: expected an integer ≥ 1, got ${stride}`);
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= series.numSteps)) {
    throw new ConfigError(`cutWindows(${series.source}): expected 0 <= start <= end <= ${series.numSteps}, got ${start}, ${end}`);
  }
  const f = series.numFeatures;
  const breaks = series.breaks;
  const lastSteps: number[] = [];
  let b = 0; // breaks[b] is the first break after the window's first step
  for (let t = start + w - 1; t < end; t += stride) {
    const first = t - w + 1;
    while (b < breaks.length && breaks[b] <= first) b++;
    if (b < breaks.length && breaks[b] <= t) continue; // a gap inside the window
    lastSteps.push(t);
  }
  const n = lastSteps.length;
  const d = w * f;
  const x = new Float32Array(n * d); // [N, W·F]
  lastSteps.forEach((t, i) => x.set(series.values.subarray((t - w + 1) * f, (t + 1) * f), i * d));
  return makeDataset({
    x,
    numExamples: n,
    dataDim: d,
    exampleShape: [w, f],
    ...(series.labels ? { labels: Int32Array.from(lastSteps, (t) => series.labels![t]) } : {}),
    timeIndex: Int32Array.from(lastSteps), // [N]
    timeLabels: lastSteps.map((t) => series.times[t]), // [N]
    source: opts.source ?? series.source,
  });
}

/**
 * Names of the D = W·F values of a window, step-major: 'births[t-6]', …, 'births[t]' (t the last step).
 */
export function windowColumns(columns: readonly string[], window: number): string[] {
  const names: string[] = [];
  for (let k = window - 1; k >= 0; k--) for (const c of columns) names.push(k === 0 ? `${c}[t]` : `${c}[t-${k}]`);
  return names;
}

/**
 * A per-feature standardisation (F columns) as one over windows of W steps (D = W·F columns): the
 * statistics repeated at every step, so it applies to, inverts and converts log-likelihoods of whole
 * windows (logJacobian = W · the per-step logJacobian).
 */
export function windowStandardizer(perStep: Standardizer, window: number): Standardizer {
  const tile = (v: Float64Array) => Array.from({ length: window }, () => Array.from(v)).flat();
  const columns = perStep.columns ?? Array.from({ length: perStep.dataDim }, (_, j) => `x${j + 1}`);
  return new Standardizer(tile(perStep.mean), tile(perStep.std), { columns: windowColumns(columns, window), numExamples: perStep.numExamples });
}

/**
 * The per-feature standardisation of F features from one over windows (as {@link windowStandardizer}
 * makes and a run records), or `s` itself when it is already over F columns.
 * @throws DataError when `s` covers neither F nor a multiple of F columns repeated at every step
 */
export function stepStandardizer(s: Standardizer, columns: readonly string[]): Standardizer {
  const f = columns.length;
  if (s.dataDim === f) return s;
  const w = s.dataDim / f;
  const isTiled =
    Number.isInteger(w) &&
    Array.from({ length: s.dataDim }, (_, j) => s.mean[j] === s.mean[j % f] && s.std[j] === s.std[j % f]).every(Boolean) &&
    (!s.columns || s.columns.join('\u0000') === windowColumns(columns, w).join('\u0000'));
  if (!isTiled) {
    throw new DataError(
      `standardization: expected ${f} per-feature statistics (${columns.join(', ')}) or those repeated over a window's steps, got ${s.dataDim} columns${s.columns ? ` (${s.columns.slice(0, 4).join(', ')}…)` : ''}`,
    );
  }
  return new Standardizer(s.mean.subarray(0, f), s.std.subarray(0, f), { columns: [...columns], numExamples: s.numExamples });
}

/** Options of {@link windowSeries}. */
export interface WindowSeriesOptions {
  /** W. Default {@link SERIES_DEFAULTS}.window. */
  window?: number;
  /** S of the training windows (test and all windows have stride 1). Default 1. */
  stride?: number;
  /** The transform to apply (a saved run's, per feature or per window). Default: fitted on the training part's steps. */
  standardizer?: Standardizer | null;
}

/** A series split by time and cut into windows. */
export interface WindowedSeries {
  /** Windows within the training part, stride S [N_train, W·F]. */
  train: Dataset;
  /** Windows within the test part, stride 1 [N_test, W·F]. */
  test: Dataset;
  /** Windows over the whole series, stride 1 (they may straddle the split) [N_all, W·F]. */
  all: Dataset;
  /** The per-feature transform over windows ({@link windowStandardizer}; D = W·F columns). */
  standardizer: Standardizer;
  /** Steps of the training part [0, trainSteps) and the test part [trainSteps, numSteps). */
  trainSteps: number;
  numSteps: number;
}

/**
 * Splits a series by time (the last round(testFraction · T) steps, at least 1, are the test part),
 * standardises each feature with the training part's mean and std (divisor N; unless a transform is
 * given), and cuts windows: the training part's with stride S, the test part's and the whole series'
 * with stride 1, so every step from the W-th of its part on is the last step of exactly one window.
 * @throws ConfigError for a bad window or stride; DataError when the training or test part holds no window
 */
export function windowSeries(series: TimeSeries, opts: WindowSeriesOptions = {}): WindowedSeries {
  checkSeries(series);
  const w = opts.window ?? SERIES_DEFAULTS.window;
  const stride = opts.stride ?? SERIES_DEFAULTS.stride;
  const t = series.numSteps;
  const numTest = Math.max(1, Math.round(SERIES_DEFAULTS.testFraction * t));
  const trainSteps = t - numTest;
  const steps = makeDataset({ x: series.values, numExamples: t, dataDim: series.numFeatures, columns: series.columns, source: series.source });
  if (trainSteps < 1) throw new DataError(`${series.source}: expected at least 2 time steps (one to train on, one to test on), got ${t}`);
  const perStep = opts.standardizer
    ? stepStandardizer(opts.standardizer, series.columns)
    : Standardizer.fit(makeDataset({ ...steps, x: series.values.subarray(0, trainSteps * series.numFeatures), numExamples: trainSteps }));
  const z = { ...series, values: perStep.apply(steps).x }; // [T, F], standardised
  const train = cutWindows(z, { window: w, stride, end: trainSteps, source: `${series.source} (training part)` });
  const test = cutWindows(z, { window: w, start: trainSteps, source: `${series.source} (test part)` });
  const all = cutWindows(z, { window: w, source: series.source });
  for (const [part, ds, steps0, steps1] of [
    ['training', train, 0, trainSteps],
    ['test', test, trainSteps, t],
  ] as const) {
    if (ds.numExamples === 0) {
      throw new DataError(
        `${series.source}: the ${part} part (steps ${steps0}–${steps1 - 1}, ${series.times[steps0]} to ${series.times[steps1 - 1]}) holds no window of ${w} steps` +
          `${series.breaks.length ? ' without a gap' : ''}; use a shorter window or a longer series`,
      );
    }
  }
  return { train, test, all, standardizer: windowStandardizer(perStep, w), trainSteps, numSteps: t };
}
