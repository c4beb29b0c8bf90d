/**
 * trainRun interrupted mid-epoch through `shouldStop` (what Ctrl-C does) and resumed from its
 * checkpoint gives the numbers an uninterrupted run gives. Tiny MNIST: 500 train, 100 validation,
 * 600 test examples, batch 64 (8 steps an epoch), MLP 784-32-4, wasm backend.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../../src/errors.js';
import type { LikelihoodConfig } from '../../src/likelihoods/likelihood.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { readCheckpoint } from '../../src/node/formats/checkpoint.js';
import type { PartialRunConfig } from '../../src/node/runs/config.js';
import { RUN_FILES } from '../../src/node/runs/folder.js';
import { trainRun as trainAnyRun } from '../../src/node/runs/kinds.js';
import type { RunSummary } from '../../src/node/runs/vae-train.js';
import type { EpochMetrics } from '../../src/training/trainer.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-train-run-'));
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await useBackend('wasm');
});

function config(out: string, likelihood: LikelihoodConfig, epochs = 2): PartialRunConfig {
  return {
    out,
    data: { source: 'mnist', scale: 255, val: 100, limit: 600 },
    model: { latentDim: 4, hidden: [32], activation: 'relu', likelihood },
    // logEvery 3: the interruption at step 4 falls between two loss read-backs.
    training: { epochs, batchSize: 64, logEvery: 3 },
    compute: { backend: 'wasm' },
  };
}

/** A VAE run trained through the run layer, its summary. */
const trainRun = async (...args: Parameters<typeof trainAnyRun>) => (await trainAnyRun(...args)) as RunSummary;

const LOSS_KEYS = ['trainLoss', 'reconstruction', 'kl', 'valLoss', 'valReconstruction', 'valKl', 'testLoss', 'testReconstruction', 'testKl'] as const;
const losses = (h: EpochMetrics[]) => h.map((m) => [m.epoch, ...LOSS_KEYS.map((k) => m[k])]);
const metricsFile = (dir: string) =>
  readFileSync(join(dir, RUN_FILES.metrics), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EpochMetrics);

/**
 * Runs 2 epochs straight; then runs again, stopping right after step 4 of epoch `stopEpoch`
 * (1-based), and resumes from the checkpoint. `shouldStop` is polled once after every step, so it
 * arms when onStep reports step 3 of that epoch and fires at the poll after step 4.
 */
async function straightAndResumed(name: string, likelihood: LikelihoodConfig, stopEpoch: number) {
  const straightDir = join(root, `${name}-straight`);
  const straight = await trainRun(config(straightDir, likelihood));

  const dir = join(root, `${name}-interrupted`);
  let armed = false;
  let polls = 0;
  const logs: string[] = [];
  const interrupted = await trainRun(
    config(dir, likelihood),
    {},
    {
      log: (l) => logs.push(l),
      onStep: (s) => {
        if (s.epoch === stopEpoch && s.step === 3) armed = true; // logEvery 3: reported after steps 3, 6, 8
      },
      shouldStop: () => {
        if (armed) polls++;
        return polls >= 2;
      },
    },
  );
  const ckpt = await readCheckpoint(join(dir, RUN_FILES.checkpoint));
  const metricsWhenInterrupted = existsSync(join(dir, RUN_FILES.metrics)) ? metricsFile(dir) : [];
  const resumed = await trainRun(config(dir, likelihood), { resume: true });
  return { straight, straightDir, interrupted, ckpt, metricsWhenInterrupted, resumed, dir, logs };
}

describe('trainRun interrupted by shouldStop and resumed', () => {
  test('stops mid-epoch, checkpoints the step reached, and resumes to losses bit-identical to an uninterrupted run', async () => {
    const r = await straightAndResumed('bernoulli', { kind: 'bernoulli' }, 2);
    assert.equal(r.interrupted.interrupted, true);
    assert.equal(r.interrupted.epochs, 1);
    assert.equal(r.resumed.state.history.length, 2);
    assert.equal(r.ckpt.state.epoch, 1);
    assert.equal(r.ckpt.state.step, 4);
    assert.equal(r.ckpt.state.partial.examples, r.ckpt.state.step * 64, 'the partial sums do not cover the steps taken');
    assert.ok(
      r.logs.some((l) => /^interrupted: checkpoint saved at epoch 2, step 4; continue with resume$/.test(l)),
      r.logs.join('\n'),
    );
    assert.deepEqual(losses(r.metricsWhenInterrupted), losses(r.straight.state.history).slice(0, 1), 'metrics.jsonl must hold the finished epoch only');

    assert.equal(r.resumed.interrupted, false);
    assert.equal(r.resumed.epochs, 2);
    assert.deepEqual(losses(r.resumed.state.history), losses(r.straight.state.history));
    assert.deepEqual(losses(metricsFile(r.dir)), losses(metricsFile(r.straightDir)));
    assert.equal(r.resumed.testLoss, r.straight.testLoss);
    assert.deepEqual(readFileSync(join(r.dir, 'model', 'encoder', 'weights.bin')), readFileSync(join(r.straightDir, 'model', 'encoder', 'weights.bin')));
    assert.deepEqual(readFileSync(join(r.dir, 'model', 'decoder', 'weights.bin')), readFileSync(join(r.straightDir, 'model', 'decoder', 'weights.bin')));
  });

  test('resumes a Gaussian decoder with learned variance, interrupted in its first epoch, to the same losses and σ²', async () => {
    const r = await straightAndResumed('gaussian', { kind: 'gaussian', variance: 'learned' }, 1);
    assert.equal(r.ckpt.state.epoch, 0);
    assert.equal(r.ckpt.state.step, 4);
    assert.deepEqual(r.ckpt.state.history, []);
    assert.deepEqual(losses(r.resumed.state.history), losses(r.straight.state.history));
    const logVarOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'model', 'vaekit.json'), 'utf8')).config.likelihood.logVar as number;
    assert.notEqual(logVarOf(r.straightDir), 0, 'σ² was not learned, so the test cannot tell a restored σ² from a reset one');
    assert.equal(logVarOf(r.dir), logVarOf(r.straightDir));
  });

  test('leaves no tensor alive after a fresh run', async () => {
    const before = tf.memory().numTensors;
    await trainRun(config(join(root, 'leak'), { kind: 'bernoulli' }, 2));
    assert.equal(tf.memory().numTensors - before, 0, 'tensors leaked');
  });

  test('leaves no tensor alive after a resumed run', async () => {
    const dir = join(root, 'leak-resume');
    await trainRun(config(dir, { kind: 'bernoulli' }, 1));
    const before = tf.memory().numTensors;
    await trainRun(config(dir, { kind: 'bernoulli' }, 2), { resume: true });
    assert.equal(tf.memory().numTensors - before, 0, 'tensors leaked');
  });

  test('leaves no tensor alive after a run with a learned Gaussian variance', async () => {
    const before = tf.memory().numTensors;
    await trainRun(config(join(root, 'leak-gaussian'), { kind: 'gaussian', variance: 'learned' }, 1));
    assert.equal(tf.memory().numTensors - before, 0, 'tensors leaked');
  });

  test('resume on a folder without a checkpoint throws CheckpointError naming the file', async () => {
    const dir = join(root, 'nothing-here');
    await assert.rejects(trainRun(config(dir, { kind: 'bernoulli' }), { resume: true }), (e: unknown) => {
      assert.ok(e instanceof CheckpointError, String(e));
      assert.ok(e.message.includes(join(dir, RUN_FILES.checkpoint)), e.message);
      assert.match(e.message, /no such checkpoint file/);
      return true;
    });
    assert.ok(!existsSync(dir));
  });
});
