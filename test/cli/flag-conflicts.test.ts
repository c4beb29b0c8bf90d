/**
 * `vaekit train` refuses what it used to accept silently (issue 13): a CSV file whose first line is
 * numbers, and --variance with the Bernoulli likelihood or ≤ 0. All fail before any data loads or
 * any run folder is made.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { errorLines, runCli } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-flag-conflicts-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('train on a CSV file whose first line is numbers exits 1 naming line 1 and asking for a header, with no run folder', async () => {
  const file = join(root, 'no-header.csv');
  writeFileSync(file, '1.5,2,3\n4,5,6\n7,8,9\n10,11,12\n');
  const out = join(root, 'never-header');
  const r = await runCli(['train', '--data', file, '--out', out, '--backend', 'cpu', '--epochs', '1']);
  assert.equal(r.code, 1);
  const lines = errorLines(r.err);
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0], /no-header\.csv: line 1: expected a header row of column names, got only numbers \(1\.5, 2, 3\); add a first line naming the columns/);
  assert.ok(!existsSync(out));
});

test('train --variance with the default (Bernoulli) likelihood on images exits 1 naming --variance and --likelihood gaussian', async () => {
  const out = join(root, 'never-variance');
  const r = await runCli(['train', '--data', 'mnist', '--variance', '0.5', '--limit', '100', '--val', '10', '--epochs', '1', '--out', out, '--backend', 'cpu']);
  assert.equal(r.code, 1);
  const lines = errorLines(r.err);
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0], /^vaekit: --variance 0\.5: a decoder variance σ² applies to Gaussian likelihoods .*not bernoulli; add --likelihood gaussian/);
  assert.ok(!existsSync(out));
});

test('train --variance -1 (or 0) is a usage error, exit 2, naming the flag', async () => {
  for (const v of ['-1', '0']) {
    const r = await runCli(['train', '--data', 'mnist', '--likelihood', 'gaussian', '--variance', v, '--out', join(root, 'never-neg'), '--backend', 'cpu']);
    assert.equal(r.code, 2, r.err.join('\n'));
    assert.match(errorLines(r.err)[0], new RegExp(`--variance: expected a positive number, 'learned' or 'learned-diag', got '${v}'`));
  }
});

test('an integer flag past 2^53 − 1 (rounded when parsed) is refused, exit 2', async () => {
  const r = await runCli(['train', '--data', 'mnist', '--epochs', '9007199254740993', '--out', join(root, 'never-huge'), '--backend', 'cpu']);
  assert.equal(r.code, 2);
  assert.match(errorLines(r.err).join('\n'), /--epochs: expected an integer ≥ 1, got '9007199254740993'/);
});

test('--native on with --backend cpu is refused (native kernels run on wasm), exit 1', async () => {
  const out = join(root, 'never-native');
  const r = await runCli(['train', '--data', 'mnist', '--native', 'on', '--backend', 'cpu', '--limit', '100', '--val', '10', '--epochs', '1', '--out', out]);
  assert.equal(r.code, 1);
  assert.match(errorLines(r.err).join('\n'), /--native on: native kernels run on the wasm backend, not --backend cpu/);
});

test('factor analysis on a two-column table with --latent 2 names --latent and the data dimension', async () => {
  const file = join(root, 'two.csv');
  writeFileSync(file, 'a,b\n' + Array.from({ length: 40 }, (_, i) => `${Math.sin(i)},${Math.cos(3 * i)}`).join('\n') + '\n');
  const r = await runCli(['train', '--model', 'fa', '--data', file, '--latent', '2', '--out', join(root, 'never-fa')]);
  assert.equal(r.code, 1);
  const lines = errorLines(r.err).filter((l) => l.startsWith('vaekit:'));
  assert.equal(lines.length, 1, r.err.join('\n'));
  assert.match(lines[0], /^vaekit: --latent 2: expected at most 1 \(fa on data of dimension D = 2\)/);
});
