/**
 * The registries keyed by a config's `kind` (objectives, β schedules, networks), the noise module
 * that draws every ε, the validation rules and the setting markers of error messages. Numbers are
 * checked against float64 oracles (test/helpers/oracles.ts) fed the same explicit noise, so "draws
 * exactly what the module gives" is tested by value, not by reading the code. On the cpu backend.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeDataset } from '../../src/data/dataset.js';
import { CheckpointError, ConfigError, DataError, VaeError, renderMessage, setting, type SettingNamer } from '../../src/errors.js';
import { estimateLogLikelihood } from '../../src/evaluation/log-likelihood.js';
import { BernoulliLikelihood, GaussianLikelihood } from '../../src/likelihoods/index.js';
import { chunkSeed, elboNoise, exampleNoise, iwaeNoise, normalObservationNoise, priorNoise, stepSeed, uniformObservationNoise } from '../../src/math/noise.js';
import { Rng } from '../../src/math/rng.js';
import { sampleFromPrior } from '../../src/models/generate.js';
import { VAE } from '../../src/models/vae.js';
import { MLP_DEFAULTS, NET_KINDS, makeDecoder, makeEncoder, resolveNetConfig, type NetConfig } from '../../src/nets/index.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { elbo, negativeElboLoss } from '../../src/objectives/elbo.js';
import {
  DEFAULT_OBJECTIVE,
  OBJECTIVE_KINDS,
  objectiveNoise,
  objectiveTerms,
  objectiveValue,
  resolveObjectiveConfig,
  type ObjectiveConfig,
} from '../../src/objectives/index.js';
import { iwaeBound } from '../../src/objectives/iwae.js';
import { resolveTrainOptions } from '../../src/training/options.js';
import { SCHEDULE_KINDS, klWeight, resolveKlSchedule, type KlSchedule } from '../../src/training/schedules.js';
import * as v from '../../src/validate.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';
import { bernoulliLogProb64, decode64, elbo64, encode64, normalLogProb64, readVaeWeights, rows } from '../helpers/oracles.js';

/** D, Z, B of the toy model and batch. */
const D = 6;
const Z = 3;
const B = 5;
const ELBO: ObjectiveConfig = { kind: 'elbo' };

/** A 6-5-3 tanh MLP VAE, Bernoulli decoder (the oracles mirror its layers). */
const toyVae = () => new VAE({ inputShape: [D], latentDim: Z, hidden: [5], activation: 'tanh', likelihood: { kind: 'bernoulli' }, seed: 3 });

/** B binary rows [B, D], fixed by a seeded stream. */
const rngX = new Rng('registries-test-x');
const X = Float32Array.from({ length: B * D }, () => (rngX.next() < 0.4 ? 1 : 0));
const xRows = rows(X, B, D);

/** log (1/K) Σ_k exp(a_k), float64. */
function logMeanExp64(a: number[]): number {
  const m = Math.max(...a);
  return m + Math.log(a.reduce((s, t) => s + Math.exp(t - m), 0) / a.length);
}

/** Values of a tensor as a plain array (the tensor is left alone). */
const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** A ConfigError whose message is exactly `message` (the library's rendering). */
function assertConfigError(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

before(async () => {
  await useBackend('cpu');
});

describe('objective registry', () => {
  let vae: VAE;
  let x: tf.Tensor2D;
  before(() => {
    vae = toyVae();
    x = tf.tensor2d(X, [B, D]);
  });

  test("knows the kinds 'elbo' (the default objective), 'iwae' and 'tc-vae'", () => {
    assert.deepEqual(OBJECTIVE_KINDS, ['elbo', 'iwae', 'tc-vae']);
    assert.deepEqual(DEFAULT_OBJECTIVE, { kind: 'elbo', numSamples: 1, freeBits: null });
    assert.ok(Object.isFrozen(DEFAULT_OBJECTIVE));
  });

  test('reports the terms reconstruction then kl, in the order of the value it returns', () => {
    assert.deepEqual([...objectiveTerms(ELBO)], ['reconstruction', 'kl']);
    const value = objectiveValue(ELBO, vae, { x }, { seed: 1, step: 0, klWeight: 1 });
    assert.deepEqual(Object.keys(value.terms), [...objectiveTerms(ELBO)]);
    tf.dispose([value.loss, ...Object.values(value.terms)]);
  });

  test('equals negativeElboLoss at the same context, bit for bit, for β 1, 0.3 and 0', () => {
    for (const beta of [1, 0.3, 0]) {
      const ctx = { seed: 17, step: 4, klWeight: beta };
      const a = objectiveValue(ELBO, vae, { x }, ctx);
      const b = negativeElboLoss(vae, { x }, ctx);
      assert.equal(a.loss.dataSync()[0], b.loss.dataSync()[0], `loss at β ${beta}`);
      assert.equal(a.terms.reconstruction.dataSync()[0], b.terms.reconstruction.dataSync()[0]);
      assert.equal(a.terms.kl.dataSync()[0], b.terms.kl.dataSync()[0]);
      tf.dispose([a.loss, b.loss, ...Object.values(a.terms), ...Object.values(b.terms)]);
    }
  });

  test('is the batch mean of −reconstruction + β·KL computed in float64 from the noise elboNoise draws', () => {
    const seed = 23;
    const beta = 0.3;
    const w = readVaeWeights(vae);
    const eps = tf.tidy(() => elboNoise(1, B, Z, seed).arraySync() as number[][]);
    let rec = 0;
    let kl = 0;
    for (let b = 0; b < B; b++) {
      const o = elbo64(w, xRows[b], [eps[b]], bernoulliLogProb64);
      rec += -o.reconstruction / B;
      kl += o.kl / B;
    }
    const value = objectiveValue(ELBO, vae, { x }, { seed, step: 0, klWeight: beta });
    assertAllClose(value.terms.reconstruction.dataSync()[0], rec, { rtol: 1e-5 });
    assertAllClose(value.terms.kl.dataSync()[0], kl, { rtol: 1e-5 });
    assertAllClose(value.loss.dataSync()[0], rec + beta * kl, { rtol: 1e-5 });
    tf.dispose([value.loss, ...Object.values(value.terms)]);
  });

  test('leaves no tensor behind but the loss and terms it returns', async () => {
    const value = await assertNoTensorLeak(() => objectiveValue(ELBO, vae, { x }, { seed: 2, step: 0, klWeight: 0.5 }));
    tf.dispose([value.loss, ...Object.values(value.terms)]);
  });

  test('objectiveNoise is the [B, Z] draw elboNoise(1, B, Z, seed), and passing it as ctx.noise gives the identical loss', () => {
    const seed = 31;
    const noise = objectiveNoise(ELBO, B, Z, seed);
    const direct = elboNoise(1, B, Z, seed);
    assert.deepEqual(noise.shape, [B, Z]);
    assert.deepEqual(values(noise), values(direct));
    const drawn = objectiveValue(ELBO, vae, { x }, { seed, step: 0, klWeight: 0.7 });
    // The seed is ignored when the noise is given: a different seed with the same noise, same loss.
    const given = objectiveValue(ELBO, vae, { x }, { seed: seed + 1, step: 0, klWeight: 0.7, noise });
    assert.equal(given.loss.dataSync()[0], drawn.loss.dataSync()[0]);
    assert.equal(given.terms.reconstruction.dataSync()[0], drawn.terms.reconstruction.dataSync()[0]);
    // …and other noise moves the loss: the comparison above can fail.
    const other = objectiveNoise(ELBO, B, Z, seed + 1);
    const moved = objectiveValue(ELBO, vae, { x }, { seed, step: 0, klWeight: 0.7, noise: other });
    assert.notEqual(moved.loss.dataSync()[0], drawn.loss.dataSync()[0]);
    tf.dispose([
      noise,
      direct,
      other,
      drawn.loss,
      given.loss,
      moved.loss,
      ...Object.values(drawn.terms),
      ...Object.values(given.terms),
      ...Object.values(moved.terms),
    ]);
  });

  test('cut along the batch axis, the noise gives two shards losses whose row-weighted mean is the whole batch loss', () => {
    const seed = 41;
    const b0 = 2;
    const noise = objectiveNoise(ELBO, B, Z, seed); // [B, Z]
    const whole = objectiveValue(ELBO, vae, { x }, { seed, step: 0, klWeight: 0.4 });
    const shard = (start: number, size: number) =>
      tf.tidy(() => {
        const xs = tf.slice(x, [start, 0], [size, D]) as tf.Tensor2D;
        const ns = tf.slice(noise, [start, 0], [size, Z]);
        return objectiveValue(ELBO, vae, { x: xs }, { seed, step: 0, klWeight: 0.4, noise: ns }).loss.dataSync()[0];
      });
    const combined = (b0 / B) * shard(0, b0) + ((B - b0) / B) * shard(b0, B - b0);
    assertAllClose(combined, whole.loss.dataSync()[0], { rtol: 1e-6 });
    tf.dispose([noise, whole.loss, ...Object.values(whole.terms)]);
  });

  test('resolveObjectiveConfig fills the defaults of the kind and names an unknown kind by its field', () => {
    assert.deepEqual(resolveObjectiveConfig({ kind: 'elbo' }, 'training.objective'), { kind: 'elbo', numSamples: 1, freeBits: null });
    assert.deepEqual(resolveObjectiveConfig({ kind: 'iwae' }, 'training.objective'), { kind: 'iwae', numSamples: 5 });
    assertConfigError(
      () => resolveObjectiveConfig({ kind: 'vq' } as unknown as ObjectiveConfig, 'training.objective'),
      'training.objective.kind: expected one of elbo, iwae, tc-vae, got "vq"',
    );
    assertConfigError(
      () => resolveObjectiveConfig({} as ObjectiveConfig, 'training.objective'),
      'training.objective.kind: expected one of elbo, iwae, tc-vae, got nothing',
    );
    assertConfigError(
      () => resolveObjectiveConfig({ kind: 'vq' } as unknown as ObjectiveConfig),
      'objective.kind: expected one of elbo, iwae, tc-vae, got "vq"',
    );
  });

  test('resolveObjectiveConfig rejects fields the kind does not have, naming them', () => {
    assertConfigError(
      () => resolveObjectiveConfig({ kind: 'iwae', freeBits: 0.5 } as unknown as ObjectiveConfig, 'training.objective'),
      "training.objective: unknown field 'freeBits'; expected some of kind, numSamples",
    );
  });

  test('an unknown kind reaching objectiveValue, objectiveTerms or objectiveNoise is a ConfigError, not a TypeError', () => {
    const bad = { kind: 'vq' } as unknown as ObjectiveConfig;
    assertConfigError(() => objectiveTerms(bad), /objective\.kind: expected one of elbo, iwae, tc-vae, got "vq"/);
    assertConfigError(() => objectiveNoise(bad, B, Z, 1), /objective\.kind/);
    assertConfigError(() => objectiveValue(bad, vae, { x }, { seed: 1, step: 0, klWeight: 1 }), /objective\.kind/);
  });

  test('resolveTrainOptions names the objective as training.objective in a run config', () => {
    assertConfigError(
      () => resolveTrainOptions({ objective: { kind: 'x' } as unknown as ObjectiveConfig }, 'training'),
      'training.objective.kind: expected one of elbo, iwae, tc-vae, got "x"',
    );
  });
});

describe('β schedules', () => {
  test("know the kinds 'constant', 'linear' (warm-up) and 'cyclical'", () => {
    assert.deepEqual(SCHEDULE_KINDS, ['constant', 'linear', 'cyclical']);
  });

  test('a number resolves to the constant schedule of that value', () => {
    assert.deepEqual(resolveKlSchedule(0.25, 'training.beta'), { kind: 'constant', value: 0.25 });
    assert.deepEqual(resolveKlSchedule(0), { kind: 'constant', value: 0 });
    assert.deepEqual(resolveKlSchedule({ kind: 'constant', value: 3 }), { kind: 'constant', value: 3 });
  });

  test('a constant schedule gives its value at every step, whatever the epoch length', () => {
    const s = resolveKlSchedule({ kind: 'constant', value: 0.37 });
    for (const stepsPerEpoch of [1, 7, 1000]) {
      for (const step of [0, 1, 6, 7, 999, 123456]) assert.equal(klWeight(s, { step, stepsPerEpoch }), 0.37, `step ${step} of ${stepsPerEpoch}`);
    }
  });

  test('a negative or non-finite β is a ConfigError naming the field and the value', () => {
    assertConfigError(() => resolveKlSchedule(-0.5, 'training.beta'), 'training.beta: expected a number ≥ 0, got -0.5');
    assertConfigError(() => resolveKlSchedule('1' as unknown as number, 'training.beta'), 'training.beta: expected a number ≥ 0, got "1"');
    assertConfigError(() => resolveKlSchedule(null as unknown as number, 'beta'), 'beta: expected a number ≥ 0, got null');
    assertConfigError(() => resolveKlSchedule(Infinity, 'beta'), /^beta: expected a number ≥ 0, got /);
  });

  test('an unknown kind, a bad value and an extra field of a schedule are ConfigErrors naming the field', () => {
    assertConfigError(
      () => resolveKlSchedule({ kind: 'sigmoid' } as unknown as KlSchedule, 'training.beta'),
      'training.beta.kind: expected one of constant, linear, cyclical, got "sigmoid"',
    );
    assertConfigError(() => resolveKlSchedule({ kind: 'constant', value: -1 }, 'training.beta'), 'training.beta.value: expected a number ≥ 0, got -1');
    assertConfigError(() => resolveKlSchedule({ kind: 'constant' } as KlSchedule, 'training.beta'), 'training.beta.value: expected a number ≥ 0, got nothing');
    assertConfigError(
      () => resolveKlSchedule({ kind: 'constant', value: 1, warmupSteps: 10 } as unknown as KlSchedule, 'training.beta'),
      "training.beta: unknown field 'warmupSteps'; expected some of kind, value",
    );
  });

  test('resolveTrainOptions resolves beta through the schedule, number or config, and names it', () => {
    assert.deepEqual(resolveTrainOptions({ beta: 2 }).beta, { kind: 'constant', value: 2 });
    assert.deepEqual(resolveTrainOptions({ beta: { kind: 'constant', value: 0.5 } }).beta, { kind: 'constant', value: 0.5 });
    assert.deepEqual(resolveTrainOptions({}).beta, { kind: 'constant', value: 1 });
    assertConfigError(() => resolveTrainOptions({ beta: -1 }, 'training'), 'training.beta: expected a number ≥ 0, got -1');
  });
});

describe('noise module', () => {
  let vae: VAE;
  let x: tf.Tensor2D;
  before(() => {
    vae = toyVae();
    x = tf.tensor2d(X, [B, D]);
  });

  /** Runs `f`, returns its values and disposes its tensor. */
  const draw = (f: () => tf.Tensor): number[] => tf.tidy(() => values(f()));

  /** Unrelated randomness between two draws: a pure function must not notice it. */
  const disturb = () => {
    Math.random();
    tf.tidy(() => tf.randomNormal([17]).dataSync());
    tf.tidy(() => tf.randomUniform([5], 0, 1, 'float32', 99).dataSync());
  };

  test('stepSeed and chunkSeed are integers in [1, 2³¹), the same for the same arguments and different when any changes', () => {
    const seeds = [
      stepSeed(0, 0, 0),
      stepSeed(0, 0, 1),
      stepSeed(0, 1, 0),
      stepSeed(1, 0, 0),
      stepSeed(0, 1, 2),
      stepSeed(0, 2, 1),
      chunkSeed(0, 0),
      chunkSeed(0, 1),
      chunkSeed(1, 0),
    ];
    for (const s of seeds) assert.ok(Number.isInteger(s) && s >= 1 && s < 2 ** 31, `seed ${s}`);
    assert.equal(new Set(seeds).size, seeds.length, `distinct: ${seeds}`);
    disturb();
    assert.equal(stepSeed(0, 1, 2), seeds[4]);
    assert.equal(chunkSeed(1, 0), seeds[8]);
    assert.equal(stepSeed(-3, 5, 7), stepSeed(-3, 5, 7));
  });

  test('each noise function gives the same values for the same arguments, whatever random draws come between', () => {
    const cases: Array<[string, () => tf.Tensor, number[]]> = [
      ['elboNoise K = 1', () => elboNoise(1, 4, 3, 9), [4, 3]],
      ['elboNoise K = 2', () => elboNoise(2, 4, 3, 9), [2, 4, 3]],
      ['iwaeNoise', () => iwaeNoise(2, 4, 3, 9), [2, 4, 3]],
      ['exampleNoise', () => exampleNoise(5, 3, 9, 12), [5, 3]],
      ['priorNoise', () => priorNoise(4, 3, 9, 0.8), [4, 3]],
      ['uniformObservationNoise', () => uniformObservationNoise([2, 6], 9), [2, 6]],
      ['normalObservationNoise', () => normalObservationNoise([2, 6], 9), [2, 6]],
    ];
    for (const [name, f, shape] of cases) {
      const first = tf.tidy(() => {
        const t = f();
        assert.deepEqual(t.shape, shape, `${name} shape`);
        return values(t);
      });
      disturb();
      assert.deepEqual(draw(f), first, name);
    }
  });

  test('each noise function changes when any of its seed or indices changes, and the purposes draw different streams', () => {
    const base = draw(() => elboNoise(1, 4, 3, 9));
    assert.notDeepEqual(
      draw(() => elboNoise(1, 4, 3, 10)),
      base,
      'elbo seed',
    );
    assert.notDeepEqual(
      draw(() => iwaeNoise(1, 4, 3, 9)),
      base,
      'iwae and elbo streams',
    );
    assert.notDeepEqual(
      draw(() => priorNoise(4, 3, 9)),
      base,
      'prior and elbo streams',
    );
    assert.notDeepEqual(
      draw(() => normalObservationNoise([4, 3], 9)),
      base,
      'observation and elbo streams',
    );
    assert.notDeepEqual(
      draw(() => iwaeNoise(2, 4, 3, 10)),
      draw(() => iwaeNoise(2, 4, 3, 9)),
      'iwae seed',
    );
    assert.notDeepEqual(
      draw(() => exampleNoise(5, 3, 9, 13)),
      draw(() => exampleNoise(5, 3, 9, 12)),
      'example index',
    );
    assert.notDeepEqual(
      draw(() => exampleNoise(5, 3, 10, 12)),
      draw(() => exampleNoise(5, 3, 9, 12)),
      'example seed',
    );
    assert.notDeepEqual(
      draw(() => uniformObservationNoise([2, 6], 10)),
      draw(() => uniformObservationNoise([2, 6], 9)),
      'uniform seed',
    );
  });

  test('the normal draws have mean 0 and variance 1 within 5 standard errors; the uniform draws lie in [0, 1) with mean ½', () => {
    for (const [name, f] of [
      ['elbo', () => elboNoise(1, 400, 10, 5)],
      ['iwae', () => iwaeNoise(4, 100, 10, 5)],
      ['prior', () => priorNoise(400, 10, 5)],
    ] as Array<[string, () => tf.Tensor]>) {
      const a = draw(f);
      const n = a.length;
      const mean = a.reduce((s, t) => s + t, 0) / n;
      const variance = a.reduce((s, t) => s + (t - mean) ** 2, 0) / (n - 1);
      assert.ok(Math.abs(mean) < 5 / Math.sqrt(n), `${name} mean ${mean}`);
      assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / n), `${name} variance ${variance}`);
    }
    const u = draw(() => uniformObservationNoise([4000], 5));
    assert.ok(u.every((t) => t >= 0 && t < 1));
    assert.ok(Math.abs(u.reduce((s, t) => s + t, 0) / u.length - 0.5) < 5 * Math.sqrt(1 / 12 / u.length));
  });

  test('priorNoise at temperature ½ is exactly ½ × the draw at temperature 1', () => {
    const one = draw(() => priorNoise(6, 3, 4));
    const half = draw(() => priorNoise(6, 3, 4, 0.5));
    assert.deepEqual(
      half,
      one.map((t) => t * 0.5),
    );
  });

  test('elbo with a seed draws exactly elboNoise(K, B, Z, seed), for K = 1 and K = 3', () => {
    for (const k of [1, 3]) {
      const [bySeed, byEps] = tf.tidy(() => {
        const eps = elboNoise(k, B, Z, 8);
        return [elbo(vae, x, { numSamples: k, seed: 8 }).elbo, elbo(vae, x, { numSamples: k, eps }).elbo].map(values);
      });
      assert.deepEqual(bySeed, byEps, `K = ${k}`);
    }
  });

  test('elbo with seed s equals the float64 ELBO fed elboNoise(3, B, Z, s) row by row', () => {
    const k = 3;
    const w = readVaeWeights(vae);
    const eps = tf.tidy(() => elboNoise(k, B, Z, 8).arraySync() as number[][][]); // [K, B, Z]
    const expected = xRows.map(
      (xb, b) =>
        elbo64(
          w,
          xb,
          eps.map((e) => e[b]),
          bernoulliLogProb64,
        ).elbo,
    );
    const got = tf.tidy(() => values(elbo(vae, x, { numSamples: k, seed: 8 }).elbo));
    assertAllClose(got, expected, { rtol: 1e-5, atol: 1e-5 });
  });

  test('iwaeBound with a seed draws exactly iwaeNoise(K, B, Z, seed) and equals the float64 bound on that noise', () => {
    const k = 4;
    const seed = 12;
    const w = readVaeWeights(vae);
    const epsT = iwaeNoise(k, B, Z, seed);
    const eps = epsT.arraySync() as number[][][]; // [K, B, Z]
    const bySeed = tf.tidy(() => values(iwaeBound(vae, x, { numSamples: k, seed })));
    const byEps = tf.tidy(() => values(iwaeBound(vae, x, { numSamples: k, eps: epsT })));
    epsT.dispose();
    assert.deepEqual(bySeed, byEps);
    const zeros = new Float64Array(Z);
    const expected = xRows.map((xb, b) => {
      const { mean, logVar } = encode64(w, xb);
      const logW = eps.map((e) => {
        const z = Array.from(mean, (m, j) => m + Math.exp(0.5 * logVar[j]) * e[b][j]);
        return bernoulliLogProb64(xb, decode64(w, z)) + normalLogProb64(z, zeros, zeros) - normalLogProb64(z, mean, logVar);
      });
      return logMeanExp64(logW);
    });
    assertAllClose(bySeed, expected, { rtol: 1e-5, atol: 1e-5 });
  });

  test('estimateLogLikelihood gives example n the draw exampleNoise(K, Z, seed, n), whatever the chunking, and honours firstIndex', async () => {
    const k = 6;
    const seed = 21;
    const w = readVaeWeights(vae);
    const ds = makeDataset({ x: X, numExamples: B, dataDim: D, source: 'toy' });
    const zeros = new Float64Array(Z);
    const oracle = (n: number, index: number) => {
      const eps = tf.tidy(() => exampleNoise(k, Z, seed, index).arraySync() as number[][]); // [K, Z]
      const { mean, logVar } = encode64(w, xRows[n]);
      return logMeanExp64(
        eps.map((e) => {
          const z = Array.from(mean, (m, j) => m + Math.exp(0.5 * logVar[j]) * e[j]);
          return bernoulliLogProb64(xRows[n], decode64(w, z)) + normalLogProb64(z, zeros, zeros) - normalLogProb64(z, mean, logVar);
        }),
      );
    };
    const expected = xRows.map((_, n) => oracle(n, n));
    // chunkRows 4 < K: one example per group and two sample chunks (4 + 2); 8192: one pass.
    for (const chunkRows of [4, 8192]) {
      const est = await estimateLogLikelihood(vae, ds, { numSamples: k, seed, chunkRows });
      assertAllClose(est.perExample, expected, { rtol: 1e-5, atol: 1e-5, message: `chunkRows ${chunkRows}` });
    }
    const shifted = await estimateLogLikelihood(vae, ds, { numSamples: k, seed, firstIndex: 7 });
    assertAllClose(
      shifted.perExample,
      xRows.map((_, n) => oracle(n, 7 + n)),
      { rtol: 1e-5, atol: 1e-5, message: 'firstIndex 7' },
    );
  });

  test('sampleFromPrior decodes exactly priorNoise(n, Z, seed, temperature): σ of the float64 decoder at those z', () => {
    const n = 4;
    const w = readVaeWeights(vae);
    for (const temperature of [1, 0.5]) {
      const z = tf.tidy(() => priorNoise(n, Z, 13, temperature).arraySync() as number[][]);
      const expected = z.flatMap((zi) => Array.from(decode64(w, zi), (l) => 1 / (1 + Math.exp(-l))));
      const got = tf.tidy(() => values(sampleFromPrior(vae, n, { seed: 13, temperature })));
      assertAllClose(got, expected, { rtol: 1e-5, atol: 1e-7, message: `temperature ${temperature}` });
      assert.deepEqual(
        tf.tidy(() => values(vae.sample(n, { seed: 13, temperature }))),
        got,
        'VAE.sample is sampleFromPrior',
      );
    }
  });

  test('a Bernoulli sample is 1 exactly where uniformObservationNoise is below σ(logit); a Gaussian one is mean + σ·normalObservationNoise', () => {
    const logits = tf.tensor2d([
      [-2, -0.5, 0, 0.3, 1, 4],
      [3, -3, 0.1, -0.1, 2, -1],
    ]);
    const seed = 6;
    const u = draw(() => uniformObservationNoise([2, 6], seed));
    const l = values(logits);
    const expected = l.map((li, i) => (u[i] < 1 / (1 + Math.exp(-li)) ? 1 : 0));
    const bern = new BernoulliLikelihood();
    assert.deepEqual(
      draw(() => bern.sample(logits, seed)),
      expected,
    );
    const gauss = new GaussianLikelihood({ variance: 0.25 }, 6);
    const e = draw(() => normalObservationNoise([2, 6], seed));
    assertAllClose(
      draw(() => gauss.sample(logits, seed)),
      l.map((m, i) => m + 0.5 * e[i]),
      { rtol: 1e-6, atol: 1e-7 },
    );
    gauss.dispose();
    logits.dispose();
  });
});

describe('network registry', () => {
  const dims = { dataDim: 6, inputShape: [6], latentDim: 2, conditionDim: 0 };

  test("knows the kinds 'mlp' and 'conv'", () => {
    assert.ok(NET_KINDS.includes('mlp') && NET_KINDS.includes('conv'), NET_KINDS.join(', '));
  });

  test('resolves an empty config to the MLP defaults (one hidden layer of 400 ReLU units) and fills what is missing', () => {
    assert.deepEqual(resolveNetConfig({}, 'model.encoder'), { kind: 'mlp', hidden: [400], activation: 'relu' });
    assert.deepEqual(resolveNetConfig({}, 'model.encoder'), { ...MLP_DEFAULTS, hidden: [...MLP_DEFAULTS.hidden] });
    assert.deepEqual(resolveNetConfig({ hidden: [8, 4] }, 'model.encoder'), { kind: 'mlp', hidden: [8, 4], activation: 'relu' });
    assert.deepEqual(resolveNetConfig({ kind: 'mlp', activation: 'tanh' }, 'model.decoder'), { kind: 'mlp', hidden: [400], activation: 'tanh' });
  });

  test('the resolved config owns its hidden widths: changing them leaves the input and the defaults alone', () => {
    const input = { kind: 'mlp' as const, hidden: [8, 4] };
    const out = resolveNetConfig(input, 'model.encoder');
    out.hidden.push(99);
    assert.deepEqual(input.hidden, [8, 4]);
    assert.deepEqual(resolveNetConfig({}, 'e').hidden, [400]);
  });

  test('an unknown kind is a ConfigError naming the field, from resolve and from the builders', () => {
    const kinds = NET_KINDS.join(', ');
    assertConfigError(
      () => resolveNetConfig({ kind: 'dense' } as unknown as NetConfig, 'model.encoder'),
      `model.encoder.kind: expected one of ${kinds}, got "dense"`,
    );
    const rng = new Rng('nets');
    assertConfigError(() => makeEncoder({ kind: 'gan' } as unknown as NetConfig, dims, rng), `encoder.kind: expected one of ${kinds}, got "gan"`);
    assertConfigError(() => makeDecoder({ kind: 'gan' } as unknown as NetConfig, dims, rng), `decoder.kind: expected one of ${kinds}, got "gan"`);
  });

  test('a bad width or activation is a ConfigError naming it with its index', () => {
    assertConfigError(() => resolveNetConfig({ hidden: [8, 0] }, 'model.encoder'), 'model.encoder.hidden[1]: expected an integer ≥ 1, got 0');
    assertConfigError(() => resolveNetConfig({ hidden: [2.5] }, 'model.decoder'), 'model.decoder.hidden[0]: expected an integer ≥ 1, got 2.5');
    assertConfigError(
      () => resolveNetConfig({ activation: 'gelu' } as unknown as NetConfig, 'model.encoder'),
      /^model\.encoder\.activation: expected one of relu, elu, tanh, .*, got "gelu"$/,
    );
  });

  test('hidden widths given as a single number are a ConfigError naming the field, not a TypeError', () => {
    assertConfigError(() => resolveNetConfig({ hidden: 64 } as unknown as NetConfig, 'model.encoder'), /^model\.encoder\.hidden/);
  });

  test("a field its kind does not take (misspelt, or another kind's) is a ConfigError naming it, the kind and the fields it takes", () => {
    assertConfigError(
      () => resolveNetConfig({ kind: 'mlp', hiden: [64] } as unknown as NetConfig, 'model.encoder'),
      "model.encoder.hiden: does not apply to model.encoder.kind 'mlp' (it takes model.encoder.hidden, model.encoder.activation)",
    );
    assertConfigError(
      () => resolveNetConfig({ kind: 'conv', cell: 'lstm' } as unknown as NetConfig, 'model.encoder'),
      "model.encoder.cell: does not apply to model.encoder.kind 'conv' (it takes model.encoder.channels, model.encoder.kernel, model.encoder.hidden, model.encoder.activation)",
    );
  });

  test('the built MLP encoder maps [B, D] to mean and logVar [B, Z], and the decoder [B, Z] to [B, D], through the widths given', () => {
    const config = resolveNetConfig({ hidden: [5, 4], activation: 'elu' }, 'e');
    const enc = makeEncoder(config, dims, new Rng('enc'));
    const dec = makeDecoder(config, dims, new Rng('dec'));
    const [mean, logVar] = enc.predict(tf.zeros([3, 6])) as tf.Tensor[];
    const out = dec.predict(tf.zeros([3, 2])) as tf.Tensor;
    assert.deepEqual(
      [mean.shape, logVar.shape, out.shape],
      [
        [3, 2],
        [3, 2],
        [3, 6],
      ],
    );
    const units = (m: tf.LayersModel, prefix: string) =>
      m.layers.filter((l) => l.name.startsWith(prefix)).map((l) => (l.getConfig() as { units: number }).units);
    assert.deepEqual(units(enc, 'encoder_hidden'), [5, 4]);
    assert.deepEqual(units(dec, 'decoder_hidden'), [4, 5], 'the decoder uses the widths reversed');
    tf.dispose([mean, logVar, out]);
    enc.dispose();
    dec.dispose();
  });
});

describe('validation rules', () => {
  const cases: Array<[string, v.Rule<unknown>, string, unknown[], unknown[]]> = [
    ['integer', v.integer, 'an integer', [0, -3, 2 ** 40], [1.5, '1', NaN, Infinity, null, undefined]],
    ['intAtLeast(1)', v.intAtLeast(1), 'an integer ≥ 1', [1, 7], [0, -1, 1.5, '2', NaN]],
    ['intAtLeast(0)', v.intAtLeast(0), 'an integer ≥ 0', [0, 3], [-1, 0.5]],
    ['intBetween(1, 3)', v.intBetween(1, 3), 'an integer in [1, 3]', [1, 2, 3], [0, 4, 2.5]],
    ['positiveNumber', v.positiveNumber, 'a positive number', [1e-12, 3.5], [0, -1, Infinity, NaN, '1']],
    ['nonNegativeNumber', v.nonNegativeNumber, 'a number ≥ 0', [0, 2.5], [-1e-12, Infinity, NaN]],
    ['finiteNumber', v.finiteNumber, 'a finite number', [-3.5, 0], [Infinity, -Infinity, NaN, '0']],
    ['oneOf', v.oneOf(['wasm', 'cpu']), 'one of wasm, cpu', ['wasm', 'cpu'], ['WASM', '', 1, null]],
    ['nonEmptyString', v.nonEmptyString, 'a non-empty string', ['a'], ['', 1, null]],
    ['boolean', v.boolean, 'true or false', [true, false], [0, 'true', null]],
    ['listOf(intAtLeast(1))', v.listOf(v.intAtLeast(1)), 'a non-empty list of positive integers', [[1], [3, 4]], [[], [1, 0], 3, '1,2']],
    ['nullable(positiveNumber)', v.nullable(v.positiveNumber), 'a positive number or null', [null, 2], [undefined, 0]],
  ];

  for (const [name, rule, what, good, bad] of cases) {
    test(`${name} is described as '${what}', accepts ${JSON.stringify(good)} and rejects the rest`, () => {
      assert.equal(rule.what, what);
      for (const g of good) assert.equal(rule.test(g), true, `accepts ${String(g)}`);
      for (const b of bad) assert.equal(rule.test(b), false, `rejects ${String(b)}`);
    });
  }

  test('check returns the value it accepts, unchanged', () => {
    const list = [1, 2];
    assert.equal(v.check('x', list, v.listOf(v.intAtLeast(1))), list);
    assert.equal(v.check('x', 0, v.integer), 0);
  });

  test("check throws 'field: expected <what>, got <json>', with strings quoted and a missing value as 'nothing'", () => {
    assertConfigError(() => v.check('training.epochs', 0, v.intAtLeast(1)), 'training.epochs: expected an integer ≥ 1, got 0');
    assertConfigError(() => v.check('backend', 'gpu', v.oneOf(['wasm', 'cpu'])), 'backend: expected one of wasm, cpu, got "gpu"');
    assertConfigError(
      () => v.check('model.hidden', [4, 0], v.listOf(v.intAtLeast(1))),
      'model.hidden: expected a non-empty list of positive integers, got [4,0]',
    );
    assertConfigError(() => v.check('seed', undefined, v.integer), 'seed: expected an integer, got nothing');
  });

  test('check names NaN and Infinity as such in its message', () => {
    assertConfigError(() => v.check('training.learningRate', NaN, v.positiveNumber), 'training.learningRate: expected a positive number, got NaN');
    assertConfigError(() => v.check('training.learningRate', Infinity, v.positiveNumber), 'training.learningRate: expected a positive number, got Infinity');
  });

  test("check's message marks the field as a setting, so a front end can name it its own way", () => {
    assert.throws(
      () => v.check('training.epochs', 0, v.intAtLeast(1)),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.template === `${setting('training.epochs')}: expected an integer ≥ 1, got 0` &&
        e.describe((p) => (p === 'training.epochs' ? '--epochs' : undefined)) === '--epochs: expected an integer ≥ 1, got 0',
    );
  });

  test('checkOr returns the fallback for a missing value without checking it, and checks a given one', () => {
    assert.equal(v.checkOr('x', undefined, v.positiveNumber, -1), -1);
    assert.equal(v.checkOr('x', 2, v.positiveNumber, -1), 2);
    assertConfigError(() => v.checkOr('x', null, v.positiveNumber, 1), 'x: expected a positive number, got null');
  });

  test('expectThat throws only when the condition fails, with the same message form', () => {
    v.expectThat(true, 'a', 'anything', 1);
    assertConfigError(() => v.expectThat(false, 'model.latentDim', 'at most dataDim (6)', 9), 'model.latentDim: expected at most dataDim (6), got 9');
  });

  test('checkKnownKeys names one unknown field, or several in the plural, and the known ones', () => {
    v.checkKnownKeys('opts', { a: 1, b: 2 }, ['a', 'b', 'c']);
    assertConfigError(() => v.checkKnownKeys('training', { epoch: 3 }, ['epochs', 'seed']), "training: unknown field 'epoch'; expected some of epochs, seed");
    assertConfigError(
      () => v.checkKnownKeys('training', { epoch: 3, sed: 1 }, ['epochs', 'seed']),
      "training: unknown fields 'epoch', 'sed'; expected some of epochs, seed",
    );
  });

  test('shown writes JSON where it can and the string form otherwise', () => {
    assert.equal(v.shown('a'), '"a"');
    assert.equal(v.shown({ kind: 'x' }), '{"kind":"x"}');
    assert.equal(v.shown(undefined), 'nothing');
    assert.equal(v.shown(10n), '10');
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    assert.equal(v.shown(cyclic), '[object Object]');
  });
});

describe('setting references in error messages', () => {
  test('setting marks a path, or a path and a value', () => {
    assert.equal(setting('training.learningRate'), '⟦training.learningRate⟧');
    assert.equal(setting('data.source', '/no/such'), '⟦data.source=/no/such⟧');
    assert.equal(setting('k', 5), '⟦k=5⟧');
  });

  test("the library renders a path as itself, a value as path 'value', and true as 'path: true'", () => {
    const msg = `try a lower ${setting('training.learningRate')}; ${setting('data.source', '/no/such')} is missing; ${setting('shouldResume', true)}`;
    assert.equal(renderMessage(msg), "try a lower training.learningRate; data.source '/no/such' is missing; shouldResume: true");
    const e = new DataError(msg);
    assert.equal(e.message, renderMessage(msg));
    assert.equal(e.template, msg);
  });

  test('a custom namer renders the settings it knows and leaves the others to the library', () => {
    const flags: Record<string, string> = { 'training.learningRate': '--lr', 'data.source': '--data' };
    const namer: SettingNamer = (path, value) => (path in flags ? (value === undefined ? flags[path] : `${flags[path]} ${value}`) : undefined);
    const e = new ConfigError(
      `${setting('training.learningRate')}: expected a positive number, got 0; ${setting('data.source', 'x=y')} and ${setting('model.latentDim')}`,
    );
    assert.equal(e.describe(namer), '--lr: expected a positive number, got 0; --data x=y and model.latentDim');
    assert.equal(e.message, "training.learningRate: expected a positive number, got 0; data.source 'x=y' and model.latentDim");
  });

  test('errors keep their class name, their base class and their cause', () => {
    const cause = new Error('disk on fire');
    const e = new CheckpointError(`${setting('resume')}: cannot read`, { cause });
    assert.ok(e instanceof VaeError && e instanceof Error);
    assert.equal(e.name, 'CheckpointError');
    assert.equal(e.cause, cause);
    assert.equal(e.message, 'resume: cannot read');
  });
});
