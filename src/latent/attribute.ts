/**
 * Attribute vectors: a direction in the latent space from the difference of two labelled groups'
 * mean codes, added to an example's code to move it from one group towards the other (resynthesis).
 *   v = m_B − m_A,  m_G = (1/N_G) Σ_{n: y_n = G} μ(x_n)
 *   z'(α) = μ(x) + α v,  x̂(α) = E[x | z'(α)]
 * @see Prince, Understanding Deep Learning, §17.8.3 (resynthesis: the vector between the mean latent
 *   codes of examples with and without an attribute, added to a new example's code); White 2016, §3
 */
import * as tf from '@tensorflow/tfjs';
import { subset, type Dataset } from '../data/dataset.js';
import { ConfigError, DataError, setting, ShapeError } from '../errors.js';
import { decodeMeanUnder } from '../models/generate.js';
import type { LatentVariableModel } from '../models/latent-model.js';
import { check, finiteNumber, integer, listOf, oneOf } from '../validate.js';
import { encodeMeans, type EncodeMeansOptions } from './aggregated-posterior.js';
import { ENCODE_METHODS, encodeDataset, type EncodeMethod } from './map-encode.js';

/** Options of {@link attributeVector}. */
export interface AttributeVectorOptions extends EncodeMeansOptions {
  /** A, the label of the group the vector points from. */
  fromLabel: number;
  /** B, the label of the group the vector points to; ≠ fromLabel. */
  toLabel: number;
  /** The codes averaged: 'mean', the encoder means μ(x_n); 'map', the posterior modes (src/latent/map-encode.ts). Default 'mean'. */
  method?: EncodeMethod;
  /** 'map': Adam steps per example and learning rate (defaults 100 and 0.05, as mapEncode's). */
  steps?: number;
  learningRate?: number;
}

/** An attribute vector and the groups it came from. */
export interface AttributeVector {
  /** v = m_B − m_A [Z], float64, z units. */
  vector: Float64Array;
  /** m_A, the mean posterior mean of the examples labelled fromLabel [Z]. */
  fromMean: Float64Array;
  /** m_B [Z]. */
  toMean: Float64Array;
  fromLabel: number;
  toLabel: number;
  /** N_A and N_B, the group sizes. */
  numFrom: number;
  numTo: number;
}

/**
 * The attribute vector from the examples labelled A to those labelled B: the difference of their
 * mean posterior means, summed in float64.
 *   v = (1/N_B) Σ_{y_n = B} μ(x_n) − (1/N_A) Σ_{y_n = A} μ(x_n)
 * With method 'map' the codes are the posterior modes ẑ(x_n) of the two groups' examples instead of
 * their encoder means (Prince §17.8.3, option ii).
 * @param model - the encoder (a conditional one encodes each example under its own condition)
 * @param ds - labelled examples [N, D] in the model's input units
 * @returns {@link AttributeVector}, v [Z]
 * @throws ConfigError for a non-integer label, fromLabel = toLabel, or a bad method, steps or learningRate
 * @throws DataError when ds has no labels, or no example has one of the two labels (naming the labels present)
 * @throws ShapeError when ds.dataDim ≠ model.dataDim
 * @see Prince, Understanding Deep Learning, §17.8.3
 */
export async function attributeVector(model: LatentVariableModel, ds: Dataset, options: AttributeVectorOptions): Promise<AttributeVector> {
  const fromLabel = check('fromLabel', options.fromLabel, integer);
  const toLabel = check('toLabel', options.toLabel, integer);
  if (fromLabel === toLabel) throw new ConfigError(`${setting('toLabel')}: expected a label other than ${setting('fromLabel')} (${fromLabel}), got ${toLabel}`);
  const method = check('method', options.method ?? 'mean', oneOf(ENCODE_METHODS));
  const { steps, learningRate, batchSize } = options;
  const labels = ds.labels;
  if (!labels) throw new DataError(`attributeVector(${ds.source}): expected labelled examples, got none with labels`);
  const present = [...new Set(labels)].sort((a, b) => a - b);
  for (const [field, label] of [
    ['fromLabel', fromLabel],
    ['toLabel', toLabel],
  ] as const) {
    if (!present.includes(label)) {
      throw new DataError(`${setting(field, label)}: no example of ${ds.source} has label ${label}; the labels present are ${present.join(', ')}`);
    }
  }
  const means =
    method === 'map' // the two groups' examples alone: each code costs T decoder passes
      ? (await encodeDataset(model, subset(ds, groupIndices(labels, fromLabel, toLabel)), { method, steps, learningRate, batchSize })).codes // [N_A + N_B, Z]
      : await encodeMeans(model, ds, { batchSize }); // [N, Z]
  const codeLabels = means.labels!;
  const z = means.dataDim;
  const groupMean = (label: number): { mean: Float64Array; count: number } => {
    const mean = new Float64Array(z); // [Z]
    let count = 0;
    for (let n = 0; n < means.numExamples; n++) {
      if (codeLabels[n] !== label) continue;
      count++;
      for (let u = 0; u < z; u++) mean[u] += means.x[n * z + u];
    }
    for (let u = 0; u < z; u++) mean[u] /= count;
    return { mean, count };
  };
  const a = groupMean(fromLabel);
  const b = groupMean(toLabel);
  const vector = b.mean.map((m, u) => m - a.mean[u]); // [Z]
  return { vector, fromMean: a.mean, toMean: b.mean, fromLabel, toLabel, numFrom: a.count, numTo: b.count };
}

/** Indices of the examples labelled a or b, in order. */
function groupIndices(labels: Int32Array, a: number, b: number): number[] {
  const out: number[] = [];
  labels.forEach((label, n) => (label === a || label === b) && out.push(n));
  return out;
}

/**
 * Resynthesis: an attribute vector added to a code at each strength, and the decoder means.
 *   z_s = z + α_s v,  x̂_s = E[x | z_s]
 * @param model - the decoder (a conditional one decodes every code under `c`)
 * @param z - the code [Z] or [1, Z], e.g. μ(x) of the example to edit
 * @param vector - v [Z], e.g. {@link AttributeVector.vector}
 * @param strengths - α_s [S], finite numbers (0 gives the code itself; 1 adds the whole difference of the group means)
 * @param c - a conditional model's condition [1, C], e.g. the edited example's own
 * @returns z: latents [S, Z]; mean: decoder means [S, D]; caller disposes both
 * @throws ShapeError when z or vector is not of size model.latentDim; ConfigError for an empty or non-finite strengths list
 * @see Prince, Understanding Deep Learning, §17.8.3
 */
export function applyAttribute(
  model: LatentVariableModel,
  z: tf.Tensor,
  vector: ArrayLike<number>,
  strengths: readonly number[],
  c?: tf.Tensor2D,
): { z: tf.Tensor2D; mean: tf.Tensor2D } {
  const k = model.latentDim;
  if (z.size !== k || vector.length !== k) {
    throw new ShapeError(`applyAttribute: expected a code and a vector of latentDim = ${k} values, got [${z.shape.join(', ')}] and ${vector.length}`);
  }
  const alphas = check('strengths', [...strengths], listOf(finiteNumber));
  return tf.tidy(() => {
    const codes = tf.add(z.reshape([1, k]), tf.mul(tf.tensor2d(alphas, [alphas.length, 1]), tf.tensor2d(Float32Array.from(vector), [1, k]))) as tf.Tensor2D; // [S, Z]
    return { z: codes, mean: decodeMeanUnder(model, codes, c) }; // [S, Z], [S, D]
  });
}
