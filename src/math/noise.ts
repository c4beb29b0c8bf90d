/**
 * Every noise tensor vaekit draws, in one module: the ε of the reparameterised ELBO in training and
 * evaluation, the importance samples of the IWAE bound and of the log-likelihood estimate, latent
 * draws for generation, and observation noise for samples of p(x|z). Each function names one
 * purpose and derives its tfjs op seed from (seed, purpose, indices) (src/math/rng.ts), so two
 * callers that mean the same draw get the same numbers: the training step on one thread and its
 * shards on worker threads, an evaluation in one pass and in slices.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveRng, tfSeed } from './rng.js';

/**
 * A faster source of exactly tf.randomNormal's numbers: for (shape, mean, stdDev, seed) it returns
 * the tensor `tf.randomNormal(shape, mean, stdDev, 'float32', seed)` would (the same float32 values,
 * bit for bit), or null to leave the draw to tfjs (a seed or shape it does not handle).
 * The Node addon registers one (native/normal.c; src/node/compute/native-kernels.ts).
 * @returns float32 of `shape`, caller disposes; or null
 */
export type NormalSource = (shape: number[], mean: number, stdDev: number, seed: number) => tf.Tensor | null;

let normalSource: NormalSource | null = null;

/**
 * Registers the source every normal draw below goes through first (null: tf.randomNormal alone).
 * The source must reproduce tf.randomNormal bit for bit: noise is part of the results' contract.
 * @returns the source registered before, so a caller can put it back
 */
export function registerNormalSource(source: NormalSource | null): NormalSource | null {
  const previous = normalSource;
  normalSource = source;
  return previous;
}

/**
 * N(mean, stdDev²) of `shape`, float32: tf.randomNormal(shape, mean, stdDev, 'float32', seed), by
 * the registered {@link NormalSource} when there is one and it takes the draw.
 * @returns float32 of `shape`; caller disposes
 */
function normal(shape: number[], mean: number, stdDev: number, seed: number): tf.Tensor {
  return normalSource?.(shape, mean, stdDev, seed) ?? tf.randomNormal(shape, mean, stdDev, 'float32', seed);
}

/**
 * The noise seed of one training step, a pure function of the run's seed, the 0-based epoch and the
 * step within it: a resumed run draws exactly what the uninterrupted run drew.
 */
export function stepSeed(seed: number, epoch: number, step: number): number {
  return deriveRng(seed, 'eps', epoch, step).nextSeed();
}

/**
 * The noise seed of one chunk of an evaluation pass (chunk c holds examples [c·size, (c + 1)·size)).
 */
export function chunkSeed(seed: number, chunk: number): number {
  return deriveRng(seed, 'eval', chunk).nextSeed();
}

/**
 * ε ~ N(0, I) of the reparameterised ELBO: [B, Z] for one sample per example, [K, B, Z] for K.
 * The batch axis is the second to last, so a batch's noise is cut into shards along it.
 * @param seed - the step's or chunk's seed ({@link stepSeed}, {@link chunkSeed}) or any integer
 * @returns [B, Z] or [K, B, Z], float32; caller disposes
 */
export function elboNoise(numSamples: number, batchSize: number, latentDim: number, seed: number): tf.Tensor {
  const shape = numSamples === 1 ? [batchSize, latentDim] : [numSamples, batchSize, latentDim];
  return normal(shape, 0, 1, tfSeed(seed, 'eps'));
}

/**
 * ε ~ N(0, I) [K, B, Z] of the importance-weighted bound.
 * @returns [K, B, Z], float32; caller disposes
 */
export function iwaeNoise(numSamples: number, batchSize: number, latentDim: number, seed: number): tf.Tensor3D {
  return normal([numSamples, batchSize, latentDim], 0, 1, tfSeed(seed, 'iwae')) as tf.Tensor3D;
}

/**
 * ε ~ N(0, I) [K, Z] of example n of a dataset in the importance-sampled log-likelihood: its own
 * stream, whatever the chunking or the thread that estimates it.
 * @param exampleIndex - n, the example's index in the whole dataset
 * @returns [K, Z], float32; caller disposes
 */
export function exampleNoise(numSamples: number, latentDim: number, seed: number, exampleIndex: number): tf.Tensor2D {
  return normal([numSamples, latentDim], 0, 1, tfSeed(seed, 'loglik', exampleIndex)) as tf.Tensor2D;
}

/**
 * Latent draws for generation, z ~ N(0, temperature² I).
 * @returns [n, Z], float32; caller disposes
 */
export function priorNoise(n: number, latentDim: number, seed: number, temperature = 1): tf.Tensor2D {
  return normal([n, latentDim], 0, temperature, tfSeed(seed, 'sample')) as tf.Tensor2D;
}

/**
 * u ~ U[0, 1) of the shape given, for Bernoulli observation samples (x = 1 where u < p).
 * @returns float32; caller disposes
 */
export function uniformObservationNoise(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, 0, 1, 'float32', tfSeed(seed, 'bernoulli-sample'));
}

/**
 * e ~ N(0, 1) of the shape given, for Gaussian observation samples (x = mean + σ·e).
 * @returns float32; caller disposes
 */
export function normalObservationNoise(shape: number[], seed: number): tf.Tensor {
  return normal(shape, 0, 1, tfSeed(seed, 'gaussian-sample'));
}

/**
 * ε ~ N(0, I) [L, Z] of example n of a dataset in the reconstruction probability (An & Cho 2015):
 * its own stream, whatever the chunking, like {@link exampleNoise} but for another purpose.
 * @param exampleIndex - n, the example's index in the whole dataset
 * @returns [L, Z], float32; caller disposes
 */
export function reconstructionProbabilityNoise(numSamples: number, latentDim: number, seed: number, exampleIndex: number): tf.Tensor2D {
  return normal([numSamples, latentDim], 0, 1, tfSeed(seed, 'recon-prob', exampleIndex)) as tf.Tensor2D;
}

/**
 * u ~ U(0, 1) of the shape given, for categorical observation samples by the Gumbel-max trick
 * (src/distributions/categorical.ts); `stream` keeps the groups of one draw apart. The bounds are
 * open (tiny and 1 − 2⁻²⁴ at the ends), so −log(−log u) stays finite.
 * @returns float32; caller disposes
 */
export function categoricalObservationNoise(shape: number[], seed: number, stream = 0): tf.Tensor {
  return tf.randomUniform(shape, 1e-7, 1 - 2 ** -24, 'float32', tfSeed(seed, 'categorical-sample', stream));
}
