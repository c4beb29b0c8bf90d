/**
 * Tables on the command line, in process: `--data boston` and `--data file.csv` for the linear
 * models and the VAE, then `evaluate`, `sample` and `score` in the run's standardised units, each
 * figure checked against the library computing it directly; CSV outputs instead of PNGs; and the
 * one-line errors of a malformed CSV file.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Standardizer } from '../../src/data/standardize.js';
import { evaluateElbo } from '../../src/evaluation/elbo-eval.js';
import { isDensityModel, linearModelFromJSON, type LinearModel } from '../../src/models/linear/index.js';
import { VAE } from '../../src/models/vae.js';
import { readCsvTable } from '../../src/node/formats/csv.js';
import { loadDataSource } from '../../src/node/datasets/data-source.js';
import { fsModelStore } from '../../src/node/formats/model-store.js';
import { assertAllClose } from '../helpers/assert.js';
import { errorLines, runCli } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-tables-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

const BOSTON_COLUMNS = 'crim,zn,indus,chas,nox,rm,age,dis,rad,tax,ptratio,b,lstat,medv';
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const loadModel = (run: string): LinearModel => linearModelFromJSON(readJson(join(run, 'model.json')));

/** A CSV file: header, then rows of numbers; returns the header and rows by hand-parsing. */
function readCsv(path: string): { header: string; rows: string[][] } {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  return { header, rows: lines.map((l) => l.split(',')) };
}

/** Runs `sample RUN --n N --seed S` on a table run; checks it wrote samples-S.csv and no PNG; returns that CSV. */
async function sampleCsv(run: string, n: number, seed: number): Promise<{ header: string; rows: string[][] }> {
  const r = await runCli(['sample', run, '--n', String(n), '--seed', String(seed)]);
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.equal(existsSync(join(run, `samples-${seed}.png`)), false);
  return readCsv(join(run, `samples-${seed}.csv`));
}

/**
 * 90 rows of three clusters in (a, b) with an integer label and a text column: cluster k sits at
 * (10k, −k) with a small deterministic wobble, so a 3-component mixture fits it well.
 */
function clustersCsv(n: number, extra = ''): string {
  const rows = Array.from({ length: n }, (_, i) => {
    const k = i % 3;
    const w = Math.sin(7 * i);
    return `${(10 * k + w).toFixed(4)},${(-k + 0.3 * Math.cos(5 * i)).toFixed(4)},${k},site${i}${extra}`;
  });
  return ['a,b,y,name', ...rows].join('\n') + '\n';
}

describe('vaekit train --model fa --data boston, then evaluate', () => {
  const run = join(root, 'boston-fa');
  before(async () => {
    const r = await runCli(['train', '--model', 'fa', '--data', 'boston', '--out', run]);
    assert.equal(r.code, 0, r.err.join('\n'));
  });

  test('config.json records the columns and the standardisation fitted on the 405 training rows', () => {
    const cfg = readJson(join(run, 'config.json'));
    assert.equal(cfg.data.source, 'boston');
    assert.equal(cfg.data.scale, 1);
    assert.equal(cfg.model.latentDim, 2);
    assert.deepEqual(cfg.data.exampleShape, [14]);
    assert.equal(cfg.data.columns.join(','), BOSTON_COLUMNS);
    const s = Standardizer.fromJSON(cfg.data.standardization);
    assert.equal(s.numExamples, 405);
    assert.deepEqual(s.toJSON(), loadDataSource('boston').standardizer!.toJSON());
    const m = readJson(join(run, 'metrics.json'));
    assert.deepEqual([m.numTrain, m.numTest], [405, 101]);
    assertAllClose(m.logJacobian, -Array.from(s.std).reduce((a, v) => a + Math.log(v), 0), { rtol: 1e-12 });
  });

  test('evaluate gives the exact, finite test log-likelihood the library computes on the standardised test split', async () => {
    const r = await runCli(['evaluate', run]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const e = readJson(join(run, 'evaluation.json'));
    assert.equal(e.model, 'fa');
    assert.equal(e.dataset, 'boston');
    assert.deepEqual([e.numExamples, e.dataDim], [101, 14]);
    assert.equal(e.logLikelihood.exact, true);
    assert.ok(Number.isFinite(e.logLikelihood.mean));
    const model = loadModel(run);
    assert.ok(isDensityModel(model));
    const expected = model.meanLogLikelihood(loadDataSource('boston').test);
    assertAllClose(e.logLikelihood.mean, expected, { rtol: 1e-9 });
    assertAllClose(readJson(join(run, 'metrics.json')).testLogLikelihood, expected, { rtol: 1e-9 });
    // standardised units: an FA fit beats the independent unit Gaussian, −½·14·(log 2π + 1) ≈ −19.87 nats on z
    assert.ok(expected > -19.87 && expected < 0, `test log-likelihood ${expected}`);
  });

  test('sample writes CSV in raw units under the column names, not a PNG', async () => {
    const { header, rows } = await sampleCsv(run, 200, 2);
    assert.equal(header, BOSTON_COLUMNS);
    assert.equal(rows.length, 200);
    // raw units: the sample mean of tax (raw mean ≈ 408, std ≈ 168) is near 408, not near 0
    const tax = rows.map((row) => Number(row[9]));
    const meanTax = tax.reduce((a, b) => a + b, 0) / tax.length;
    assert.ok(Math.abs(meanTax - 407.5) < (5 * 167.6) / Math.sqrt(200), `mean tax of the samples ${meanTax}`);
  });
});

describe('vaekit train --data boston (a VAE on a table)', () => {
  const run = join(root, 'boston-vae');
  let trained: Awaited<ReturnType<typeof runCli>>;
  before(async () => {
    trained = await runCli(['train', '--data', 'boston', '--epochs', '2', '--hidden', '16', '--out', run]);
  });

  test('defaults to a Gaussian decoder with learned variance, Z = 2, no validation split, and prints the units', () => {
    assert.equal(trained.code, 0, trained.err.join('\n'));
    const cfg = readJson(join(run, 'config.json'));
    assert.deepEqual(cfg.model.likelihood, { kind: 'gaussian', variance: 'learned' });
    assert.deepEqual([cfg.model.latentDim, cfg.data.val, cfg.data.scale], [2, 0, 1]);
    assert.equal(cfg.data.standardization.numExamples, 405);
    assert.match(trained.out.join('\n'), /units: −ELBO figures are nats per example of the standardised table/);
  });

  test('writes samples.csv and reconstructions.csv in raw units, and no PNG', () => {
    for (const f of ['samples.png', 'reconstructions.png']) assert.equal(existsSync(join(run, f)), false, `${f} written for a table`);
    const samples = readCsv(join(run, 'samples.csv'));
    assert.equal(samples.header, BOSTON_COLUMNS);
    assert.equal(samples.rows.length, 64);
    assert.ok(samples.rows.every((row) => row.length === 14 && row.every((v) => Number.isFinite(Number(v)))));
    const rec = readCsv(join(run, 'reconstructions.csv'));
    assert.equal(rec.header, `index,what,${BOSTON_COLUMNS}`);
    assert.equal(rec.rows.length, 64);
    // the data rows are the first 32 test rows, back in raw units
    const s = loadDataSource('boston');
    const raw = s.standardizer!.invert(s.test.x.subarray(0, 32 * 14));
    const dataRows = rec.rows.filter((row) => row[1] === 'data');
    assert.deepEqual(
      dataRows.map((row) => Number(row[0])),
      Array.from({ length: 32 }, (_, i) => i),
    );
    assertAllClose(
      dataRows.flatMap((row) => row.slice(2).map(Number)),
      Array.from(raw),
      { rtol: 1e-5, atol: 1e-5 },
    );
  });

  test('evaluate gives the test ELBO of the saved model on the standardised test split', async () => {
    const r = await runCli(['evaluate', run]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const e = readJson(join(run, 'evaluation.json'));
    assert.equal(e.model, 'vae');
    assert.equal(e.numExamples, 101);
    const vae = await VAE.load(join(run, 'model'), fsModelStore);
    try {
      const expected = -(await evaluateElbo(vae, loadDataSource('boston').test, { seed: 0 })).loss;
      assert.ok(Number.isFinite(expected));
      assertAllClose(e.elbo.mean, expected, { rtol: 1e-6 });
    } finally {
      vae.dispose();
    }
  });

  test('sample RUN writes CSV with the column names, not a PNG', async () => {
    const { header, rows } = await sampleCsv(run, 5, 4);
    assert.equal(header, BOSTON_COLUMNS);
    assert.equal(rows.length, 5);
  });

  test('--likelihood bernoulli on a table exits 1 saying to use the Gaussian', async () => {
    const r = await runCli(['train', '--data', 'boston', '--likelihood', 'bernoulli', '--epochs', '1', '--out', join(root, 'bern')]);
    assert.equal(r.code, 1);
    assert.match(errorLines(r.err).join('\n'), /--likelihood bernoulli: boston is a table, standardised .*use --likelihood gaussian/);
  });
});

describe('vaekit train --model gmm --data file.csv, and score RUN --data other.csv', () => {
  const csv = join(root, 'clusters.csv');
  const other = join(root, 'other.csv');
  const run = join(root, 'csv-gmm');
  before(async () => {
    writeFileSync(csv, clustersCsv(90));
    // other data: columns in another order, an extra column, and one far-off row (index 2)
    writeFileSync(other, 'name,b,y,a\nx,0.1,0,0.5\ny,-1.2,1,10.3\nz,40,2,-300\nw,-2,2,20\n');
    const r = await runCli(['train', '--model', 'gmm', '--data', csv, '--components', '3', '--label-column', 'y', '--out', run]);
    assert.equal(r.code, 0, r.err.join('\n'));
  });

  test('trains on the numeric columns but the label, leaving the text column out', () => {
    const cfg = readJson(join(run, 'config.json'));
    assert.deepEqual(cfg.data.columns, ['a', 'b']);
    assert.equal(cfg.data.labelColumn, 'y');
    const m = readJson(join(run, 'metrics.json'));
    assert.deepEqual([m.numTrain, m.numTest], [72, 18]);
    assert.ok(Number.isFinite(m.testLogLikelihood));
  });

  test('score --data other.csv --split all scores every row in file order with the run’s standardisation', async () => {
    const out = join(root, 'other-scores.csv');
    const r = await runCli(['score', run, '--data', other, '--split', 'all', '--out', out]);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.match(r.out.join('\n'), /highest: #2 /);
    const { header, rows } = readCsv(out);
    assert.equal(header, 'index,label,nll');
    assert.deepEqual(
      rows.map((row) => row.slice(0, 2).join(',')),
      ['0,0', '1,1', '2,2', '3,2'],
    );
    // the oracle: the run's standardisation applied to other.csv's columns a, b, read by hand
    const s = Standardizer.fromJSON(readJson(join(run, 'config.json')).data.standardization);
    const raw = readCsvTable(other, { columns: ['a', 'b'] }).data;
    const model = loadModel(run) as LinearModel & { logLikelihood(ds: unknown): Float64Array };
    const ll = model.logLikelihood(s.apply(raw));
    rows.forEach((row, i) => assertAllClose(Number(row[2]), -ll[i], { rtol: 1e-9 }));
    // not other.csv's own standardisation, which would put the far row near the others
    assert.ok(Number(rows[2][2]) > 100, `the far row scored ${rows[2][2]}`);
  });

  test('score --data new.csv without the run’s label column scores it unlabelled', async () => {
    const unlabelled = join(root, 'unlabelled.csv');
    writeFileSync(unlabelled, 'a,b\n0.5,0.1\n10.3,-1.2\n-300,40\n');
    const out = join(root, 'unlabelled-scores.csv');
    const r = await runCli(['score', run, '--data', unlabelled, '--split', 'all', '--out', out]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const { header, rows } = readCsv(out);
    assert.equal(header, 'index,label,nll');
    assert.deepEqual(
      rows.map((row) => row.slice(0, 2).join(',')),
      ['0,', '1,', '2,'],
    );
    // the same rows as other.csv's first three, so the same scores
    const labelled = readCsv(join(root, 'other-scores.csv')).rows;
    rows.forEach((row, i) => assertAllClose(Number(row[2]), Number(labelled[i][2]), { rtol: 1e-9 }));
    // the run's own data must still have it
    const cfg = readJson(join(run, 'config.json'));
    assert.throws(() => readCsvTable(unlabelled, { columns: cfg.data.columns, labelColumn: 'y' }), /label column 'y' not found/);
  });

  test('sample on the linear CSV run writes CSV under the column names', async () => {
    assert.equal((await sampleCsv(run, 3, 0)).header, 'a,b');
  });

  test('a malformed CSV file exits 1 with one line naming the file, line and column', async () => {
    const bad = join(root, 'bad.csv');
    writeFileSync(bad, clustersCsv(10).replace('\n20.', '\n2O.'));
    const text = readFileSync(bad, 'utf8');
    const line = text.split('\n').findIndex((l) => l.startsWith('2O.')) + 1;
    assert.ok(line > 1);
    const r = await runCli(['train', '--model', 'gmm', '--data', bad, '--label-column', 'y', '--out', join(root, 'bad-run')]);
    assert.equal(r.code, 1);
    const lines = errorLines(r.err);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], new RegExp(`^vaekit: ${bad.replace(/[.]/g, '\\.')}: line ${line}, column 1 \\('a'\\): expected a number, got '2O\\.`));
    assert.equal(existsSync(join(root, 'bad-run')), false);
  });
});
