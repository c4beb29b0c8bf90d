/**
 * `vaekit train --out` checked before the run starts (a real process, so that a hang is killed, not waited
 * for): a location nothing can be made in, a file, a file above the folder. Each exits 1 with one line
 * naming the path, within seconds (`/proc/x` used to spin at full CPU for ever in Node's recursive mkdir).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { errorLines, tinyTrainArgs } from './cli-helpers.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const sourceMain = join(repo, 'src', 'cli', 'main.ts');
const root = mkdtempSync(join(tmpdir(), 'vaekit-out-checks-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Seconds a failing check may take, tsx's start included; a hang is killed at this limit. */
const LIMIT_MS = 60_000;

/** `vaekit ARGS` (by default a tiny run into `out`), killed after LIMIT_MS. */
function train(out: string, args = tinyTrainArgs(out, 1)) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', sourceMain, ...args], {
    cwd: repo,
    encoding: 'utf8',
    timeout: LIMIT_MS,
    killSignal: 'SIGKILL',
  });
  return { ...r, lines: errorLines(r.stderr.split('\n')), seconds: (performance.now() - t0) / 1000 };
}

describe('vaekit train checks --out before training', () => {
  test('a folder that cannot be made (/proc/x, refused even to root) exits 1 in seconds, saying it is not writable', () => {
    const r = train('/proc/vaekit-no/run');
    assert.notEqual(r.signal, 'SIGKILL', `still running after ${LIMIT_MS / 1000} s (spinning in mkdir?)`);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.lines.length, 1, r.stderr);
    assert.match(r.lines[0], /^vaekit: --out \/proc\/vaekit-no\/run: not writable: cannot create the folder \/proc\/vaekit-no \(ENOENT\)$/);
  });

  test('a folder in a read-only place (/sys, refused even to root) says it is not writable', () => {
    const r = train('/sys/vaekit-run');
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.lines.length, 1, r.stderr);
    assert.match(r.lines[0], /^vaekit: --out \/sys\/vaekit-run: not writable: cannot create the folder \/sys\/vaekit-run \((EPERM|EACCES|EROFS)\)$/);
  });

  test('a file as --out says it is a file, and leaves it alone', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'keep');
    const r = train(file);
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(r.lines, [`vaekit: --out ${file}: it is a file, not a folder; name a folder for the run`]);
    assert.ok(existsSync(file));
  });

  test('a file above --out is named; a linear model is checked the same way', () => {
    const file = join(root, 'above');
    writeFileSync(file, 'keep');
    const out = join(file, 'run');
    const r = train(out, ['train', '--data', 'mnist', '--limit', '600', '--model', 'pca', '--latent', '2', '--out', out]);
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(r.lines, [`vaekit: --out ${out}: ${file} is a file, not a folder; name a folder for the run`]);
  });
});
