/**
 * The linear-Gaussian oracle (STYLE.md, Tests): p(z) = N(0, I), p(x|z) = N(Wz + b, σ²I) with
 * orthogonal columns of W. Then p(x) = N(b, WWᵀ + σ²I) and the exact posterior is diagonal,
 *   p(z|x) = N(M⁻¹Wᵀ(x − b), σ²M⁻¹),  M = WᵀW + σ²I = diag(s² + σ²)   (W = Q·diag(s), QᵀQ = I),
 * so a VAE with hidden [] (linear encoder and decoder) and a Gaussian likelihood can hold it exactly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeDataset } from '../../src/data/dataset.js';
import { estimateLogLikelihood } from '../../src/evaluation/log-likelihood.js';
import { Rng } from '../../src/math/rng.js';
import { elbo } from '../../src/objectives/elbo.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { assertAllClose } from '../helpers/assert.js';
import { gaussianLogProb64, klGauss64, meanAndStandardError } from '../helpers/oracles.js';
import { B, BIAS, CUBATURE, D, exactLogLikelihood, linearVae, posterior, SIGMA2, W, X } from '../helpers/linear-gaussian.js';

before(async () => {
  await useBackend('cpu');
});

const exact = linearVae();
after(() => exact.dispose());

describe('the linear-Gaussian oracle', () => {
  test('hidden [] gives a linear encoder and decoder: one Dense layer per output, no activation', () => {
    const dense = (m: tf.LayersModel) => m.layers.filter((l) => l.getClassName() === 'Dense');
    assert.deepEqual(
      dense(exact.encoder).map((l) => l.name),
      ['encoder_mean', 'encoder_logvar'],
    );
    assert.deepEqual(
      dense(exact.decoder).map((l) => l.name),
      ['decoder_output'],
    );
    for (const l of [...dense(exact.encoder), ...dense(exact.decoder)]) assert.equal(l.getConfig().activation, 'linear');
    const q = tf.tidy(() => exact.encode(tf.tensor2d(X)).mean.arraySync());
    assertAllClose(
      q,
      X.map((x) => posterior(x).mean),
      { rtol: 1e-5, atol: 1e-6 },
    );
  });

  test('with q the exact posterior, the ELBO equals log p(x) when ε matches N(0, I) in its first two moments', () => {
    const t = elbo(exact, tf.tensor2d(X), { numSamples: 4, eps: tf.tensor3d(CUBATURE) });
    assertAllClose(t.elbo, X.map(exactLogLikelihood), { rtol: 1e-5 });
    tf.dispose([t.elbo, t.reconstruction, t.kl]);
  });

  test('with q the exact posterior, a 4000-sample ELBO is within 5 standard errors of log p(x)', () => {
    const k = 4000;
    const mc = new Rng('linear-gaussian-mc');
    const eps = Array.from({ length: k }, () => Array.from({ length: B }, () => [mc.nextNormal(), mc.nextNormal()]));
    const t = elbo(exact, tf.tensor2d(X), { numSamples: k, eps: tf.tensor3d(eps) });
    const got = t.elbo.dataSync();
    X.forEach((x, b) => {
      // The standard error of the reconstruction term, from the same samples in float64.
      const q = posterior(x);
      const logLiks = eps.map((e) => {
        const z = q.mean.map((m, j) => m + Math.exp(0.5 * q.logVar[j]) * e[b][j]);
        return gaussianLogProb64(
          x,
          W.map((row, i) => row[0] * z[0] + row[1] * z[1] + BIAS[i]),
          SIGMA2,
        );
      });
      const { se } = meanAndStandardError(logLiks);
      const logPx = exactLogLikelihood(x);
      assert.ok(Math.abs(got[b] - logPx) < 5 * se, `example ${b}: ELBO ${got[b]}, log p(x) ${logPx}, standard error ${se}`);
    });
    tf.dispose([t.elbo, t.reconstruction, t.kl]);
  });

  test('with a mismatched q, the ELBO falls below log p(x) by exactly KL(q ‖ exact posterior)', () => {
    const meanShift = [0.3, -0.5];
    const logVarShift = [0.6, -0.4];
    const vae = linearVae(meanShift, logVarShift);
    const t = elbo(vae, tf.tensor2d(X), { numSamples: 4, eps: tf.tensor3d(CUBATURE) });
    const got = t.elbo.dataSync();
    X.forEach((x, b) => {
      const p = posterior(x);
      const qMean = p.mean.map((m, j) => m + meanShift[j]);
      const qLogVar = p.logVar.map((v, j) => v + logVarShift[j]);
      const gap = klGauss64(qMean, qLogVar, p.mean, p.logVar);
      const logPx = exactLogLikelihood(x);
      assert.ok(got[b] < logPx, `example ${b}: ELBO ${got[b]} is below log p(x) ${logPx}`);
      assertAllClose(logPx - got[b], gap, { rtol: 1e-4, atol: 1e-5, message: `example ${b}: the gap` });
    });
    tf.dispose([t.elbo, t.reconstruction, t.kl]);
    vae.dispose();
  });

  test('with q the exact posterior, every importance weight is p(x): the estimate is exact for any K and ESS = K', async () => {
    const ds = makeDataset({ x: Float32Array.from(X.flat()), numExamples: B, dataDim: D, source: 'oracle' });
    for (const k of [1, 37]) {
      const r = await estimateLogLikelihood(exact, ds, { numSamples: k, chunkRows: 16 });
      assertAllClose(r.perExample, X.map(exactLogLikelihood), { rtol: 1e-5, message: `K = ${k}` });
      assertAllClose(r.meanEffectiveSampleSize, k, { rtol: 1e-3 });
      assert.ok(r.monteCarloStandardError < 1e-3, `K = ${k}: Monte Carlo standard error ${r.monteCarloStandardError}`);
    }
  });

  test('with a mismatched q, the estimate rises above the ELBO and converges to log p(x) as K grows, within its standard error', async () => {
    const vae = linearVae([0.8, -0.9], [0.9, -0.7]);
    const ds = makeDataset({ x: Float32Array.from(X.flat()), numExamples: B, dataDim: D, source: 'oracle' });
    const logPx = X.map(exactLogLikelihood);
    const meanLogPx = logPx.reduce((s, v) => s + v, 0) / B;
    const e = tf.tidy(() => tf.mean(elbo(vae, tf.tensor2d(X), { numSamples: 4, eps: tf.tensor3d(CUBATURE) }).elbo).dataSync()[0]);
    const gaps: number[] = [];
    for (const k of [1, 10, 100, 20000]) {
      let gap = 0;
      let mcSe = 0;
      const seeds = k < 20000 ? 10 : 1;
      for (let seed = 0; seed < seeds; seed++) {
        const r = await estimateLogLikelihood(vae, ds, { numSamples: k, seed });
        gap += (meanLogPx - r.value) / seeds;
        mcSe = r.monteCarloStandardError;
      }
      gaps.push(gap);
      if (k === 20000) {
        assert.ok(Math.abs(gap) < 4 * mcSe + 1e-4, `K = ${k}: log p(x) − estimate = ${gap}, Monte Carlo standard error ${mcSe}`);
      }
    }
    assert.ok(meanLogPx - e > gaps[1], `ELBO gap ${meanLogPx - e} > L_10 gap ${gaps[1]}`);
    for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i] < gaps[i - 1], `gaps shrink with K: ${gaps.join(', ')}`);
    vae.dispose();
  });
});
