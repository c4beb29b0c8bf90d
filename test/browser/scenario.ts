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

/**
 * Models of every kind of network and condition the page loads (beside {@link MODEL_OPTIONS}): each is
 * saved by Node, loaded in the page with `VAE.load(url)` (standard tfjs layers through
 * `tf.loadLayersModel`), and run by {@link encodeDecode} on both sides.
 */
export const SAVED_MODEL_KINDS = Object.freeze({
  conv: { inputShape: [6, 5, 2], latentDim: 3, encoder: { kind: 'conv' as const, channels: [3, 4], hidden: [5] }, seed: 4 },
  'conditional-conv': { inputShape: [8, 8, 1], latentDim: 2, conditionDim: 3, encoder: { kind: 'conv' as const, channels: [2] }, seed: 5 },
  'conditional-mlp': { inputShape: [DATA_DIM], hidden: [5], latentDim: 2, conditionDim: 2, seed: 6 },
  'rnn-gru': { inputShape: [5, 2], latentDim: 2, encoder: { kind: 'rnn' as const, cell: 'gru' as const, hidden: [4] }, seed: 8 },
  'conditional-rnn-lstm': {
    inputShape: [4, 3],
    latentDim: 2,
    conditionDim: 2,
    encoder: { kind: 'rnn' as const, cell: 'lstm' as const, hidden: [3, 2] },
    seed: 9,
  },
  'mixed-table': {
    inputShape: [7], // x, colour (3 one-hot), y, size (2 one-hot)
    hidden: [5],
    latentDim: 2,
    seed: 7,
    likelihood: {
      kind: 'mixed' as const,
      variance: 'learned' as const,
      columns: [
        { name: 'x', kind: 'numeric' as const },
        { name: 'colour', kind: 'categorical' as const, categories: ['blue', 'green', 'red'] },
        { name: 'y', kind: 'numeric' as const },
        { name: 'size', kind: 'categorical' as const, categories: ['S', 'L'] },
      ],
    },
  },
});

/**
 * Encodes two fixed inputs (with conditions one-hot 0 and 1 for a conditional model) and decodes their
 * posterior means: mean [2, Z] and decoder outputs [2, D], flattened.
 */
export async function encodeDecode(vae: VAE): Promise<{ mean: number[]; decoded: number[] }> {
  const [mean, decoded] = tf.tidy(() => {
    const x = tf.tensor2d(
      Float32Array.from({ length: 2 * vae.dataDim }, (_, i) => ((i * 7) % 13) / 12),
      [2, vae.dataDim],
    ); // [2, D]
    const c = vae.conditionDim > 0 ? (tf.oneHot([0, 1], vae.conditionDim).toFloat() as tf.Tensor2D) : undefined; // [2, C]
    const posterior = vae.encode(x, c); // mean [2, Z]
    return [posterior.mean, vae.decode(posterior.mean, c)]; // [2, Z], [2, D]
  });
  try {
    return { mean: Array.from(await mean.data()), decoded: Array.from(await decoded.data()) };
  } finally {
    tf.dispose([mean, decoded]);
  }
}
