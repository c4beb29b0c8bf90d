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
import { VAE } from '../../src/models/vae.js';
import { elbo } from '../../src/objectives/elbo.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { assertAllClose } from '../helpers/assert.js';
import { gaussianLogProb64, klGauss64, meanAndStandardError, mvnLogPdf64 } from '../helpers/oracles.js';

before(async () => {
  await useBackend('cpu');
});

const D = 4;
const Z = 2;
const B = 3;
const SIGMA2 = 0.5;
const S = [2.0, 0.7];
const rng = new Rng('linear-gaussian');

/** Q [D, Z] with orthonormal columns, by Gram–Schmidt on random vectors. */
const Q: number[][] = (() => {
  const cols: number[][] = [];
  for (let j = 0; j < Z; j++) {
    const v = Array.from({ length: D }, () => rng.nextNormal());
    for (const c of cols) {
      const dot = c.reduce((s, ci, i) => s + ci * v[i], 0);
      c.forEach((ci, i) => (v[i] -= dot * ci));
    }
    const norm = Math.hypot(...v);
    cols.push(v.map((vi) => vi / norm));
  }
  return Array.from({ length: D }, (_, i) => cols.map((c) => c[i]));
})();
/** W = Q·diag(s) [D, Z], b [D]. */
const W = Q.map((row) => row.map((q, j) => q * S[j]));
const BIAS = Array.from({ length: D }, () => rng.nextNormal());
const X = Array.from({ length: B }, () => Array.from({ length: D }, () => 1.5 * rng.nextNormal()));

/** Exact posterior for one x: mean_j = s_j q_jᵀ(x − b)/(s_j² + σ²), var_j = σ²/(s_j² + σ²). */
function posterior(x: number[]): { mean: number[]; logVar: number[] } {
  return {
    mean: S.map((s, j) => (s * Q.reduce((acc, row, i) => acc + row[j] * (x[i] - BIAS[i]), 0)) / (s * s + SIGMA2)),
    logVar: S.map((s) => Math.log(SIGMA2 / (s * s + SIGMA2))),
  };
}

/** log p(x) = log N(x; b, WWᵀ + σ²I), float64 via a Cholesky factorisation. */
function exactLogLikelihood(x: number[]): number {
  const cov = Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, k) => W[i].reduce((s, w, j) => s + w * W[k][j], 0) + (i === k ? SIGMA2 : 0)));
  return mvnLogPdf64(x, BIAS, cov);
}

/**
 * A VAE with linear encoder and decoder holding q(z|x) = N(A x + c + meanShift, exp(logVar + logVarShift))
 * and the decoder x ≈ Wz + b with variance σ². Shifts 0 give the exact posterior.
 */
function linearVae(meanShift = [0, 0], logVarShift = [0, 0]): VAE {
  const vae = new VAE({ inputShape: [D], hidden: [], latentDim: Z, likelihood: { kind: 'gaussian', variance: SIGMA2 } });
  const a = Array.from({ length: D }, (_, i) => S.map((s, j) => (s * Q[i][j]) / (s * s + SIGMA2))); // kernel [D, Z]
  const c = S.map((_, j) => -a.reduce((acc, row, i) => acc + row[j] * BIAS[i], 0) + meanShift[j]);
  const logVar = posterior(X[0]).logVar.map((v, j) => v + logVarShift[j]);
  tf.tidy(() => {
    vae.encoder.getLayer('encoder_mean').setWeights([tf.tensor2d(a), tf.tensor1d(c)]);
    vae.encoder.getLayer('encoder_logvar').setWeights([tf.zeros([D, Z]), tf.tensor1d(logVar)]);
    vae.decoder.getLayer('decoder_output').setWeights([tf.tensor2d(Array.from({ length: Z }, (_, j) => W.map((row) => row[j]))), tf.tensor1d(BIAS)]);
  });
  return vae;
}

/** ε [K, B, Z] with K = 4: (±1, ±1), whose first and second moments are those of N(0, I) exactly. */
const CUBATURE = [
  [1, 1],
  [1, -1],
  [-1, 1],
  [-1, -1],
].map((e) => Array.from({ length: B }, () => e));

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
