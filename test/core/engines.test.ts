/**
 * The gradient-engine contract (src/training/engine.ts) on this thread: gradients and stats of the
 * objective in `trainableVariables()` order; β entering the gradient only as β·∂KL; the context the
 * trainer hands the engine at every step (global step, stepSeed, β); and the optimizer's bit-exact
 * restore. On the cpu backend, the reference.
 */
import assert from 'node:assert/strict';
import { engineGradients } from '../helpers/engines.js';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { HostBatch } from '../../src/data/batch.js';
import { makeDataset } from '../../src/data/dataset.js';
import { stepSeed } from '../../src/math/noise.js';
import { Rng } from '../../src/math/rng.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { elbo } from '../../src/objectives/elbo.js';
import { objectiveValue, type ObjectiveConfig, type StepContext } from '../../src/objectives/index.js';
import { LocalGradientEngine, shardGradients, type BatchGradients, type GradientEngine } from '../../src/training/engine.js';
import { makeOptimizer } from '../../src/training/optimizer.js';
import type { TrainOptions } from '../../src/training/options.js';
import { train, type TrainResult } from '../../src/training/trainer.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';

const D = 8;
const Z = 3;
const B = 6;
const ELBO: ObjectiveConfig = { kind: 'elbo' };

const toyVae = (seed = 4) => new VAE({ inputShape: [D], latentDim: Z, hidden: [6], activation: 'tanh', likelihood: { kind: 'bernoulli' }, seed });

const rngX = new Rng('engines-test-x');
const X = Float32Array.from({ length: 10 * D }, () => (rngX.next() < 0.35 ? 1 : 0));
const BATCH: HostBatch = { numRows: B, x: X.subarray(0, B * D) };

/** ∂f/∂v for every trainable variable, by name, as arrays; a variable f does not reach gets zeros. */
function gradsByName(vae: VAE, f: () => tf.Scalar): Map<string, Float32Array> {
  const vars = vae.trainableVariables();
  const { value, grads } = tf.variableGrads(f, vars);
  const out = new Map(vars.map((v) => [v.name, grads[v.name] ? (grads[v.name].dataSync() as Float32Array) : new Float32Array(v.size)]));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

before(async () => {
  await useBackend('cpu');
});

describe('LocalGradientEngine', () => {
  let vae: VAE;
  let engine: LocalGradientEngine;
  let x: tf.Tensor2D;
  before(() => {
    vae = toyVae();
    engine = new LocalGradientEngine(vae, ELBO);
    x = tf.tensor2d(BATCH.x, [B, D]);
  });

  test('computes on one shard', () => {
    assert.equal(engine.numShards, 1);
  });

  test("gives tf.variableGrads of the objective's loss on the same batch and context, in trainableVariables order", async () => {
    const ctx = { seed: 77, step: 3, klWeight: 0.6 };
    const got = await engineGradients(engine, BATCH, ctx);
    const vars = vae.trainableVariables();
    assert.deepEqual(
      got.names,
      vars.map((v) => v.name),
    );
    assert.equal(new Set(got.names).size, got.names.length, 'names are unique');
    const ref = gradsByName(vae, () => objectiveValue(ELBO, vae, { x }, ctx).loss);
    for (const v of vars) {
      assert.deepEqual(got.grads.get(v.name)!.length, v.size, `${v.name} size`);
      assertAllClose(got.grads.get(v.name)!, ref.get(v.name)!, { rtol: 1e-6, atol: 1e-9, message: v.name });
    }
  });

  test('its stats are [loss, reconstruction, kl] of the objective on that batch', async () => {
    const ctx = { seed: 78, step: 0, klWeight: 0.6 };
    const got = await engineGradients(engine, BATCH, ctx);
    const value = objectiveValue(ELBO, vae, { x }, ctx);
    const expected = [value.loss, value.terms.reconstruction, value.terms.kl].map((t) => t.dataSync()[0]);
    tf.dispose([value.loss, ...Object.values(value.terms)]);
    assertAllClose(got.stats, expected, { rtol: 1e-6 });
    assertAllClose(got.stats[0], got.stats[1] + 0.6 * got.stats[2], { rtol: 1e-6 });
  });

  test('agrees with central finite differences of the loss on a few coordinates (h = 1e-2)', async () => {
    const ctx = { seed: 5, step: 0, klWeight: 1 };
    const got = await engineGradients(engine, BATCH, ctx);
    const lossAt = () => tf.tidy(() => objectiveValue(ELBO, vae, { x }, ctx).loss.dataSync()[0]);
    const h = 1e-2;
    for (const v of vae.trainableVariables().filter((u) => u.shape.length === 1)) {
      for (const i of [0, v.size - 1]) {
        const base = v.dataSync().slice();
        const at = (delta: number) => {
          const shifted = base.slice();
          shifted[i] += delta;
          tf.tidy(() => v.assign(tf.tensor(shifted, v.shape)));
          return lossAt();
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
        assertAllClose(got.grads.get(v.name)![i], fd, { rtol: 2e-2, atol: 2e-3, message: `${v.name}[${i}]` });
      }
    }
  });

  test('β enters the gradient only as β·∂KL: ∇(β) = ∇(0) + β(∇(1) − ∇(0)) = ∂rec + β·∂KL, and decoder gradients do not move with β', async () => {
    const seed = 91;
    const at = (beta: number) => engineGradients(engine, BATCH, { seed, step: 0, klWeight: beta });
    const [g0, g1, g25] = [await at(0), await at(1), await at(2.5)];
    const recGrad = gradsByName(vae, () => tf.neg(tf.mean(elbo(vae, x, { seed }).reconstruction)) as tf.Scalar);
    const klGrad = gradsByName(vae, () => tf.mean(elbo(vae, x, { seed }).kl) as tf.Scalar);
    const decoderNames = new Set(vae.decoder.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val.name));
    for (const name of g0.names) {
      const a0 = g0.grads.get(name)!;
      const a1 = g1.grads.get(name)!;
      const linear = a0.map((g, i) => g + 2.5 * (a1[i] - g));
      assertAllClose(g25.grads.get(name)!, linear, { rtol: 1e-4, atol: 1e-6, message: `${name}: linear in β` });
      const split = recGrad.get(name)!.map((g, i) => g + 2.5 * klGrad.get(name)![i]);
      assertAllClose(g25.grads.get(name)!, split, { rtol: 1e-4, atol: 1e-6, message: `${name}: ∂rec + β·∂KL` });
      if (decoderNames.has(name)) {
        assert.deepEqual(g25.grads.get(name), a0, `${name}: the KL does not reach the decoder`);
        assert.ok(klGrad.get(name)!.every((g) => g === 0));
      }
    }
    assert.ok(decoderNames.size > 0);
    assert.ok(
      [...g0.names].some((n) => !decoderNames.has(n) && klGrad.get(n)!.some((g) => Math.abs(g) > 1e-4)),
      'the KL moves some encoder gradient',
    );
    // Terms do not depend on β; the loss is reconstruction + β·kl.
    for (const [g, beta] of [
      [g0, 0],
      [g1, 1],
      [g25, 2.5],
    ] as const) {
      assert.deepEqual(g.stats.slice(1), g0.stats.slice(1));
      assertAllClose(g.stats[0], g.stats[1] + beta * g.stats[2], { rtol: 1e-6 });
    }
  });

  test('shardGradients with scale s gives s × the gradients and stats of scale 1', () => {
    const ctx = { seed: 12, step: 0, klWeight: 0.8 };
    const one = shardGradients(vae, ELBO, { x }, ctx, 1);
    const third = shardGradients(vae, ELBO, { x }, ctx, 1 / 3);
    // The scale enters the backward pass at the loss, so float32 rounding differs along the way.
    one.grads.forEach((g, k) =>
      assertAllClose(
        third.grads[k],
        tf.tidy(() => tf.mul(g, 1 / 3)),
        { rtol: 1e-4, atol: 1e-8 },
      ),
    );
    assertAllClose(
      third.stats,
      tf.tidy(() => tf.mul(one.stats, 1 / 3)),
      { rtol: 1e-6 },
    );
    tf.dispose([...one.grads, ...third.grads, one.stats, third.stats]);
  });

  test('reads only the first numRows rows of a larger host buffer', async () => {
    const ctx = { seed: 3, step: 0, klWeight: 1 };
    const a = await engineGradients(engine, { numRows: 4, x: X }, ctx);
    const b = await engineGradients(engine, { numRows: 4, x: X.slice(0, 4 * D) }, ctx);
    assert.deepEqual(a.stats, b.stats);
    for (const n of a.names) assert.deepEqual(a.grads.get(n), b.grads.get(n));
  });

  test('leaves no tensor behind but the gradients and stats it returns', async () => {
    const r = await assertNoTensorLeak(() => engine.gradients(BATCH, { seed: 1, step: 0, klWeight: 1 }));
    tf.dispose([...r.grads.map((g) => g.tensor), r.stats]);
  });
});

/** Wraps an engine and records every context and batch size it is given, and the stats it returns. */
class RecordingEngine implements GradientEngine {
  readonly numShards = 1;
  readonly calls: Array<{ ctx: StepContext; rows: number; stats: number[] }> = [];
  disposed = 0;
  constructor(private readonly inner: GradientEngine) {}
  async gradients(batch: HostBatch, ctx: StepContext): Promise<BatchGradients> {
    const r = await this.inner.gradients(batch, ctx);
    this.calls.push({ ctx: { ...ctx }, rows: batch.numRows, stats: Array.from(await r.stats.data()) });
    return r;
  }
  async dispose(): Promise<void> {
    this.disposed++;
  }
}

describe('the trainer and its gradient engine', () => {
  /** 10 examples in batches of 4: 3 steps an epoch (4, 4, 2 rows); N = 10 reaches every step's context. */
  const data = { train: makeDataset({ x: X, numExamples: 10, dataDim: D, source: 'toy' }) };
  const OPTS: TrainOptions = { epochs: 2, batchSize: 4, learningRate: 1e-2, seed: 5, logEvery: 1 };
  const expectedContexts = (seed: number, beta: number) =>
    [0, 1].flatMap((epoch) => [0, 1, 2].map((s) => ({ seed: stepSeed(seed, epoch, s), step: 3 * epoch + s, klWeight: beta, datasetSize: 10 })));

  async function recordRun(options: TrainOptions): Promise<{ engine: RecordingEngine; result: TrainResult; vae: VAE }> {
    const vae = toyVae(9);
    const engine = new RecordingEngine(new LocalGradientEngine(vae, ELBO));
    const result = await train(vae, data, { options, engine });
    return { engine, result, vae };
  }

  for (const beta of [0.25, { kind: 'constant' as const, value: 0.25 }]) {
    test(`gives the engine steps 0, 1, 2, … and seeds stepSeed(seed, epoch, step), with β from beta = ${JSON.stringify(beta)}`, async () => {
      const { engine, result, vae } = await recordRun({ ...OPTS, beta });
      assert.deepEqual(
        engine.calls.map((c) => c.ctx),
        expectedContexts(5, 0.25),
      );
      assert.deepEqual(
        engine.calls.map((c) => c.rows),
        [4, 4, 2, 4, 4, 2],
      );
      assert.equal(engine.disposed, 0, 'an engine the caller gives is the caller’s to dispose');
      result.optimizer.dispose();
      vae.dispose();
    });
  }

  test('another run seed gives other step seeds, and the default β is 1', async () => {
    const { engine, result, vae } = await recordRun({ ...OPTS, seed: 6 });
    assert.deepEqual(
      engine.calls.map((c) => c.ctx),
      expectedContexts(6, 1),
    );
    assert.notDeepEqual(expectedContexts(6, 1), expectedContexts(5, 1));
    result.optimizer.dispose();
    vae.dispose();
  });

  test("records version-3 metrics whose trainLoss and terms are the row-weighted means of the engine's stats", async () => {
    const { engine, result, vae } = await recordRun({ ...OPTS, beta: 0.25 });
    result.history.forEach((m, epoch) => {
      const calls = engine.calls.slice(3 * epoch, 3 * epoch + 3);
      const n = calls.reduce((s, c) => s + c.rows, 0);
      const mean = (j: number) => calls.reduce((s, c) => s + c.stats[j] * c.rows, 0) / n;
      assert.equal(m.version, 3);
      assert.equal(m.epoch, epoch + 1);
      assert.equal(m.beta, 0.25);
      assert.deepEqual(Object.keys(m.terms), ['reconstruction', 'kl']);
      assertAllClose(m.trainLoss, mean(0), { rtol: 1e-6 });
      assertAllClose(m.terms.reconstruction, mean(1), { rtol: 1e-6 });
      assertAllClose(m.terms.kl, mean(2), { rtol: 1e-6 });
      assert.equal(m.reconstruction, m.terms.reconstruction);
      assert.equal(m.kl, m.terms.kl);
      assertAllClose(m.trainLoss, m.terms.reconstruction + 0.25 * m.terms.kl, { rtol: 1e-5 });
    });
    result.optimizer.dispose();
    vae.dispose();
  });

  test('a run interrupted after 4 steps and resumed gives the engine the contexts of an uninterrupted run', async () => {
    const vae = toyVae(9);
    const first = new RecordingEngine(new LocalGradientEngine(vae, ELBO));
    let steps = 0;
    const r1 = await train(vae, data, { options: { ...OPTS, beta: 0.25 }, engine: first, callbacks: { onStep: () => steps++, shouldStop: () => steps === 4 } });
    assert.equal(r1.interrupted, true);
    const second = new RecordingEngine(new LocalGradientEngine(vae, ELBO));
    const r2 = await train(vae, data, {
      options: { ...OPTS, beta: 0.25 },
      engine: second,
      resumeFrom: { state: r1.state, optimizerWeights: await r1.optimizer.getWeights() },
    });
    assert.deepEqual(
      [...first.calls, ...second.calls].map((c) => c.ctx),
      expectedContexts(5, 0.25),
    );
    assert.deepEqual(first.calls.length, 4);
    r1.optimizer.dispose();
    r2.optimizer.dispose();
    vae.dispose();
  });
});

describe("makeOptimizer's Adam restore", () => {
  /** The float32 running product β^(t+1) tfjs's Adam holds after t steps. */
  const runningPower = (beta: number, t: number) => {
    let p = Math.fround(beta);
    for (let i = 0; i < t; i++) p = Math.fround(p * Math.fround(beta));
    return p;
  };
  /** What tfjs's own setWeights would put there: pow(β, t + 1) on the backend. */
  const powOnBackend = (beta: number, t: number) => tf.tidy(() => tf.pow(tf.scalar(beta), t + 1).dataSync()[0]);

  /** One Adam step on the VAE with the engine's gradient at step t (its own noise seed). */
  async function step(vae: VAE, engine: GradientEngine, opt: tf.Optimizer, t: number): Promise<void> {
    const { grads, stats } = await engine.gradients(BATCH, { seed: stepSeed(2, 0, t), step: t, klWeight: 1 });
    opt.applyGradients(grads);
    tf.dispose([...grads.map((g) => g.tensor), stats]);
  }
  const weights = (vae: VAE) => vae.trainableVariables().map((v) => v.dataSync().slice());

  test('N steps, getWeights, a fresh optimizer setWeights, then M steps equal N + M straight steps bit for bit', async () => {
    // N is a step where pow(β, N + 1) and the running product differ in the last bit, so tfjs's own
    // setWeights would drift from the straight run there: the mirror is what this test exercises.
    const n = [...Array(40).keys()].find((t) => t >= 3 && (powOnBackend(0.9, t) !== runningPower(0.9, t) || powOnBackend(0.999, t) !== runningPower(0.999, t)));
    assert.ok(n !== undefined, 'some step in 3..39 where pow and the running product differ');
    const m = 6;
    const lr = 1e-2;

    const straight = toyVae(11);
    const straightEngine = new LocalGradientEngine(straight, ELBO);
    const straightOpt = makeOptimizer(lr);
    for (let t = 0; t < n + m; t++) await step(straight, straightEngine, straightOpt, t);

    const resumed = toyVae(11);
    const resumedEngine = new LocalGradientEngine(resumed, ELBO);
    const before = makeOptimizer(lr);
    for (let t = 0; t < n; t++) await step(resumed, resumedEngine, before, t);
    const saved = await before.getWeights();
    const after = makeOptimizer(lr);
    await after.setWeights(saved);
    before.dispose();
    const internals = after as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
    assert.equal(after.iterations, n);
    assert.equal(internals.accBeta1.dataSync()[0], runningPower(0.9, n), 'β₁ᵗ restored as the running product');
    assert.equal(internals.accBeta2.dataSync()[0], runningPower(0.999, n), 'β₂ᵗ restored as the running product');
    for (let t = n; t < n + m; t++) await step(resumed, resumedEngine, after, t);

    assert.deepEqual(weights(resumed), weights(straight));
    const slots = async (o: tf.Optimizer) => Promise.all((await o.getWeights()).map(async (w) => Array.from(await w.tensor.data())));
    assert.deepEqual(await slots(after), await slots(straightOpt));
    assert.equal(after.iterations, straightOpt.iterations);
    after.dispose();
    straightOpt.dispose();
    straight.dispose();
    resumed.dispose();
  });
});
