/**
 * −ELBO over a whole dataset, in nats per example, evaluated in chunks.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { deriveRng } from '../math/rng.js';
import type { LatentVariableModel } from '../models/latent-model.js';
import { elbo } from '../objectives/elbo.js';

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

/**
 * Mean −ELBO of a dataset (one reparameterised sample per example unless `numSamples` says
 * otherwise). Deterministic for a seed: chunk c uses the stream (seed, 'eval', c).
 * @param ds - examples [N, D]
 * @returns means in nats per example (sums over D and Z, mean over N)
 */
export function evaluateElbo(
  model: LatentVariableModel,
  ds: Dataset,
  opts: { batchSize?: number; seed?: number; numSamples?: number } = {},
): ElboSummary {
  const batchSize = opts.batchSize ?? 1000;
  let rec = 0;
  let kl = 0;
  for (let start = 0, c = 0; start < ds.numExamples; start += batchSize, c++) {
    const n = Math.min(batchSize, ds.numExamples - start);
    const sums = tf.tidy(() => {
      const x = tf.tensor2d(ds.x.subarray(start * ds.dataDim, (start + n) * ds.dataDim), [n, ds.dataDim]);
      const t = elbo(model, x, { numSamples: opts.numSamples, seed: deriveRng(opts.seed ?? 0, 'eval', c).nextSeed() });
      return tf.stack([tf.sum(t.reconstruction), tf.sum(t.kl)]);
    });
    const [r, k] = sums.dataSync();
    sums.dispose();
    rec -= r;
    kl += k;
  }
  const m = Math.max(ds.numExamples, 1);
  return { loss: (rec + kl) / m, reconstructionLoss: rec / m, kl: kl / m, numExamples: ds.numExamples };
}
