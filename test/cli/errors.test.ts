/**
 * How the CLI fails: usage errors exit 2 with one line naming the flag, runtime errors exit 1 with
 * one line naming the thing at fault, a stack trace only with --verbose. All in-process, no training.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { errorLines, runCli } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-cli-errors-'));
after(() => rmSync(root, { recursive: true, force: true }));

const STACK_LINE = /^\s+at /;

describe('vaekit runtime errors (exit 1)', () => {
  test('train --data /no/such/dir exits 1 with one line naming the path, and creates no run folder', async () => {
    const out = join(root, 'never');
    const r = await runCli(['train', '--data', '/no/such/dir', '--out', out, '--backend', 'cpu']);
    assert.equal(r.code, 1);
    assert.equal(r.err.filter((l) => l.trim() !== '').length, 1, `expected exactly one line on stderr, got:\n${r.err.join('\n')}`);
    const lines = errorLines(r.err);
    assert.equal(lines.length, 1, `expected one error line, got:\n${lines.join('\n')}`);
    assert.match(lines[0], /^vaekit: --data \/no\/such\/dir: no such dataset, folder or file/);
    assert.ok(!r.err.some((l) => STACK_LINE.test(l)), 'a stack trace without --verbose');
    assert.deepEqual(r.out, []);
    assert.ok(!existsSync(out), 'a run folder was created for a run that never started');
  });

  test('train --data on a folder without the MNIST files exits 1 naming the folder and the missing files', async () => {
    const dir = join(root, 'not-mnist');
    mkdirSync(dir);
    const r = await runCli(['train', '--data', dir, '--out', join(root, 'never2'), '--backend', 'cpu']);
    assert.equal(r.code, 1);
    const lines = errorLines(r.err);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.ok(lines[0].includes(dir), lines[0]);
    assert.match(lines[0], /missing train-images-idx3-ubyte/);
  });

  test('--verbose adds the stack trace to a runtime error', async () => {
    const r = await runCli(['train', '--data', '/no/such/dir', '--out', join(root, 'never3'), '--backend', 'cpu', '--verbose']);
    assert.equal(r.code, 1);
    assert.ok(
      r.err.some((l) => STACK_LINE.test(l)),
      `no stack trace in:\n${r.err.join('\n')}`,
    );
  });

  test('--val as large as the training set exits 1 naming --val and both numbers', async () => {
    const r = await runCli(['train', '--data', 'mnist', '--limit', '50', '--val', '50', '--out', join(root, 'never4'), '--backend', 'cpu']);
    assert.equal(r.code, 1);
    const lines = errorLines(r.err);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /--val: expected fewer validation examples than the 50 training examples, got 50/);
  });
});

describe('vaekit usage errors (exit 2)', () => {
  test('an unknown flag exits 2 with one line naming it', async () => {
    const r = await runCli(['train', '--bogus']);
    assert.equal(r.code, 2);
    assert.equal(r.err.length, 1, r.err.join('\n'));
    assert.match(r.err[0], /unknown option '--bogus'/);
  });

  const badValues: Array<[string[], RegExp]> = [
    [['train', '--epochs', 'abc'], /--epochs: expected an integer ≥ 1, got 'abc'/],
    [['train', '--epochs', '0'], /--epochs: expected an integer ≥ 1, got '0'/],
    [['train', '--batch-size', '1.5'], /--batch-size: expected an integer ≥ 1, got '1.5'/],
    [['train', '--hidden', '32,x'], /--hidden: expected positive integers separated by commas, got '32,x'/],
    [['train', '--lr', '0'], /--lr: expected a positive number, got '0'/],
    [['train', '--beta', 'nan'], /--beta: expected a number ≥ 0, got 'nan'/],
    [['train', '--backend', 'gpu'], /--backend: expected one of wasm, cpu, tensorflow, webgpu, auto, got 'gpu'/],
    [['train', '--likelihood', 'poisson'], /--likelihood: expected one of bernoulli, gaussian, mixed, got 'poisson'/],
    [
      ['train', '--likelihood', 'gaussian', '--variance', 'big', '--backend', 'cpu'],
      /--variance: expected a positive number, 'learned' or 'learned-diag', got 'big'/,
    ],
    [['sample', 'RUN', '--n', '0'], /--n: expected an integer ≥ 1, got '0'/],
    [['sample', 'RUN', '--temperature', '-1'], /--temperature: expected a positive number, got '-1'/],
  ];
  for (const [argv, message] of badValues) {
    test(`${argv.join(' ')} exits 2 with one line naming the flag and the value`, async () => {
      const r = await runCli(argv);
      assert.equal(r.code, 2, r.err.join('\n'));
      assert.equal(r.err.length, 1, r.err.join('\n'));
      assert.match(r.err[0], message);
    });
  }

  test('a command without its RUN argument, or an unknown command, exits 2 with one line', async () => {
    for (const argv of [['sample'], ['info'], ['explode']]) {
      const r = await runCli(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err.join('\n')}`);
      assert.equal(r.err.length, 1, `${argv.join(' ')}: ${r.err.join('\n')}`);
      assert.match(r.err[0], /^error: /);
    }
  });

  test('a --config file with an unknown key or broken JSON exits 2 naming the file and the problem', async () => {
    const unknown = join(root, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ epochs: 1, latentDim: 3 }));
    const r1 = await runCli(['train', '--config', unknown, '--backend', 'cpu']);
    assert.equal(r1.code, 2);
    assert.deepEqual(r1.err, [`vaekit: --config ${unknown}: unknown option 'latentDim'`]);
    const broken = join(root, 'broken.json');
    writeFileSync(broken, '{ "epochs": ');
    const r2 = await runCli(['train', '--config', broken, '--backend', 'cpu']);
    assert.equal(r2.code, 2);
    assert.equal(r2.err.length, 1, r2.err.join('\n'));
    assert.ok(r2.err[0].startsWith(`vaekit: --config ${broken}: `), r2.err[0]);
  });
});

describe('vaekit --version and --help (exit 0)', () => {
  test('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    assert.equal(r.code, 0);
    assert.deepEqual(r.out, [version]);
  });

  test('train --help lists --resume and --force and exits 0', async () => {
    const r = await runCli(['train', '--help']);
    assert.equal(r.code, 0);
    const text = r.out.join('\n');
    assert.match(text, /--resume/);
    assert.match(text, /--force/);
  });
});
