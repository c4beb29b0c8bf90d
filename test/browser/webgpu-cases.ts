/**
 * The computations the WebGPU kernel test runs twice: in headless Chromium on tfjs's webgpu backend
 * with vaekit's WGSL kernels registered, and in Node on the cpu backend (the reference, where no
 * fused kernel is registered, so the stable elementwise form and tfjs's own Adam run). Browser-safe:
 * bundled into the page by test/browser/webgpu-entry.ts. Inputs are deterministic functions of the
 * index, so both sides build the same tensors without shipping them.
 */
import * as tf from '@tensorflow/tfjs';
import { bernoulliLogProb } from '../../src/distributions/bernoulli.js';
import { makeOptimizer } from '../../src/training/optimizer.js';
import { VAE } from '../../src/index.js';
import { encodeFixed, MODEL_OPTIONS, trainBriefly } from './scenario.js';

/** One Bernoulli case: x [..., D] repeating over logits [..., D]. */
export interface BernoulliCase {
  name: string;
  xShape: number[];
  logitsShape: number[];
}

export const BERNOULLI_CASES: BernoulliCase[] = [
  { name: 'x and logits of one shape [B, D] (training, MNIST-sized D)', xShape: [16, 784], logitsShape: [16, 784] },
  { name: 'K samples sharing x: logits [K, B, D], x [B, D]', xShape: [5, 784], logitsShape: [7, 5, 784] },
  { name: 'x [1, B, D] over logits [K, B, D]', xShape: [1, 3, 50], logitsShape: [4, 3, 50] },
  { name: 'D above 1024 (256-thread workgroups)', xShape: [3, 3072], logitsShape: [3, 3072] },
  { name: 'one row: logits [D], a scalar out', xShape: [30], logitsShape: [30] },
  { name: 'more rows than one dispatch dimension holds (70,000)', xShape: [70000, 3], logitsShape: [70000, 3] },
];

/** x in [0, 1]: exact 0s and 1s and fractions in between. */
function xValues(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : i % 5 === 1 ? 1 : Math.abs(Math.sin(i * 12.9898)) % 1));
}

/** Logits mostly in [−8, 8], with extremes ±80 and ±20 every few hundred entries. */
function logitValues(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (i % 397 === 0 ? 80 : i % 389 === 0 ? -80 : i % 101 === 0 ? (i % 2 ? 20 : -20) : 8 * Math.sin(i * 0.37)));
}

const size = (shape: number[]) => shape.reduce((p, q) => p * q, 1);

/** log p(x|logits) through vaekit's bernoulliLogProb (the fused kernel where the backend has one). */
export async function bernoulliValue(c: BernoulliCase): Promise<{ shape: number[]; values: number[] }> {
  const out = tf.tidy(() => bernoulliLogProb(tf.tensor(xValues(size(c.xShape)), c.xShape), tf.tensor(logitValues(size(c.logitsShape)), c.logitsShape)));
  try {
    return { shape: out.shape, values: Array.from(await out.data()) };
  } finally {
    out.dispose();
  }
}

/** ∂/∂logits of Σ w·log p(x|logits), w a fixed weight per row: the training path's backward pass. */
export async function bernoulliLogitsGradient(c: BernoulliCase): Promise<number[]> {
  const g = tf.tidy(() => {
    const x = tf.tensor(xValues(size(c.xShape)), c.xShape);
    const logits = tf.tensor(logitValues(size(c.logitsShape)), c.logitsShape);
    const rows = c.logitsShape.slice(0, -1);
    const w = tf.tensor(
      Float32Array.from({ length: size(rows) }, (_, i) => 1 + 0.25 * Math.cos(i)),
      rows,
    );
    return tf.grad((l: tf.Tensor) => tf.sum(tf.mul(bernoulliLogProb(x, l), w)))(logits);
  });
  try {
    return Array.from(await g.data());
  } finally {
    g.dispose();
  }
}

/** dy·(x − σ(logits)) by the named kernel (webgpu), or by tfjs ops when `kernelName` is null (the reference). */
export async function logitsGradKernel(c: BernoulliCase, kernelName: string | null): Promise<number[]> {
  const out = tf.tidy(() => {
    const x = tf.tensor(xValues(size(c.xShape)), c.xShape);
    const logits = tf.tensor(logitValues(size(c.logitsShape)), c.logitsShape);
    const rows = c.logitsShape.slice(0, -1);
    const dy = tf.tensor(
      Float32Array.from({ length: size(rows) }, (_, i) => 0.5 + Math.sin(i)),
      rows,
    );
    if (kernelName != null) return tf.engine().runKernel(kernelName, { dy, x, logits }, {}) as tf.Tensor;
    return tf.mul(tf.expandDims(dy, -1), tf.sub(x, tf.sigmoid(logits)));
  });
  try {
    return Array.from(await out.data());
  } finally {
    out.dispose();
  }
}

/** What `adamSteps` returns: the variables and Adam's moments after the steps, flattened. */
export interface AdamResult {
  w: number[];
  b: number[];
  moments: number[][];
  losses: number[];
}

/**
 * `numSteps` Adam steps (makeOptimizer, lr 0.01) on a least-squares loss over w [37, 29] and b [29].
 * With `isShared`, w starts on the buffer of a tensor that stays alive (so an in-place update must decline).
 */
export async function adamSteps(numSteps: number, isShared: boolean): Promise<AdamResult> {
  const x = tf.tensor(
    Float32Array.from({ length: 8 * 37 }, (_, i) => Math.sin(i * 0.61)),
    [8, 37],
  );
  const target = tf.tensor(
    Float32Array.from({ length: 8 * 29 }, (_, i) => Math.cos(i * 0.23)),
    [8, 29],
  );
  const initValues = Float32Array.from({ length: 37 * 29 }, (_, i) => 0.1 * Math.sin(i * 1.3));
  const init = tf.tensor(initValues, [37, 29]);
  // A variable shares the buffer of the tensor it is made from (as a clone() of it would): made
  // inside tidy from a fresh tensor, that tensor is disposed and the variable owns its buffer alone.
  const name = `${isShared ? 'shared' : 'owned'}${numSteps}`;
  const w = isShared ? tf.variable(init, true, `w_${name}`) : tf.tidy(() => tf.variable(tf.tensor(initValues, [37, 29]), true, `w_${name}`));
  const b = tf.tidy(() => tf.variable(tf.zeros([29]), true, `b_${name}`));
  const optimizer = makeOptimizer(0.01);
  const losses: number[] = [];
  try {
    for (let s = 0; s < numSteps; s++) {
      const loss = optimizer.minimize(() => tf.sum(tf.square(tf.sub(tf.add(tf.matMul(x, w), b), target))) as tf.Scalar, true)!;
      losses.push((await loss.data())[0]);
      loss.dispose();
    }
    const weights = await optimizer.getWeights();
    const moments = await Promise.all(weights.slice(1).map(async (nt) => Array.from(await nt.tensor.data())));
    return { w: Array.from(await w.data()), b: Array.from(await b.data()), moments, losses };
  } finally {
    optimizer.dispose();
    tf.dispose([x, target, init, w, b]);
  }
}

/**
 * The browser test's model (a 6-5-2 MLP VAE, Bernoulli likelihood, seeded) built here, its encodings
 * of fixed inputs, then two epochs of vaekit's trainer (the fused likelihood and Adam's update on the
 * way) and its encodings after: the whole training path.
 */
export async function trainScenarioModel(): Promise<{
  before: { mean: number[]; logVar: number[] };
  trainLoss: number[];
  after: { mean: number[]; logVar: number[] };
}> {
  const vae = new VAE({ ...MODEL_OPTIONS });
  try {
    const before = await encodeFixed(vae);
    const { trainLoss, encodedAfter } = await trainBriefly(vae);
    return { before, trainLoss, after: encodedAfter };
  } finally {
    vae.dispose();
  }
}
