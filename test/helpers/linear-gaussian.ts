/**
 * The linear-Gaussian oracle (STYLE.md, Tests): p(z) = N(0, I), p(x|z) = N(Wz + b, σ²I) with
 * orthogonal columns of W. Then p(x) = N(b, WWᵀ + σ²I) and the exact posterior is diagonal,
 *   p(z|x) = N(M⁻¹Wᵀ(x − b), σ²M⁻¹),  M = WᵀW + σ²I = diag(s² + σ²)   (W = Q·diag(s), QᵀQ = I),
 * so a VAE with hidden [] (linear encoder and decoder) and a Gaussian likelihood can hold it exactly.
 * Shared by the tests of the ELBO, the IWAE bound and the log-likelihood estimate.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/math/rng.js';
import { VAE } from '../../src/models/vae.js';
import { mvnLogPdf64 } from './oracles.js';

export const D = 4;
export const Z = 2;
export const B = 3;
export const SIGMA2 = 0.5;
export const S = [2.0, 0.7];
const rng = new Rng('linear-gaussian');

/** Q [D, Z] with orthonormal columns, by Gram–Schmidt on random vectors. */
export const Q: number[][] = (() => {
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
export const W = Q.map((row) => row.map((q, j) => q * S[j]));
export const BIAS = Array.from({ length: D }, () => rng.nextNormal());
export const X = Array.from({ length: B }, () => Array.from({ length: D }, () => 1.5 * rng.nextNormal()));

/** Exact posterior for one x: mean_j = s_j q_jᵀ(x − b)/(s_j² + σ²), var_j = σ²/(s_j² + σ²). */
export function posterior(x: number[]): { mean: number[]; logVar: number[] } {
  return {
    mean: S.map((s, j) => (s * Q.reduce((acc, row, i) => acc + row[j] * (x[i] - BIAS[i]), 0)) / (s * s + SIGMA2)),
    logVar: S.map((s) => Math.log(SIGMA2 / (s * s + SIGMA2))),
  };
}

/** log p(x) = log N(x; b, WWᵀ + σ²I), float64 via a Cholesky factorisation. */
export function exactLogLikelihood(x: number[]): number {
  const cov = Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, k) => W[i].reduce((s, w, j) => s + w * W[k][j], 0) + (i === k ? SIGMA2 : 0)));
  return mvnLogPdf64(x, BIAS, cov);
}

/**
 * A VAE with linear encoder and decoder holding q(z|x) = N(A x + c + meanShift, exp(logVar + logVarShift))
 * and the decoder x ≈ Wz + b with variance σ². Shifts 0 give the exact posterior.
 */
export function linearVae(meanShift = [0, 0], logVarShift = [0, 0]): VAE {
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
export const CUBATURE = [
  [1, 1],
  [1, -1],
  [-1, 1],
  [-1, -1],
].map((e) => Array.from({ length: B }, () => e));
