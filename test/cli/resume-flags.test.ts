/**
 * `vaekit train --resume` continues the saved run with its own settings: a flag that would change
 * them (the model, the data, the optimiser) is refused in one line naming it with its saved and given
 * values, and the run folder is left as it was; --epochs (a longer run) and the same values are taken.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { errorLines, readMetrics, runCli, tinyTrainArgs } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-resume-flags-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The files a refused resume must leave byte for byte. */
const folderFiles = (dir: string) => ['metrics.jsonl', 'config.json', 'checkpoint.vkc'].map((f) => readFileSync(join(dir, f)));

describe('vaekit train --resume: flags that would change the saved run', () => {
  const dir = join(root, 'run');
  before(async () => {
    const r = await runCli(tinyTrainArgs(dir, 1));
    assert.equal(r.code, 0, r.err.join('\n'));
  });

  test('a changed --latent is refused (exit 2) in one line naming its saved and given values and what may change; the run folder is untouched', async () => {
    const before = folderFiles(dir);
    // The last --latent wins: tinyTrainArgs gives --latent 4 first.
    const r = await runCli(tinyTrainArgs(dir, 2, ['--latent', '2', '--resume']));
    assert.equal(r.code, 2, r.err.join('\n'));
    const lines = errorLines(r.err);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /^vaekit: --resume: the run was trained with --latent 4; this command gives --latent 2; /);
    assert.match(lines[0], /only --epochs, --patience, --threads, --backend, --native may change/);
    assert.deepEqual(folderFiles(dir), before);
    assert.equal(readMetrics(dir).length, 1);
  });

  test('a changed --lr and --hidden are refused together, each named, an unset saved flag as "no"', async () => {
    const before = folderFiles(dir);
    const r = await runCli(['train', '--out', dir, '--resume', '--backend', 'wasm', '--lr', '0.01', '--hidden', '64,32', '--kl-warmup', '3']);
    assert.equal(r.code, 2, r.err.join('\n'));
    const lines = errorLines(r.err);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /the run was trained with --lr 0\.001, --hidden 32, no --kl-warmup; this command gives --lr 0\.01, --hidden 64,32, --kl-warmup 3;/);
    assert.deepEqual(folderFiles(dir), before);
  });

  test('the same --latent and every other saved value, with more --epochs, trains on', async () => {
    const r = await runCli([...tinyTrainArgs(dir, 2), '--resume']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.ok(
      r.err.some((l) => /^resuming .* at epoch 2/.test(l)),
      r.err.join('\n'),
    );
    assert.equal(readMetrics(dir).length, 2);
  });
});
