/**
 * ELBO of every example of a dataset, in nats, evaluated in chunks: the VAE's anomaly score is −ELBO(x_n).
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { deriveRng } from '../math/rng.js';
import type { LatentVariableModel } from '../models/latent-model.js';
import { elbo } from '../objectives/elbo.js';

/**
 * ELBO(x_n) = E_q[log p(x_n|z)] − KL(q(z|x_n) ‖ p(z)) per example, one reparameterised sample
 * unless `numSamples` says otherwise. Chunk c draws from (seed, 'eval', c), as `evaluateElbo` does,
 * so with equal batch size and seed the mean of these values is −evaluateElbo(...).loss.
 * @param ds - examples [N, D]
 * @returns ELBO per example [N], float64, nats (higher is better)
 */
export async function elboPerExample(
  model: LatentVariableModel,
  ds: Dataset,
  opts: { batchSize?: number; seed?: number; numSamples?: number } = {},
): Promise<Float64Array> {
  const batchSize = opts.batchSize ?? 1000;
  const out = new Float64Array(ds.numExamples); // [N]
  for (let start = 0, c = 0; start < ds.numExamples; start += batchSize, c++) {
    const n = Math.min(batchSize, ds.numExamples - start);
    const values = tf.tidy(() => {
      const x = tf.tensor2d(ds.x.subarray(start * ds.dataDim, (start + n) * ds.dataDim), [n, ds.dataDim]); // [B, D]
      return elbo(model, x, { numSamples: opts.numSamples, seed: deriveRng(opts.seed ?? 0, 'eval', c).nextSeed() }).elbo; // [B]
    });
    out.set(await values.data(), start);
    values.dispose();
  }
  return out;
}
