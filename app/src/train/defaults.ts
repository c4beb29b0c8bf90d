/**
 * The trainer panel's settings in one place: the page's own defaults, and the choices it shares with
 * `vaekit train` in Node. Those live in src/node/ (out of the browser's reach), so they are restated
 * here and test/app/train-data.test.ts checks that both agree.
 */
import { VAE_DEFAULTS, type LikelihoodConfig } from 'vaekit';

/** The page's defaults. */
export const PAGE_DEFAULTS = Object.freeze({
  /** Z; 2, so the map is the latent space itself. */
  latentDim: 2,
  /** Passes over the training set. */
  epochs: 5,
  /** MNIST: training images, the first N of the 60000 (all of them are slow on a software WebGL). */
  mnistTrainImages: 10000,
  /** MNIST: test images, the first M of the 10000, for the held-out −ELBO after each epoch. */
  mnistTestImages: 1000,
  /** Examples whose posterior means the map shows: the first N of the training set. */
  mapExamples: 500,
  /**
   * Steps between loss read-backs: 1. The trainer lets the page's events and drawing run after each
   * read-back (src/training/trainer.ts, given a `shouldStop` callback), so the page is never held for
   * more than one step (about 50–100 ms on wasm, the default MLP, batch 128) and the epoch's
   * evaluation; every 5 steps held it for 0.3–0.9 s. The numbers do not depend on it.
   */
  logEvery: 1,
  /** Points of the loss curve per epoch (each the mean loss of the steps since the last). */
  curvePointsPerEpoch: 25,
});

/** How a folder of PNG images or a CSV table is split, as Node's IMAGE_FOLDER_SPLIT and TABLE_SPLIT: a seeded 20 % test split. */
export const TEST_SPLIT = Object.freeze({ testFraction: 0.2, seed: 0 });

/** Raw values are divided by this, as Node's DEFAULT_SCALE: bytes to [0, 1] for images, tables as they are (then standardised). */
export const PAGE_SCALE = Object.freeze({ image: 255, table: 1 });

/** The decoder's p(x|z) by kind of data, as Node's DATA_KIND_DEFAULTS: Bernoulli for images, Gaussian with a learned σ² for tables. */
export const PAGE_LIKELIHOOD: Readonly<Record<'image' | 'table', LikelihoodConfig>> = Object.freeze({
  image: VAE_DEFAULTS.likelihood,
  table: Object.freeze({ kind: 'gaussian', variance: 'learned' }) as LikelihoodConfig,
});

/** The four files of an MNIST folder, as Node's MNIST_FILES. */
export const MNIST_FILES = Object.freeze({
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
});

/** round(testFraction · N) test examples, at least 1 (as Node's table and PNG-folder splits). */
export function numTestOf(n: number): number {
  return Math.max(1, Math.round(TEST_SPLIT.testFraction * n));
}
