/**
 * The β-TCVAE objective (issue 16; Chen, Li, Grosse & Duvenaud 2018): the KL term split into
 * index-code mutual information, total correlation and dimension-wise KL, with log q(z) estimated
 * from the batch by minibatch-weighted (eq. S6) or stratified (appendix C.2) sampling. Checked
 * against a float64 computation written here, the estimator's identities, closed forms (the
 * linear-Gaussian VAE's exact posterior, the KL of Gaussians) and Monte Carlo with standard errors.
 * cpu backend.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../src/errors.js';
import { Rng } from '../../src/math/rng.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { planNativeMlpStep } from '../../src/node/compute/native-engine.js';
import { checkObjectiveThreads } from '../../src/node/runs/config.js';
import { elbo } from '../../src/objectives/elbo.js';
import { objectiveNoise, objectiveTerms, objectiveValue, resolveObjectiveConfig, type ObjectiveConfig } from '../../src/objectives/index.js';
import { klDecomposition, negativeTcVaeLoss, type TcEstimator } from '../../src/objectives/tc-vae.js';
import { LocalGradientEngine } from '../../src/training/engine.js';
import { resolveTrainOptions } from '../../src/training/options.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';
import { B as LG_B, BIAS, linearVae, posterior, SIGMA2, W, X as LG_X, Z as LG_Z } from '../helpers/linear-gaussian.js';
import { gaussianLogProb64, klStd64 } from '../helpers/oracles.js';

before(async () => {
  await useBackend('cpu');
});

const TC_VAE: ObjectiveConfig = { kind: 'tc-vae' };
const LOG_2PI = Math.log(2 * Math.PI);

/** log N(x; μ, e^lv) of one coordinate, float64. */
const logNormal1 = (x: number, mu: number, lv: number) => -0.5 * (LOG_2PI + lv + (x - mu) ** 2 / Math.exp(lv));

function logSumExp64(a: number[]): number {
  const m = Math.max(...a);
  return m + Math.log(a.reduce((s, v) => s + Math.exp(v - m), 0));
}

/** The estimator's weight log w_ik in float64, written from the paper: MWS 1/(N·M); MSS 1/N self, (N − M')/(N·M') once, 1/M' else, M' = M − 1. */
function logWeight64(estimator: TcEstimator, i: number, k: number, m: number, n: number): number {
  if (estimator === 'mws') return -Math.log(n * m);
  if (m === 1) return 0;
  const mp = m - 1;
  if (k === i) return -Math.log(n);
  if (k === (i + 1) % m) return Math.log((n - mp) / (n * mp));
  return -Math.log(mp);
}

interface Terms64 {
  z: number[][];
  mi: number[];
  tc: number[];
  dimKl: number[];
  /** log q(z|x) − log p(z) at the sample. */
  mcKl: number[];
}

/** mi, tc, dimKl per example in float64 from the posteriors (mean, logVar [M][Z]) and the noise ε [M][Z]. */
function decomposition64(mean: number[][], logVar: number[][], eps: number[][], n: number, estimator: TcEstimator = 'mws'): Terms64 {
  const m = mean.length;
  const zd = mean[0].length;
  const z = mean.map((mu, i) => mu.map((v, j) => v + Math.exp(0.5 * logVar[i][j]) * eps[i][j]));
  const out: Terms64 = { z, mi: [], tc: [], dimKl: [], mcKl: [] };
  for (let i = 0; i < m; i++) {
    let logQzx = 0;
    let logPz = 0;
    for (let j = 0; j < zd; j++) {
      logQzx += logNormal1(z[i][j], mean[i][j], logVar[i][j]);
      logPz += logNormal1(z[i][j], 0, 0);
    }
    const joint: number[] = [];
    for (let k = 0; k < m; k++) {
      let s = logWeight64(estimator, i, k, m, n);
      for (let j = 0; j < zd; j++) s += logNormal1(z[i][j], mean[k][j], logVar[k][j]);
      joint.push(s);
    }
    const logQz = logSumExp64(joint);
    let logProd = 0;
    for (let j = 0; j < zd; j++) {
      logProd += logSumExp64(mean.map((_, k) => logWeight64(estimator, i, k, m, n) + logNormal1(z[i][j], mean[k][j], logVar[k][j])));
    }
    out.mi.push(logQzx - logQz);
    out.tc.push(logQz - logProd);
    out.dimKl.push(logProd - logPz);
    out.mcKl.push(logQzx - logPz);
  }
  return out;
}

const mean64 = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

/** A [M][Z] table of draws. */
const table = (m: number, z: number, draw: () => number) => Array.from({ length: m }, () => Array.from({ length: z }, draw));

/** klDecomposition on plain arrays; returns per-example arrays. */
function decomposition(mean: number[][], logVar: number[][], eps: number[][], n: number, estimator: TcEstimator = 'mws') {
  return tf.tidy(() => {
    const mu = tf.tensor2d(mean);
    const lv = tf.tensor2d(logVar);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(lv, 0.5)), tf.tensor2d(eps))) as tf.Tensor2D;
    const d = klDecomposition(z, { mean: mu, logVar: lv }, n, estimator);
    return { mi: Array.from(d.mi.dataSync()), tc: Array.from(d.tc.dataSync()), dimKl: Array.from(d.dimKl.dataSync()) };
  });
}

describe('the β-TCVAE decomposition of the KL term', () => {
  test('mi + tc + dimKl is the Monte Carlo KL log q(z|x) − log p(z) at the same samples, for both estimators', () => {
    const rng = new Rng('tc-identity');
    const m = 64;
    const mean = table(m, 3, () => 1.5 * rng.nextNormal());
    const logVar = table(m, 3, () => -1 + rng.nextNormal());
    const eps = table(m, 3, () => rng.nextNormal());
    for (const estimator of ['mws', 'mss'] as const) {
      const t = decomposition(mean, logVar, eps, 1000, estimator);
      const sum = t.mi.map((v, i) => v + t.tc[i] + t.dimKl[i]);
      const mcKl = decomposition64(mean, logVar, eps, 1000, estimator).mcKl;
      assertAllClose(sum, mcKl, { rtol: 1e-4, atol: 1e-4, message: estimator });
    }
  });

  test('mi + tc + dimKl, averaged over a batch of 1000, is within 5 standard errors of the mean closed-form KL', () => {
    const rng = new Rng('tc-mc');
    const m = 1000;
    const mean = table(m, 2, () => rng.nextNormal());
    const logVar = table(m, 2, () => -1.5 + 0.5 * rng.nextNormal());
    const eps = table(m, 2, () => rng.nextNormal());
    const t = decomposition(mean, logVar, eps, 60000);
    const diff = t.mi.map((v, i) => v + t.tc[i] + t.dimKl[i] - klStd64(mean[i], logVar[i])); // [M], mean 0
    const d = mean64(diff);
    const se = Math.sqrt(diff.reduce((s, v) => s + (v - d) ** 2, 0) / (m - 1) / m);
    assert.ok(Math.abs(d) < 5 * se, `mean(mi + tc + dimKl) − mean KL = ${d}, standard error ${se}`);
    assert.ok(se < 0.05, `standard error ${se}: the check is too loose to mean anything`);
  });

  test('equals a float64 computation of the three terms on a batch of 4 in 2 dimensions (both estimators)', () => {
    const rng = new Rng('tc-oracle');
    const mean = table(4, 2, () => rng.nextNormal());
    const logVar = table(4, 2, () => -0.5 + 0.7 * rng.nextNormal());
    const eps = table(4, 2, () => rng.nextNormal());
    for (const estimator of ['mws', 'mss'] as const) {
      const t = decomposition(mean, logVar, eps, 10, estimator);
      const e = decomposition64(mean, logVar, eps, 10, estimator);
      assertAllClose(t.mi, e.mi, { atol: 1e-4, rtol: 0, message: `${estimator} mi` });
      assertAllClose(t.tc, e.tc, { atol: 1e-4, rtol: 0, message: `${estimator} tc` });
      assertAllClose(t.dimKl, e.dimKl, { atol: 1e-4, rtol: 0, message: `${estimator} dimKl` });
    }
  });

  test('with every posterior equal to the prior, MWS gives mi = log N, tc = (Z − 1)·log N, dimKl = −Z·log N; MSS gives 0, 0, 0', () => {
    const rng = new Rng('tc-prior');
    const [m, zd, n] = [16, 3, 500];
    const zeros = table(m, zd, () => 0);
    const eps = table(m, zd, () => rng.nextNormal());
    const mws = decomposition(zeros, zeros, eps, n, 'mws');
    const logN = Math.log(n);
    assertAllClose(mws.mi, Array(m).fill(logN), { atol: 1e-4, rtol: 0, message: 'mws mi' });
    assertAllClose(mws.tc, Array(m).fill((zd - 1) * logN), { atol: 1e-4, rtol: 0, message: 'mws tc' });
    assertAllClose(mws.dimKl, Array(m).fill(-zd * logN), { atol: 1e-4, rtol: 0, message: 'mws dimKl' });
    const mss = decomposition(zeros, zeros, eps, n, 'mss');
    for (const k of ['mi', 'tc', 'dimKl'] as const) assertAllClose(mss[k], Array(m).fill(0), { atol: 1e-4, rtol: 0, message: `mss ${k}` });
  });

  test('a batch of one example drawn from one (M = N = 1): mi = tc = 0 and dimKl is the Monte Carlo KL', () => {
    const mean = [[0.7, -1.2]];
    const logVar = [[-0.4, 0.3]];
    const eps = [[0.5, -1.1]];
    for (const estimator of ['mws', 'mss'] as const) {
      const t = decomposition(mean, logVar, eps, 1, estimator);
      assertAllClose(t.mi, [0], { atol: 1e-6, rtol: 0 });
      assertAllClose(t.tc, [0], { atol: 1e-6, rtol: 0 });
      assertAllClose(t.dimKl, decomposition64(mean, logVar, eps, 1).mcKl, { atol: 1e-5, rtol: 0 });
    }
  });

  test('the total correlation is about 0 for factorised q(z) and clearly positive when the means lie on the line z1 = z2 (M = N = 500)', () => {
    const rng = new Rng('tc-correlated');
    const m = 500;
    const eps = table(m, 2, () => rng.nextNormal());
    const independent = table(m, 2, () => rng.nextNormal()); // q(z) ≈ N(0, 1.1 I): TC 0
    const t = Array.from({ length: m }, () => rng.nextNormal());
    const onLine = t.map((v) => [v, v]); // q(z) ≈ N(0, [[1.01, 1], [1, 1.01]]): TC = −½ log(1 − ρ²) ≈ 1.96 nats
    const tcOf = (means: number[][], logVar: number, estimator: TcEstimator) =>
      mean64(
        decomposition(
          means,
          table(m, 2, () => logVar),
          eps,
          m,
          estimator,
        ).tc,
      );
    const factorised = tcOf(independent, Math.log(0.1), 'mss');
    const correlated = tcOf(onLine, Math.log(0.01), 'mss');
    assert.ok(factorised > -0.05 && factorised < 0.1, `TC of factorised q(z): ${factorised}`);
    assert.ok(correlated > 1.5 && correlated < 2.5, `TC of correlated q(z): ${correlated}, expected about 1.96`);
    // MWS: the same TC plus the constant (Z − 1)·log N of its weights.
    const offset = Math.log(m);
    assert.ok(Math.abs(tcOf(independent, Math.log(0.1), 'mws') - offset) < 0.1);
    assert.ok(tcOf(onLine, Math.log(0.01), 'mws') - offset > 1.5);
  });
});

describe('the β-TCVAE loss', () => {
  test('equals −log p(x|z) + mi + β·tc + dimKl per example, batch mean, from a float64 computation (linear-Gaussian VAE, β = 6)', () => {
    const shiftM = [0.4, -0.3];
    const shiftLv = [0.5, -0.2];
    const vae = linearVae(shiftM, shiftLv);
    try {
      const rng = new Rng('tc-loss');
      const eps = table(LG_B, LG_Z, () => rng.nextNormal());
      const n = 50;
      const post = LG_X.map((x) => posterior(x));
      const mean = post.map((p) => p.mean.map((v, j) => v + shiftM[j]));
      const logVar = post.map((p) => p.logVar.map((v, j) => v + shiftLv[j]));
      for (const estimator of ['mws', 'mss'] as const) {
        const e = decomposition64(mean, logVar, eps, n, estimator);
        const rec = -mean64(
          LG_X.map((x, b) =>
            gaussianLogProb64(
              x,
              W.map((row, i) => row.reduce((s, w, j) => s + w * e.z[b][j], BIAS[i])),
              SIGMA2,
            ),
          ),
        );
        const expected = rec + mean64(e.mi) + 6 * mean64(e.tc) + mean64(e.dimKl);
        const got = tf.tidy(() => {
          const v = negativeTcVaeLoss(vae, { x: tf.tensor2d(LG_X) }, { seed: 0, step: 0, klWeight: 6, noise: tf.tensor2d(eps), datasetSize: n }, estimator);
          return { loss: v.loss.dataSync()[0], terms: Object.fromEntries(Object.entries(v.terms).map(([k, t]) => [k, t.dataSync()[0]])) };
        });
        assertAllClose(got.loss, expected, { rtol: 1e-5, atol: 1e-5, message: `${estimator} loss` });
        assertAllClose(got.terms.reconstruction, rec, { rtol: 1e-5, message: 'reconstruction' });
        assertAllClose(got.terms.mi, mean64(e.mi), { atol: 1e-5, rtol: 1e-5, message: 'mi' });
        assertAllClose(got.terms.tc, mean64(e.tc), { atol: 1e-5, rtol: 1e-5, message: 'tc' });
        assertAllClose(got.terms.dimKl, mean64(e.dimKl), { atol: 1e-5, rtol: 1e-5, message: 'dimKl' });
        assertAllClose(got.terms.kl, mean64(mean.map((mu, b) => klStd64(mu, logVar[b]))), { rtol: 1e-5, message: 'closed-form kl' });
      }
    } finally {
      vae.dispose();
    }
  });

  test('at β = 1 it is the one-sample −ELBO with a Monte Carlo KL, whatever N and the estimator', async () => {
    const vae = new VAE({ inputShape: [6], latentDim: 3, hidden: [5], activation: 'tanh', likelihood: { kind: 'bernoulli' }, seed: 3 });
    try {
      const rng = new Rng('tc-beta1');
      const x = tf.tensor2d(table(8, 6, () => (rng.next() < 0.4 ? 1 : 0)));
      const eps = tf.tensor2d(table(8, 3, () => rng.nextNormal()));
      const expected = tf.tidy(() => {
        const { mean, logVar } = vae.encode(x);
        const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps));
        const mcKl = tf.mean(tf.sub(tfNormalLogProb(z, mean, logVar), tfNormalLogProb(z, tf.zerosLike(z), tf.zerosLike(z))));
        const rec = tf.neg(tf.mean(elbo(vae, x, { eps }).reconstruction));
        return tf.add(rec, mcKl).dataSync()[0];
      });
      for (const [n, estimator] of [
        [8, 'mws'],
        [1e6, 'mws'],
        [8, 'mss'],
        [1e6, 'mss'],
      ] as const) {
        const loss = tf.tidy(() => negativeTcVaeLoss(vae, { x }, { seed: 0, step: 0, klWeight: 1, noise: eps, datasetSize: n }, estimator).loss.dataSync()[0]);
        assertAllClose(loss, expected, { rtol: 1e-5, atol: 1e-4, message: `N ${n}, ${estimator}` });
      }
      tf.dispose([x, eps]);
    } finally {
      vae.dispose();
    }
  });

  test('gives finite, non-zero gradients to every variable, and the TC term alone reaches the encoder', () => {
    const vae = new VAE({ inputShape: [6], latentDim: 3, hidden: [5], activation: 'tanh', likelihood: { kind: 'bernoulli' }, seed: 4 });
    try {
      const rng = new Rng('tc-grads');
      const x = tf.tensor2d(table(10, 6, () => (rng.next() < 0.5 ? 1 : 0)));
      const ctx = { seed: 7, step: 0, klWeight: 6, datasetSize: 100 };
      const norms = (f: () => tf.Scalar) =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(f, vae.trainableVariables());
          value.dispose();
          return Object.fromEntries(
            Object.entries(grads).map(([name, g]) => [name, { isFinite: tf.all(tf.isFinite(g)).dataSync()[0] === 1, norm: tf.norm(g).dataSync()[0] }]),
          );
        });
      const all = norms(() => objectiveValue(TC_VAE, vae, { x }, ctx).loss);
      assert.equal(Object.keys(all).length, vae.trainableVariables().length);
      for (const [name, g] of Object.entries(all)) {
        assert.ok(g.isFinite, `${name}: non-finite gradient`);
        assert.ok(g.norm > 0, `${name}: zero gradient`);
      }
      const tcOnly = norms(() => objectiveValue(TC_VAE, vae, { x }, ctx).terms.tc);
      const encoderNorm = Object.entries(tcOnly)
        .filter(([name]) => /encoder|enc/i.test(name))
        .reduce((s, [, g]) => s + g.norm, 0);
      assert.ok(encoderNorm > 0, `the TC term's gradient does not reach the encoder (${Object.keys(tcOnly).join(', ')})`);
      x.dispose();
    } finally {
      vae.dispose();
    }
  });

  test('leaves no tensor behind: the objective, its noise, and a gradient step of the local engine', async () => {
    const vae = new VAE({ inputShape: [6], latentDim: 3, hidden: [5], activation: 'tanh', likelihood: { kind: 'bernoulli' }, seed: 5 });
    const engine = new LocalGradientEngine(vae, TC_VAE);
    try {
      const rng = new Rng('tc-leak');
      const xs = Float32Array.from({ length: 8 * 6 }, () => (rng.next() < 0.5 ? 1 : 0));
      const ctx = { seed: 1, step: 0, klWeight: 4, datasetSize: 64 };
      await assertNoTensorLeak(() => {
        const x = tf.tensor2d(xs, [8, 6]);
        const v = objectiveValue(TC_VAE, vae, { x }, ctx);
        tf.dispose([x, v.loss, ...Object.values(v.terms)]);
        objectiveNoise(TC_VAE, 8, 3, 1).dispose();
      });
      await assertNoTensorLeak(async () => {
        const { grads, stats } = await engine.gradients({ numRows: 8, x: xs }, ctx);
        assert.equal(stats.shape[0], 1 + objectiveTerms(TC_VAE).length);
        tf.dispose([stats, ...grads.map((g) => g.tensor)]);
      });
    } finally {
      await engine.dispose();
      vae.dispose();
    }
  });

  test('refuses a step without the training set size N, or with N below the batch size, by a ConfigError saying so', () => {
    const vae = new VAE({ inputShape: [6], latentDim: 3, hidden: [5], activation: 'tanh', likelihood: { kind: 'bernoulli' }, seed: 6 });
    const x = tf.zeros([4, 6]) as tf.Tensor2D;
    try {
      for (const datasetSize of [undefined, 3, 4.5]) {
        assert.throws(
          () => objectiveValue(TC_VAE, vae, { x }, { seed: 0, step: 0, klWeight: 1, datasetSize }),
          (e: unknown) => e instanceof ConfigError && /datasetSize N .* an integer ≥ the batch size 4, got/.test(e.message),
        );
      }
    } finally {
      x.dispose();
      vae.dispose();
    }
  });
});

describe('the tc-vae objective config', () => {
  test("resolves to { kind: 'tc-vae', estimator: 'mws' } and names its terms reconstruction, kl, mi, tc, dimKl", () => {
    assert.deepEqual(resolveObjectiveConfig({ kind: 'tc-vae' }, 'training.objective'), { kind: 'tc-vae', estimator: 'mws' });
    assert.deepEqual(resolveObjectiveConfig({ kind: 'tc-vae', estimator: 'mss' }), { kind: 'tc-vae', estimator: 'mss' });
    assert.deepEqual([...objectiveTerms(TC_VAE)], ['reconstruction', 'kl', 'mi', 'tc', 'dimKl']);
    assert.throws(
      () => resolveObjectiveConfig({ kind: 'tc-vae', estimator: 'exact' } as unknown as ObjectiveConfig, 'training.objective'),
      (e: unknown) => e instanceof ConfigError && /training\.objective\.estimator.*expected one of mws, mss.*got "exact"/.test(e.message),
    );
    assert.throws(
      () => resolveObjectiveConfig({ kind: 'tc-vae', numSamples: 5 } as unknown as ObjectiveConfig, 'training.objective'),
      (e: unknown) => e instanceof ConfigError && /unknown field 'numSamples'/.test(e.message),
    );
  });

  test('takes β and its schedules (β weighs the total correlation)', () => {
    const o = resolveTrainOptions({ objective: { kind: 'tc-vae' }, beta: 6, klWarmup: 2, epochs: 4 });
    assert.equal(o.objective.kind, 'tc-vae');
    assert.equal(o.beta.kind, 'linear');
  });

  test('falls back to tfjs autodiff (the native MLP step handles the ELBO only) and is refused on several threads', () => {
    const vae = new VAE({ inputShape: [6], latentDim: 3, hidden: [5], activation: 'tanh', likelihood: { kind: 'bernoulli' }, seed: 7 });
    try {
      assert.equal(planNativeMlpStep(vae, TC_VAE), "objective 'tc-vae'");
    } finally {
      vae.dispose();
    }
    checkObjectiveThreads({ kind: 'tc-vae', estimator: 'mws' }, 1);
    checkObjectiveThreads({ kind: 'elbo' }, 4);
    assert.throws(
      () => checkObjectiveThreads({ kind: 'tc-vae', estimator: 'mws' }, 2),
      (e: unknown) => e instanceof ConfigError && /whole batch/.test(e.message) && /train on one thread/.test(e.message),
    );
  });
});

/** log N(x; mean, e^logVar) summed over the last axis, written out here (not the library's). */
function tfNormalLogProb(x: tf.Tensor, mean: tf.Tensor, logVar: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.sum(tf.add(tf.add(logVar, tf.div(tf.square(tf.sub(x, mean)), tf.exp(logVar))), LOG_2PI), -1), -0.5));
}
