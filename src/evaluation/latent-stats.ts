/**
 * Posterior statistics of a dataset, per latent dimension: the KL each dimension contributes and the
 * variance over the data of its posterior mean, which counts the active units (Burda, Grosse &
 * Salakhutdinov 2016, §5.2). Collapsed dimensions have KL ≈ 0 and a posterior mean that ignores x.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherBatch } from '../data/batch.js';
import type { Dataset } from '../data/dataset.js';
import { ShapeError } from '../errors.js';
import type { LatentVariableModel } from '../models/latent-model.js';
import { check, intAtLeast, nonNegativeNumber } from '../validate.js';

/** The activity threshold of Burda et al. 2016: unit u is active when Var_x(E_q[z_u]) > 0.01. */
export const ACTIVE_UNIT_THRESHOLD = 0.01;

/** Options of {@link latentStatistics}. */
export interface LatentStatisticsOptions {
  /** Examples encoded at once. Default 1000. */
  batchSize?: number;
  /** Activity threshold on Var_x(E_q[z_u]). Default {@link ACTIVE_UNIT_THRESHOLD}. */
  threshold?: number;
}

/** Per-dimension posterior statistics of a dataset; arrays have length Z. */
export interface LatentStatistics {
  /** Examples the statistics are over. */
  numExamples: number;
  /** Mean over x of KL(q(z_u|x) ‖ N(0, 1)) per dimension u [Z], nats per example; sums to the mean KL. */
  klPerDimension: number[];
  /** Var_x(E_q[z_u]) per dimension [Z] (sample variance over the examples of the posterior means). */
  meanVariance: number[];
  /** The number of units with meanVariance > threshold. */
  activeUnits: number;
  /** The threshold used. */
  threshold: number;
}

/**
 * Encodes `ds` in chunks (no sampling: the encoder only) and returns, per latent dimension, the mean
 * KL to the prior and the variance of the posterior mean over the data, and the active-unit count.
 *   KL_u(x) = ½ (μ_u² + σ_u² − 1 − log σ_u²),   A_u = Var_x(μ_u(x)),   active ⇔ A_u > 0.01
 * Sums are accumulated in float64 on the host (read back asynchronously, browser-safe).
 * @param ds - examples [N, D] in the model's input units, N ≥ 1
 * @returns {@link LatentStatistics}
 * @throws ShapeError when ds.dataDim ≠ model.dataDim or ds is empty; ConfigError for bad options
 * @see Burda, Grosse & Salakhutdinov 2016, §5.2 (active units); Kingma & Welling 2014, appendix B (KL)
 */
export async function latentStatistics(model: LatentVariableModel, ds: Dataset, opts: LatentStatisticsOptions = {}): Promise<LatentStatistics> {
  const batchSize = check('batchSize', opts.batchSize ?? 1000, intAtLeast(1));
  const threshold = check('threshold', opts.threshold ?? ACTIVE_UNIT_THRESHOLD, nonNegativeNumber);
  const { numExamples: n, dataDim: d } = ds;
  if (d !== model.dataDim) throw new ShapeError(`latentStatistics(${ds.source}): expected examples of size dataDim = ${model.dataDim}, got ${d}`);
  if (n === 0) throw new ShapeError(`latentStatistics(${ds.source}): the dataset is empty`);
  const z = model.latentDim;
  const klSum = new Float64Array(z);
  const meanSum = new Float64Array(z);
  const meanSqSum = new Float64Array(z);
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const batch = gatherBatch(ds, null, start, start + b, { conditionDim: model.conditionDim });
    const out = tf.tidy(() => {
      const { mean, logVar } = model.encode(tf.tensor2d(batch.x, [b, d]), batch.c && tf.tensor2d(batch.c, [b, model.conditionDim])); // [B, Z]
      const kl = tf.mul(tf.sub(tf.add(tf.exp(logVar), tf.square(mean)), tf.add(logVar, 1)), 0.5); // [B, Z]
      return tf.concat([tf.sum(kl, 0), mean.reshape([-1])]); // [Z + B·Z]
    });
    let v: Float32Array;
    try {
      v = (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
    for (let u = 0; u < z; u++) klSum[u] += v[u];
    for (let i = 0; i < b; i++) {
      for (let u = 0; u < z; u++) {
        const m = v[z + i * z + u];
        meanSum[u] += m;
        meanSqSum[u] += m * m;
      }
    }
  }
  const klPerDimension = Array.from(klSum, (s) => s / n);
  const meanVariance = Array.from(meanSum, (s, u) => (n > 1 ? Math.max(meanSqSum[u] - (s * s) / n, 0) / (n - 1) : 0));
  return { numExamples: n, klPerDimension, meanVariance, activeUnits: meanVariance.filter((a) => a > threshold).length, threshold };
}

/**
 * The latent dimensions ordered by their KL, largest first (the most informative at the top,
 * collapsed ones last); ties keep index order.
 * @param klPerDimension - [Z], e.g. {@link LatentStatistics.klPerDimension}
 * @returns dimension indices [Z]
 */
export function dimensionsByKl(klPerDimension: readonly number[]): number[] {
  return klPerDimension.map((_, u) => u).sort((a, b) => klPerDimension[b] - klPerDimension[a] || a - b);
}
