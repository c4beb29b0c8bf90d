/**
 * The importance-sampled estimate of log p(x) for a VAE (Prince, Understanding Deep Learning, eq. 17.28), over a whole dataset,
 * with K importance samples per example streamed in chunks so memory stays bounded for K = 5000.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherBatch } from '../data/batch.js';
import type { Dataset } from '../data/dataset.js';
import { exampleNoise } from '../math/noise.js';
import { noiseDimOf, type LatentVariableModel } from '../models/latent-model.js';
import { evaluateLogImportanceWeights } from '../objectives/iwae.js';
import { check, intAtLeast } from '../validate.js';

export interface LogLikelihoodOptions {
  /** K, importance samples per example. Default 5000 (Burda et al. 2016 report K = 5000). */
  numSamples?: number;
  /**
   * Seed of the noise. Default 0. Example n always gets the noise stream (seed, 'loglik', n), so the
   * estimate depends on the seed and the example's index, not on `chunkRows`.
   */
  seed?: number;
  /**
   * Decoder rows per chunk (examples × samples decoded at once). Default 8192: about
   * 8192·D·4 bytes per temporary (25 MB for MNIST).
   */
  chunkRows?: number;
  /** Called after each group of examples with (examples done, total). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Index of the first example in the full dataset, for the noise streams: a worker estimating
   * examples 5000..9999 passes 5000 and gets exactly the numbers a single pass would. Default 0.
   */
  firstIndex?: number;
  /** Stops the estimate between groups of examples: it rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** The estimate over a dataset. Log-likelihoods in nats per example. */
export interface LogLikelihoodEstimate {
  /** K. */
  numSamples: number;
  numExamples: number;
  /** Mean over examples of log p̂(x_n) = log (1/K) Σ_k w_nk. Biased low for finite K (Jensen). */
  value: number;
  /** Standard error of `value` over examples: sd_n(log p̂(x_n)) / √N. */
  standardError: number;
  /**
   * Monte Carlo standard error of `value` for this data: √(Σ_n se_n²) / N, with se_n the
   * delta-method standard error of log p̂(x_n), √((mean w² / (mean w)² − 1) / K).
   */
  monteCarloStandardError: number;
  /** Mean effective sample size (Σ w)² / Σ w² over examples (1 ≤ ESS ≤ K): low values flag an unreliable estimate. */
  meanEffectiveSampleSize: number;
  /** log p̂(x_n) per example [N], nats. */
  perExample: Float64Array;
  /** se_n per example [N], nats. */
  perExampleStandardError: Float64Array;
  /** Effective sample size per example [N]. */
  perExampleEffectiveSampleSize: Float64Array;
}

/**
 * Importance-sampled log-likelihood: for each example x_n, draw z_nk ~ q(z|x_n), k = 1..K, and
 *   log p̂(x_n) = log (1/K) Σ_k p(x_n|z_nk) p(z_nk) / q(z_nk|x_n)
 * The encoder runs once per example; the decoder sees the K samples in chunks of `chunkRows`
 * rows, and the log-sum-exp is accumulated across chunks (running maximum), so K is not limited
 * by memory. E[p̂(x)] = p(x); log p̂ is a lower bound in expectation (the IWAE bound) and converges
 * to log p(x) as K grows. The weights come from {@link evaluateLogImportanceWeights}: a native
 * provider where one is registered for the model (Node's MLP VAEs on wasm), else tfjs.
 * @param ds - examples [N, D]
 * @returns {@link LogLikelihoodEstimate}
 * @throws ConfigError when numSamples or chunkRows is not an integer ≥ 1
 * @see Prince, Understanding Deep Learning, eq. 17.28; Burda, Grosse & Salakhutdinov 2016, §5
 */
export async function estimateLogLikelihood(model: LatentVariableModel, ds: Dataset, opts: LogLikelihoodOptions = {}): Promise<LogLikelihoodEstimate> {
  const k = check('numSamples', opts.numSamples ?? 5000, intAtLeast(1));
  const chunkRows = check('chunkRows', opts.chunkRows ?? 8192, intAtLeast(1));
  const seed = opts.seed ?? 0;
  const n = ds.numExamples;
  const d = ds.dataDim;
  const z0 = noiseDimOf(model); // the noise of one sample: Z, or Z₁ + Z₂ for a two-layer model
  const groupSize = Math.max(1, Math.min(n, Math.floor(chunkRows / k))); // examples per group (G)
  const samplesPerChunk = Math.max(1, Math.min(k, Math.floor(chunkRows / groupSize))); // K_c
  const perExample = new Float64Array(n);
  const perExampleSe = new Float64Array(n);
  const perExampleEss = new Float64Array(n);
  const firstIndex = opts.firstIndex ?? 0;

  let lastYield = performance.now();
  for (let start = 0; start < n; start += groupSize) {
    // On a synchronous backend (wasm, cpu) every await here resolves as a microtask: give the event
    // loop a turn now and then, so signals, worker events and an abort are seen within ~0.1 s; by
    // setImmediate where there is one (Node clamps setTimeout(0) to 1 ms, 1% of the estimate's time).
    if (performance.now() - lastYield > 100) {
      await new Promise((resolve) => (globalThis.setImmediate ?? setTimeout)(resolve));
      lastYield = performance.now();
    }
    opts.signal?.throwIfAborted();
    const b = Math.min(groupSize, n - start);
    const batch = gatherBatch(ds, null, start, start + b, { conditionDim: model.conditionDim });
    const x = tf.tensor2d(batch.x, [b, d]); // [G, D]
    const c = batch.c && tf.tensor2d(batch.c, [b, model.conditionDim]); // [G, C]
    const posterior = tf.tidy(() => model.encode(x, c)); // [G, Z] each
    // ε [K, G, Z]: example n's K draws come from its own stream, whatever the chunking.
    const epsAll = tf.tidy(() =>
      tf.stack(
        Array.from({ length: b }, (_, i) => exampleNoise(k, z0, seed, firstIndex + start + i)),
        1,
      ),
    ) as tf.Tensor3D;
    // Running log-sum-exp per example, in float64 on the host (K_c·G numbers a chunk, fewer than a
    // dozen small kernels would cost): m = max log w so far, s = Σ exp(log w − m), s2 = Σ exp(2(log w − m)).
    const m = new Float64Array(b).fill(-Infinity); // [G]
    const s = new Float64Array(b); // [G]
    const s2 = new Float64Array(b); // [G]
    try {
      for (let done = 0; done < k; done += samplesPerChunk) {
        const kc = Math.min(samplesPerChunk, k - done);
        const logW = tf.tidy(() => {
          const eps = (kc === k ? epsAll : tf.slice(epsAll, [done, 0, 0], [kc, b, z0])) as tf.Tensor3D; // [K_c, G, Z]
          return evaluateLogImportanceWeights(model, x, posterior, eps, c); // [K_c, G]
        });
        let w: Float32Array; // [K_c, G]
        try {
          w = (await logW.data()) as Float32Array;
        } finally {
          logW.dispose();
        }
        for (let i = 0; i < b; i++) {
          let mi = m[i];
          for (let j = 0; j < kc; j++) mi = Math.max(mi, w[j * b + i]); // NaN stays NaN
          const shift = Math.exp(m[i] - mi); // 0 on the first chunk
          let si = s[i] * shift;
          let s2i = s2[i] * shift * shift;
          for (let j = 0; j < kc; j++) {
            const r = Math.exp(w[j * b + i] - mi); // ≤ 1
            si += r;
            s2i += r * r;
          }
          m[i] = mi;
          s[i] = si;
          s2[i] = s2i;
        }
      }
    } finally {
      tf.dispose([x, ...(c ? [c] : []), epsAll, posterior.mean, posterior.logVar]);
    }
    for (let i = 0; i < b; i++) {
      const si = s[i];
      const s2i = s2[i];
      perExample[start + i] = m[i] + Math.log(si) - Math.log(k);
      // Relative variance of the weights: mean w² / (mean w)² − 1 = K·s2/s² − 1.
      const relVar = Math.max((k * s2i) / (si * si) - 1, 0);
      perExampleSe[start + i] = Math.sqrt(relVar / k);
      perExampleEss[start + i] = (si * si) / s2i;
    }
    opts.onProgress?.(start + b, n);
  }

  return summarizeLogLikelihood(k, perExample, perExampleSe, perExampleEss);
}

/**
 * The dataset figures of an estimate from its per-example parts (also used to merge the parts of
 * an estimate computed in slices, e.g. on worker threads).
 * @param perExample - log p̂(x_n) [N]
 * @param perExampleSe - se_n [N]
 * @param perExampleEss - ESS_n [N]
 */
export function summarizeLogLikelihood(
  numSamples: number,
  perExample: Float64Array,
  perExampleSe: Float64Array,
  perExampleEss: Float64Array,
): LogLikelihoodEstimate {
  const n = perExample.length;
  let mean = 0;
  let seSq = 0;
  let essSum = 0;
  for (let i = 0; i < n; i++) {
    mean += perExample[i];
    seSq += perExampleSe[i] * perExampleSe[i];
    essSum += perExampleEss[i];
  }
  mean /= Math.max(n, 1);
  let varSum = 0;
  for (let i = 0; i < n; i++) varSum += (perExample[i] - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(varSum / (n - 1)) : 0;
  return {
    numSamples,
    numExamples: n,
    value: mean,
    standardError: n > 0 ? sd / Math.sqrt(n) : 0,
    monteCarloStandardError: n > 0 ? Math.sqrt(seSq) / n : 0,
    meanEffectiveSampleSize: n > 0 ? essSum / n : 0,
    perExample,
    perExampleStandardError: perExampleSe,
    perExampleEffectiveSampleSize: perExampleEss,
  };
}
