/**
 * `vaekit train --objective tc-vae` (issue 16, the β-TCVAE of Chen et al. 2018) on a tiny MNIST run in
 * process (500 train, 100 validation, 600 test examples; MLP 784-32-4; wasm): the objective is saved,
 * each epoch's metrics and line carry its terms, and a run on several threads is refused.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readRunConfig, type VaeRunConfig } from '../../src/node/runs/config.js';
import { errorLines, readMetrics, runCli, tinyTrainArgs } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-tc-vae-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('vaekit train --objective tc-vae', () => {
  test('--beta 6 trains an epoch with tfjs autodiff; metrics.jsonl and the epoch line hold mi, tc and dimKl, and trainLoss = rec + mi + 6·tc + dimKl', async () => {
    const out = join(root, 'tc');
    const r = await runCli(tinyTrainArgs(out, 1, ['--objective', 'tc-vae', '--beta', '6']));
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.deepEqual(((await readRunConfig(out)) as VaeRunConfig).training.objective, { kind: 'tc-vae', estimator: 'mws' });
    assert.ok(!r.err.some((l) => /gradients: one native call per step/.test(l)), 'the native MLP step claimed the tc-vae objective');
    const [m] = readMetrics(out);
    assert.equal(m.beta, 6);
    assert.deepEqual(Object.keys(m.terms), ['reconstruction', 'kl', 'mi', 'tc', 'dimKl']);
    for (const [name, v] of Object.entries(m.terms)) assert.ok(Number.isFinite(v), `${name} is ${v}`);
    assert.equal(m.reconstruction, m.terms.reconstruction);
    assert.equal(m.kl, m.terms.kl);
    const sum = m.terms.reconstruction + m.terms.mi + 6 * m.terms.tc + m.terms.dimKl;
    assert.ok(Math.abs(m.trainLoss - sum) <= 1e-4 * Math.abs(sum), `trainLoss ${m.trainLoss} ≠ rec + mi + 6·tc + dimKl = ${sum}`);
    assert.ok(
      r.out.some((l) => /^epoch 1: train \d+\.\d\d \(rec \d+\.\d\d, kl \d+\.\d\d, mi -?\d+\.\d\d, tc -?\d+\.\d\d, dimKl -?\d+\.\d\d β 6\.00\)/.test(l)),
      r.out.join('\n'),
    );
  });

  test('with --threads 2 it is refused in one line naming --objective tc-vae and --threads 2, and no run folder is made', async () => {
    const out = join(root, 'tc-threads');
    const r = await runCli(tinyTrainArgs(out, 1, ['--objective', 'tc-vae', '--threads', '2']));
    assert.equal(r.code, 1, r.err.join('\n'));
    const lines = errorLines(r.err);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(
      lines[0],
      /--objective tc-vae: the β-TCVAE estimates log q\(z\) from the whole batch .*--threads 2 threads cannot compute apart; train on one thread/,
    );
    assert.ok(!existsSync(join(out, 'checkpoint.vkc')));
  });
});
