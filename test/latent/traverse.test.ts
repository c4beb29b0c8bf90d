/**
 * Latent traversals and the 2-D manifold grid: the codes against their definition, the decoder means
 * against the decoder, and the row order by KL on a VAE whose encoder is set so that each latent
 * dimension's KL is known in closed form.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeDataset } from '../../src/data/dataset.js';
import { ConfigError, ShapeError } from '../../src/errors.js';
import { dimensionsByKl, latentStatistics } from '../../src/evaluation/latent-stats.js';
import { latentGrid } from '../../src/latent/manifold.js';
import { traversalLatents, traversalOffsets, traverse } from '../../src/latent/traverse.js';
import { decodeMean } from '../../src/models/generate.js';
import { createModel } from '../../src/models/index.js';
import type { LatentVariableModel } from '../../src/models/latent-model.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';

const D = 6;
const H = 4;
/** Encoder biases: with zero kernels, q(z_u|x) = N(MEAN[u], exp(LOG_VAR[u])) for every x. */
const MEAN = [0, 2, 0.5, 1];
const LOG_VAR = [0, -1, 0, 0];
/** KL_u = ½(μ² + σ² − 1 − log σ²): 0, 2.184, 0.125, 0.5 → order 1, 3, 2, 0. */
const KL = MEAN.map((m, u) => 0.5 * (m * m + Math.exp(LOG_VAR[u]) - 1 - LOG_VAR[u]));
const Z = MEAN.length;

let model: LatentVariableModel;
before(async () => {
  await useBackend('cpu');
  model = createModel('vae', { inputShape: [D], latentDim: Z, hidden: [H], likelihood: { kind: 'gaussian', variance: 1 }, seed: 2 });
  for (const [name, bias] of [
    ['encoder_mean', MEAN],
    ['encoder_logvar', LOG_VAR],
  ] as const) {
    const layer = model.encoder.getLayer(name);
    const w = [tf.zeros([H, Z]), tf.tensor1d(bias)];
    layer.setWeights(w);
    tf.dispose(w);
  }
});
after(() => model.dispose());

describe('traversalLatents', () => {
  test('row r varies dims[r] over [−range, range] around the centre and holds the others', async () => {
    const centre = tf.tensor1d([0.5, -1, 2, 0]);
    const z = await assertNoTensorLeak(() => traversalLatents(centre, { dims: [2, 0], range: 2, numSteps: 5 }));
    assert.deepEqual(z.shape, [10, Z]);
    const v = [-2, -1, 0, 1, 2];
    const expected: number[][] = [];
    for (const u of [2, 0]) for (const vs of v) expected.push([0.5, -1, 2, 0].map((c, k) => (k === u ? c + vs : c)));
    assertAllClose(z, expected, { rtol: 1e-6, atol: 1e-7 });
    tf.dispose([centre, z]);
  });

  test('the offsets are even from −range to range, the centre in the middle for odd S', () => {
    assert.deepEqual(traversalOffsets(3, 9), [-3, -2.25, -1.5, -0.75, 0, 0.75, 1.5, 2.25, 3]);
  });

  test('refuses dimensions outside [0, Z − 1] or repeated, naming dims', () => {
    const centre = tf.zeros([1, Z]);
    assert.throws(
      () => traversalLatents(centre, { dims: [0, 4] }),
      (e: unknown) => e instanceof ConfigError && e.message === 'dims: expected a non-empty list of integers in [0, 3], got [0,4]',
    );
    assert.throws(
      () => traversalLatents(centre, { dims: [1, 1] }),
      (e: unknown) => e instanceof ConfigError && e.message === 'dims: expected distinct dimensions, got [1,1]',
    );
    assert.throws(() => traversalLatents(centre, { numSteps: 1 }), ConfigError);
    assert.throws(() => traversalLatents(tf.zeros([2, Z])), ShapeError);
    centre.dispose();
  });
});

describe('traverse', () => {
  test('decodes one row per dimension in KL order (largest first), collapsed dimension 0 last', async () => {
    const x = new Float32Array(20 * D).map((_, i) => Math.sin(i)); // [20, D], any inputs: the encoder ignores x
    const stats = await latentStatistics(model, makeDataset({ x, numExamples: 20, dataDim: D, source: 'sines' }));
    assertAllClose(stats.klPerDimension, KL, { rtol: 1e-5, atol: 1e-6 });
    const dims = dimensionsByKl(stats.klPerDimension);
    assert.deepEqual(dims, [1, 3, 2, 0]);

    const centre = tf.tidy(() => model.encode(tf.tensor2d(x.subarray(0, D), [1, D])).mean); // [1, Z] = MEAN
    const r = await assertNoTensorLeak(() => traverse(model, centre, { dims, range: 3, numSteps: 3 }));
    assert.deepEqual(
      [r.z.shape, r.mean.shape],
      [
        [12, Z],
        [12, D],
      ],
    );
    const z = r.z.arraySync();
    dims.forEach((u, row) => {
      for (let s = 0; s < 3; s++) {
        const expected = MEAN.map((m, k) => (k === u ? m + [-3, 0, 3][s] : m));
        assertAllClose(z[row * 3 + s], expected, { rtol: 1e-6, atol: 1e-6, message: `row ${row} (dimension ${u}), step ${s}` });
      }
    });
    const expectedMean = decodeMean(model, r.z);
    assertAllClose(r.mean, expectedMean, { rtol: 1e-6, atol: 1e-7 });
    tf.dispose([centre, r.z, r.mean, expectedMean]);
  });

  test('refuses a centre of another latent size', () => {
    assert.throws(
      () => traverse(model, tf.zeros([1, Z + 1])),
      (e: unknown) => e instanceof ShapeError && /traverse: expected a centre of latentDim = 4/.test(e.message),
    );
  });
});

describe('latentGrid', () => {
  test('puts z₁ along the columns and z₂ down the rows from +range, and decodes each code', async () => {
    const m2 = createModel('vae', { inputShape: [D], latentDim: 2, hidden: [H], likelihood: { kind: 'bernoulli' }, seed: 5 });
    const g = await assertNoTensorLeak(() => latentGrid(m2, { numPerSide: 3, range: 1.5 }));
    assertAllClose(g.z, [
      [-1.5, 1.5],
      [0, 1.5],
      [1.5, 1.5],
      [-1.5, 0],
      [0, 0],
      [1.5, 0],
      [-1.5, -1.5],
      [0, -1.5],
      [1.5, -1.5],
    ]);
    const expected = decodeMean(m2, g.z);
    assertAllClose(g.mean, expected, { rtol: 1e-6, atol: 1e-7 });
    tf.dispose([g.z, g.mean, expected]);
    m2.dispose();
  });

  test('refuses a model whose latent space is not 2-D', () => {
    assert.throws(
      () => latentGrid(model),
      (e: unknown) => e instanceof ShapeError && e.message === 'latentGrid: expected a model with latentDim = 2, got 4',
    );
  });
});
