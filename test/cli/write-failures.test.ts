/**
 * A write that fails (the file-size limit, `ulimit -f`, standing in for a full disk) during a
 * checkpoint or model write: one line naming the file, exit 1, the previous checkpoint intact,
 * no temporary file left, and a later --resume gives the uninterrupted run's numbers.
 * Real processes: the limit is set in a child shell. (Node ignores SIGXFSZ, so the write gets EFBIG.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { tempFiles } from '../helpers/temp-files.js';
import { lossFields, readMetrics, runCli, tinyTrainArgs } from './cli-helpers.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const sourceMain = join(repo, 'src', 'cli', 'main.ts');
const { dir: root } = tempFiles('vaekit-write-failures-');

/** `vaekit argv…` in a child whose files may not exceed `limitKb` KiB. */
function runLimited(limitKb: number, argv: string[]): { code: number | null; stderr: string } {
  const quoted = argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('bash', ['-c', `ulimit -f ${limitKb}; exec '${process.execPath}' --import tsx '${sourceMain}' ${quoted}`], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stderr: r.stderr };
}

/** Every entry under `dir`, recursively, as relative paths. */
const entries = (dir: string) => (readdirSync(dir, { recursive: true }) as string[]).sort();

describe('writes that fail mid-run', () => {
  // The tiny run's checkpoint is about 600 KiB and its decoder weights about 100 KiB.
  for (const { what, limitKb, file } of [
    { what: 'the checkpoint write', limitKb: 400, file: /checkpoint\.vkc/ },
    { what: 'the model write', limitKb: 60, file: /model/ },
  ]) {
    test(`${what} (ulimit -f ${limitKb}) in epoch 2: one line naming the file, exit 1, epoch 1's checkpoint intact, then an exact resume`, async () => {
      const reference = join(root, `reference-${limitKb}`);
      assert.equal((await runCli(tinyTrainArgs(reference, 2))).code, 0);

      const out = join(root, `limited-${limitKb}`);
      assert.equal((await runCli(tinyTrainArgs(out, 1))).code, 0);
      const checkpoint = readFileSync(join(out, 'checkpoint.vkc'));
      const before = entries(out);

      const r = runLimited(limitKb, [...tinyTrainArgs(out, 2), '--resume']);
      assert.equal(r.code, 1, r.stderr);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('vaekit:'));
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], file);
      assert.match(lines[0], new RegExp(out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.match(lines[0], /file-size limit|EFBIG/);
      assert.ok(!/^\s+at /m.test(r.stderr), 'a stack trace');
      assert.deepEqual(readFileSync(join(out, 'checkpoint.vkc')), checkpoint, 'the epoch-1 checkpoint changed');
      assert.deepEqual(entries(out), before, 'a temporary file or a new file was left');
      assert.deepEqual(
        readMetrics(out).map((m) => m.epoch),
        [1],
      );

      const resumed = await runCli([...tinyTrainArgs(out, 2), '--resume']);
      assert.equal(resumed.code, 0, resumed.err.join('\n'));
      assert.deepEqual(lossFields(readMetrics(out)), lossFields(readMetrics(reference)));
    });
  }
});
