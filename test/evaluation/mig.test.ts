/**
 * The mutual information gap (src/evaluation/mig.ts) against its invariants and one closed form:
 * latents that copy the factors score 1, pure noise 0, a permutation of the latents changes nothing,
 * and one I(z; v) equals the mutual information of a binary factor and a Gaussian latent whose mean
 * depends on it, computed by numerical integration.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mutualInformationGap, type MigInput } from '../../src/evaluation/mig.js';
import { DataError, ShapeError } from '../../src/errors.js';
import { deriveRng } from '../../src/math/rng.js';

/** A full factorial grid of factor values [N, K], N = Π sizes, as dSprites is (the factors exactly independent). */
function grid(sizes: number[]): Int32Array {
  const n = sizes.reduce((a, b) => a * b, 1);
  const out = new Int32Array(n * sizes.length); // [N, K]
  for (let i = 0; i < n; i++) {
    let rest = i;
    for (let k = sizes.length - 1; k >= 0; k--) {
      out[i * sizes.length + k] = rest % sizes[k];
      rest = Math.floor(rest / sizes[k]);
    }
  }
  return out;
}

const SIZES = [3, 6, 8, 8]; // 1152 examples
const FACTORS = grid(SIZES);
const N = FACTORS.length / SIZES.length;
const K = SIZES.length;

/**
 * Latents [N, Z]: z_j copies factor `copies[j]` (its value index, plus noise of sd 0.001) or, where
 * copies[j] is -1, is N(0, 1) noise independent of every factor; every posterior σ = `sigma`.
 */
function latents(copies: number[], sigma: number, seed = 1): MigInput {
  const z = copies.length;
  const rng = deriveRng(seed, 'mig-test');
  const mean = new Float64Array(N * z); // [N, Z]
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < z; j++) mean[i * z + j] = copies[j] >= 0 ? FACTORS[i * K + copies[j]] + 0.001 * rng.nextNormal() : rng.nextNormal();
  }
  return { mean, logVar: new Float64Array(N * z).fill(2 * Math.log(sigma)), latentDim: z, factors: FACTORS, numFactors: K };
}

describe('mutualInformationGap', () => {
  test('is 1 for latents that each copy one factor on a full grid', () => {
    // σ = 0.05 ≪ the spacing 1 of the factor values, ≫ the 0.001 jitter of the means: q(z_j|v) is one
    // narrow bump per value, so I(z_j; v_j) = H(v_j) and, the grid making the factors independent,
    // I(z_j; v_k) = 0 for k ≠ j up to the Monte Carlo error. The estimate is within 0.005 of 1.
    const r = mutualInformationGap(latents([0, 1, 2, 3], 0.05), { numSamples: N });
    assert.ok(r.mig > 0.995 && r.mig <= 1 + 1e-9, `MIG ${r.mig}`);
    r.gaps.forEach((g, k) => assert.ok(g > 0.995, `factor ${k}: gap ${g}`));
    assert.deepEqual(
      r.topLatents.map((t) => t[0]),
      [0, 1, 2, 3],
    );
    // The top informations equal H(v_k) = log |V_k| on the grid.
    r.factorEntropy.forEach((h, k) => assert.ok(Math.abs(h - Math.log(SIZES[k])) < 1e-12));
    r.mutualInformation.forEach((row, j) => assert.ok(Math.abs(row[j] - Math.log(SIZES[j])) < 0.01, `I(z${j}; v${j}) = ${row[j]}`));
  });

  test('stays above 0.95 with two extra noise latents of narrow posteriors (the known upward bias of the estimator)', () => {
    // Noise latents with σ = 0.05 against N(0, 1) means: in the tails a sample's own component
    // dominates both q(z|v) (N_v components) and q(z) (N), so log q(z|v) − log q(z) drifts toward
    // log(N/N_v) and I(noise; v_k) comes out at 0.03–0.1 nats instead of 0 (module comment, "Known
    // bias"). The gaps lose that much over H(v_k): MIG ≈ 0.96 here, 1 without the noise latents.
    const r = mutualInformationGap(latents([0, 1, 2, 3, -1, -1], 0.05), { numSamples: N });
    assert.ok(r.mig > 0.95 && r.mig < 0.99, `MIG ${r.mig}`);
    assert.deepEqual(
      r.topLatents.map((t) => t[0]),
      [0, 1, 2, 3],
    );
  });

  test('is near 0 for latents of pure noise', () => {
    const r = mutualInformationGap(latents([-1, -1, -1, -1, -1], 0.3), { numSamples: N });
    assert.ok(r.mig >= 0 && r.mig < 0.05, `MIG ${r.mig}`);
    // Each I(z_j; v_k) is noise: within 5 standard errors of 0 in the MIG's units.
    assert.ok(r.mig < 5 * r.standardError + 0.01, `MIG ${r.mig} ± ${r.standardError}`);
  });

  test('does not change when the latents are permuted', () => {
    const input = latents([2, -1, 0, 3, 1], 0.2);
    const perm = [3, 0, 4, 1, 2]; // new latent j is old latent perm[j]
    const z = input.latentDim;
    const mean = new Float64Array(N * z);
    const logVar = new Float64Array(N * z);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < z; j++) {
        mean[i * z + j] = (input.mean as Float64Array)[i * z + perm[j]];
        logVar[i * z + j] = (input.logVar as Float64Array)[i * z + perm[j]];
      }
    }
    // The draws ε are shared by the latents, so the figures are permuted exactly, on a subset too (S < N).
    const a = mutualInformationGap(input, { numSamples: 600 });
    const b = mutualInformationGap({ ...input, mean, logVar }, { numSamples: 600 });
    assert.ok(Math.abs(a.mig - b.mig) < 1e-12, `${a.mig} vs ${b.mig}`);
    a.gaps.forEach((g, k) => assert.ok(Math.abs(g - b.gaps[k]) < 1e-12, `factor ${k}: ${g} vs ${b.gaps[k]}`));
    b.mutualInformation.forEach((row, j) => assert.deepEqual(row, a.mutualInformation[perm[j]]));
    // The same latents come out on top, renamed by the permutation.
    a.topLatents.forEach((t, k) => assert.equal(perm[b.topLatents[k][0]], t[0]));
  });

  test('estimates I(z; v) of a binary factor and z ~ N(±1, σ²) as the closed form by numerical integration', () => {
    // v ∈ {0, 1} with p = ½ each; q(z|x) = N(μ_v, σ²) with μ_0 = −1, μ_1 = +1, σ = 1 (every example
    // of a value has the same posterior, so q(z|v) is that Gaussian and q(z) the two-bump mixture):
    //   I = h(q(z)) − h(N(0, σ²)),  h(q(z)) = −∫ q(z) log q(z) dz.
    const n = 2000;
    const sigma = 1;
    const factors = Int32Array.from({ length: n }, (_, i) => i % 2); // [N, 1]
    const mean = Float64Array.from(factors, (v) => (v === 1 ? 1 : -1)); // [N, 1]
    const logVar = new Float64Array(n).fill(2 * Math.log(sigma));
    const r = mutualInformationGap({ mean, logVar, latentDim: 1, factors, numFactors: 1 }, { numSamples: n, seed: 3 });
    const normal = (x: number, m: number) => Math.exp(-0.5 * ((x - m) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI));
    let h = 0;
    const dz = 1e-3;
    for (let x = -12; x <= 12; x += dz) {
      const q = 0.5 * normal(x, -1) + 0.5 * normal(x, 1);
      if (q > 0) h -= q * Math.log(q) * dz;
    }
    const exact = h - 0.5 * Math.log(2 * Math.PI * Math.E * sigma ** 2); // ≈ 0.4 nats
    // Monte Carlo over 2000 draws: the per-draw log-ratio has sd < 1, so 5 standard errors < 0.11; the
    // shared draws make it far tighter (≈ 0.01).
    assert.ok(Math.abs(r.mutualInformation[0][0] - exact) < 0.03, `I = ${r.mutualInformation[0][0]}, exact ${exact}`);
    assert.ok(Math.abs(r.factorEntropy[0] - Math.LN2) < 1e-12);
    // With Z = 1 the second latent counts as 0: the gap is I / H(v).
    assert.equal(r.topLatents[0][1], -1);
    assert.ok(Math.abs(r.gaps[0] - r.mutualInformation[0][0] / Math.LN2) < 1e-12);
  });

  test('the same seed gives the same figures; another seed, figures within the Monte Carlo error', () => {
    const input = latents([0, -1, 1, -1], 0.3);
    const a = mutualInformationGap(input, { numSamples: 500, seed: 7 });
    const b = mutualInformationGap(input, { numSamples: 500, seed: 7 });
    const c = mutualInformationGap(input, { numSamples: 500, seed: 8 });
    assert.deepEqual(a, b);
    assert.equal(a.numSamples, 500);
    assert.ok(Math.abs(a.mig - c.mig) < 5 * Math.hypot(a.standardError, c.standardError), `${a.mig} vs ${c.mig}`);
  });

  test('rejects arrays that disagree in size, bad factor values and a constant factor', () => {
    const ok = latents([0, 1], 0.1);
    assert.throws(
      () => mutualInformationGap({ ...ok, logVar: new Float64Array(3) }),
      (e: unknown) => e instanceof ShapeError && /mean and logVar \[N, 2\]/.test(e.message),
    );
    assert.throws(
      () => mutualInformationGap({ ...ok, factors: Int32Array.from(FACTORS, (v, i) => (i === 5 ? -1 : v)) }),
      (e: unknown) => e instanceof DataError && /integers >= 0, got -1/.test(e.message),
    );
    assert.throws(
      () => mutualInformationGap({ ...ok, factors: Int32Array.from(FACTORS, (v, i) => (i % K === 1 ? 0 : v)) }),
      (e: unknown) => e instanceof DataError && /factor 1 takes one value/.test(e.message),
    );
    assert.throws(
      () => mutualInformationGap({ ...ok, mean: Float64Array.from(ok.mean as Float64Array, (v, i) => (i === 0 ? NaN : v)) }),
      (e: unknown) => e instanceof DataError && /finite/.test(e.message),
    );
  });
});
