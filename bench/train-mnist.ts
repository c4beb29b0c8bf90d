/**
 * npm run bench — trains the canonical MNIST VAE (784-400-20, ReLU, Bernoulli decoder on logits,
 * Adam 1e-3, batch 128, pixels in [0, 1], all 60,000 training images, no validation split), exactly
 * as ../shared/peers/torch_vae.py does (with --arch conv: the peer's conv VAE, two stride-2 3×3
 * convolutions of 32 and 64 channels and their transposes, src/nets/conv.ts), and prints per epoch: examples/s, ms per step, peak RSS and
 * the test −ELBO (nats per example). With --peer it then runs the PyTorch peer on the same machine
 * and prints both figures and their ratio. With --loglik N it then times the importance-sampled
 * log-likelihood (K = --loglik-samples, default 5000) of the trained model on the first N test
 * images (N = 10000: the whole test set). With --peer-best the peer runs a second time in its
 * fastest configuration on these machines (OPENBLAS_NUM_THREADS=2 OPENBLAS_CORETYPE=SkylakeX,
 * --threads 1, its header says) and the ratio against both is printed. Prints figures; asserts nothing. (Where a step's time
 * goes: bench/step-profile.ts.)
 *
 *   npm run bench -- [--epochs 10] [--arch mlp|conv] [--backend wasm|cpu|tensorflow|webgpu|auto] [--native auto|on|off] [--threads 1]
 *                    [--peer] [--peer-best] [--no-openblas] [--peer-script PATH] [--peer-env 'OPENBLAS_NUM_THREADS=1 …'] [--peer-device cpu|cuda]
 *                    [--loglik N] [--loglik-samples 5000] [--loglik-threads 2] [--loglik-chunk-rows 8192] [--json FILE]
 * On webgpu (a GPU through Dawn, src/node/compute/webgpu.ts) training runs in this thread and the
 * log-likelihood in-process with --loglik-chunk-rows decoder rows at once (worker threads are wasm/cpu
 * only); --peer-device cuda runs the PyTorch peer on the GPU too.
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
import { createNativeMlpEngine } from '../src/node/compute/native-engine.js';
import { estimateLogLikelihoodParallel } from '../src/node/parallel/loglik-parallel.js';
import { estimateLogLikelihood } from '../src/evaluation/log-likelihood.js';
import { defaultNumThreads } from '../src/node/parallel/start-worker.js';

const { values: a } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' },
    backend: { type: 'string', default: 'wasm' },
    native: { type: 'string', default: 'auto' },
    arch: { type: 'string', default: 'mlp' },
    peer: { type: 'boolean', default: false },
    'peer-best': { type: 'boolean', default: false },
    'no-openblas': { type: 'boolean', default: false },
    'peer-script': { type: 'string', default: resolve('../shared/peers/torch_vae.py') },
    'peer-threads': { type: 'string', default: '2' },
    'peer-env': { type: 'string', default: '' },
    'peer-device': { type: 'string', default: 'cpu' },
    limit: { type: 'string' },
    seed: { type: 'string', default: '1' },
    json: { type: 'string' },
    threads: { type: 'string', default: '1' },
    loglik: { type: 'string', default: '0' },
    gc: { type: 'boolean', default: false },
    'loglik-samples': { type: 'string', default: '5000' },
    'loglik-threads': { type: 'string' },
    'loglik-chunk-rows': { type: 'string', default: '8192' },
  },
});
// The peer gets the environment as it was before vaekit's addon loaded OpenBLAS (which sets
// OPENBLAS_NUM_THREADS=1 and OPENBLAS_CORETYPE in this process's environment).
const peerEnv = { ...process.env };
const threads = Number(a.threads);
const epochs = Number(a.epochs);
// --no-openblas: a new user's machine without OpenBLAS (the native matmuls then run on the addon's own GEMM).
if (a['no-openblas']) process.env.VAEKIT_OPENBLAS = '/nonexistent/libopenblas.so (--no-openblas)';
const backend = await useBackend(a.backend as BackendName, { native: a.native as NativeChoice });
const native = backend === 'wasm' ? nativeKernelsInfo() : null;
/** Worker threads run wasm or cpu only; on webgpu (or tensorflow) everything runs in this thread. */
const isThreadable = backend === 'wasm' || backend === 'cpu';
if (threads > 1 && !isThreadable) throw new Error(`--threads ${threads}: data-parallel workers run on wasm or cpu, not ${backend}; use --threads 1`);
const nativeLabel = native ? describeNativeKernels(native) : 'off';
const dir = mnistDataDir();
let { train: tr, test } = loadIdxDataset(dir, { scale: 255 });
if (a.limit) {
  tr = takeFirst(tr, Number(a.limit));
  test = takeFirst(test, Number(a.limit));
}
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
if (a.arch !== 'mlp' && a.arch !== 'conv') throw new Error(`--arch: expected mlp or conv, got '${a.arch}'`);
const archLabel = a.arch === 'conv' ? 'conv VAE (conv 3×3 s2 32, 64; transposed back), Z = 20' : 'canonical MNIST VAE 784-400-20';
console.log(
  `vaekit bench: ${archLabel}, batch 128, Adam 1e-3, ${tr.numExamples} train / ${test.numExamples} test, backend ${backend}, native kernels: ${nativeLabel}, ${threads} thread(s)`,
);
console.log(`machine: ${machine}`);

const network = a.arch === 'conv' ? { encoder: { kind: 'conv' as const } } : { hidden: [400], activation: 'relu' as const };
const vae = new VAE({ inputShape: [28, 28, 1], latentDim: 20, ...network, likelihood: { kind: 'bernoulli' }, seed: Number(a.seed) });
const steps = Math.ceil(tr.numExamples / 128);
const rows: Array<Record<string, number>> = [];
const engine =
  threads > 1
    ? await DataParallelGradients.start(vae, { numShards: threads, batchSize: 128, objective: { kind: 'elbo' }, backend: backend as 'wasm' | 'cpu' })
    : undefined;
// One thread on wasm: the MLP's whole step in one native call where it applies (VAEKIT_NATIVE_ENGINE=off: tfjs autodiff).
let nativeEngineWhy = '';
const nativeEngine = threads > 1 ? null : createNativeMlpEngine(vae, { kind: 'elbo' }, (why) => (nativeEngineWhy = why));
const engineLabel = engine
  ? `${threads} data-parallel shards`
  : nativeEngine
    ? 'one native call per step (native/mlp_step.c)'
    : `tfjs autodiff${nativeEngineWhy ? ` (native step not used: ${nativeEngineWhy})` : ''}`;
console.log(`gradients: ${engineLabel}`);
const result = await train(
  vae,
  { train: tr, test },
  {
    options: { epochs, batchSize: 128, learningRate: 1e-3, seed: Number(a.seed), logEvery: 50 },
    engine: engine ?? nativeEngine ?? undefined,
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
await nativeEngine?.dispose();
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
  const est = isThreadable
    ? await estimateLogLikelihoodParallel(vae, takeFirst(test, n), { numSamples: k, numThreads: lt, backend: backend as 'wasm' | 'cpu' })
    : await estimateLogLikelihood(vae, takeFirst(test, n), { numSamples: k, chunkRows: Number(a['loglik-chunk-rows']) });
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
  arch: a.arch,
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

/** Runs the PyTorch peer with `extraEnv` and `threads`; prints its lines and the ratio; returns its figures. */
function runPeer(label: string, extraEnv: string, threads: string): Record<string, number | string> {
  const script = a['peer-script']!;
  if (!existsSync(script)) throw new Error(`--peer: no peer script at ${script}`);
  console.log(`\nPyTorch peer, ${label}: ${script} --arch ${a.arch} (env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ${extraEnv}, --threads ${threads})`);
  const env = { ...peerEnv };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  // 'K=V K2=V2': settings for the peer on top (e.g. to tune its OpenBLAS).
  for (const kv of extraEnv.split(/\s+/).filter(Boolean)) {
    const eq = kv.indexOf('=');
    if (eq < 1) throw new Error(`--peer-env: expected K=V, got '${kv}'`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const r = spawnSync(
    '/usr/bin/python3',
    [script, '--data', dir, '--epochs', String(epochs), '--threads', threads, '--arch', a.arch!, '--device', a['peer-device']!, '--seed', a.seed!],
    {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  process.stdout.write(r.stdout ?? '');
  if (r.status !== 0) throw new Error(`peer exited ${r.status}`);
  const p = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number | string> & { median_epoch_s: number; test_neg_elbo: number };
  console.log(
    `ratio against the peer ${label} (PyTorch epoch time / vaekit epoch time): ${(p.median_epoch_s / vaekit.median_epoch_s).toFixed(2)} ` +
      `(vaekit ${vaekit.median_epoch_s.toFixed(2)} s, PyTorch ${p.median_epoch_s.toFixed(2)} s); ` +
      `test −ELBO vaekit ${vaekit.test_neg_elbo.toFixed(2)} vs PyTorch ${p.test_neg_elbo.toFixed(2)} nats`,
  );
  return p;
}

/** The peer's fastest configuration on these 2-core machines, as its header gives it. */
const PEER_BEST = { env: 'OPENBLAS_NUM_THREADS=2 OPENBLAS_CORETYPE=SkylakeX', threads: '1' };
const peer = a.peer ? runPeer('as shipped', a['peer-env']!, a['peer-threads']!) : null;
const peerBest = a['peer-best'] ? runPeer('in its best configuration', PEER_BEST.env, PEER_BEST.threads) : null;
if (a.json) writeFileSync(a.json, JSON.stringify({ machine, gradients: engineLabel, vaekit, peer, peerBest, loglik, epochs: rows }, null, 2) + '\n');
