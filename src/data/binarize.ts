/**
 * Binarisation of intensities in [0, 1] for the Bernoulli likelihood.
 * - 'none': use the values as they are (Bernoulli probabilities as targets, as the PyTorch VAE example does).
 * - 'static': one Bernoulli sample per value, drawn once with a fixed seed (Larochelle & Murray 2011).
 * - 'dynamic': a fresh sample every epoch (Burda, Grosse & Salakhutdinov 2016).
 * - 'threshold': x > 0.5 → 1, else 0.
 */
import { ConfigError, DataError } from '../errors.js';
import { deriveRng, type Rng } from '../math/rng.js';
import { makeDataset, type Dataset } from './dataset.js';

export const BINARIZE_MODES = ['none', 'static', 'dynamic', 'threshold'] as const;
export type BinarizeMode = (typeof BINARIZE_MODES)[number];

/**
 * Deterministic binarisation: out_i = 1 if x_i > t, else 0 (NaN gives 0).
 * @param x - values, any shape, flattened
 * @param t - threshold, in the units of x
 * @returns a new array of 0s and 1s, same length as x
 */
export function binarizeThreshold(x: Float32Array, t = 0.5): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] > t ? 1 : 0;
  return out;
}

/**
 * Stochastic binarisation: out_i ~ Bernoulli(x_i), i.e. 1 with probability x_i.
 *   out_i = 1 if u_i < x_i, u_i ~ U[0, 1) drawn from `rng` in index order
 * @param x - probabilities in [0, 1], any shape, flattened
 * @param rng - the stream to draw from, e.g. `deriveRng(seed, 'binarize', epoch)`
 * @param out - destination of length x.length (may be x itself); allocated when absent
 * @returns `out`, holding 0s and 1s
 * @throws DataError when a value is outside [0, 1] or NaN, naming its index
 * @see Larochelle & Murray 2011 (static binarisation); Burda et al. 2016, section 5 (dynamic)
 */
export function binarizeSample(x: Float32Array, rng: Rng, out = new Float32Array(x.length)): Float32Array {
  if (out.length !== x.length) {
    throw new DataError(`binarizeSample: expected out.length = ${x.length}, got ${out.length}`);
  }
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!(v >= 0 && v <= 1)) {
      throw new DataError(`binarizeSample: expected probabilities in [0, 1], got ${v} at index ${i}`);
    }
    out[i] = rng.next() < v ? 1 : 0;
  }
  return out;
}

/** Throws a DataError naming the example and feature of the first value outside [0, 1]. */
function checkUnitInterval(ds: Dataset, mode: BinarizeMode): void {
  const { x, dataDim } = ds;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!(v >= 0 && v <= 1)) {
      throw new DataError(
        `${ds.source}: binarize '${mode}' expected values in [0, 1], got ${v} at example ` +
          `${Math.floor(i / dataDim)}, feature ${i % dataDim} (scale the data first, e.g. divide pixels by 255)`,
      );
    }
  }
}

type Binarizer = (x: Float32Array, seed: number, epoch: number) => Float32Array;

/** One binarizer per mode other than 'none', keyed by mode. */
const BINARIZERS: Record<Exclude<BinarizeMode, 'none'>, Binarizer> = {
  static: (x, seed) => binarizeSample(x, deriveRng(seed, 'binarize')),
  dynamic: (x, seed, epoch) => binarizeSample(x, deriveRng(seed, 'binarize', epoch)),
  threshold: (x) => binarizeThreshold(x, 0.5),
};

/**
 * The dataset a training epoch sees under `mode`.
 * - 'none': `ds` itself (same object).
 * - 'static': a sample from `deriveRng(seed, 'binarize')`, the same for every epoch (cache it).
 * - 'dynamic': a sample from `deriveRng(seed, 'binarize', epoch)`, new each epoch, equal for equal epochs.
 * - 'threshold': x > 0.5.
 * @param ds - values in [0, 1] unless mode is 'none'; labels and shape are kept
 * @param seed - the run's seed
 * @param epoch - 0-based epoch index; used by 'dynamic' only
 * @returns a dataset of 0s and 1s (or `ds` for 'none'), same shape as ds
 * @throws DataError when a value is outside [0, 1], naming ds.source, example and feature
 * @throws ConfigError for an unknown mode
 */
export function applyBinarization(ds: Dataset, mode: BinarizeMode, seed: number, epoch: number): Dataset {
  if (mode === 'none') return ds;
  if (!BINARIZE_MODES.includes(mode)) {
    throw new ConfigError(`binarize: expected one of ${BINARIZE_MODES.join(', ')}, got '${mode}'`);
  }
  checkUnitInterval(ds, mode);
  return makeDataset({ ...ds, x: BINARIZERS[mode](ds.x, seed, epoch) });
}
