/**
 * Time series on the command line, in process: a recurrent VAE trained on `--data us-births` with a
 * small --limit, then `score` (per window and per day, the last point's score, with the day's date),
 * `calibrate`, the holiday labels' ROC-AUC, `reconstruct`, `info`; a CSV series with --time-column;
 * and the one-line errors (duplicate dates, a window on a table, an rnn on a table).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { scoreExamples } from '../../src/evaluation/anomaly-scores.js';
import { rocAuc } from '../../src/evaluation/roc.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { fsModelStore } from '../../src/node/formats/model-store.js';
import { readRunConfig } from '../../src/node/runs/config.js';
import { loadRunSplit } from '../../src/node/runs/run-data.js';
import { errorLines, runCli } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-series-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
function readCsv(path: string): { header: string[]; rows: string[][] } {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  return { header: header.split(','), rows: lines.map((l) => l.split(',')) };
}
const DAY = 86_400_000;
const dayAfter = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);

function assertOneLineError(r: { code: number; err: string[] }, pattern: RegExp): void {
  assert.notEqual(r.code, 0);
  const lines = errorLines(r.err).filter((l) => !l.startsWith('note: '));
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0], pattern);
}

describe('a recurrent VAE on us-births', () => {
  const run = join(root, 'births');
  const W = 7;
  const LIMIT = 200; // the first 200 windows of each split: 1969-01-07 … 1969-07-25 in 'all', holding Memorial Day and July 4

  before(async () => {
    const r = await runCli([
      'train',
      ...['--data', 'us-births', '--arch', 'rnn', '--cell', 'gru', '--hidden', '4', '--window', String(W), '--stride', '2'],
      ...['--limit', String(LIMIT), '--epochs', '2', '--batch-size', '32', '--out', run, '--backend', 'wasm'],
    ]);
    assert.equal(r.code, 0, r.err.join('\n'));
  });

  test('config.json records the series: window, stride, example shape [W, 1], the rnn, the windowed standardisation', async () => {
    const c = readJson(join(run, 'config.json'));
    assert.deepEqual([c.data.window, c.data.stride, c.data.exampleShape], [W, 2, [W, 1]]);
    assert.deepEqual(c.model.encoder, { kind: 'rnn', cell: 'gru', hidden: [4], activation: 'tanh' });
    assert.deepEqual(c.model.likelihood.kind, 'gaussian');
    assert.equal(c.model.latentDim, 4, 'the series default');
    assert.deepEqual(c.data.standardization.columns, ['births[t-6]', 'births[t-5]', 'births[t-4]', 'births[t-3]', 'births[t-2]', 'births[t-1]', 'births[t]']);
    assert.equal(c.data.standardization.numExamples, 5844, 'fitted on the 5844 days before 1985-01-01, the training part');
    const resolved = await readRunConfig(run);
    assert.equal(resolved.data.window, W, 'the run reads back as a series');
  });

  test('score writes one score per test window with the date of its last day, equal to the library’s', async () => {
    const r = await runCli(['score', run]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const { header, rows } = readCsv(join(run, 'scores-test.csv'));
    assert.deepEqual(header, ['index', 'step', 'time', 'label', 'negElbo']);
    assert.equal(rows.length, LIMIT);
    // The test part starts on 1985-01-01 (step 5844); its first window ends W − 1 days later, then one per day.
    rows.forEach((row, i) => {
      assert.equal(Number(row[1]), 5844 + W - 1 + i);
      assert.equal(row[2], dayAfter('1985-01-01', W - 1 + i));
    });
    await useBackend('wasm');
    const cfg = await readRunConfig(run);
    const { ds } = loadRunSplit(cfg, 'test');
    const vae = await VAE.load(join(run, 'model'), fsModelStore);
    try {
      const expected = await scoreExamples(vae, ds, { score: 'negelbo' });
      assert.deepEqual(
        rows.map((row) => Number(row[4])),
        Array.from(expected),
      );
    } finally {
      vae.dispose();
    }
  });

  test('the last point’s score of every day of the whole series, and the holidays’ ROC-AUC from the labels', async () => {
    const r = await runCli(['score', run, '--split', 'all', '--score', 'recon-prob-last', '--anomaly-labels', '1']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const { header, rows } = readCsv(join(run, 'scores-all.csv'));
    assert.deepEqual(header, ['index', 'step', 'time', 'label', 'reconProbLast']);
    assert.deepEqual([rows[0][2], rows.at(-1)![2]], ['1969-01-07', dayAfter('1969-01-07', LIMIT - 1)]);
    const holidays = rows.filter((row) => row[3] === '1').map((row) => row[2]);
    assert.deepEqual(holidays, ['1969-05-30', '1969-07-04']);
    const metrics = readJson(join(run, 'scores-all-metrics.json'));
    const scores = rows.map((row) => Number(row[4]));
    assert.equal(
      metrics.rocAuc,
      rocAuc(
        scores,
        rows.map((row) => Number(row[3])),
      ),
    );
    assert.equal(metrics.numAnomalous, 2);
  });

  test('calibrate on the last point’s score, then score flags days with it', async () => {
    const c = await runCli(['calibrate', run, '--contamination', '0.05', '--score', 'recon-error-last']);
    assert.equal(c.code, 0, c.err.join('\n'));
    const r = await runCli(['score', run]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const { header, rows } = readCsv(join(run, 'scores-test.csv'));
    assert.deepEqual(header, ['index', 'step', 'time', 'label', 'squaredErrorLast', 'isAnomaly', 'pValue']);
    assert.equal(rows.length, LIMIT);
  });

  test('reconstruct writes windows in births per day under step names; info names the recurrent network; report shows the CSV outputs', async () => {
    const r = await runCli(['reconstruct', run]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const { header, rows } = readCsv(join(run, 'reconstructions-test.csv'));
    assert.deepEqual(header.slice(0, 3), ['index', 'what', 'births[t-6]']);
    assert.equal(header.at(-1), 'births[t]');
    assert.ok(Number(rows[0][2]) > 5000, 'raw units: births per day');
    const info = await runCli(['info', run]);
    assert.match(info.out.join('\n'), /recurrent GRU \[4\] over the window's steps/);
    const report = await runCli(['report', run]);
    assert.equal(report.code, 0, report.err.join('\n'));
    assert.doesNotMatch(report.err.join('\n'), /no reconstructions\.(png|csv)/, 'a series run reports its CSV outputs');
  });
});

describe('CSV series and errors', () => {
  test('a CSV file with --time-column trains a recurrent VAE, and scores carry its dates', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => `${dayAfter('2021-03-01', i)},${(Math.sin(i / 3) + 2).toFixed(4)},${(i % 5) / 5}`);
    const file = join(root, 'sensor.csv');
    writeFileSync(file, `date,level,flow\n${rows.join('\n')}\n`);
    const out = join(root, 'sensor');
    const r = await runCli([
      'train',
      '--data',
      file,
      '--time-column',
      'date',
      '--window',
      '5',
      '--arch',
      'rnn',
      '--cell',
      'lstm',
      '--hidden',
      '3',
      '--epochs',
      '1',
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.match(r.err.join('\n'), /a series of 60 steps × 2 features, 2021-03-01 to 2021-04-29, split by time at 2021-04-18/);
    const s = await runCli(['score', out]);
    assert.equal(s.code, 0, s.err.join('\n'));
    const { rows: scored } = readCsv(join(out, 'scores-test.csv'));
    assert.deepEqual(
      scored.map((row) => row[2]),
      Array.from({ length: 8 }, (_, i) => dayAfter('2021-04-22', i)),
    );
  });

  test('duplicate dates, a window on a table and an rnn on a table: one line each, naming lines and flags', async () => {
    const file = join(root, 'dup.csv');
    writeFileSync(file, 'date,x\n2021-01-01,1\n2021-01-02,2\n2021-01-02,3\n2021-01-03,4\n');
    assertOneLineError(
      await runCli(['train', '--data', file, '--time-column', 'date', '--window', '2', '--out', join(root, 'dup')]),
      /dup\.csv: lines 3 and 4: duplicate time '2021-01-02'/,
    );
    assertOneLineError(await runCli(['train', '--data', 'boston', '--window', '7', '--out', join(root, 'b1')]), /--window: applies to time series/);
    assertOneLineError(
      await runCli(['train', '--data', 'boston', '--arch', 'rnn', '--out', join(root, 'b2')]),
      /--arch rnn: a recurrent network reads windows of a time series/,
    );
    assertOneLineError(
      await runCli(['train', '--data', 'us-births', '--cell', 'rnn', '--out', join(root, 'b3')]),
      /--cell: expected one of gru, lstm, got 'rnn'/,
    );
    assertOneLineError(
      await runCli(['train', '--data', 'us-births', '--arch', 'rnn', '--condition', 'label', '--out', join(root, 'b4')]),
      /--condition label: a series' labels mark anomalies .* conditioning on them would hand the model the answer/,
    );
    assertOneLineError(
      await runCli(['train', '--data', 'us-births', '--condition-columns', 'births', '--out', join(root, 'b5')]),
      /--condition-columns: condition columns apply to tables; us-births holds a series$/,
    );
  });
});
