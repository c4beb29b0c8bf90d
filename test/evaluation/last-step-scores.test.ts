/**
 * The last point's scores of series windows (recon-prob-last, recon-error-last in
 * src/evaluation/anomaly-scores.ts) against float64 oracles built from the model's own reconstruction
 * and decoder outputs: only the window's last step [F] counts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeDataset } from '../../src/data/dataset.js';
import { reconstructionLogProbability, scoreExamples } from '../../src/evaluation/anomaly-scores.js';
import { reconstructionProbabilityNoise } from '../../src/math/noise.js';
import { Rng } from '../../src/math/rng.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';

before(async () => {
  await useBackend('cpu');
});

const W = 4;
const F = 3;
const D = W * F;
const N = 6;
const rng = new Rng('last-step');
const X = Float32Array.from({ length: N * D }, () => rng.next() * 2 - 1);
const ds = makeDataset({ x: X, numExamples: N, dataDim: D, exampleShape: [W, F], source: 'windows' });

describe('last-step scores', () => {
  const logVar = -0.7;
  const vae = new VAE({
    inputShape: [W, F],
    latentDim: 2,
    encoder: { kind: 'rnn', hidden: [4] },
    likelihood: { kind: 'gaussian', variance: 'learned', logVar },
    seed: 5,
  });
  after(() => vae.dispose());

  test('recon-error-last is ‖x_W − x̂_W‖² over the last F values only', async () => {
    const got = await assertNoTensorLeak(() => scoreExamples(vae, ds, { score: 'recon-error-last' }));
    const rec = tf.tidy(() => vae.reconstruct(tf.tensor2d(X, [N, D])));
    const r = rec.dataSync();
    rec.dispose();
    const expected = Array.from({ length: N }, (_, n) => {
      let s = 0;
      for (let j = D - F; j < D; j++) s += (X[n * D + j] - r[n * D + j]) ** 2;
      return s;
    });
    assertAllClose(Array.from(got), expected, { rtol: 1e-5 });
    const whole = await scoreExamples(vae, ds, { score: 'recon-error' });
    assert.ok(
      got.every((v, n) => v < whole[n]),
      'the last step is part of the window',
    );
  });

  test('recon-prob-last with L = 1 is −log N(x_W; μ_W(z), σ² I), z = μ(x) + σ(x) ε with the example’s own ε', async () => {
    const last = await assertNoTensorLeak(() => reconstructionLogProbability(vae, ds, { numSamples: 1, seed: 3, isLastStep: true }));
    // Oracle in float64: the same ε stream (seed 3, example n), the decoder's mean, the Gaussian density of the last F values.
    const mu = tf.tidy(() => {
      const q = vae.encode(tf.tensor2d(X, [N, D]));
      const eps = tf.concat(Array.from({ length: N }, (_, n) => reconstructionProbabilityNoise(1, 2, 3, n))); // [N, Z]
      return vae.decode(tf.add(q.mean, tf.mul(tf.exp(tf.mul(q.logVar, 0.5)), eps)) as tf.Tensor2D); // [N, D]
    });
    const m = mu.dataSync();
    mu.dispose();
    const expected = Array.from({ length: N }, (_, n) => {
      let s = 0;
      for (let j = D - F; j < D; j++) s += -0.5 * (Math.log(2 * Math.PI) + logVar + (X[n * D + j] - m[n * D + j]) ** 2 / Math.exp(logVar));
      return s;
    });
    assertAllClose(Array.from(last), expected, { rtol: 1e-5 });
    const scores = await scoreExamples(vae, ds, { score: 'recon-prob-last', numSamples: 1, seed: 3 });
    assert.deepEqual(
      Array.from(scores),
      Array.from(last, (v) => -v),
    );
  });

  test('a likelihood with a σ² per dimension is refused with a ConfigError naming the score', async () => {
    const diag = new VAE({ inputShape: [W, F], latentDim: 2, likelihood: { kind: 'gaussian', variance: 'learned-diag' }, seed: 1 });
    try {
      await assert.rejects(
        scoreExamples(diag, ds, { score: 'recon-prob-last' }),
        /^ConfigError: score 'recon-prob-last': the last step's log-likelihood needs/,
      );
    } finally {
      diag.dispose();
    }
  });
});
