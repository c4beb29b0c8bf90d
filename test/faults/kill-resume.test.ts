/**
 * The reduced `npm run faults` (bench/faults.ts): a tiny training run SIGKILLed at targeted moments
 * (a checkpoint write, a model save, the pictures) and resumed to an exact finish, and `evaluate` and
 * `score` killed while writing their output. Real processes; a kill that lands after the child has
 * exited counts as no fault, so nothing here depends on timing to pass.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { commandChain, newTally, referenceRun, trainChain, type KillPlan, type TrainSetup } from '../../bench/faults-harness.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-faults-'));
after(() => rmSync(root, { recursive: true, force: true }));
const TIMEOUT_MS = 120_000;

/** 500 train, 100 validation, 600 test examples; MLP 784-16-2; three epochs. */
const trainArgs = [
  'train',
  '--data',
  'mnist',
  '--limit',
  '600',
  '--val',
  '100',
  '--epochs',
  '3',
  '--hidden',
  '16',
  '--latent',
  '2',
  '--backend',
  'wasm',
  '--seed',
  '3',
];
const temp = (name: string) => new RegExp(`^\\.${name.replace(/\./g, '\\.')}\\.\\d+\\.[0-9a-f]{12}\\.tmp$`);

let setup: TrainSetup;
before(async () => {
  await tf.setBackend('cpu');
  setup = await referenceRun(trainArgs, join(root, 'reference'), Math.ceil(500 / 128), TIMEOUT_MS);
});

describe('kill -9 and --resume (reduced npm run faults)', () => {
  test('a run killed during a checkpoint write, a model save and the pictures resumes to the uninterrupted metrics, leaving nothing behind', async () => {
    const plans: KillPlan[] = [
      { kind: 'file', pattern: temp('checkpoint.vkc'), nth: 1, delayMs: 0, label: 'checkpoint' },
      { kind: 'file', pattern: temp('model'), nth: 1, delayMs: 1, label: 'model' },
      { kind: 'file', pattern: /^\.(reconstructions|samples)\.png\.\d+\.[0-9a-f]{12}\.tmp$/, nth: 1, delayMs: 0, label: 'pictures' },
    ];
    const tally = newTally('train');
    await trainChain(setup, join(root, 'run'), (k) => plans[k] ?? { kind: 'none' }, tally);
    assert.deepEqual(tally.failures, []);
    assert.equal(tally.survived, tally.faults, 'every kill left a readable checkpoint and model');
    assert.equal(tally.resumedExactly, 1, 'metrics to 1e-6 and pictures byte for byte');
    assert.equal(tally.tempFilesLeft, 0);
    assert.equal(tally.bytesLost, 0);
    assert.equal(tally.hangs, 0);
  });

  for (const cmd of [
    { name: 'evaluate', args: (r: string) => ['evaluate', r, '--samples', '5'], output: 'evaluation.json', timeoutMs: TIMEOUT_MS },
    { name: 'score', args: (r: string) => ['score', r], output: 'scores-test.csv', rows: 600, timeoutMs: TIMEOUT_MS },
  ]) {
    test(`${cmd.name} killed while writing ${cmd.output} leaves no half-written file; a rerun gives the uninterrupted output and no temporary file`, async () => {
      const run = join(root, `cmd-${cmd.name}`);
      cpSync(setup.reference.run, run, { recursive: true });
      const tally = newTally(cmd.name);
      await commandChain(cmd, run, () => [{ kind: 'file', pattern: temp(cmd.output), nth: 1, delayMs: 0, label: cmd.output }], tally);
      assert.deepEqual(tally.failures, []);
      assert.equal(tally.survived, tally.faults);
      assert.equal(tally.resumedExactly, 1);
      assert.equal(tally.tempFilesLeft, 0);
      assert.equal(tally.bytesLost + tally.hangs, 0);
    });
  }
});
