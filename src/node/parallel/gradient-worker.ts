/**
 * A gradient worker thread: its own TensorFlow.js backend and a copy of the VAE; on each STEP it
 * loads the weights if they changed, computes its shard's gradients and writes them to shared memory.
 * It blocks on Atomics.wait between steps and never returns to its event loop until QUIT.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { VAE, type ModelDescription } from '../../models/vae.js';
import { shardGradients } from '../../training/gradients.js';
import { useBackend } from '../backend.js';
import { CMD, CTRL, type WorkerInit } from './protocol.js';

const init = workerData as WorkerInit & { errors: MessagePort };
const report = (e: unknown) => init.errors.postMessage({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });

async function main(): Promise<void> {
  await useBackend(init.backend);
  const vae = VAE.fromDescription(init.description as ModelDescription);
  const vars = vae.trainableVariables();
  const ctrl = new Int32Array(init.control);
  const weights = new Float32Array(init.weights);
  const block = new Float32Array(init.block);
  const { layout } = init;
  const d = vae.dataDim;
  const z = vae.latentDim;
  const sizes = init.shapes.map((s) => s.reduce((a, b) => a * b, 1));
  let loadedVersion = -1;
  let seq = 0;
  init.errors.postMessage({ ready: true });

  for (;;) {
    Atomics.wait(ctrl, CTRL.seq, seq);
    seq = Atomics.load(ctrl, CTRL.seq);
    const cmd = Atomics.load(ctrl, CTRL.cmd);
    if (cmd === CMD.quit) break;
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
      const r = tf.tidy(() => {
        const x = tf.tensor2d(block.subarray(layout.x, layout.x + rows * d), [rows, d]);
        const eps = tf.tensor2d(block.subarray(layout.eps, layout.eps + rows * z), [rows, z]);
        return shardGradients(vae, x, eps, init.beta, rows / batchRows);
      });
      let off = layout.grads;
      for (const g of r.grads) {
        block.set(g.dataSync(), off);
        off += g.size;
      }
      block.set(r.stats.dataSync(), layout.stats);
      tf.dispose([...r.grads, r.stats]);
      Atomics.store(ctrl, CTRL.status, 0);
    } catch (e) {
      Atomics.store(ctrl, CTRL.status, 1);
      report(e);
    }
    Atomics.store(ctrl, CTRL.done, seq);
    Atomics.notify(ctrl, CTRL.done);
  }
  vae.dispose();
}

main().then(
  () => init.errors.close(),
  (e) => report(e),
);
