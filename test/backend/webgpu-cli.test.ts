/**
 * `vaekit train --backend webgpu` without the optional webgpu package (or without a GPU): one line
 * saying what is missing and how to fix it, exit 1 (a runtime error, as for --backend tensorflow
 * without tfjs-node), no stack trace; and --native on with --backend webgpu refused like with cpu.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { errorLines, runCli } from '../cli/cli-helpers.js';
import { isDawnInstalled } from '../helpers/backends.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-webgpu-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

const trainArgs = (out: string, extra: string[]) => ['train', '--data', 'mnist', '--limit', '100', '--val', '10', '--epochs', '1', '--out', out, ...extra];

test(
  'train --backend webgpu without the webgpu package exits 1 with one line naming the package, the install and --backend wasm',
  { skip: isDawnInstalled ? 'the webgpu package is installed here' : false },
  async () => {
    const out = join(root, 'never-webgpu');
    const r = await runCli(trainArgs(out, ['--backend', 'webgpu']));
    assert.equal(r.code, 1);
    const lines = errorLines(r.err);
    assert.equal(lines.length, 1, r.err.join('\n'));
    assert.match(
      lines[0],
      /^vaekit: backend: 'webgpu' needs the optional package webgpu \(Dawn\), which is not installed; npm install webgpu@0\.6\.2, or use --backend wasm$/,
    );
    assert.ok(!r.err.some((l) => /^\s+at /.test(l)), 'a stack trace without --verbose');
    assert.ok(!existsSync(join(out, 'model')), 'no model was written');
  },
);

test('--native on with --backend webgpu is refused (native kernels run on wasm), exit 1', async () => {
  const r = await runCli(trainArgs(join(root, 'never-native'), ['--native', 'on', '--backend', 'webgpu']));
  assert.equal(r.code, 1);
  assert.match(errorLines(r.err).join('\n'), /--native on: native kernels run on the wasm backend, not --backend webgpu/);
});

test(
  '--backend auto trains on wasm here (no GPU) and the run config records wasm, the backend it ran on',
  { skip: isDawnInstalled ? 'the webgpu package is installed here' : false },
  async () => {
    const out = join(root, 'auto');
    const r = await runCli([...trainArgs(out, ['--backend', 'auto']), '--hidden', '8', '--latent', '2']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { compute: { backend: string } };
    assert.equal(config.compute.backend, 'wasm');
  },
);
