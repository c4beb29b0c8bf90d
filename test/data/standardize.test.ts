/**
 * The z-score Standardizer against float64 hand computations: fitted statistics, the transform and
 * its inverse, constant columns, the log-Jacobian against Gaussian densities, and its tagged JSON.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { Standardizer } from '../../src/data/standardize.js';
import { DataError, ShapeError } from '../../src/errors.js';
import { assertAllClose } from '../helpers/assert.js';

function table(rows: number[][], columns?: string[]): Dataset {
  return makeDataset({ x: Float32Array.from(rows.flat()), numExamples: rows.length, dataDim: rows[0].length, columns, source: 'table' });
}

/** Column j of rows. */
const col = (rows: number[][], j: number) => rows.map((r) => r[j]);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
/** Population standard deviation (divisor N). */
const std = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / v.length);

const ROWS = [
  [1, 100, 5, -2],
  [2, 300, 5, 0.5],
  [4, 200, 5, 7],
  [9, 600, 5, 1.25],
];

describe('Standardizer', () => {
  test('fits per-column means and population standard deviations in float64', () => {
    const s = Standardizer.fit(table(ROWS));
    for (const j of [0, 1, 3]) {
      assertAllClose(s.mean[j], mean(col(ROWS, j)), { rtol: 1e-12 });
      assertAllClose(s.std[j], std(col(ROWS, j)), { rtol: 1e-12 });
    }
    assert.equal(s.numExamples, 4);
  });

  test('gives a constant column std 1, so it maps to 0 and back to its value', () => {
    const s = Standardizer.fit(table(ROWS));
    assert.equal(s.mean[2], 5);
    assert.equal(s.std[2], 1);
    const z = s.apply(table(ROWS));
    for (let i = 0; i < 4; i++) assert.equal(z.x[i * 4 + 2], 0);
    assert.deepEqual(Array.from(s.invert([0, 0, 0, 0])).slice(2, 3), [5]);
  });

  test('maps the data it was fitted on to zero mean and unit variance per non-constant column', () => {
    const z = Standardizer.fit(table(ROWS)).apply(table(ROWS));
    const rows = Array.from({ length: 4 }, (_, i) => Array.from(z.x.subarray(i * 4, i * 4 + 4)));
    for (const j of [0, 1, 3]) {
      assertAllClose(mean(col(rows, j)), 0, { atol: 1e-6 });
      assertAllClose(std(col(rows, j)), 1, { rtol: 1e-6 });
    }
  });

  test('applies the training statistics to other data: test rows are not re-centred', () => {
    const train = table(ROWS.slice(0, 3));
    const test = table([[100, 1000, 5, 50]]);
    const s = Standardizer.fit(train);
    const z = s.apply(test);
    const expected = [0, 1, 3].map((j) => (test.x[j] - mean(col(ROWS.slice(0, 3), j))) / std(col(ROWS.slice(0, 3), j)));
    assertAllClose([z.x[0], z.x[1], z.x[3]], expected, { rtol: 1e-6 });
    assert.ok(z.x[0] > 10, 'a far test value stays far');
  });

  test('invert(apply(x)) = x within float32 rounding, and apply keeps labels, shape and columns', () => {
    const ds = makeDataset({ ...table(ROWS, ['a', 'b', 'c', 'd']), labels: Int32Array.of(3, 1, 4, 1) });
    const s = Standardizer.fit(ds);
    const z = s.apply(ds);
    assert.deepEqual(Array.from(z.labels!), [3, 1, 4, 1]);
    assert.deepEqual(z.columns, ['a', 'b', 'c', 'd']);
    assert.deepEqual(z.exampleShape, [4]);
    assertAllClose(s.invert(z.x), ROWS.flat(), { rtol: 1e-6, atol: 1e-6 });
  });

  test('logJacobian = −Σ log std converts Gaussian log-densities of z to those of x', () => {
    const s = new Standardizer([1, -3], [2, 0.25]);
    const x = [4, -2.5];
    const z = [(x[0] - 1) / 2, (x[1] + 3) / 0.25];
    const logN = (v: number, m: number, sd: number) => -0.5 * Math.log(2 * Math.PI) - Math.log(sd) - 0.5 * ((v - m) / sd) ** 2;
    const logPz = logN(z[0], 0, 1) + logN(z[1], 0, 1);
    const logPx = logN(x[0], 1, 2) + logN(x[1], -3, 0.25);
    assertAllClose(logPz + s.logJacobian, logPx, { rtol: 1e-12 });
    assertAllClose(s.logJacobian, -Math.log(2) - Math.log(0.25), { rtol: 1e-12 });
  });

  test('round-trips through its tagged JSON and rejects a wrong tag', () => {
    const s = Standardizer.fit(table(ROWS, ['a', 'b', 'c', 'd']));
    const json = JSON.parse(JSON.stringify(s));
    assert.equal(json.kind, 'standardize');
    assert.equal(json.version, 1);
    assert.equal(json.logJacobian, s.logJacobian);
    const again = Standardizer.fromJSON(json);
    assert.deepEqual(Array.from(again.mean), Array.from(s.mean));
    assert.deepEqual(Array.from(again.std), Array.from(s.std));
    assert.deepEqual(again.columns, ['a', 'b', 'c', 'd']);
    assert.throws(
      () => Standardizer.fromJSON({ ...json, kind: 'minmax' }),
      (e: unknown) => e instanceof DataError && /expected \{kind: 'standardize', version: 1\}/.test(e.message),
    );
    assert.throws(
      () => Standardizer.fromJSON({ ...json, std: [1, 0, 1, 1] }),
      (e: unknown) => e instanceof DataError && /positive finite std for column 1/.test(e.message),
    );
  });

  test('rejects data of another width or other column names, and non-finite training values', () => {
    const s = Standardizer.fit(table(ROWS, ['a', 'b', 'c', 'd']));
    assert.throws(() => s.apply(table([[1, 2, 3]])), ShapeError);
    assert.throws(
      () => s.apply(table(ROWS, ['a', 'b', 'd', 'c'])),
      (e: unknown) => e instanceof DataError && /expected columns a, b, c, d, got a, b, d, c/.test(e.message),
    );
    assert.throws(
      () =>
        Standardizer.fit(
          table(
            [
              [1, NaN],
              [2, 3],
            ],
            ['u', 'v'],
          ),
        ),
      (e: unknown) => e instanceof DataError && /got NaN at example 0, column 'v'/.test(e.message),
    );
    const empty = makeDataset({ x: new Float32Array(0), numExamples: 0, dataDim: 2, source: 'empty' });
    assert.throws(
      () => Standardizer.fit(empty),
      (e: unknown) => e instanceof DataError && /expected at least one example, got 0/.test(e.message),
    );
  });
});
