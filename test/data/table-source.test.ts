/**
 * Tables as data sources: the built-in Boston house prices (506 × 14), the fixed seeded train/test
 * split, standardisation with statistics of the training split only, a run's recorded
 * standardisation applied to other data, and splitTrainTest / concatDatasets themselves.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { concatDatasets, makeDataset, splitTrainTest } from '../../src/data/dataset.js';
import { Standardizer } from '../../src/data/standardize.js';
import { ConfigError, DataError } from '../../src/errors.js';
import { bostonCsvPath, loadBostonTable } from '../../src/node/datasets/boston.js';
import { dataKindOf, loadDataSource, splitOf, TABLE_SPLIT } from '../../src/node/datasets/data-source.js';
import { loadRunSplit } from '../../src/node/runs/run-data.js';
import { resolveRunConfig } from '../../src/node/runs/config.js';
import { assertAllClose } from '../helpers/assert.js';

const dir = mkdtempSync(join(tmpdir(), 'vaekit-table-source-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const BOSTON_COLUMNS = ['crim', 'zn', 'indus', 'chas', 'nox', 'rm', 'age', 'dis', 'rad', 'tax', 'ptratio', 'b', 'lstat', 'medv'];

/** Rows of the package's CSV file parsed by hand (split on commas), a float64 oracle. */
function bostonRowsByHand(): number[][] {
  const [, ...lines] = readFileSync(bostonCsvPath(), 'utf8').trim().split(/\r?\n/);
  return lines.map((l) => l.split(',').map(Number));
}

describe('--data boston', () => {
  test('is the 506 × 14 Harrison–Rubinfeld table, every column a feature, in file order', () => {
    const t = loadBostonTable();
    assert.deepEqual(t.data.columns, BOSTON_COLUMNS);
    assert.deepEqual([t.data.numExamples, t.data.dataDim], [506, 14]);
    assert.equal(t.data.source, 'boston');
    // first row of Harrison & Rubinfeld's table: crim 0.00632, zn 18, …, medv 24
    assertAllClose(Array.from(t.data.x.subarray(0, 14)), [0.00632, 18, 2.31, 0, 0.538, 6.575, 65.2, 4.09, 1, 296, 15.3, 396.9, 4.98, 24], { rtol: 1e-6 });
    assertAllClose(t.data.x, bostonRowsByHand().flat(), { rtol: 1e-6 });
  });

  test('splits 405 train / 101 test the same way every time, independent of any run seed', () => {
    const a = loadDataSource('boston');
    const b = loadDataSource('boston');
    assert.equal(a.kind, 'table');
    assert.deepEqual([a.train.numExamples, a.test.numExamples], [405, 101]);
    assert.equal(101, Math.round(TABLE_SPLIT.testFraction * 506));
    assert.deepEqual(a.train.x, b.train.x);
    assert.deepEqual(a.test.x, b.test.x);
    assert.deepEqual(a.standardizer!.toJSON(), b.standardizer!.toJSON());
  });

  test('train and test together are every row once, each in file order, and `all` is the whole table in file order', () => {
    const loaded = loadDataSource('boston');
    const s = loaded.standardizer!;
    const byHand = bostonRowsByHand();
    const train = s.invert(loaded.train.x); // [405, 14] raw units
    const test = s.invert(loaded.test.x); // [101, 14]
    // float32 round trip: within 1e-5 of the value (relative) or absolute
    const same = (x: Float64Array, i: number, row: number[]) => row.every((v, j) => Math.abs(x[i * 14 + j] - v) <= 1e-5 * Math.max(1, Math.abs(v)));
    let i = 0;
    let k = 0;
    for (const [n, row] of byHand.entries()) {
      if (i < 405 && same(train, i, row)) i++;
      else if (k < 101 && same(test, k, row)) k++;
      else assert.fail(`row ${n} of the file is neither the next training row nor the next test row`);
    }
    assert.deepEqual([i, k], [405, 101]);
    assertAllClose(s.invert(splitOf(loaded, 'all').x), byHand.flat(), { rtol: 1e-5, atol: 1e-5 });
  });

  test('is standardised with the mean and std of the training split only', () => {
    const loaded = loadDataSource('boston');
    const s = loaded.standardizer!;
    const trainRaw = s.invert(loaded.train.x); // [405, 14] raw units
    const all = bostonRowsByHand();
    for (let j = 0; j < 14; j++) {
      const v = Array.from({ length: 405 }, (_, i) => trainRaw[i * 14 + j]);
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
      assertAllClose(s.mean[j], m, { rtol: 1e-6, atol: 1e-9 });
      assertAllClose(s.std[j], sd, { rtol: 1e-5 });
      const mAll = all.reduce((a, r) => a + r[j], 0) / all.length;
      assert.notEqual(s.mean[j].toPrecision(6), mAll.toPrecision(6), `column ${BOSTON_COLUMNS[j]}: the mean of all 506 rows, not of the training split`);
    }
    // z of the training split: mean 0, std 1 per column; of the test split, not exactly
    const zMean = (ds: typeof loaded.train, j: number) =>
      Array.from({ length: ds.numExamples }, (_, i) => ds.x[i * 14 + j]).reduce((a, b) => a + b, 0) / ds.numExamples;
    for (let j = 0; j < 14; j++) assertAllClose(zMean(loaded.train, j), 0, { atol: 1e-6 });
    assert.ok(Array.from({ length: 14 }, (_, j) => Math.abs(zMean(loaded.test, j))).some((v) => v > 0.05));
  });

  test('selects columns by name and keeps an integer column as labels', () => {
    const loaded = loadDataSource('boston', { columns: ['rm', 'medv'], labelColumn: 'chas' });
    assert.deepEqual(loaded.train.columns, ['rm', 'medv']);
    assert.equal(loaded.train.dataDim, 2);
    assert.ok(loaded.train.labels!.every((v) => v === 0 || v === 1));
    assert.equal(loaded.train.labels!.reduce((a, b) => a + b, 0) + loaded.test.labels!.reduce((a, b) => a + b, 0), 35);
  });
});

describe('a CSV file as a data source', () => {
  const path = join(dir, 'points.csv');
  const other = join(dir, 'other.csv');
  // 20 rows; y is 10× the row number, so every row is told apart by y
  writeFileSync(path, 'x,y\n' + Array.from({ length: 20 }, (_, i) => `${(i % 4) - 1.5},${10 * i}`).join('\n') + '\n');
  writeFileSync(other, 'y,x,note\n1000,0,far\n0,0,near\n');

  test('is a table by its kind, split 16 / 4, and standardised on its 16 training rows', () => {
    assert.equal(dataKindOf(path), 'table');
    assert.equal(dataKindOf(dir), 'image');
    assert.equal(dataKindOf('mnist'), 'image');
    assert.equal(dataKindOf('boston'), 'table');
    const loaded = loadDataSource(path);
    assert.deepEqual([loaded.train.numExamples, loaded.test.numExamples], [16, 4]);
    const ys = Array.from(
      loaded.standardizer!.invert(loaded.train.x).filter((_, i) => i % 2 === 1),
      (v) => Math.round(v),
    );
    assertAllClose(loaded.standardizer!.mean[1], ys.reduce((a, b) => a + b, 0) / 16, { rtol: 1e-9 });
  });

  test("a run's recorded standardisation is applied to other data, whose columns are found by name", () => {
    const loaded = loadDataSource(path);
    const cfg = resolveRunConfig({ data: { source: path, scale: 1, columns: ['x', 'y'], standardization: loaded.standardizer!.toJSON() } });
    const { ds } = loadRunSplit(cfg, 'all', other);
    assert.deepEqual(ds.columns, ['x', 'y']);
    const s = loaded.standardizer!;
    assertAllClose(Array.from(ds.x), [(0 - s.mean[0]) / s.std[0], (1000 - s.mean[1]) / s.std[1], (0 - s.mean[0]) / s.std[0], (0 - s.mean[1]) / s.std[1]], {
      rtol: 1e-6,
    });
    assert.throws(
      () => loadRunSplit({ ...cfg, data: { ...cfg.data, columns: ['x', 'z'] } }, 'test', other),
      (e: unknown) => e instanceof DataError && /column 'z' not found/.test(e.message),
    );
  });

  test('table options on image data are a ConfigError', () => {
    assert.throws(() => loadDataSource('mnist', { columns: ['a'] }), ConfigError);
  });
});

describe('splitTrainTest and concatDatasets', () => {
  const ramp = (n: number) =>
    makeDataset({
      x: Float32Array.from({ length: n * 2 }, (_, i) => i),
      numExamples: n,
      dataDim: 2,
      labels: Int32Array.from({ length: n }, (_, i) => i),
      source: 'ramp',
    });

  test('hold out numTest examples by the seed, each part in original order, together every example once', () => {
    const { train, test } = splitTrainTest(ramp(10), 3, 7);
    assert.deepEqual([train.numExamples, test.numExamples], [7, 3]);
    const ids = [...train.labels!, ...test.labels!];
    assert.deepEqual(
      [...ids].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(
      [...train.labels!],
      [...train.labels!].sort((a, b) => a - b),
    );
    assert.deepEqual(splitTrainTest(ramp(10), 3, 7).test.labels, test.labels);
    assert.notDeepEqual(splitTrainTest(ramp(10), 3, 8).test.labels, test.labels);
    assert.throws(() => splitTrainTest(ramp(10), 10, 7), ConfigError);
    assert.throws(() => splitTrainTest(ramp(10), 0, 7), ConfigError);
  });

  test('concatDatasets puts b after a, labels and all', () => {
    const a = ramp(2);
    const both = concatDatasets(a, ramp(3));
    assert.equal(both.numExamples, 5);
    assert.deepEqual(Array.from(both.x), [0, 1, 2, 3, 0, 1, 2, 3, 4, 5]);
    assert.deepEqual(Array.from(both.labels!), [0, 1, 0, 1, 2]);
  });

  test('a Standardizer fitted on a split is not the one of the whole set', () => {
    const { train } = splitTrainTest(ramp(10), 3, 7);
    assert.notDeepEqual(Array.from(Standardizer.fit(train).mean), Array.from(Standardizer.fit(ramp(10)).mean));
  });
});
