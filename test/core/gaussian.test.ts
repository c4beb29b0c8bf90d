import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../src/errors.js';
import { BernoulliLikelihood, GaussianLikelihood, makeLikelihood, type LikelihoodConfig } from '../../src/likelihoods/index.js';
import { Rng } from '../../src/math/rng.js';
import { elbo } from '../../src/objectives/elbo.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';
import { gaussianLogProb64, LOG_2PI_64, meanAndStandardError } from '../helpers/oracles.js';

before(async () => {
  await useBackend('cpu');
});

const rng = new Rng('gaussian-likelihood');
const B = 3;
const D = 7;
const X = Array.from({ length: B }, () => Array.from({ length: D }, () => 2 * rng.next() - 1));
const MU = Array.from({ length: B }, () => Array.from({ length: D }, () => 2 * rng.next() - 1));

describe('GaussianLikelihood', () => {
  test('with fixed σ² equals −½[D(log 2π + log σ²) + ‖x − μ‖²/σ²] in float64', async () => {
    const like = new GaussianLikelihood({ variance: 0.25 });
    const x = tf.tensor2d(X);
    const mu = tf.tensor2d(MU);
    const lp = await assertNoTensorLeak(() => like.logProb(x, mu));
    assert.deepEqual(lp.shape, [B]);
    assertAllClose(
      lp,
      X.map((row, b) => gaussianLogProb64(row, MU[b], 0.25)),
      { rtol: 1e-5 },
    );
    assert.deepEqual(like.variables(), [], 'a fixed variance is not trainable');
    assertAllClose(await like.variance(), 0.25, { rtol: 1e-6 });
    tf.dispose([x, mu, lp]);
    like.dispose();
  });

  test('with σ² = 1 is −½‖x − μ‖² − (D/2) log 2π', () => {
    const like = new GaussianLikelihood({ variance: 1 });
    const lp = tf.tidy(() => like.logProb(tf.tensor2d(X), tf.tensor2d(MU)));
    const expected = X.map((row, b) => -0.5 * row.reduce((s, v, d) => s + (v - MU[b][d]) ** 2, 0) - (D / 2) * LOG_2PI_64);
    assertAllClose(lp, expected, { rtol: 1e-5 });
    lp.dispose();
    like.dispose();
  });

  test('with learned variance exposes one trainable variable whose gradient is −½[D − ‖x − μ‖²/σ²] per example', async () => {
    const logVar0 = -0.6;
    const like = new GaussianLikelihood({ variance: 'learned', logVar: logVar0 });
    const vars = like.variables();
    assert.equal(vars.length, 1);
    assert.equal(vars[0].trainable, true);
    const x = tf.tensor2d(X);
    const mu = tf.tensor2d(MU);
    const { value, grads } = tf.variableGrads(() => tf.sum(like.logProb(x, mu)) as tf.Scalar, vars);
    const s2 = Math.exp(logVar0);
    const analytic = X.reduce((s, row, b) => {
      const sse = row.reduce((a, v, d) => a + (v - MU[b][d]) ** 2, 0);
      return s - 0.5 * (D - sse / s2);
    }, 0);
    assertAllClose(grads[vars[0].name], analytic, { rtol: 1e-4 });
    assertAllClose(
      value,
      X.reduce((s, row, b) => s + gaussianLogProb64(row, MU[b], s2), 0),
      { rtol: 1e-5 },
    );
    assert.deepEqual((await like.toConfig()).kind, 'gaussian');
    const cfg = (await like.toConfig()) as Extract<LikelihoodConfig, { kind: 'gaussian' }>;
    assert.equal(cfg.variance, 'learned');
    assertAllClose(cfg.logVar ?? NaN, logVar0, { rtol: 1e-6 });
    tf.dispose([x, mu, value, ...Object.values(grads)]);
    like.dispose();
  });

  test('sample has mean μ and variance σ² within 5 standard errors', () => {
    const like = new GaussianLikelihood({ variance: 0.09 });
    const mu = tf.fill([40000, 1], 1.5);
    const s = like.sample(mu, 5);
    const v = s.dataSync();
    const m = meanAndStandardError(v);
    assert.ok(Math.abs(m.mean - 1.5) < 5 * m.se, `sample mean ${m.mean} ± ${m.se}`);
    const sq = meanAndStandardError(Float64Array.from(v, (u) => (u - 1.5) ** 2));
    assert.ok(Math.abs(sq.mean - 0.09) < 5 * sq.se, `sample variance ${sq.mean} ± ${sq.se}`);
    tf.dispose([mu, s]);
    like.dispose();
  });

  test('rejects a non-positive or non-finite variance with a ConfigError naming likelihood.variance', () => {
    for (const variance of [0, -1, Infinity, NaN]) {
      assert.throws(
        () => new GaussianLikelihood({ variance }),
        (e: unknown) => e instanceof ConfigError && /likelihood\.variance: expected a positive number/.test(e.message),
      );
    }
  });
});

describe('makeLikelihood', () => {
  test('builds the likelihood its kind names, and rejects an unknown kind with a ConfigError', async () => {
    const b = makeLikelihood({ kind: 'bernoulli' });
    assert.ok(b instanceof BernoulliLikelihood);
    const g = makeLikelihood({ kind: 'gaussian', variance: 'learned', logVar: 0.5 });
    assert.ok(g instanceof GaussianLikelihood);
    assert.equal(g.variables().length, 1);
    assertAllClose(await (g as GaussianLikelihood).variance(), Math.exp(0.5), { rtol: 1e-6 });
    g.dispose();
    assert.throws(
      () => makeLikelihood({ kind: 'poisson' } as unknown as LikelihoodConfig),
      (e: unknown) => e instanceof ConfigError && /likelihood\.kind: expected one of bernoulli, gaussian, mixed, got "poisson"/.test(e.message),
    );
  });
});

describe("GaussianLikelihood with one learned σ²_d per dimension ('learned-diag')", () => {
  const LOGVAR = Array.from({ length: D }, () => 2 * rng.next() - 1.5);
  const diag64 = (x: number[], mu: number[]) => -0.5 * x.reduce((s, v, d) => s + LOG_2PI_64 + LOGVAR[d] + (v - mu[d]) ** 2 / Math.exp(LOGVAR[d]), 0);

  test('equals −½ Σ_d [log 2π + log σ²_d + (x_d − μ_d)²/σ²_d] in float64, for [B, D] and broadcast [K, B, D]', () => {
    const like = new GaussianLikelihood({ variance: 'learned-diag', logVar: LOGVAR }, D);
    const lp = tf.tidy(() => like.logProb(tf.tensor2d(X), tf.tensor2d(MU)));
    assertAllClose(
      lp,
      X.map((row, b) => diag64(row, MU[b])),
      { rtol: 1e-5 },
    );
    const lp3 = tf.tidy(() => like.logProb(tf.expandDims(tf.tensor2d(X), 0), tf.stack([tf.tensor2d(MU), tf.tensor2d(X)])));
    assertAllClose(lp3, [X.map((row, b) => diag64(row, MU[b])), X.map((row) => diag64(row, row))], { rtol: 1e-5 });
    assert.equal(like.variables().length, 1);
    assert.deepEqual(like.variables()[0].shape, [D]);
    tf.dispose([lp, lp3]);
    like.dispose();
  });

  test('with every σ²_d equal it is the shared-σ² likelihood; it starts at σ²_d = 1 and saves its values in its config', async () => {
    const same = new GaussianLikelihood({ variance: 'learned-diag', logVar: Array(D).fill(Math.log(0.3)) });
    const shared = new GaussianLikelihood({ variance: 0.3 });
    const [a, b] = tf.tidy(() => [same.logProb(tf.tensor2d(X), tf.tensor2d(MU)), shared.logProb(tf.tensor2d(X), tf.tensor2d(MU))]);
    assertAllClose(a, b.dataSync(), { rtol: 1e-5 });
    const fresh = new GaussianLikelihood({ variance: 'learned-diag' }, D);
    assertAllClose(await fresh.variances(), Array(D).fill(1), { rtol: 0 });
    const cfg = (await same.toConfig()) as { variance: string; logVar: number[] };
    assert.equal(cfg.variance, 'learned-diag');
    assertAllClose(cfg.logVar, Array(D).fill(Math.log(0.3)), { rtol: 1e-6 });
    tf.dispose([a, b]);
    [same, shared, fresh].forEach((l) => l.dispose());
  });

  test('rejects a logVar of the wrong length and a missing dimension, naming the field', () => {
    assert.throws(
      () => new GaussianLikelihood({ variance: 'learned-diag', logVar: [0, 0] }, D),
      /likelihood.logVar: expected 7 values, one per data dimension, got 2/,
    );
    assert.throws(() => new GaussianLikelihood({ variance: 'learned-diag' }), /needs the data dimension/);
  });

  test('a VAE with it learns σ²_d: gradients reach every dimension, and save → load keeps them', async () => {
    const { VAE } = await import('../../src/models/vae.js');
    const vae = new VAE({ inputShape: [D], hidden: [5], latentDim: 2, likelihood: { kind: 'gaussian', variance: 'learned-diag' }, seed: 3 });
    const x = tf.tensor2d(X);
    const opt = tf.train.adam(0.05);
    for (let i = 0; i < 5; i++) opt.minimize(() => tf.neg(tf.mean(elbo(vae, x, { seed: i }).elbo)) as tf.Scalar, false, vae.trainableVariables());
    const learned = await (vae.likelihood as GaussianLikelihood).variances();
    assert.ok(
      learned.every((v) => Math.abs(v - 1) > 1e-3),
      `every σ²_d moved: ${learned}`,
    );
    const again = await VAE.fromArtifacts(await vae.toArtifacts());
    assertAllClose(await (again.likelihood as GaussianLikelihood).variances(), learned, { rtol: 1e-6 });
    opt.dispose();
    x.dispose();
    vae.dispose();
    again.dispose();
  });
});
