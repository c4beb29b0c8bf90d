/**
 * The toolbox's objectives and schedules (issue 10): the K-sample ELBO, the trainable IWAE bound,
 * free bits, the KL warm-up and cyclical annealing schedules, and what each epoch's metrics record
 * (per-dimension KL, active units, the per-epoch log-likelihood). Each checked against an
 * independent float64 computation or an exact oracle (the linear-Gaussian model). cpu backend.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeDataset } from '../../src/data/dataset.js';
import { ConfigError, renderMessage } from '../../src/errors.js';
import { latentStatistics, dimensionsByKl } from '../../src/evaluation/latent-stats.js';
import { Rng } from '../../src/math/rng.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { elbo, negativeElboLoss } from '../../src/objectives/elbo.js';
import { objectiveNoise, objectiveValue, resolveObjectiveConfig } from '../../src/objectives/index.js';
import { negativeIwaeLoss } from '../../src/objectives/iwae.js';
import { collapseWarning } from '../../src/training/diagnostics.js';
import { resolveTrainOptions } from '../../src/training/options.js';
import { klWeight, resolveKlSchedule } from '../../src/training/schedules.js';
import { migrateMetrics, type EpochMetrics } from '../../src/training/state.js';
import { train } from '../../src/training/trainer.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';
import { B, CUBATURE, D, exactLogLikelihood, linearVae, posterior, SIGMA2, W, BIAS, X, Z } from '../helpers/linear-gaussian.js';
import { gaussianLogProb64, klStd64, normalLogProb64 } from '../helpers/oracles.js';
import { flagNamer } from '../../src/cli/flags.js';

before(async () => {
  await useBackend('cpu');
});

/** log w = log p(x|z) + log p(z) − log q(z|x) in float64 for the linear-Gaussian VAE with q shifted by (meanShift, logVarShift). */
function logWeight64(x: number[], eps: number[], meanShift: number[], logVarShift: number[]): number {
  const p = posterior(x);
  const m = p.mean.map((v, j) => v + meanShift[j]);
  const lv = p.logVar.map((v, j) => v + logVarShift[j]);
  const z = m.map((mj, j) => mj + Math.exp(0.5 * lv[j]) * eps[j]);
  const mean = W.map((row, i) => row.reduce((s, w, j) => s + w * z[j], BIAS[i]));
  return (
    gaussianLogProb64(x, mean, SIGMA2) +
    normalLogProb64(
      z,
      z.map(() => 0),
      z.map(() => 0),
    ) -
    normalLogProb64(z, m, lv)
  );
}

const logMeanExp64 = (a: number[]) => {
  const mx = Math.max(...a);
  return mx + Math.log(a.reduce((s, v) => s + Math.exp(v - mx), 0) / a.length);
};

const SHIFT_M = [0.8, -0.9];
const SHIFT_LV = [0.9, -0.7];

describe('the IWAE objective', () => {
  const vae = linearVae(SHIFT_M, SHIFT_LV);
  after(() => vae.dispose());
  const x = tf.tensor2d(X);
  after(() => x.dispose());

  test('its loss is −mean_b log (1/K) Σ_k w_bk, with w computed independently in float64', () => {
    const rng = new Rng('iwae-loss');
    const k = 7;
    const eps = Array.from({ length: k }, () => Array.from({ length: B }, () => Array.from({ length: Z }, () => rng.nextNormal())));
    const v = negativeIwaeLoss(vae, { x }, { seed: 0, step: 0, klWeight: 1, noise: tf.tensor3d(eps) }, k);
    const expected = -X.map((xb, b) => logMeanExp64(eps.map((e) => logWeight64(xb, e[b], SHIFT_M, SHIFT_LV)))).reduce((s, l) => s + l, 0) / B;
    assertAllClose(v.loss.dataSync()[0], expected, { rtol: 1e-5 });
    tf.dispose([v.loss, ...Object.values(v.terms)]);
  });

  test('is ≥ the ELBO on average and rises with K, towards the exact log p(x) (linear-Gaussian oracle)', () => {
    const meanLogPx = X.map(exactLogLikelihood).reduce((s, v) => s + v, 0) / B;
    const e = tf.tidy(() => tf.mean(elbo(vae, x, { numSamples: 4, eps: tf.tensor3d(CUBATURE) }).elbo).dataSync()[0]);
    const bound = (k: number, seeds: number) => {
      let sum = 0;
      for (let seed = 0; seed < seeds; seed++) {
        const v = objectiveValue({ kind: 'iwae', numSamples: k }, vae, { x }, { seed, step: 0, klWeight: 1 });
        sum -= v.loss.dataSync()[0];
        tf.dispose([v.loss, ...Object.values(v.terms)]);
      }
      return sum / seeds;
    };
    const ks = [1, 5, 50, 5000];
    const bounds = ks.map((k) => bound(k, k < 5000 ? 40 : 2));
    assert.ok(bounds[0] < e + 0.3, `L_1 ${bounds[0]} is the ELBO ${e} in expectation`);
    assert.ok(bounds[1] > e, `L_5 ${bounds[1]} ≥ ELBO ${e}`);
    for (let i = 1; i < ks.length; i++) assert.ok(bounds[i] > bounds[i - 1], `L_K rises with K: ${bounds.join(', ')}`);
    assert.ok(bounds[3] <= meanLogPx + 0.05, `L_5000 ${bounds[3]} ≤ log p(x) ${meanLogPx} (up to noise)`);
    assert.ok(meanLogPx - bounds[3] < 0.1 * (meanLogPx - e), `L_5000 ${bounds[3]} closes 90% of the ELBO's gap to ${meanLogPx}`);
  });

  test('with the exact posterior every weight is p(x), so L_K = log p(x) for any K', () => {
    const exact = linearVae();
    for (const k of [1, 13]) {
      const v = objectiveValue({ kind: 'iwae', numSamples: k }, exact, { x }, { seed: 3, step: 0, klWeight: 1 });
      assertAllClose(-v.loss.dataSync()[0], X.map(exactLogLikelihood).reduce((s, l) => s + l, 0) / B, { rtol: 1e-5, message: `K = ${k}` });
      tf.dispose([v.loss, ...Object.values(v.terms)]);
    }
    exact.dispose();
  });

  test('draws ε [K, B, Z] from the step seed (batch axis second to last) and leaks no tensor', async () => {
    const noise = objectiveNoise({ kind: 'iwae', numSamples: 5 }, B, Z, 11);
    assert.deepEqual(noise.shape, [5, B, Z]);
    const withNoise = negativeIwaeLoss(vae, { x }, { seed: 11, step: 0, klWeight: 1, noise }, 5);
    const fromSeed = negativeIwaeLoss(vae, { x }, { seed: 11, step: 0, klWeight: 1 }, 5);
    assert.equal(withNoise.loss.dataSync()[0], fromSeed.loss.dataSync()[0]);
    tf.dispose([noise, withNoise.loss, fromSeed.loss, ...Object.values(withNoise.terms), ...Object.values(fromSeed.terms)]);
    await assertNoTensorLeak(() => {
      const v = objectiveValue({ kind: 'iwae', numSamples: 3 }, vae, { x }, { seed: 1, step: 0, klWeight: 1 });
      tf.dispose([v.loss, ...Object.values(v.terms)]);
    });
  });
});

describe('the K-sample ELBO objective', () => {
  test('its loss is the mean of the K one-sample losses with the same ε, and its noise is [K, B, Z] ([B, Z] for K = 1)', () => {
    const vae = linearVae(SHIFT_M, SHIFT_LV);
    const x = tf.tensor2d(X);
    const noise = objectiveNoise({ kind: 'elbo', numSamples: 6 }, B, Z, 2) as tf.Tensor3D;
    assert.deepEqual(noise.shape, [6, B, Z]);
    assert.deepEqual(
      tf.tidy(() => objectiveNoise({ kind: 'elbo' }, B, Z, 2).shape),
      [B, Z],
    );
    const all = objectiveValue({ kind: 'elbo', numSamples: 6 }, vae, { x }, { seed: 2, step: 0, klWeight: 0.5, noise });
    const single = tf.unstack(noise).map((eps) => {
      const v = negativeElboLoss(vae, { x }, { seed: 0, step: 0, klWeight: 0.5, noise: eps });
      const loss = v.loss.dataSync()[0];
      tf.dispose([eps, v.loss, ...Object.values(v.terms)]);
      return loss;
    });
    assertAllClose(all.loss.dataSync()[0], single.reduce((s, l) => s + l, 0) / 6, { rtol: 1e-5 });
    tf.dispose([noise, x, all.loss, ...Object.values(all.terms)]);
    vae.dispose();
  });
});

describe('free bits', () => {
  /**
   * A linear VAE (D = 4, Z = 2) whose decoder ignores z_0 (its column of W is 0) and whose encoder
   * gives z_0 a posterior near the prior (KL_0 ≈ 0.008 nats) and z_1 a far one.
   */
  function twoDimVae(): VAE {
    const vae = new VAE({ inputShape: [D], hidden: [], latentDim: Z, likelihood: { kind: 'gaussian', variance: 1 }, seed: 3 });
    tf.tidy(() => {
      vae.encoder.getLayer('encoder_mean').setWeights([tf.tensor2d([0, 1, 0, 0.5, 0, -0.5, 0, 1], [D, Z]), tf.tensor1d([0.1, 2])]);
      vae.encoder.getLayer('encoder_logvar').setWeights([tf.zeros([D, Z]), tf.tensor1d([0.1, -2])]);
      vae.decoder.getLayer('decoder_output').setWeights([tf.tensor2d([0, 0, 0, 0, 1, -1, 0.5, 2], [Z, D]), tf.zeros([D])]);
    });
    return vae;
  }
  const grads = (vae: VAE, freeBits: number | null) => {
    const x = tf.tensor2d(X);
    const eps = tf.tensor2d(Array.from({ length: B }, (_, b) => [0.3 * b - 0.5, 0.2 - 0.1 * b]));
    const vars = vae.trainableVariables();
    const { value, grads } = tf.variableGrads(() => {
      const v = negativeElboLoss(vae, { x }, { seed: 0, step: 0, klWeight: 1, noise: eps }, { freeBits });
      tf.dispose(Object.values(v.terms));
      return v.loss;
    }, vars);
    const out = Object.fromEntries(vars.map((v) => [v.name, Array.from(grads[v.name]?.dataSync() ?? new Float32Array(v.size))]));
    tf.dispose([x, eps, value, ...Object.values(grads)]);
    return out;
  };

  test("a dimension whose batch-mean KL is below λ gets no gradient; the others keep the ELBO's", () => {
    const vae = twoDimVae();
    const name = (part: string) => vae.trainableVariables().find((v) => v.name.includes(part))!.name;
    const meanBias = name('encoder_mean/bias');
    const logVarBias = name('encoder_logvar/bias');
    const without = grads(vae, null);
    const withFreeBits = grads(vae, 0.25);
    for (const n of [meanBias, logVarBias]) {
      assert.ok(Math.abs(without[n][0]) > 1e-3, `without free bits, ${n}[0] has a gradient (${without[n][0]})`);
      assert.equal(withFreeBits[n][0], 0, `with λ = 0.25, ${n}[0] has none`);
      assertAllClose(withFreeBits[n][1], without[n][1], { rtol: 1e-5, message: `${n}[1] is unchanged` });
    }
    vae.dispose();
  });

  test('the loss is reconstruction + Σ_u max(λ, mean_b KL_u); the reported kl is the KL itself', () => {
    const vae = twoDimVae();
    const x = tf.tensor2d(X);
    const eps = tf.zeros([B, Z]);
    const v = negativeElboLoss(vae, { x }, { seed: 0, step: 0, klWeight: 2, noise: eps }, { freeBits: 0.25 });
    const stats = latentFigures(vae);
    const floored = stats.klPerDim.reduce((s, k) => s + Math.max(0.25, k), 0);
    assertAllClose(v.terms.kl.dataSync()[0], stats.kl, { rtol: 1e-5 });
    assertAllClose(v.loss.dataSync()[0], v.terms.reconstruction.dataSync()[0] + 2 * floored, { rtol: 1e-5 });
    tf.dispose([x, eps, v.loss, ...Object.values(v.terms)]);
    vae.dispose();
  });
});

/** Mean KL per dimension and the variance of the posterior means over X, in float64 from the encoder's outputs. */
function latentFigures(vae: VAE): { klPerDim: number[]; kl: number; meanVar: number[] } {
  const { mean, logVar } = tf.tidy(() => {
    const q = vae.encode(tf.tensor2d(X));
    return { mean: q.mean.arraySync() as number[][], logVar: q.logVar.arraySync() as number[][] };
  });
  const klPerDim = Array.from({ length: Z }, (_, u) => mean.reduce((s, m, b) => s + klStd64([m[u]], [logVar[b][u]]), 0) / B);
  const meanVar = Array.from({ length: Z }, (_, u) => {
    const mu = mean.reduce((s, m) => s + m[u], 0) / B;
    return mean.reduce((s, m) => s + (m[u] - mu) ** 2, 0) / (B - 1);
  });
  return { klPerDim, kl: klPerDim.reduce((s, k) => s + k, 0), meanVar };
}

describe('latentStatistics', () => {
  test('gives the mean KL per dimension, Var_x(E_q[z_u]) and the active units as computed in float64, whatever the chunking', async () => {
    const vae = linearVae(SHIFT_M, SHIFT_LV);
    const ds = makeDataset({ x: Float32Array.from(X.flat()), numExamples: B, dataDim: D, source: 'oracle' });
    const f = latentFigures(vae);
    for (const batchSize of [1, 2, 1000]) {
      const s = await assertNoTensorLeak(() => latentStatistics(vae, ds, { batchSize }));
      assertAllClose(s.klPerDimension, f.klPerDim, { rtol: 1e-5 });
      assertAllClose(s.meanVariance, f.meanVar, { rtol: 1e-4 });
      assert.equal(s.activeUnits, f.meanVar.filter((v) => v > 0.01).length);
    }
    const high = await latentStatistics(vae, ds, { threshold: Math.max(...f.meanVar) * 0.999 });
    assert.equal(high.activeUnits, 1, 'a threshold between the two variances counts one unit');
    vae.dispose();
  });

  test('dimensionsByKl puts the largest KL first and collapsed dimensions last', () => {
    assert.deepEqual(dimensionsByKl([0.01, 3, 0, 1.5]), [1, 3, 0, 2]);
  });
});

describe('KL schedules', () => {
  const at = (step: number) => ({ step, stepsPerEpoch: 10 });

  test('linear warm-up: start at step 0, the end after `epochs` epochs, linear between', () => {
    const s = resolveKlSchedule({ kind: 'linear', start: 0.1, end: 1, epochs: 2 });
    assert.deepEqual(
      [0, 5, 10, 20, 35].map((step) => klWeight(s, at(step))),
      [0.1, 0.1 + 0.9 * 0.25, 0.1 + 0.9 * 0.5, 1, 1],
    );
  });

  test('cyclical annealing (Fu et al. 2019): M cycles over the epochs, rising over the first R of each, periodic after', () => {
    const s = resolveKlSchedule({ kind: 'cyclical', start: 0, end: 1, cycles: 4, ratio: 0.5, epochs: 4 }); // 10 steps per cycle
    const values = [0, 1, 2.5, 5, 7, 9, 10, 12.5, 15, 40, 42.5].map((step) => klWeight(s, at(step)));
    assertAllClose(values, [0, 0.2, 0.5, 1, 1, 1, 0, 0.5, 1, 0, 0.5], { atol: 1e-12 });
  });

  test('the shorthand makes the schedules: a warm-up from 0.1, cycles from 0, β the end; conflicts are ConfigErrors naming the settings', () => {
    assert.deepEqual(resolveTrainOptions({ klWarmup: 10, beta: 0.5 }).beta, { kind: 'linear', start: 0.1, end: 0.5, epochs: 10 });
    assert.deepEqual(resolveTrainOptions({ epochs: 20, klCycles: 4 }).beta, { kind: 'cyclical', start: 0, end: 1, cycles: 4, ratio: 0.5, epochs: 20 });
    assert.deepEqual(resolveTrainOptions({ epochs: 8, klRatio: 0.25, betaStart: 0.2 }).beta, {
      kind: 'cyclical',
      start: 0.2,
      end: 1,
      cycles: 4,
      ratio: 0.25,
      epochs: 8,
    });
    const cases: [object, RegExp][] = [
      [{ klWarmup: 5, klCycles: 2 }, /--kl-warmup and --kl-cycles: choose a linear warm-up or cyclical annealing/],
      [{ betaStart: 0.2 }, /--beta-start: applies to a KL warm-up \(--kl-warmup\)/],
      [{ klRatio: 1.5 }, /--kl-ratio 1.5: expected the share of each cycle/],
      [{ objective: { kind: 'iwae' }, klWarmup: 3 }, /--beta: β and KL schedules weigh the ELBO's KL term, and the IWAE bound \(--objective iwae\) has none/],
      [{ klWarmup: 0 }, /--kl-warmup: expected a positive number, got 0/],
    ];
    for (const [o, re] of cases) {
      assert.throws(
        () => resolveTrainOptions(o, 'training'),
        (e: unknown) => e instanceof ConfigError && re.test(e.describe(flagNamer)),
        JSON.stringify(o),
      );
    }
  });

  test('objective settings: partial configs take the ELBO, free bits need the ELBO, unknown keys are rejected', () => {
    assert.deepEqual(resolveTrainOptions({ objective: { numSamples: 3 } as never }).objective, { kind: 'elbo', numSamples: 3, freeBits: null });
    assert.deepEqual(resolveTrainOptions({ objective: { kind: 'iwae' } }).objective, { kind: 'iwae', numSamples: 5 });
    assert.throws(() => resolveObjectiveConfig({ kind: 'iwae', freeBits: 0.25 } as never), /unknown.*freeBits|freeBits/);
    assert.throws(() => resolveObjectiveConfig({ kind: 'elbo', numSamples: 0 }), /numSamples: expected an integer ≥ 1, got 0/);
  });
});

describe('training with the toolbox', () => {
  const rng = new Rng('toolbox-train');
  const n = 40;
  const dim = 6;
  const data = makeDataset({ x: Float32Array.from({ length: n * dim }, () => (rng.next() < 0.4 ? 1 : 0)), numExamples: n, dataDim: dim, source: 'toy' });
  const test_ = makeDataset({
    x: Float32Array.from({ length: 12 * dim }, () => (rng.next() < 0.4 ? 1 : 0)),
    numExamples: 12,
    dataDim: dim,
    source: 'toy-test',
  });
  const toy = () => new VAE({ inputShape: [dim], latentDim: 3, hidden: [5], likelihood: { kind: 'bernoulli' }, seed: 2 });
  const strip = (m: EpochMetrics) => ({ ...m, seconds: 0, examplesPerSecond: 0, evalSeconds: 0 });

  test('a run interrupted mid-warm-up and resumed gives the losses, β and metrics of the uninterrupted run', async () => {
    const options = { epochs: 3, batchSize: 8, learningRate: 1e-2, seed: 1, logEvery: 1, klWarmup: 2, evalLogLikelihood: { numSamples: 4, limit: 5 } };
    const straight = toy();
    const r0 = await train(straight, { train: data, test: test_ }, { options });
    const resumed = toy();
    let steps = 0;
    const r1 = await train(resumed, { train: data, test: test_ }, { options, callbacks: { onStep: () => steps++, shouldStop: () => steps === 7 } });
    assert.equal(r1.interrupted, true);
    const r2 = await train(
      resumed,
      { train: data, test: test_ },
      { options, resumeFrom: { state: r1.state, optimizerWeights: await r1.optimizer.getWeights() } },
    );
    assert.deepEqual(r2.history.map(strip), r0.history.map(strip));
    assert.deepEqual(
      r0.history.map((m) => m.beta),
      [0.1 + 0.9 * (4 / 10), 0.1 + 0.9 * (9 / 10), 1],
      'β at the last step of each epoch (5 steps an epoch, warm-up over 10)',
    );
    for (const r of [r0, r1, r2]) r.optimizer.dispose();
    straight.dispose();
    resumed.dispose();
  });

  test('each epoch records the KL per dimension and active units of the held-out set, and the log-likelihood asked for', async () => {
    const vae = toy();
    const r = await train(vae, { train: data, test: test_ }, { options: { epochs: 2, batchSize: 8, seed: 1, evalLogLikelihood: { numSamples: 8, limit: 5 } } });
    for (const m of r.history) {
      assert.equal(m.version, 3);
      const stats = await latentStatistics(vae, test_);
      assert.equal(m.klPerDimension!.length, 3);
      assertAllClose(
        m.klPerDimension!.reduce((s, k) => s + k, 0),
        m.testKl!,
        { rtol: 1e-4 },
      );
      assert.ok(m.activeUnits! >= 0 && m.activeUnits! <= 3);
      assert.equal(m.logLikelihood!.numExamples, 5);
      assert.equal(m.logLikelihood!.split, 'test');
      assert.ok(m.logLikelihood!.value <= 0);
      if (m.epoch === 2) assert.deepEqual(m.klPerDimension, stats.klPerDimension);
    }
    r.optimizer.dispose();
    vae.dispose();
  });

  test('trains with the IWAE bound (K = 5) and lowers its loss', async () => {
    const vae = toy();
    const r = await train(
      vae,
      { train: data },
      { options: { epochs: 6, batchSize: 8, learningRate: 1e-2, seed: 1, objective: { kind: 'iwae', numSamples: 5 } } },
    );
    assert.ok(r.history[5].trainLoss < r.history[0].trainLoss, `loss falls: ${r.history.map((m) => m.trainLoss)}`);
    r.optimizer.dispose();
    vae.dispose();
  });
});

describe('metrics rows and the collapse warning', () => {
  const row = (activeUnits: number, kl: number[]): EpochMetrics =>
    migrateMetrics({
      version: 2,
      epoch: 3,
      trainLoss: 1,
      reconstruction: 1,
      kl: 0,
      beta: 1,
      terms: {},
      valLoss: null,
      valReconstruction: null,
      valKl: null,
      testLoss: null,
      testReconstruction: null,
      testKl: null,
      examplesPerSecond: 1,
      seconds: 1,
      evalSeconds: 0,
      ...({ activeUnits, klPerDimension: kl } as object),
    } as never);

  test('a version-2 row reads as version 3 with no latent figures', () => {
    const m = row(0, []);
    assert.equal(m.version, 3);
    assert.deepEqual([m.activeUnits, m.klPerDimension, m.logLikelihood], [null, null, null]);
  });

  test('fewer than half the units active gives a warning with the remedies not in use, named as flags by the CLI', () => {
    const m = { ...row(0, []), activeUnits: 1, klPerDimension: [2, 0.05, 0.05, 0] };
    const o = resolveTrainOptions({});
    assert.equal(
      renderMessage(collapseWarning(m, o)!, flagNamer),
      '1/4 latent units active, KL 2.1 nats: posterior collapse; try --kl-warmup 10 or --free-bits 0.25',
    );
    assert.match(renderMessage(collapseWarning(m, resolveTrainOptions({ klWarmup: 5 }))!, flagNamer), /try --free-bits 0.25$/);
    assert.equal(collapseWarning({ ...m, activeUnits: 2 }, o), null, 'half the units active is no collapse');
  });
});
