/**
 * Milliseconds per training step of the conv VAE of ../shared/peers/torch_vae.py --arch conv (the
 * Keras example's size, latent 20) on the wasm backend, at batch 128, with each set of convolution
 * kernels vaekit has (median and fastest of --steps steps after 5 warm-up steps):
 *   encoder  x [B, 28, 28, 1] → conv 3×3 s2 32 + ReLU [B, 14, 14, 32] → conv 3×3 s2 64 + ReLU [B, 7, 7, 64]
 *            → flatten [B, 3136] → dense 20 (mean), dense 20 (logVar)
 *   decoder  z [B, 20] → dense 3136 + ReLU → [B, 7, 7, 64] → conv2dTranspose 3×3 s2 32 + ReLU [B, 14, 14, 32]
 *            → conv2dTranspose 3×3 s2 1 → logits [B, 28, 28, 1]; 'same' padding, NHWC
 *   loss     mean over the batch of −log p(x|z) (Bernoulli on logits) + KL(q(z|x) ‖ N(0, I)), nats; Adam 1e-3
 * For each configuration: forward (the loss alone), forward + backward (tf.variableGrads), the whole
 * step (+ Adam), each ending with a readback of the loss, and the milliseconds of one profiled
 * step's kernels by name; then one call of each convolution kernel at the VAE's two sizes, plain
 * wasm against native. Prints figures; asserts nothing.
 *
 *   node --import tsx bench/conv-step.ts [--batch 128] [--steps 20] [--configs plain,composite,native-grad,native]
 *
 * Configurations:
 *   plain        wasm alone (VAEKIT_NATIVE=off): XNNPACK Conv2D, wasm's Conv2DBackpropInput loop, vaekit's
 *                composite Conv2DBackpropFilter (src/backend/conv-grad.ts), wasm matmuls, tfjs Adam
 *   composite    vaekit's native matmuls, Adam and likelihood; convolutions as in plain
 *   native-grad  as composite, with the native Conv2DBackpropInput and Conv2DBackpropFilter (XNNPACK forward)
 *   native       every convolution kernel native (im2col + OpenBLAS over every core)
 */
import { parseArgs } from 'node:util';
import { availableParallelism, cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/node/compute/backend.js';
import { installNativeKernels } from '../src/node/compute/native-kernels.js';
import { makeOptimizer } from '../src/training/optimizer.js';
import { bernoulliLogProb } from '../src/distributions/bernoulli.js';
import { klToStandardNormal } from '../src/distributions/normal.js';

const { values: a } = parseArgs({
  options: {
    batch: { type: 'string', default: '128' },
    steps: { type: 'string', default: '20' },
    configs: { type: 'string', default: 'plain,composite,native-grad,native' },
  },
});
const batchSize = Number(a.batch);
const steps = Number(a.steps);
const LATENT = 20;

/** Sets the backend up for one configuration; false when its native kernels are not available here. */
async function setUp(config: string): Promise<boolean> {
  if (config === 'plain') {
    await useBackend('wasm', { native: 'off' });
    return true;
  }
  try {
    await useBackend('wasm', { native: 'on' });
    installNativeKernels('on', 0, 'wasm', { conv: config !== 'composite', convForward: config === 'native' });
    return true;
  } catch {
    return false;
  }
}

/** The conv VAE's networks, seeded. */
function makeNets() {
  let seed = 1;
  const init = () => tf.initializers.glorotUniform({ seed: seed++ });
  const encoder = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init() }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init() }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2 * LATENT, kernelInitializer: init() }), // [B, 2Z]: mean and logVar side by side
    ],
  });
  const decoder = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [LATENT], units: 7 * 7 * 64, activation: 'relu', kernelInitializer: init() }),
      tf.layers.reshape({ targetShape: [7, 7, 64] }),
      tf.layers.conv2dTranspose({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init() }),
      tf.layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init() }),
    ],
  });
  return { encoder, decoder };
}

const median = (v: number[]) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];
const CONV_KERNELS = ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];

async function measure(config: string): Promise<void> {
  if (!(await setUp(config))) {
    console.log(`${config}: skipped (OpenBLAS or the native addon not available)`);
    return;
  }
  const { encoder, decoder } = makeNets();
  const vars = [...encoder.trainableWeights, ...decoder.trainableWeights].map((w) => w.read() as tf.Variable);
  const optimizer = makeOptimizer(1e-3);
  const x = tf.tensor4d(
    new Float32Array(batchSize * 784).map((_, i) => ((i * 7919) % 11) / 10),
    [batchSize, 28, 28, 1],
  );
  const eps = tf.randomNormal([batchSize, LATENT], 0, 1, 'float32', 7);
  const loss = () =>
    tf.tidy(() => {
      const h = encoder.apply(x) as tf.Tensor; // [B, 2Z]
      const [mean, logVar] = tf.split(h, 2, 1); // [B, Z] each
      const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)); // [B, Z]
      const logits = tf.reshape(decoder.apply(z) as tf.Tensor, [batchSize, 784]); // [B, D]
      const negElbo = tf.sub(klToStandardNormal(mean, logVar), bernoulliLogProb(tf.reshape(x, [batchSize, 784]), logits)); // [B]
      return tf.mean(negElbo) as tf.Scalar;
    });
  const forward: number[] = [];
  const forwardBackward: number[] = [];
  const step: number[] = [];
  for (let i = 0; i < steps + 5; i++) {
    const t0 = performance.now();
    const l = loss();
    l.dataSync();
    l.dispose();
    const t1 = performance.now();
    const { value, grads } = tf.variableGrads(loss, vars);
    value.dataSync();
    const t2 = performance.now();
    tf.dispose([value, ...Object.values(grads)]);
    const t3 = performance.now();
    const cost = optimizer.minimize(loss, true, vars)!;
    cost.dataSync();
    const t4 = performance.now();
    cost.dispose();
    if (i >= 5) {
      forward.push(t1 - t0);
      forwardBackward.push(t2 - t1);
      step.push(t4 - t3);
    }
  }
  const profile = await tf.profile(() => optimizer.minimize(loss, true, vars)!);
  const byKernel = new Map<string, number>();
  for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  const convMs = CONV_KERNELS.map((k) => `${k} ${(byKernel.get(k) ?? 0).toFixed(1)}`).join(', ');
  const others = [...byKernel]
    .filter(([k]) => !CONV_KERNELS.includes(k))
    .sort((p, q) => q[1] - p[1])
    .slice(0, 5)
    .map(([k, ms]) => `${k} ${ms.toFixed(1)}`)
    .join(', ');
  const f = median(forward);
  const fb = median(forwardBackward);
  console.log(
    `${config.padEnd(11)} step ${median(step).toFixed(1)} ms, fastest ${Math.min(...step).toFixed(1)} (forward ${f.toFixed(1)}, backward ${(fb - f).toFixed(1)}, Adam and the rest ${(median(step) - fb).toFixed(1)}); ` +
      `one profiled step's kernels, ms: ${convMs}; then ${others}`,
  );
  tf.dispose([x, eps]);
  optimizer.dispose();
  encoder.dispose();
  decoder.dispose();
}

/** Milliseconds of one call of each convolution kernel at the VAE's two shapes (median of 15 calls). */
async function kernelTimes(config: 'plain' | 'native'): Promise<void> {
  if (!(await setUp(config))) return;
  const time = (f: () => tf.Tensor) => {
    for (let i = 0; i < 3; i++) f().dispose();
    const ms: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      const r = f();
      r.dataSync();
      r.dispose();
      ms.push(performance.now() - t0);
    }
    return median(ms).toFixed(2);
  };
  const shapes: Array<[[number, number, number, number], [number, number, number, number]]> = [
    [
      [batchSize, 28, 28, 1],
      [3, 3, 1, 32],
    ],
    [
      [batchSize, 14, 14, 32],
      [3, 3, 32, 64],
    ],
  ];
  for (const [xShape, filterShape] of shapes) {
    const x = tf.randomNormal(xShape) as tf.Tensor4D;
    const filter = tf.randomNormal(filterShape) as tf.Tensor4D;
    const dy = tf.conv2d(x, filter, 2, 'same');
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC' };
    const conv = time(() => tf.conv2d(x, filter, 2, 'same'));
    const input = time(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: xShape }) as tf.Tensor);
    const weights = time(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape }) as tf.Tensor);
    console.log(
      `${config.padEnd(11)} x ${xShape.join('×')} * filter ${filterShape.join('×')}, stride 2, same: ` +
        `Conv2D ${conv} ms, Conv2DBackpropInput ${input} ms, Conv2DBackpropFilter ${weights} ms`,
    );
    tf.dispose([x, filter, dy]);
  }
}

console.log(
  `conv VAE training step, batch ${batchSize}, median of ${steps} steps; ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; Node ${process.version}`,
);
for (const config of a.configs!.split(',')) await measure(config);
console.log('one call of each convolution kernel:');
for (const config of ['plain', 'native'] as const) await kernelTimes(config);
