/**
 * The explorer's data of a run (src/node/runs/explorer.ts) and what of the run the site holds
 * (servedRunEntries): the first N test examples as float32 in the model's units, byte for byte the
 * run's own loading of its test split; the scores file only when it scores those examples; a bare
 * model folder (as the page's download unzips to) explorable too.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { float32Matrix, parseExplorerManifest } from '../../src/io/explorer-data.js';
import { writeExplorerData } from '../../src/node/runs/explorer.js';
import { readRun } from '../../src/node/runs/kinds.js';
import { loadRunSplit } from '../../src/node/runs/run-data.js';
import { servedRunEntries } from '../../src/node/serve/explorer-site.js';
import { runCli } from '../cli/cli-helpers.js';
import { trainTinyRun } from './serve-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-explorer-data-'));
const run = join(root, 'run');
before(async () => {
  await trainTinyRun(run);
  const scored = await runCli(['score', run]);
  assert.equal(scored.code, 0, scored.err.join('\n'));
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('writeExplorerData', () => {
  test("writes the first N test examples as the run loads them, their labels, and lists the run's files", async () => {
    const manifest = await writeExplorerData(run, { numExamples: 30 });
    assert.deepEqual(parseExplorerManifest(JSON.parse(readFileSync(join(run, 'explorer', 'explorer.json'), 'utf8')), 'explorer.json'), manifest);
    const { ds } = loadRunSplit((await readRun(run)).config, 'test', undefined, 30);
    const bytes = readFileSync(join(run, 'explorer', 'examples.bin'));
    const x = float32Matrix(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), 30, 784, 'examples.bin');
    assert.deepEqual(x, ds.x.subarray(0, 30 * 784));
    assert.deepEqual(manifest.labels, Array.from(ds.labels!));
    assert.deepEqual([manifest.dataKind, manifest.exampleShape, manifest.scale, manifest.conditions], ['image', [28, 28, 1], 255, null]);
    assert.equal(manifest.files.model, 'model');
    assert.equal(manifest.files.scores, 'scores-test.csv');
    assert.equal(manifest.files.metrics, 'metrics.jsonl');
    assert.deepEqual(
      servedRunEntries(run, manifest),
      [
        ...new Set(['config.json', 'explorer', 'loss-curve.svg', 'metrics.jsonl', 'model', ...manifest.files.figures, 'scores-test.csv', 'summary.json']),
      ].sort(),
    );
  });

  test('leaves out, with a warning, a scores-test.csv of other examples (vaekit score --data other writes the same name)', async () => {
    const copy = join(root, 'other-scores');
    cpSync(run, copy, { recursive: true });
    const lines = readFileSync(join(copy, 'scores-test.csv'), 'utf8').trim().split('\n');
    // Shift the labels by one row: the scores are of other examples.
    const cells = lines.slice(1).map((l) => l.split(','));
    const shifted = cells.map((c, i) => [c[0], cells[(i + 1) % cells.length][1], c[2]].join(','));
    writeFileSync(join(copy, 'scores-test.csv'), [lines[0], ...shifted].join('\n') + '\n');
    const warnings: string[] = [];
    const manifest = await writeExplorerData(copy, { numExamples: 30, onWarning: (m) => warnings.push(m) });
    assert.equal(manifest.files.scores, null);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /scores-test\.csv: not the scores of this run's test examples/);
  });

  test('explores a bare model folder: the model is the folder itself, served as its description and networks', async () => {
    const bare = join(root, 'bare');
    cpSync(join(run, 'model'), bare, { recursive: true });
    const manifest = await writeExplorerData(bare, { numExamples: 10 });
    assert.equal(manifest.files.model, '.');
    assert.equal(manifest.numExamples, 10);
    assert.deepEqual(servedRunEntries(bare, manifest), ['decoder', 'encoder', 'explorer', 'vaekit.json']);
  });
});
