/**
 * `vaekit train … | head -1`: a reader that goes away must neither stop training nor print a stack
 * (it died with EPIPE, exit 7 and a stack). The child's stdout pipe is closed before it writes
 * anything, so every write it makes meets EPIPE.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const sourceMain = join(repo, 'src', 'cli', 'main.ts');
const root = mkdtempSync(join(tmpdir(), 'vaekit-epipe-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('train with its stdout closed early finishes every epoch and exits 0 without a stack', { timeout: 120_000 }, async () => {
  const out = join(root, 'run');
  const args = ['train', '--data', 'mnist', '--limit', '600', '--val', '100', '--epochs', '3', '--hidden', '8', '--latent', '2', '--out', out];
  const child = spawn(process.execPath, ['--import', 'tsx', sourceMain, ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (stderr += s));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  assert.equal(signal, null, stderr);
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|\n\s+at /, stderr);
  const epochs = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
  assert.equal(epochs.length, 3, 'three epochs in metrics.jsonl');
});
