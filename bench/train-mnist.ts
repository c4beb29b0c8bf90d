/**
 * npm run bench — trains the canonical MNIST VAE (784-400-20, ReLU, Bernoulli decoder on logits,
 * Adam 1e-3, batch 128, pixels in [0, 1], all 60,000 training images, no validation split), exactly
 * as ../shared/peers/torch_vae.py does, and prints per epoch: examples/s, ms per step, peak RSS and
 * the test −ELBO (nats per example). With --peer it then runs the PyTorch peer on the same machine
 * and prints both figures and their ratio. With --loglik N it then times the importance-sampled
 * log-likelihood (K = --loglik-samples, default 5000) of the trained model on the first N test
 * images (N = 10000: the whole test set). Prints figures; asserts nothing. (Where a step's time
 * goes: bench/step-profile.ts.)
 *
 *   npm run bench -- [--epochs 10] [--backend wasm|cpu|tensorflow] [--native auto|on|off] [--threads 1]
 *                    [--peer] [--peer-script PATH] [--peer-env 'OPENBLAS_NUM_THREADS=1 …']
 *                    [--loglik N] [--loglik-samples 5000] [--loglik-threads 2] [--json FILE]
 *   node --expose-gc --import tsx bench/train-mnist.ts --gc …   (a full GC before each epoch's memory figures)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { VAE } from '../src/models/vae.js';
import { useBackend, type BackendName } from '../src/node/compute/backend.js';
import { describeNativeKernels, nativeKernelsInfo, type NativeChoice } from '../src/node/compute/native-kernels.js';
import { loadIdxDataset, mnistDataDir } from '../src/node/datasets/mnist.js';
import { takeFirst } from '../src/data/dataset.js';
import { train } from '../src/training/trainer.js';
import { DataParallelGradients } from '../src/node/parallel/data-parallel.js';
import { estimateLogLikelihoodParallel } from '../src/node/parallel/loglik-parallel.js';
import { defaultNumThreads } from '../src/node/parallel/start-worker.js';

const { values: a } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' },
    backend: { type: 'string', default: 'wasm' },
    native: { type: 'string', default: 'auto' },
    peer: { type: 'boolean', default: false },
    'peer-script': { type: 'string', default: resolve('../shared/peers/torch_vae.py') },
    'peer-threads': { type: 'string', default: '2' },
    'peer-env': { type: 'string', default: '' },
    limit: { type: 'string' },
    seed: { type: 'string', default: '1' },
    json: { type: 'string' },
    threads: { type: 'string', default: '1' },
    loglik: { type: 'string', default: '0' },
    gc: { type: 'boolean', default: false },
    'loglik-samples': { type: 'string', default: '5000' },
    'loglik-threads': { type: 'string' },
  },
});
// The peer gets the environment as it was before vaekit's addon loaded OpenBLAS (which sets
// OPENBLAS_NUM_THREADS=1 and OPENBLAS_CORETYPE in this process's environment).
const peerEnv = { ...process.env };
const threads = Number(a.threads);
const epochs = Number(a.epochs);
const backend = await useBackend(a.backend as BackendName, { native: a.native as NativeChoice });
const native = backend === 'wasm' ? nativeKernelsInfo() : null;
const nativeLabel = native ? describeNativeKernels(native) : 'off';
const dir = mnistDataDir();
let { train: tr, test } = loadIdxDataset(dir, { scale: 255 });
if (a.limit) {
  tr = takeFirst(tr, Number(a.limit));
  test = takeFirst(test, Number(a.limit));
}
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
console.log(
  `vaekit bench: canonical MNIST VAE 784-400-20, batch 128, Adam 1e-3, ${tr.numExamples} train / ${test.numExamples} test, backend ${backend}, native kernels: ${nativeLabel}, ${threads} thread(s)`,
);
console.log(`machine: ${machine}`);

const vae = new VAE({ inputShape: [28, 28, 1], latentDim: 20, hidden: [400], activation: 'relu', likelihood: { kind: 'bernoulli' }, seed: Number(a.seed) });
const steps = Math.ceil(tr.numExamples / 128);
const rows: Array<Record<string, number>> = [];
const engine =
  threads > 1
    ? await DataParallelGradients.start(vae, { numShards: threads, batchSize: 128, objective: { kind: 'elbo' }, backend: backend as 'wasm' | 'cpu' })
    : undefined;
const result = await train(
  vae,
  { train: tr, test },
  {
    options: { epochs, batchSize: 128, learningRate: 1e-3, seed: Number(a.seed), logEvery: 50 },
    engine,
    callbacks: {
      onEpochEnd: (m) => {
        if (a.gc) {
          const gc = (globalThis as { gc?: () => void }).gc;
          if (!gc) throw new Error('--gc needs node --expose-gc (node --expose-gc --import tsx bench/train-mnist.ts --gc)');
          gc(); // a full collection first, so "now" shows what is live rather than what V8 has not yet collected
        }
        const rssMiB = process.resourceUsage().maxRSS / 1024;
        const nowMiB = process.memoryUsage().rss / 1048576;
        const numTensors = tf.memory().numTensors;
        const row = {
          epoch: m.epoch,
          seconds: m.seconds,
          examplesPerSecond: m.examplesPerSecond,
          msPerStep: (m.seconds * 1000) / steps,
          peakRssMiB: rssMiB,
          rssMiB: nowMiB,
          numTensors,
          trainLoss: m.trainLoss,
          testLoss: m.testLoss ?? NaN,
        };
        rows.push(row);
        console.log(
          `epoch ${m.epoch}: ${m.seconds.toFixed(2)} s, ${m.examplesPerSecond.toFixed(0)} examples/s, ${row.msPerStep.toFixed(2)} ms/step, ` +
            `peak RSS ${rssMiB.toFixed(0)} MiB (now ${nowMiB.toFixed(0)}, ${numTensors} tensors), train ${m.trainLoss.toFixed(2)}, test −ELBO ${m.testLoss?.toFixed(2)} nats`,
        );
      },
    },
  },
);
result.optimizer.dispose();
if (engine) {
  const p = engine.profile;
  console.log(
    `data-parallel phases, ms per step: ${Object.entries(p)
      .filter(([k]) => k !== 'steps')
      .map(([k, v]) => `${k} ${(v / p.steps).toFixed(2)}`)
      .join(', ')}`,
  );
  await engine.dispose();
}
let loglik: Record<string, number> | null = null;
if (Number(a.loglik) > 0) {
  const n = Math.min(Number(a.loglik), test.numExamples);
  const k = Number(a['loglik-samples']);
  const lt = a['loglik-threads'] ? Number(a['loglik-threads']) : defaultNumThreads();
  const t0 = performance.now();
  const est = await estimateLogLikelihoodParallel(vae, takeFirst(test, n), { numSamples: k, numThreads: lt, backend: backend as 'wasm' | 'cpu' });
  const seconds = (performance.now() - t0) / 1000;
  loglik = {
    examples: n,
    numSamples: k,
    threads: lt,
    seconds,
    ms_per_example: (seconds * 1000) / n,
    minutes_per_10k: ((seconds / n) * 10000) / 60,
    value: est.value,
    standardError: est.standardError,
    peak_rss_mib: process.resourceUsage().maxRSS / 1024,
  };
  console.log(
    `log p(x), K = ${k}, first ${n} test images, ${lt} thread(s): ${seconds.toFixed(1)} s (${loglik.ms_per_example.toFixed(1)} ms/example` +
      `${n < 10000 ? `; at that rate the 10,000 test images take ${loglik.minutes_per_10k.toFixed(1)} min` : ''}); estimate ${est.value.toFixed(2)} ± ${est.standardError.toFixed(2)} nats`,
  );
}
vae.dispose();
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
const vaekit = {
  backend,
  native: nativeLabel,
  threads,
  epochs,
  median_epoch_s: median(rows.map((r) => r.seconds)),
  examples_per_s: tr.numExamples / median(rows.map((r) => r.seconds)),
  ms_per_step: median(rows.map((r) => r.msPerStep)),
  peak_rss_mib: Math.max(...rows.map((r) => r.peakRssMiB)),
  test_neg_elbo: rows.at(-1)!.testLoss,
};
console.log(`vaekit: ${JSON.stringify(vaekit)}`);

let peer: Record<string, number | string> | null = null;
if (a.peer) {
  const script = a['peer-script']!;
  if (!existsSync(script)) throw new Error(`--peer: no peer script at ${script}`);
  console.log(`\nPyTorch peer: ${script} (env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ${a['peer-env']}, ${a['peer-threads']} threads)`);
  const env = { ...peerEnv };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  // --peer-env 'K=V K2=V2': settings for the peer on top (e.g. to tune its OpenBLAS).
  for (const kv of a['peer-env']!.split(/\s+/).filter(Boolean)) {
    const eq = kv.indexOf('=');
    if (eq < 1) throw new Error(`--peer-env: expected K=V, got '${kv}'`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const r = spawnSync('/usr/bin/python3', [script, '--data', dir, '--epochs', String(epochs), '--threads', a['peer-threads']!], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(r.stdout ?? '');
  if (r.status !== 0) throw new Error(`peer exited ${r.status}`);
  peer = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  const p = peer as { median_epoch_s: number; test_neg_elbo: number };
  console.log(
    `\nratio (PyTorch epoch time / vaekit epoch time): ${(p.median_epoch_s / vaekit.median_epoch_s).toFixed(2)} ` +
      `(vaekit ${vaekit.median_epoch_s.toFixed(2)} s, PyTorch ${p.median_epoch_s.toFixed(2)} s); ` +
      `test −ELBO vaekit ${vaekit.test_neg_elbo.toFixed(2)} vs PyTorch ${p.test_neg_elbo.toFixed(2)} nats`,
  );
}
if (a.json) writeFileSync(a.json, JSON.stringify({ machine, vaekit, peer, loglik, epochs: rows }, null, 2) + '\n');
