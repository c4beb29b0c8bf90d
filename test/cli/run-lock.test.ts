/**
 * One `vaekit train` per run folder (RUN/.lock), and SIGTERM, which stops a run like Ctrl-C: real processes.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { readCheckpoint } from '../../src/node/formats/checkpoint.js';
import { errorLines, runCli, tinyTrainArgs } from './cli-helpers.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const sourceMain = join(repo, 'src', 'cli', 'main.ts');
const root = mkdtempSync(join(tmpdir(), 'vaekit-run-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The pid of a process that has ended (a lock it left is stale). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('RUN/.lock: one training process per run folder', () => {
  test('a second vaekit train on the same --out (even with --force) refuses in one line naming the first pid; SIGTERM then exits 143, resumable', async () => {
    const dir = join(root, 'shared');
    // 50 epochs of 9 900 examples in steps of 32 (about 2 s each): still training when the second process and the SIGTERM come.
    const longRun = (epochs: number) => tinyTrainArgs(dir, epochs, ['--batch-size', '32'], 10000);
    const first = spawn(process.execPath, ['--import', 'tsx', sourceMain, ...longRun(50)], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: string[] = [];
    const err: string[] = [];
    first.stdout.setEncoding('utf8').on('data', (c: string) => out.push(c));
    first.stderr.setEncoding('utf8').on('data', (c: string) => err.push(c));
    const exited = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
    const killer = setTimeout(() => first.kill('SIGKILL'), 240_000);
    try {
      const t0 = performance.now();
      while (!/^epoch 1:/m.test(out.join(''))) {
        assert.ok(first.exitCode === null, `the first run ended early:\n${err.join('')}`);
        assert.ok(performance.now() - t0 < 120_000, 'no epoch 1 line within 120 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      const second = spawnSync(process.execPath, ['--import', 'tsx', sourceMain, ...tinyTrainArgs(dir, 1, ['--force'])], {
        cwd: repo,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(second.status, 1, second.stderr);
      assert.deepEqual(errorLines(second.stderr.split('\n')), [
        `vaekit: --out ${dir}: another vaekit process (pid ${first.pid}) is training into this folder; wait for it to end, or use another --out`,
      ]);
      first.kill('SIGTERM');
      assert.equal(await exited, 143, `stdout:\n${out.join('')}\nstderr:\n${err.join('')}`);
    } finally {
      clearTimeout(killer);
      first.kill('SIGKILL');
    }
    assert.match(err.join(''), /SIGTERM: finishing this step and saving a checkpoint/);
    assert.match(err.join(''), /continue with --resume/);
    assert.ok(!existsSync(join(dir, '.lock')), 'the lock outlived the run');
    const ckpt = await readCheckpoint(join(dir, 'checkpoint.vkc'));
    assert.ok(ckpt.state.epoch >= 1 && ckpt.state.epoch < 50, `checkpoint at epoch ${ckpt.state.epoch}`);
    const resumed = await runCli([...longRun(ckpt.state.epoch + 1), '--resume']);
    assert.equal(resumed.code, 0, resumed.err.join('\n'));
    assert.equal((await readCheckpoint(join(dir, 'checkpoint.vkc'))).state.epoch, ckpt.state.epoch + 1);
  });

  test('a lock left by a process that is gone is taken over, and removed when the run ends', async () => {
    const dir = join(root, 'stale');
    mkdirSync(dir);
    writeFileSync(join(dir, '.lock'), `${deadPid()}\n`);
    const r = await runCli(tinyTrainArgs(dir, 1));
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.ok(existsSync(join(dir, 'checkpoint.vkc')));
    assert.ok(!existsSync(join(dir, '.lock')), 'the lock outlived the run');
  });

  test('a run that fails once it holds the folder removes its lock and the folders it made', async () => {
    const dir = join(root, 'made', 'run');
    const r = await runCli([...tinyTrainArgs(dir, 1), '--resume']); // no checkpoint to resume
    assert.equal(r.code, 1, r.err.join('\n'));
    assert.ok(!existsSync(join(root, 'made')), 'the folders made for the run were left behind');
  });
});
