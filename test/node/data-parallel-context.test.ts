/**
 * Each step's context reaches the gradient workers: two calls of DataParallelGradients (cpu,
 * 3 shards) with different β and seeds each match the single-threaded gradient of that call's
 * context, so β and the seed travel with every step, not once at start.
 */
import assert from 'node:assert/strict';
import { engineGradients } from '../helpers/engines.js';
import { after, before, describe, test } from 'node:test';
import { Rng } from '../../src/math/rng.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { DataParallelGradients } from '../../src/node/parallel/data-parallel.js';
import type { StepContext } from '../../src/objectives/index.js';
import { LocalGradientEngine, type GradientEngine } from '../../src/training/engine.js';
import { assertAllClose } from '../helpers/assert.js';

const D = 12;
const B = 11;
const rng = new Rng('data-parallel-context-test');
const X = Float32Array.from({ length: B * D }, () => (rng.next() < 0.3 ? 1 : 0));

/** An engine's answer for the batch X at `ctx`. */
const gradients = (engine: Pick<GradientEngine, 'gradients'>, ctx: StepContext) => engineGradients(engine, { numRows: B, x: X }, ctx);

/** max |a − b| over every gradient element, relative to max |b|. */
function relativeGap(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let gap = 0;
  let scale = 0;
  for (const [name, g] of b) {
    const h = a.get(name)!;
    g.forEach((v, i) => {
      gap = Math.max(gap, Math.abs(h[i] - v));
      scale = Math.max(scale, Math.abs(v));
    });
  }
  return gap / scale;
}

describe('data-parallel gradients carry each step’s context to the workers (cpu, 3 shards)', () => {
  let vae: VAE;
  let engine: DataParallelGradients;
  let local: LocalGradientEngine;
  before(async () => {
    await useBackend('cpu');
    vae = new VAE({ inputShape: [D], hidden: [10], latentDim: 3, seed: 6, likelihood: { kind: 'bernoulli' } });
    engine = await DataParallelGradients.start(vae, { numShards: 3, batchSize: B, objective: { kind: 'elbo' }, backend: 'cpu' });
    local = new LocalGradientEngine(vae, { kind: 'elbo' });
  });
  after(async () => {
    await engine.dispose();
    vae.dispose();
  });

  const contexts: StepContext[] = [
    { seed: 1234, step: 0, klWeight: 0.3 },
    { seed: 98765, step: 1, klWeight: 2.5 },
    { seed: 1234, step: 2, klWeight: 0.3 },
  ];

  test('two calls with β 0.3 then 2.5 and different seeds, then β 0.3 again, each match the single-thread gradient of their own context', async () => {
    assert.equal(engine.numShards, 3);
    for (const ctx of contexts) {
      const ref = await gradients(local, ctx);
      const got = await gradients(engine, ctx);
      assert.deepEqual(got.names, ref.names, 'trainableVariables order');
      for (const name of ref.names)
        assertAllClose(got.grads.get(name)!, ref.grads.get(name)!, { rtol: 1e-4, atol: 1e-6, message: `β ${ctx.klWeight}, seed ${ctx.seed}: ${name}` });
      assertAllClose(got.stats, ref.stats, { rtol: 1e-4, message: `stats at β ${ctx.klWeight}` });
      assertAllClose(got.stats[0], got.stats[1] + ctx.klWeight * got.stats[2], { rtol: 1e-5, message: 'loss = reconstruction + β·kl' });
    }
  });

  test('the contexts differ enough to tell apart: another β or another seed moves the gradient far beyond the tolerance', async () => {
    const [a, b] = contexts;
    const ref = await gradients(local, b);
    const wrongBeta = await gradients(local, { ...b, klWeight: a.klWeight });
    const wrongSeed = await gradients(local, { ...b, seed: a.seed });
    assert.ok(relativeGap(wrongBeta.grads, ref.grads) > 1e-2, `β: relative gap ${relativeGap(wrongBeta.grads, ref.grads)}`);
    assert.ok(relativeGap(wrongSeed.grads, ref.grads) > 1e-2, `seed: relative gap ${relativeGap(wrongSeed.grads, ref.grads)}`);
    // …and the sharded answer sits with its own context, not the other.
    const got = await gradients(engine, b);
    assert.ok(relativeGap(got.grads, ref.grads) < 1e-4);
    assert.ok(relativeGap(got.grads, wrongBeta.grads) > 1e-2);
  });
});
