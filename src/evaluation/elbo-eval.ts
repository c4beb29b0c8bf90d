/**
 * The ELBO over a whole dataset, evaluated in chunks: its means (a validation or test −ELBO) and its
 * value per example (the VAE's anomaly score). One chunked loop serves both, so they draw the same
 * noise: chunk c draws ε from `chunkSeed(seed, c)` (src/math/noise.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { gatherBatch } from '../data/batch.js';
import type { Dataset } from '../data/dataset.js';
import { chunkSeed } from '../math/noise.js';
import type { LatentVariableModel } from '../models/latent-model.js';
import { elbo, type ElboTerms } from '../objectives/elbo.js';
import { check, intAtLeast } from '../validate.js';

/** Dataset means, nats per example. */
export interface ElboSummary {
  /** −ELBO = reconstructionLoss + kl. */
  loss: number;
  /** −E_q[log p(x|z)]. */
  reconstructionLoss: number;
  /** KL(q(z|x) ‖ N(0, I)). */
  kl: number;
  numExamples: number;
}

/** Options of the dataset ELBO. */
export interface ElboEvalOptions {
  /** Examples per chunk (memory, and which noise an example gets). Default 1000. */
  batchSize?: number;
  /** Seed of the noise. Default 0. */
  seed?: number;
  /** K, reparameterised samples per example. Default 1. */
  numSamples?: number;
}

/**
 * Runs `elbo` over ds in chunks and reads back, asynchronously, what `reduce` makes of each chunk.
 * @param reduce - a chunk's ELBO terms [n] each → the tensor to read back
 * @param use - the values read, with the chunk's first example index and size
 */
async function forEachElboChunk(
  model: LatentVariableModel,
  ds: Dataset,
  opts: ElboEvalOptions,
  reduce: (t: ElboTerms) => tf.Tensor,
  use: (values: Float32Array, start: number, n: number) => void,
): Promise<void> {
  const batchSize = check('batchSize', opts.batchSize ?? 1000, intAtLeast(1));
  for (let start = 0, c = 0; start < ds.numExamples; start += batchSize, c++) {
    const n = Math.min(batchSize, ds.numExamples - start);
    const batch = gatherBatch(ds, null, start, start + n, { conditionDim: model.conditionDim });
    const values = tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [n, ds.dataDim]); // [n, D]
      const cond = batch.c && tf.tensor2d(batch.c, [n, model.conditionDim]); // [n, C]
      return reduce(elbo(model, x, { numSamples: opts.numSamples, seed: chunkSeed(opts.seed ?? 0, c), c: cond }));
    });
    try {
      use((await values.data()) as Float32Array, start, n);
    } finally {
      values.dispose();
    }
  }
}

/**
 * Mean −ELBO of a dataset and its two terms (one reparameterised sample per example unless
 * `numSamples` says otherwise). Deterministic for a seed.
 * @param ds - examples [N, D]
 * @returns means in nats per example (sums over D and Z, mean over N)
 * @throws ConfigError for a bad batch size; ShapeError when the data does not fit the model
 */
export async function evaluateElbo(model: LatentVariableModel, ds: Dataset, opts: ElboEvalOptions = {}): Promise<ElboSummary> {
  let rec = 0;
  let kl = 0;
  await forEachElboChunk(
    model,
    ds,
    opts,
    (t) => tf.stack([tf.sum(t.reconstruction), tf.sum(t.kl)]), // [2]: chunk sums
    ([r, k]) => {
      rec -= r;
      kl += k;
    },
  );
  const m = Math.max(ds.numExamples, 1);
  return { loss: (rec + kl) / m, reconstructionLoss: rec / m, kl: kl / m, numExamples: ds.numExamples };
}

/**
 * ELBO(x_n) = E_q[log p(x_n|z)] − KL(q(z|x_n) ‖ p(z)) per example, the same noise as
 * {@link evaluateElbo} with equal batch size and seed (so the mean of these is −evaluateElbo(...).loss).
 * @param ds - examples [N, D]
 * @returns ELBO per example [N], float64, nats (higher is better)
 */
export async function elboPerExample(model: LatentVariableModel, ds: Dataset, opts: ElboEvalOptions = {}): Promise<Float64Array> {
  const out = new Float64Array(ds.numExamples); // [N]
  await forEachElboChunk(
    model,
    ds,
    opts,
    (t) => t.elbo, // [n]
    (values, start) => out.set(values, start),
  );
  return out;
}
