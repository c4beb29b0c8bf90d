/**
 * A gradient worker thread: its own TensorFlow.js backend and a copy of the model; on each STEP it
 * loads the weights if they changed, computes its shard's gradients of the objective at the step's
 * context and writes them to shared memory. It blocks on Atomics.wait between steps and never
 * returns to its event loop until QUIT.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { ModelDescription } from '../../models/description.js';
import { modelFromDescription } from '../../models/index.js';
import { shardGradients } from '../../training/engine.js';
import { useBackend } from '../compute/backend.js';
import { CMD, CTRL, CTRL_WORDS, KL_WEIGHT_OFFSET, type WorkerInit } from './protocol.js';
import { injectedFault } from './fault-injection.js';

const init = workerData as WorkerInit & { errors: MessagePort };
const report = (e: unknown) => init.errors.postMessage({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });

// However this thread ends (QUIT, process.exit, an uncaught error), say so through shared memory:
// the training thread blocks in Atomics.wait and cannot see the Worker's 'exit' event.
process.on('exit', () => {
  const ctrl = new Int32Array(init.control, 0, CTRL_WORDS);
  Atomics.store(ctrl, CTRL.dead, 1);
  Atomics.notify(ctrl, CTRL.done);
});

async function main(): Promise<void> {
  await useBackend(init.backend);
  const model = modelFromDescription(init.description as ModelDescription);
  const vars = model.trainableVariables();
  const ctrl = new Int32Array(init.control, 0, CTRL_WORDS);
  const klWeight = new Float64Array(init.control, KL_WEIGHT_OFFSET, 1);
  const weights = new Float32Array(init.weights);
  const block = new Float32Array(init.block);
  const { layout } = init;
  const { dataDim: d, conditionDim: cd } = model;
  const sizes = init.shapes.map((s) => s.reduce((a, b) => a * b, 1));
  let loadedVersion = -1;
  let seq = 0;
  let steps = 0;
  const dieAt = injectedFault('gradient-worker');
  init.errors.postMessage({ ready: true });

  for (;;) {
    Atomics.wait(ctrl, CTRL.seq, seq);
    seq = Atomics.load(ctrl, CTRL.seq);
    const cmd = Atomics.load(ctrl, CTRL.cmd);
    if (cmd === CMD.quit) break;
    if (++steps === dieAt) process.exit(1);
    try {
      const version = Atomics.load(ctrl, CTRL.weightsVersion);
      if (version !== loadedVersion) {
        let off = 0;
        tf.tidy(() => {
          vars.forEach((v, i) => {
            v.assign(tf.tensor(weights.subarray(off, off + sizes[i]), init.shapes[i]));
            off += sizes[i];
          });
        });
        loadedVersion = version;
      }
      const rows = Atomics.load(ctrl, CTRL.rows);
      const batchRows = Atomics.load(ctrl, CTRL.batchRows);
      const noiseShape = init.noiseShape.map((n, i) => (i === init.noiseShape.length - 2 ? rows : n)); // the batch axis: this shard's rows
      const noiseSize = noiseShape.reduce((a, b) => a * b, 1);
      const r = tf.tidy(() => {
        const x = tf.tensor2d(block.subarray(layout.x, layout.x + rows * d), [rows, d]);
        const c = cd > 0 ? tf.tensor2d(block.subarray(layout.c, layout.c + rows * cd), [rows, cd]) : undefined;
        const noise = tf.tensor(block.subarray(layout.noise, layout.noise + noiseSize), noiseShape);
        const ctx = { seed: Atomics.load(ctrl, CTRL.seed), step: Atomics.load(ctrl, CTRL.step), klWeight: klWeight[0], noise };
        return shardGradients(model, init.objective, c ? { x, c } : { x }, ctx, rows / batchRows);
      });
      let off = layout.grads;
      for (const g of r.grads) {
        block.set(await g.data(), off);
        off += g.size;
      }
      block.set(await r.stats.data(), layout.stats);
      tf.dispose([...r.grads, r.stats]);
      Atomics.store(ctrl, CTRL.status, 0);
    } catch (e) {
      Atomics.store(ctrl, CTRL.status, 1);
      report(e);
    }
    Atomics.store(ctrl, CTRL.done, seq);
    Atomics.notify(ctrl, CTRL.done);
  }
  model.dispose();
}

main().then(
  () => init.errors.close(),
  (e) => report(e),
);
