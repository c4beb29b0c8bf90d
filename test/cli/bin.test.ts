/**
 * The CLI as a real process: the built bin (dist/cli/main.js, when `npm run build` has made it), and
 * Ctrl-C (SIGINT) during `vaekit train`, run from the sources through tsx.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { readCheckpoint } from '../../src/node/formats/checkpoint.js';
import { CONFIG_ECHO, tinyTrainArgs } from './cli-helpers.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repo, 'dist', 'cli', 'main.js');
const sourceMain = join(repo, 'src', 'cli', 'main.ts');
const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };

const root = mkdtempSync(join(tmpdir(), 'vaekit-bin-'));
after(() => rmSync(root, { recursive: true, force: true }));

const noBuild = !existsSync(bin) && 'dist/cli/main.js is not built (npm run build)';

/** A running `vaekit` process whose output is collected line by line. */
class Cli {
  readonly child: ChildProcess;
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: Array<() => void> = [];

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['--import', 'tsx', sourceMain, ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const [stream, lines] of [
      [this.child.stdout!, this.out],
      [this.child.stderr!, this.err],
    ] as const) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop()!;
        lines.push(...parts);
        this.waiters.forEach((w) => w());
      });
    }
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    this.exited.then(() => this.waiters.forEach((w) => w()));
  }

  /** Resolves with the first line of `stream` matching `re`; rejects on exit or after `ms`. */
  waitForLine(stream: 'out' | 'err', re: RegExp, ms: number): Promise<string> {
    return new Promise((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => finish(() => reject(new Error(`no line matching ${re} within ${ms} ms; stderr:\n${this.err.join('\n')}`))), ms);
      const finish = (f: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        f();
      };
      const check = () => {
        const hit = this[stream].find((l) => re.test(l));
        if (hit !== undefined) finish(() => resolve(hit));
        else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finish(() => reject(new Error(`exited before a line matching ${re}; stdout:\n${this.out.join('\n')}\nstderr:\n${this.err.join('\n')}`)));
        }
      };
      this.waiters.push(check);
      check();
    });
  }

  /** Waits for the exit, killing the process if it takes longer than `ms`. */
  async exit(ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** A tiny MNIST run of the first `limit` examples (100 held out for validation). */
const trainArgs = (out: string, limit: number, epochs: number, extra: string[] = []) => tinyTrainArgs(out, epochs, extra, limit);

describe('the built bin, dist/cli/main.js', () => {
  test('--version prints the version of package.json and exits 0', { skip: noBuild }, () => {
    const r = spawnSync(process.execPath, [bin, '--version'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${version}\n`);
  });

  test('train --data /nope exits 1 with one error line naming the path and no stack trace', { skip: noBuild }, () => {
    const r = spawnSync(process.execPath, [bin, 'train', '--data', '/nope'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stderr
      .trimEnd()
      .split('\n')
      .filter((l) => !CONFIG_ECHO.test(l));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^vaekit: --data \/nope: no such dataset, folder or file/);
    assert.equal(r.stdout, '');
    assert.deepEqual(
      readdirSync(root).filter((f) => f === 'runs'),
      [],
      'a run folder was created',
    );
  });
});

describe('vaekit train where OpenBLAS cannot be found (VAEKIT_OPENBLAS names a missing file)', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, VAEKIT_OPENBLAS: join(root, 'no-such-libopenblas.so') };
  delete env.VAEKIT_NATIVE; // CI's VAEKIT_NATIVE=on would turn the default 'auto' into 'on'

  test('trains with its matmuls on the addon’s own GEMM and says so, naming the missing OpenBLAS', { skip: noBuild }, () => {
    const out = join(root, 'no-openblas');
    const r = spawnSync(process.execPath, [bin, ...trainArgs(out, 300, 1)], { cwd: root, encoding: 'utf8', timeout: 120_000, env });
    assert.equal(r.status, 0, r.stderr);
    // With the addon built, every kernel stays native (matmuls on native/matmul.c); without it, everything is plain wasm.
    assert.match(
      r.stderr,
      /native kernels: (own GEMM \((avx512|avx2|portable) \d+x\d+, \d+ threads?; OpenBLAS not found at VAEKIT_OPENBLAS=[^)]*\) matmuls|off, plain wasm .*native addon is not built)/,
    );
    assert.ok(readdirSync(out).includes('model'), 'the run finished with a model');
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { testLoss: number });
    assert.ok(Number.isFinite(metrics[0].testLoss), `test −ELBO ${metrics[0].testLoss}`);
  });

  test('--native on trains on the own GEMM: OpenBLAS is not required', { skip: noBuild }, () => {
    const out = join(root, 'no-openblas-on');
    const r = spawnSync(process.execPath, [bin, ...trainArgs(out, 300, 1, ['--native', 'on'])], { cwd: root, encoding: 'utf8', timeout: 120_000, env });
    if (/native addon is not built/.test(r.stderr)) {
      // No addon at all: --native on is a one-line error naming what is missing.
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /^vaekit: native: the native kernels are not available \(.*addon is not built.*\).*--native off/m);
      return;
    }
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /native kernels: own GEMM \(/);
  });
});

describe('Ctrl-C during vaekit train (a real process, SIGINT)', () => {
  test('exits 130 with a readable checkpoint and a line telling the user to continue with --resume', async () => {
    const dir = join(root, 'interrupted');
    // 10 epochs of 2 900 examples: SIGINT lands in epoch 2, with ample margin before the run could end by itself.
    const cli = new Cli(trainArgs(dir, 3000, 10));
    try {
      await cli.waitForLine('out', /^epoch 1:/, 120_000);
      cli.child.kill('SIGINT');
      const { code } = await cli.exit(120_000);
      assert.equal(code, 130, `stdout:\n${cli.out.join('\n')}\nstderr:\n${cli.err.join('\n')}`);
    } finally {
      cli.kill();
    }
    assert.ok(
      cli.err.some((l) => /--resume/.test(l)),
      `no --resume hint on stderr:\n${cli.err.join('\n')}`,
    );
    const ckpt = await readCheckpoint(join(dir, 'checkpoint.vkc'));
    assert.ok(ckpt.state.epoch >= 1 && ckpt.state.epoch < 10, `checkpoint at epoch ${ckpt.state.epoch}`);
    assert.equal(ckpt.state.history.length, ckpt.state.epoch);
    const metricsLines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n');
    assert.ok(metricsLines.length >= ckpt.state.epoch, 'metrics.jsonl lags behind the checkpoint');
    assert.equal(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).interrupted, true);
  });

  test('a Ctrl-C in the middle of a long epoch stops after the current step and checkpoints mid-epoch', async () => {
    const dir = join(root, 'mid-epoch');
    // 9 900 examples in steps of 1: 9 900 steps, seconds of training in one epoch even with the native engine.
    const cli = new Cli(trainArgs(dir, 10000, 1, ['--batch-size', '1']));
    let sentAt: number | undefined;
    try {
      await cli.waitForLine('err', /^data: mnist:/, 120_000); // the last line before the first step
      await new Promise((r) => setTimeout(r, 300));
      sentAt = performance.now();
      cli.child.kill('SIGINT');
      const { code } = await cli.exit(120_000);
      assert.equal(code, 130, cli.err.join('\n'));
    } finally {
      cli.kill();
    }
    const ckpt = await readCheckpoint(join(dir, 'checkpoint.vkc'));
    assert.equal(ckpt.state.epoch, 0, `the epoch ran to its end (${((performance.now() - (sentAt ?? 0)) / 1000).toFixed(1)} s after SIGINT)`);
    assert.ok(ckpt.state.step > 0, 'no step was recorded');
  });

  test('one Ctrl-C relayed twice by a launcher (npx, tsx: two SIGINTs within a second) still saves the checkpoint', async () => {
    const dir = join(root, 'relayed');
    const cli = new Cli(trainArgs(dir, 10000, 1, ['--batch-size', '1']));
    try {
      await cli.waitForLine('err', /^data: mnist:/, 120_000);
      await new Promise((r) => setTimeout(r, 300));
      cli.child.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 20));
      cli.child.kill('SIGINT');
      const { code } = await cli.exit(120_000);
      assert.equal(code, 130, cli.err.join('\n'));
    } finally {
      cli.kill();
    }
    assert.ok(
      cli.err.some((l) => /^interrupted: checkpoint saved at epoch 1, step \d+; continue with --resume$/.test(l)),
      cli.err.join('\n'),
    );
    const ckpt = await readCheckpoint(join(dir, 'checkpoint.vkc'));
    assert.ok(ckpt.state.epoch === 0 && ckpt.state.step > 0, `checkpoint at epoch ${ckpt.state.epoch}, step ${ckpt.state.step}`);
  });
});
