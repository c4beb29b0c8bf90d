/**
 * A worker thread that dies (its thread ends mid-work, as VAEKIT_TEST_FAULT makes it) is reported
 * as one WorkerError at once: no hang until a timeout, and the other threads stop too.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeDataset } from '../../src/data/dataset.js';
import { WorkerError } from '../../src/errors.js';
import { Rng } from '../../src/math/rng.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { DataParallelGradients } from '../../src/node/parallel/data-parallel.js';
import { estimateLogLikelihoodParallel } from '../../src/node/parallel/loglik-parallel.js';
import { errorLines, readMetrics, runCli, tinyTrainArgs } from '../cli/cli-helpers.js';
import { tempFiles } from '../helpers/temp-files.js';

const D = 40;
const rng = new Rng('worker-death');
const binary = (n: number) => Float32Array.from({ length: n * D }, () => (rng.next() < 0.3 ? 1 : 0));

/** Runs `fn` with VAEKIT_TEST_FAULT set (workers copy the environment when they start). */
async function withFault<T>(spec: string, fn: () => Promise<T>): Promise<T> {
  process.env.VAEKIT_TEST_FAULT = spec;
  try {
    return await fn();
  } finally {
    delete process.env.VAEKIT_TEST_FAULT;
  }
}

let vae: VAE;
before(async () => {
  await useBackend('wasm');
  vae = new VAE({ inputShape: [D], hidden: [32], latentDim: 3, seed: 1 });
});
after(() => vae.dispose());

describe('a gradient worker that dies', () => {
  test('at its second step: the step throws a WorkerError naming the worker, well before the 120 s silence timeout', async () => {
    const B = 8;
    const x = binary(B);
    const engine = await withFault('gradient-worker@2', () => DataParallelGradients.start(vae, { numShards: 2, batchSize: B, objective: { kind: 'elbo' } }));
    try {
      const first = await engine.gradients({ numRows: B, x }, { seed: 1, step: 0, klWeight: 1 });
      first.grads.forEach((g) => g.tensor.dispose());
      first.stats.dispose();
      const t0 = performance.now();
      await assert.rejects(
        engine.gradients({ numRows: B, x }, { seed: 2, step: 1, klWeight: 1 }),
        (e: unknown) => e instanceof WorkerError && /gradient worker 1: the thread ended mid-step/.test(e.message),
      );
      const seconds = (performance.now() - t0) / 1000;
      assert.ok(seconds < 30, `took ${seconds.toFixed(1)} s`);
    } finally {
      await engine.dispose();
    }
  });
});

describe('a log-likelihood worker that dies', () => {
  test('rejects with a WorkerError naming the worker and its exit code, and stops this thread’s share early', async () => {
    const N = 4000;
    const ds = makeDataset({ x: binary(N), numExamples: N, dataDim: D, source: 'test' });
    let seen = 0;
    await assert.rejects(
      withFault('loglik-worker@0', () => estimateLogLikelihoodParallel(vae, ds, { numSamples: 5000, numThreads: 2, onProgress: (done) => (seen = done) })),
      (e: unknown) => e instanceof WorkerError && /log-likelihood worker 1 exited with code 1/.test(e.message),
    );
    // Without the abort this thread would estimate its 2000 examples before the error surfaced.
    assert.ok(seen < N / 2, `this thread went on to ${seen} of its ${N / 2} examples`);
  });
});

describe('vaekit train --threads 2 with a gradient worker that dies in epoch 2', () => {
  test('exits 1 with one line, and --resume finishes the run from the epoch-1 checkpoint', async () => {
    const out = join(tempFiles('vaekit-worker-death-').dir, 'run');
    const args = tinyTrainArgs(out, 2, ['--threads', '2', '--batch-size', '100']); // 500 examples: 5 steps an epoch
    const r = await withFault('gradient-worker@7', () => runCli(args));
    assert.equal(r.code, 1);
    assert.deepEqual(
      errorLines(r.err).filter((l) => l.startsWith('vaekit:')),
      ['vaekit: gradient worker 1: the thread ended mid-step; the run resumes from its last checkpoint'],
    );
    assert.deepEqual(
      readMetrics(out).map((m) => m.epoch),
      [1],
    );
    const resumed = await runCli([...args, '--resume']);
    assert.equal(resumed.code, 0, resumed.err.join('\n'));
    assert.deepEqual(
      readMetrics(out).map((m) => m.epoch),
      [1, 2],
    );
  });
});
