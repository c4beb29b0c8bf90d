/**
 * Run folders written by vaekit 0.1.0 (test/fixtures/runs-v0.1, made as test/fixtures/README.md
 * says) still open: `info`, `evaluate`, `score`, `sample` and `train --resume` on a copy of each give
 * what release 0.1.0 gave (test/fixtures/runs-v0.1-expected.json), on the cpu backend.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../cli/cli-helpers.js';

const FIXTURES = new URL('../fixtures/runs-v0.1/', import.meta.url).pathname;
const expected = JSON.parse(readFileSync(new URL('../fixtures/runs-v0.1-expected.json', import.meta.url), 'utf8'));
const root = mkdtempSync(join(tmpdir(), 'vaekit-v0.1-runs-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A fresh copy of a fixture run, so nothing the commands write reaches the fixture. */
function copyOf(run: string, tag: string): string {
  const dir = join(root, `${run}-${tag}`);
  cpSync(join(FIXTURES, run), dir, { recursive: true });
  return dir;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
/** A metrics row less its timings and what 0.1 did not record (terms, version; the per-dimension KL, active units, log-likelihood of version 3). */
const withoutTimings = (m: Record<string, unknown>) => {
  const { seconds: _s, examplesPerSecond: _e, evalSeconds: _v, terms: _t, version: _n, klPerDimension: _k, activeUnits: _a, logLikelihood: _l, ...rest } = m;
  return rest;
};

/** deepEqual, but numbers within 1e-6 relative (0.1.0 summed the estimate in float32, today in float64). */
function assertClose(actual: unknown, expected: unknown, where: string): void {
  if (typeof actual === 'number' && typeof expected === 'number') {
    assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${where}: ${actual} ≠ ${expected}`);
  } else if (actual !== null && expected !== null && typeof actual === 'object' && typeof expected === 'object') {
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), where);
    for (const k of Object.keys(expected)) assertClose((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${where}.${k}`);
  } else assert.deepEqual(actual, expected, where);
}

for (const run of ['mnist-vae', 'boston-vae', 'boston-fa', 'mnist-pca']) {
  const want = expected[run];
  describe(`a ${run} run folder written by vaekit 0.1.0`, () => {
    test('info describes it', async () => {
      const r = await runCli(['info', copyOf(run, 'info')]);
      assert.equal(r.code, 0, r.err.join('\n'));
      const text = r.out.join('\n');
      for (const line of want.info.out as string[]) {
        // The facts of each line, not its layout: every number in it appears in today's description.
        for (const n of line.replace(/<ROOT>\S*/g, '').match(/-?\d+(\.\d+)?/g) ?? []) assert.ok(text.includes(n), `info lacks ${n} (from '${line}'):\n${text}`);
      }
    });

    test('evaluate gives the same evaluation.json', async () => {
      const dir = copyOf(run, 'evaluate');
      const r = await runCli(['evaluate', dir, '--samples', '20', '--backend', 'cpu', '--threads', '1']);
      assert.equal(r.code, 0, r.err.join('\n'));
      const e = JSON.parse(readFileSync(join(dir, 'evaluation.json'), 'utf8'));
      const w = want.evaluate.json;
      // The same figures up to the last bits: since 0.1.0 the estimate's log-sum-exp is summed in float64.
      for (const k of ['model', 'split', 'numExamples', 'dataDim', 'logLikelihood', 'bitsPerDim', 'elbo', 'reconstructionError']) assertClose(e[k], w[k], k);
      if (w.logLikelihoodEstimate) {
        const { seconds: _s, ...est } = e.logLikelihoodEstimate;
        assertClose(est, w.logLikelihoodEstimate, 'logLikelihoodEstimate');
      } else assert.equal(e.logLikelihoodEstimate, null);
    });

    test('score writes the same scores', async () => {
      const dir = copyOf(run, 'score');
      const r = await runCli(['score', dir, '--backend', 'cpu']);
      assert.equal(r.code, 0, r.err.join('\n'));
      assert.equal(readFileSync(join(dir, 'scores-test.csv'), 'utf8'), want.score.csv);
    });

    test('sample writes the same samples', async () => {
      const dir = copyOf(run, 'sample');
      const r = await runCli(['sample', dir, '--n', '4', '--seed', '2', '--backend', 'cpu']);
      assert.equal(r.code, 0, r.err.join('\n'));
      const files = readdirSync(dir).filter((f) => f.startsWith('samples-2'));
      assert.deepEqual(files.sort(), Object.keys(want.sample.files).sort());
      for (const f of files) assert.equal(f.endsWith('.csv') ? readFileSync(join(dir, f), 'utf8') : sha256(join(dir, f)), want.sample.files[f], f);
    });

    if (want.resume) {
      test('train --resume continues it to the metrics release 0.1.0 reached', async () => {
        const dir = copyOf(run, 'resume');
        const r = await runCli(['train', '--out', dir, '--resume', '--epochs', '3', '--backend', 'cpu']);
        assert.equal(r.code, 0, r.err.join('\n'));
        const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => withoutTimings(JSON.parse(l)));
        assert.deepEqual(metrics, want.resume.metrics);
      });
    }
  });
}
