/**
 * Where one training step of the canonical MNIST VAE (784-400-20, batch 128) spends its time, in
 * wall-clock milliseconds (median of 50 steps after 10 warm-up steps): forward + backward
 * (`tf.variableGrads`), the step's 14 matrix products timed alone on tensors of the same shapes,
 * Adam (`applyGradients`), the data side as `train` does it (cut a batch of 128 rows from a
 * shuffled 60,000 × 784 array into a reused buffer, upload it as a tensor) and one synchronisation
 * (reading the step's loss back). Each phase ends with a readback, so the phases add up to a little
 * more than a step inside `train`. Then, where it applies (wasm with the native kernels), the same
 * forward + backward as one native call (src/node/compute/native-engine.ts, the trainer's default
 * engine there; VAEKIT_NATIVE_ENGINE=off turns it off). Prints one or two lines; asserts nothing.
 *
 *   node --import tsx bench/step-profile.ts [--native auto|on|off] [--backend wasm|cpu]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendName } from '../src/node/compute/backend.js';
import type { NativeChoice } from '../src/node/compute/native-kernels.js';
import { VAE } from '../src/models/vae.js';
import { negativeElboLoss } from '../src/objectives/elbo.js';
import { makeOptimizer } from '../src/training/optimizer.js';
import { gatherRows } from '../src/data/dataset.js';
import { createNativeMlpEngine } from '../src/node/compute/native-engine.js';

const { values: a } = parseArgs({ options: { native: { type: 'string', default: 'auto' }, backend: { type: 'string', default: 'wasm' } } });
await useBackend(a.backend as BackendName, { native: a.native as NativeChoice });
const vae = new VAE({ inputShape: [784], latentDim: 20, hidden: [400], seed: 1 });
const optimizer = makeOptimizer(1e-3);
const x = tf.tensor2d(
  new Float32Array(128 * 784).map((_, i) => ((i * 7919) % 5 === 0 ? 1 : 0)),
  [128, 784],
);
const vars = vae.trainableVariables();
const median = (v: number[]) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];
const r = (shape: number[]) => tf.randomNormal(shape);
// The step's products: forward x·W1, h·Wμ, h·Wlogσ², z·W3, h3·W4; backward dW = inputᵀ·dY and dX = dY·Wᵀ.
const [w1, w2, w3, w4, h, z, dOut, dh, dz] = [
  r([784, 400]),
  r([400, 20]),
  r([20, 400]),
  r([400, 784]),
  r([128, 400]),
  r([128, 20]),
  r([128, 784]),
  r([128, 400]),
  r([128, 20]),
];
const products = () =>
  tf.tidy(() => {
    const outs = [
      tf.matMul(x, w1),
      tf.matMul(h, w2),
      tf.matMul(h, w2),
      tf.matMul(z, w3),
      tf.matMul(h, w4),
      tf.matMul(h, dOut, true, false),
      tf.matMul(dOut, w4, false, true),
      tf.matMul(z, dh, true, false),
      tf.matMul(dh, w3, false, true),
      tf.matMul(h, dz, true, false),
      tf.matMul(h, dz, true, false),
      tf.matMul(dz, w2, false, true),
      tf.matMul(dz, w2, false, true),
      tf.matMul(x, dh, true, false),
    ];
    for (const o of outs) o.dataSync();
  });
const n = 60000;
const pool = new Float32Array(n * 784).map((_, i) => (i % 13) / 13);
const perm = Int32Array.from({ length: n }, (_, i) => (i * 7919) % n);
const batchBuffer = new Float32Array(128 * 784);
const data: number[] = [];
const sync: number[] = [];
const forwardBackward: number[] = [];
const adam: number[] = [];
const matmuls: number[] = [];
for (let i = 0; i < 60; i++) {
  const td = performance.now();
  const start = (i * 128) % (n - 128);
  const batch = tf.tensor2d(
    gatherRows({ x: pool, dataDim: 784, numExamples: n, source: 'bench' } as Parameters<typeof gatherRows>[0], perm, start, start + 128, batchBuffer),
    [128, 784],
  );
  const te = performance.now();
  batch.dispose();
  const t0 = performance.now();
  const { value, grads } = tf.variableGrads(() => negativeElboLoss(vae, { x }, { seed: i + 1, step: i, klWeight: 1 }).loss, vars);
  const t1a = performance.now();
  value.dataSync();
  const t1 = performance.now();
  optimizer.applyGradients(grads);
  vars[0].dataSync();
  const t2 = performance.now();
  tf.dispose([value, ...Object.values(grads)]);
  const t3 = performance.now();
  products();
  const t4 = performance.now();
  if (i >= 10) {
    data.push(te - td);
    sync.push(t1 - t1a);
    forwardBackward.push(t1 - t0);
    adam.push(t2 - t1);
    matmuls.push(t4 - t3);
  }
}
const fb = median(forwardBackward);
const mm = median(matmuls);
const ad = median(adam);
console.log(
  `${tf.getBackend()}, native ${a.native}: forward+backward ${fb.toFixed(2)} ms (the 14 matmuls alone ${mm.toFixed(2)} ms, the rest ${(fb - mm).toFixed(2)} ms), ` +
    `Adam ${ad.toFixed(2)} ms, step ${(fb + ad).toFixed(2)} ms; data (cut and upload a batch) ${median(data).toFixed(3)} ms, ` +
    `loss readback (in forward+backward) ${median(sync).toFixed(3)} ms`,
);
const nativeEngine = createNativeMlpEngine(vae, { kind: 'elbo' });
if (nativeEngine) {
  const host = { numRows: 128, x: x.dataSync() as Float32Array };
  const step: number[] = [];
  for (let i = 0; i < 60; i++) {
    const t0 = performance.now();
    const { grads, stats } = await nativeEngine.gradients(host, { seed: i + 1, step: i, klWeight: 1 });
    stats.dataSync();
    const t1 = performance.now();
    tf.dispose([stats, ...grads.map((g) => g.tensor)]);
    if (i >= 10) step.push(t1 - t0);
  }
  console.log(
    `native MLP step (forward+backward in one call, the 14 matmuls included): ${median(step).toFixed(2)} ms; with Adam ${(median(step) + ad).toFixed(2)} ms`,
  );
  await nativeEngine.dispose();
}
