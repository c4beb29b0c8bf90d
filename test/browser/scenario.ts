/**
 * What the browser test computes, once in headless Chromium (through the bundle, test/browser/entry.ts)
 * and once in Node, on tfjs's cpu backend both times: encodings of fixed inputs, the dataset ELBO, and
 * two epochs of training. Browser-safe: it imports only vaekit's browser entry and tfjs, and reads
 * tensors with `await data()` only.
 */
import * as tf from '@tensorflow/tfjs';
import { evaluateElbo, makeDataset, train, type Dataset, type ElboSummary, type VAE } from '../../src/index.js';

/** D, the size of one example of the scenario's model (a 6-5-2 MLP VAE, Bernoulli likelihood). */
export const DATA_DIM = 6;
/** The model both sides use: saved by Node, loaded by the page. */
export const MODEL_OPTIONS = Object.freeze({ inputShape: [DATA_DIM], hidden: [5], latentDim: 2, seed: 3 });
/** The training run both sides make: 12 examples in 3 batches of 4, 2 epochs, a read-back every step. */
export const TRAIN_OPTIONS = Object.freeze({ epochs: 2, batchSize: 4, seed: 1, logEvery: 1 });

/** Fixed inputs [4, D], values in [0, 1]. */
export function fixedInputs(): Float32Array {
  return Float32Array.from({ length: 4 * DATA_DIM }, (_, i) => ((i * 7) % 13) / 12);
}

/** A synthetic dataset: 12 examples [12, D] with values in [0, 1] (Bernoulli means), no randomness. */
export function syntheticData(): Dataset {
  const numExamples = 12;
  const x = Float32Array.from({ length: numExamples * DATA_DIM }, (_, i) => {
    const [n, d] = [Math.floor(i / DATA_DIM), i % DATA_DIM];
    return ((n * 5 + d * 3) % 11) / 10;
  });
  return makeDataset({ x, numExamples, dataDim: DATA_DIM, source: 'browser-test synthetic' });
}

/** q(z|x) of the fixed inputs: mean and logVar [4, Z] each, flattened. */
export async function encodeFixed(vae: VAE): Promise<{ mean: number[]; logVar: number[] }> {
  const x = tf.tensor2d(fixedInputs(), [4, DATA_DIM]); // [4, D]
  const { mean, logVar } = vae.encode(x); // [4, Z] each
  try {
    return { mean: Array.from(await mean.data()), logVar: Array.from(await logVar.data()) };
  } finally {
    tf.dispose([x, mean, logVar]);
  }
}

/** The mean −ELBO of the synthetic data (seed 0, one sample per example), nats per example. */
export async function elboOfData(vae: VAE): Promise<ElboSummary> {
  return evaluateElbo(vae, syntheticData());
}

/**
 * Trains `vae` in place for {@link TRAIN_OPTIONS} on the synthetic data.
 * @returns the per-epoch training loss (nats per example), and the encodings of the fixed inputs after training
 */
export async function trainBriefly(vae: VAE): Promise<{ trainLoss: number[]; encodedAfter: { mean: number[]; logVar: number[] } }> {
  const result = await train(vae, { train: syntheticData() }, { options: { ...TRAIN_OPTIONS } });
  result.optimizer.dispose();
  return { trainLoss: result.history.map((m) => m.trainLoss), encodedAfter: await encodeFixed(vae) };
}
