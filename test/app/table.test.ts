/**
 * A table run's decoded row as the explorer shows it (app/src/pure/table.ts): raw units with the
 * run's scale, 4 significant digits, and a categorical column's one-hot block as its most probable
 * category, the same category the CLI's CSV writer picks.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { formatValue, tableCells, toRawUnits } from '../../app/src/pure/table.js';
import { featureNames, type TableColumn } from '../../src/data/table.js';
import { tableCsv } from '../../src/node/runs/table-csv.js';
import { Standardizer } from '../../src/data/standardize.js';
import { assertAllClose } from '../helpers/assert.js';

describe('toRawUnits', () => {
  test('is (z · std + mean) · scale per column, z · scale without a standardisation', () => {
    const st = new Standardizer([50, -4], [2, 0.5]).toJSON();
    // (1.5·2 + 50)·10 = 530;  (−2·0.5 − 4)·10 = −50
    assertAllClose(toRawUnits([1.5, -2], st, 10), [530, -50], { rtol: 1e-15, atol: 0 });
    assertAllClose(toRawUnits([1.5, -2], st, 1), [53, -5], { rtol: 1e-15, atol: 0 });
    assert.deepEqual([...toRawUnits([1.5, -2], null, 10)], [15, -20]);
  });

  test('refuses a row whose length is not the standardisation’s D', () => {
    assert.throws(() => toRawUnits([1, 2, 3], new Standardizer([0, 0], [1, 1]).toJSON(), 1), /expected a row-major \[N, 2\] array, got length 3/);
  });
});

describe('formatValue', () => {
  test('shows 4 significant digits, with an exponent only below 1e-3 or from 1e6 on', () => {
    assert.deepEqual([0, 530, 3.14159, 12345.678, 0.0012346, -2.5e-7, 1e6, 999999, NaN, -Infinity].map(formatValue), [
      '0',
      '530',
      '3.142',
      '12350',
      '0.001235',
      '-2.500e-7',
      '1.000e+6',
      '1000000',
      'NaN',
      '-Infinity',
    ]);
  });
});

describe('tableCells', () => {
  test('one cell per feature, named, when the table has no categorical columns', () => {
    assert.deepEqual(tableCells([530, -50.004], ['a', 'b'], null), [
      { name: 'a', value: '530' },
      { name: 'b', value: '-50' },
    ]);
  });

  const layout: TableColumn[] = [
    { name: 'age', kind: 'numeric' },
    { name: 'colour', kind: 'categorical', categories: ['red', 'green', 'blue'] },
    { name: 'size', kind: 'categorical', categories: ['S', 'L'] },
    { name: 'price', kind: 'numeric' },
  ];
  const columns = featureNames(layout); // [7]: age, colour=red, colour=green, colour=blue, size=S, size=L, price

  test("a categorical column's one-hot block shows its most probable category, the first of ties", () => {
    assert.deepEqual(tableCells([41.25, 0.2, 0.7, 0.1, 0.5, 0.5, 1999.5], columns, layout), [
      { name: 'age', value: '41.25' },
      { name: 'colour', value: 'green' },
      { name: 'size', value: 'S' },
      { name: 'price', value: '2000' },
    ]);
    assert.equal(tableCells([0, 0.1, 0.2, 0.3, 0.6, 0.4, 0], columns, layout)[1].value, 'blue');
  });

  test('picks the category the CSV writer picks, for rows in model units with a scale', () => {
    // one-hot features are left unstandardised (mean 0, std 1) but divided by the scale like every value
    const st = new Standardizer([4, 0, 0, 0, 0, 0, 150], [1.5, 1, 1, 1, 1, 1, 40], { columns });
    const scale = 10;
    const z = [
      [0.5, 0.01, 0.08, 0.03, 0.02, 0.07, -1],
      [-1, 0.09, 0.02, 0.05, 0.06, 0.01, 2],
    ]; // [2, 7], model units
    const csv = parse(tableCsv(Float32Array.from(z.flat()), 7, st, [], undefined, layout, scale)) as string[][];
    assert.deepEqual(csv[0], ['age', 'colour', 'size', 'price']);
    for (let i = 0; i < z.length; i++) {
      const cells = tableCells(toRawUnits(Float32Array.from(z[i]), st.toJSON(), scale), columns, layout);
      assert.deepEqual(
        cells.map((c) => c.value),
        csv[i + 1].map((v, j) => (layout[j].kind === 'numeric' ? formatValue(Number(v)) : v)),
        `row ${i}`,
      );
    }
    assert.deepEqual(csv[1], ['47.5', 'green', 'L', '1100']); // (0.5·1.5 + 4)·10, (−1·40 + 150)·10
  });
});
