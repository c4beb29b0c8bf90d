/**
 * FusedAdam against tfjs's Adam: the same steps bit for bit (with the same tiny-slot flushes), and
 * slots that move between the two mid-run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/node/backend.js';
import { FusedAdam } from '../../src/training/fused-adam.js';
import { flushTinySlots, makeTfjsAdam as makeOptimizer, restoreOptimizer, SLOT_FLUSH_EVERY } from '../../src/training/optimizer.js';
import { assertNoTensorLeak } from '../helpers/assert.js';

const SHAPES = [[7, 5], [5], [3]];

function makeVars(tag: string): tf.Variable[] {
  return SHAPES.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', 10 + i), true, `${tag}_${i}`));
}

/** Gradients for step t: mostly normal, some exact zeros (dead units), some tiny (denormal territory). */
function gradients(vars: tf.Variable[], t: number): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  vars.forEach((v, i) => {
    out[v.name] = tf.tidy(() => {
      const g = tf.randomNormal(v.shape, 0, t % 7 === 0 ? 1e-20 : 1, 'float32', 1000 * t + i);
      if (i === 1) return tf.mul(g, t === 1 ? 1e-31 : 0); // moments below the flush threshold from step 1
      return i === 2 && t > 3 ? tf.zerosLike(g) : g; // variable 2 stops receiving gradient: its m decays
    });
  });
  return out;
}

function step(opt: tf.Optimizer, vars: tf.Variable[], t: number): void {
  const g = gradients(vars, t);
  opt.applyGradients(g);
  tf.dispose(Object.values(g));
  if (!(opt instanceof FusedAdam) && opt.iterations % SLOT_FLUSH_EVERY === 0) flushTinySlots(opt);
}

const bits = (vars: tf.Variable[]) => vars.map((v) => Array.from(new Uint32Array((v.dataSync() as Float32Array).slice().buffer)));

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`FusedAdam on ${backend}`, () => {
    test('takes the same steps as tfjs Adam, bit for bit, over 45 steps with flushes', async () => {
      await useBackend(backend);
      const a = makeVars(`${backend}_ref`);
      const b = makeVars(`${backend}_fused`);
      const ref = makeOptimizer(3e-3);
      const fused = new FusedAdam(3e-3);
      for (let t = 1; t <= 45; t++) {
        // Same gradient values for both sets of variables.
        const g = gradients(a, t);
        const gb: tf.NamedTensorMap = Object.fromEntries(Object.values(g).map((x, i) => [b[i].name, x]));
        ref.applyGradients(g);
        fused.applyGradients(gb);
        tf.dispose(Object.values(g));
        if (ref.iterations % SLOT_FLUSH_EVERY === 0) flushTinySlots(ref);
      }
      assert.deepEqual(bits(b), bits(a));
      assert.equal(fused.iterations, 45);
      // The slots too, flushed at the same steps (variable 1's tiny moments are zero in both).
      const slotBits = async (o: tf.Optimizer) => {
        const w = await o.getWeights();
        const out = w.slice(1).map((x) => Array.from(new Uint32Array((x.tensor.dataSync() as Float32Array).slice().buffer)));
        tf.dispose(w.filter((x) => !(x.tensor instanceof tf.Variable)).map((x) => x.tensor));
        return out;
      };
      const fusedSlots = await slotBits(fused);
      assert.deepEqual(fusedSlots, await slotBits(ref));
      assert.ok(fusedSlots[1].every((x) => x === 0), 'variable 1: m flushed to zero');
      ref.dispose();
      tf.dispose([...a, ...b]);
    });

    test('slots move between tfjs Adam and FusedAdam mid-run (checkpoints), and the next steps are the same', async () => {
      await useBackend(backend);
      const copy = (vs: tf.Variable[], tag: string) => vs.map((v, i) => tf.variable(v.clone(), true, `${tag}_${i}`));
      // tfjs Adam → FusedAdam
      const a = makeVars(`${backend}_a`);
      const tfAdam = makeOptimizer(1e-2);
      for (let t = 1; t <= 12; t++) step(tfAdam, a, t);
      const b = copy(a, `${backend}_b`);
      const fused = new FusedAdam(1e-2);
      await fused.setWeights(await tfAdam.getWeights());
      for (let t = 13; t <= 30; t++) {
        step(tfAdam, a, t);
        step(fused, b, t);
      }
      assert.deepEqual(bits(b), bits(a), 'tfjs Adam → FusedAdam');
      // FusedAdam → tfjs Adam
      const c = copy(b, `${backend}_c`);
      const back = makeOptimizer(1e-2);
      const saved = await fused.getWeights();
      await restoreOptimizer(back, saved);
      for (let t = 31; t <= 45; t++) {
        step(fused, b, t);
        step(back, c, t);
      }
      assert.deepEqual(bits(c), bits(b), 'FusedAdam → tfjs Adam');
      tfAdam.dispose();
      back.dispose();
      tf.dispose([...a, ...b, ...c]);
    });

    test('leaks no tensors per step', async () => {
      await useBackend(backend);
      const a = makeVars(`${backend}_leak`);
      const opt = new FusedAdam(1e-3);
      step(opt, a, 1);
      await assertNoTensorLeak(() => step(opt, a, 2));
      tf.dispose(a);
    });
  });
}

test('getWeights has tfjs Adam’s names, order and shapes', async () => {
  await useBackend('cpu');
  const a = makeVars('names');
  const opt = new FusedAdam(1e-3);
  step(opt, a, 1);
  const w = await opt.getWeights();
  assert.deepEqual(w.map((x) => x.name), ['iter', ...a.map((v) => `${v.name}/m`), ...a.map((v) => `${v.name}/v`)]);
  assert.deepEqual(w.slice(1).map((x) => x.tensor.shape), [...SHAPES, ...SHAPES]);
  tf.dispose(w.map((x) => x.tensor));
  tf.dispose(a);
});
