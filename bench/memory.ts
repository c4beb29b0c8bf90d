/**
 * npm run memory — memory stays flat over a long run: trains the canonical MNIST VAE (784-400-20,
 * batch 128) through the run layer, as `vaekit train` does (checkpoints, model saves, metrics and
 * pictures each epoch), for --steps training steps (default 10,000; the run stops there the way
 * Ctrl-C stops it, with a checkpoint), then evaluates it with the importance-sampled log p(x)
 * (K = --samples over the first --examples test images). It samples tf.memory().numTensors and the
 * process's resident memory every --every steps (and during the estimate) and prints both, with the
 * change from the first sample after warm-up to the last. Prints figures; asserts nothing.
 *
 *   npm run memory -- [--steps 10000] [--every 500] [--examples 2000] [--samples 5000] [--out DIR] [--json FILE]
 *   node --expose-gc --import tsx bench/memory.ts …   (a full GC before each sample)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/node/compute/backend.js';
import { evaluateRun, trainRun } from '../src/node/runs/kinds.js';

const { values: a } = parseArgs({
  options: {
    steps: { type: 'string', default: '10000' },
    every: { type: 'string', default: '500' },
    examples: { type: 'string', default: '2000' },
    samples: { type: 'string', default: '5000' },
    out: { type: 'string' },
    json: { type: 'string' },
  },
});
const steps = Number(a.steps);
const every = Number(a.every);

interface Sample {
  at: string;
  numTensors: number;
  rssMiB: number;
  heapMiB: number;
}
const gc = (globalThis as { gc?: () => void }).gc;
function sample(at: string): Sample {
  gc?.();
  const m = process.memoryUsage();
  return { at, numTensors: tf.memory().numTensors, rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20 };
}

await useBackend('wasm');
const out = a.out ?? join(mkdtempSync(join(tmpdir(), 'vaekit-memory-')), 'run');
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}; node ${process.version}; gc before samples: ${gc ? 'yes' : 'no (run with --expose-gc)'}`,
);
console.log(`training ${steps} steps into ${out} (MNIST, 784-400-20, batch 128, wasm + native kernels)…`);

const trainSamples: Sample[] = [];
let done = 0;
let nextSample = every;
const t0 = performance.now();
await trainRun(
  { data: 'mnist', out, model: { hidden: [400], latentDim: 20 }, training: { batchSize: 128, epochs: 1000, seed: 1 } },
  { overwrite: true },
  {
    // onStep comes every `logEvery` steps; shouldStop is polled after every step, so it counts them.
    onStep: () => {
      if (done >= nextSample) {
        trainSamples.push(sample(`step ${done}`));
        nextSample += every;
      }
    },
    shouldStop: () => ++done >= steps,
  },
);
const trainSeconds = (performance.now() - t0) / 1000;

const evalSamples: Sample[] = [];
const examples = Number(a.examples);
let next = 0;
const t1 = performance.now();
await evaluateRun(out, {
  limit: examples,
  numSamples: Number(a.samples),
  out: null,
  onProgress: (n) => {
    if (n >= next) {
      evalSamples.push(sample(`example ${n}`));
      next += Math.max(1, Math.floor(examples / 20));
    }
  },
});
const evalSeconds = (performance.now() - t1) / 1000;

/** First sample after warm-up (the second) to the last, and the range over that span. */
function summary(name: string, s: Sample[]): Record<string, string | number> {
  const span = s.slice(Math.min(1, s.length - 1));
  const first = span[0];
  const last = span[span.length - 1];
  const range = (f: (x: Sample) => number) => `${Math.min(...span.map(f)).toFixed(1)}–${Math.max(...span.map(f)).toFixed(1)}`;
  return {
    phase: name,
    samples: span.length,
    from: first.at,
    to: last.at,
    tensors: `${first.numTensors} → ${last.numTensors} (${Math.min(...span.map((x) => x.numTensors))}–${Math.max(...span.map((x) => x.numTensors))})`,
    'RSS MiB': `${first.rssMiB.toFixed(1)} → ${last.rssMiB.toFixed(1)} (${range((x) => x.rssMiB)})`,
    'heap MiB': `${first.heapMiB.toFixed(1)} → ${last.heapMiB.toFixed(1)} (${range((x) => x.heapMiB)})`,
  };
}
const rows = [
  summary(`training, ${done} steps, ${trainSeconds.toFixed(0)} s`, trainSamples),
  summary(`log p(x), K = ${a.samples}, ${examples} images, ${evalSeconds.toFixed(0)} s`, evalSamples),
];
console.table(rows);
for (const s of trainSamples) console.log(`  ${s.at}: ${s.numTensors} tensors, RSS ${s.rssMiB.toFixed(1)} MiB, heap ${s.heapMiB.toFixed(1)} MiB`);
if (a.json) writeFileSync(a.json, JSON.stringify({ rows, trainSamples, evalSamples }, null, 2) + '\n');
if (!a.out) rmSync(join(out, '..'), { recursive: true, force: true });
