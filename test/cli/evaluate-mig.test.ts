/**
 * `vaekit evaluate` on a run trained on dsprites reports the mutual information gap: a line with MIG
 * and each factor's gap, and `mig` in evaluation.json. A tiny run: 200 generated examples per split
 * (`--limit 200`, so only those are drawn), MLP 4096-16-4, one epoch.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Evaluation } from '../../src/node/runs/results.js';
import { runCli } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-evaluate-mig-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('evaluate on a dsprites run prints MIG and its per-factor gaps and writes them to evaluation.json', async () => {
  const run = join(root, 'dsprites');
  const t = await runCli([
    'train',
    '--data',
    'dsprites',
    '--limit',
    '200',
    '--epochs',
    '1',
    '--hidden',
    '16',
    '--latent',
    '4',
    '--out',
    run,
    '--backend',
    'wasm',
  ]);
  assert.equal(t.code, 0, t.err.join('\n'));
  assert.match(t.err.join('\n'), /dsprites: 200 train, 200 test; 4096 features \[64, 64, 1\]; 3 classes \(square, ellipse, heart\)/);
  const r = await runCli(['evaluate', run, '--samples', '0', '--backend', 'wasm']);
  assert.equal(r.code, 0, r.err.join('\n'));
  const line = r.out.find((l) => l.startsWith('MIG: '));
  assert.ok(line, r.out.join('\n'));
  assert.match(
    line,
    /^MIG: \d\.\d{3} ± \d\.\d{3} \(mutual information gap, Chen et al\. 2018; S = 200\); per factor: shape \d\.\d{3} \(z\d\), scale .*, orientation .*, posX .*, posY \d\.\d{3} \(z\d\)$/,
  );
  const e = JSON.parse(readFileSync(join(run, 'evaluation.json'), 'utf8')) as Evaluation;
  const m = e.mig!;
  assert.deepEqual(m.factors, ['shape', 'scale', 'orientation', 'posX', 'posY']);
  assert.equal(m.gaps.length, 5);
  assert.equal(m.mutualInformation.length, 4);
  assert.ok(m.mutualInformation.every((row) => row.length === 5 && row.every((v) => v >= 0 && Number.isFinite(v))));
  assert.ok(m.value >= 0 && m.value <= 1);
  assert.ok(Math.abs(m.value - m.gaps.reduce((a, b) => a + b, 0) / 5) < 1e-12);
  assert.equal(m.numSamples, 200);
});
