/**
 * Tables with categorical columns: one-hot encoding with the training split's categories, numeric
 * columns alone standardised, one-line errors for a category the training rows lack and for an
 * empty cell, and the built-in mixed-type table (Berndt's CPS 1985 wages).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { trainTestIndices } from '../../src/data/dataset.js';
import { loadDataSource, TABLE_SPLIT } from '../../src/node/datasets/data-source.js';
import { readCsvTable } from '../../src/node/formats/csv.js';
import { assertAllClose, assertDataError } from '../helpers/assert.js';
import { tempFiles } from '../helpers/temp-files.js';

const { write: csv } = tempFiles('vaekit-cat-table-');

describe('a CSV file with categorical columns', () => {
  test('one-hot encodes text and numeric-code columns, categories sorted (codes numerically), features named column=category', () => {
    const path = csv('x,colour,rad,name\n1.5,red,10,a\n2,blue,2,b\n-1,red,2,c\n0,green,10,d\n');
    const t = readCsvTable(path, { categorical: ['colour', 'rad'] });
    assert.deepEqual(t.skippedColumns, ['name']);
    assert.deepEqual(t.layout, [
      { name: 'x', kind: 'numeric' },
      { name: 'colour', kind: 'categorical', categories: ['blue', 'green', 'red'] },
      { name: 'rad', kind: 'categorical', categories: ['2', '10'] },
    ]);
    assert.deepEqual(t.data.columns, ['x', 'colour=blue', 'colour=green', 'colour=red', 'rad=2', 'rad=10']);
    assert.deepEqual(Array.from(t.data.x), [1.5, 0, 0, 1, 0, 1, 2, 1, 0, 0, 1, 0, -1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1]);
    // a text column listed in --columns is categorical without --categorical
    const picked = readCsvTable(path, { columns: ['name', 'x'] });
    assert.deepEqual(picked.data.columns, ['name=a', 'name=b', 'name=c', 'name=d', 'x']);
  });

  test('standardises the numeric columns only: one-hot columns get mean 0 and std 1 and add nothing to logJacobian', () => {
    const rows = Array.from({ length: 20 }, (_, i) => `${(i * 1.7) % 5},${['a', 'b', 'c'][i % 3]},${i * i}`);
    const path = csv(['u,k,v', ...rows].join('\n') + '\n');
    const loaded = loadDataSource(path, { categorical: ['k'] });
    const s = loaded.standardizer!;
    assert.deepEqual(s.columns, ['u', 'k=a', 'k=b', 'k=c', 'v']);
    assert.deepEqual([s.mean[1], s.mean[2], s.mean[3], s.std[1], s.std[2], s.std[3]], [0, 0, 0, 1, 1, 1]);
    const numericOnly = loadDataSource(path, { columns: ['u', 'v'] }).standardizer!;
    assertAllClose([s.mean[0], s.mean[4], s.std[0], s.std[4]], [numericOnly.mean[0], numericOnly.mean[1], numericOnly.std[0], numericOnly.std[1]], {
      rtol: 1e-12,
    });
    assertAllClose(s.logJacobian, numericOnly.logJacobian, { rtol: 1e-12 });
    // the one-hot features stay 0/1 after standardisation
    const d = loaded.train.dataDim;
    for (let i = 0; i < loaded.train.numExamples; i++) {
      const block = Array.from(loaded.train.x.subarray(i * d + 1, i * d + 4));
      assert.deepEqual([...block].sort(), [0, 0, 1]);
    }
    assert.deepEqual(
      loaded.layout?.map((c) => c.kind),
      ['numeric', 'categorical', 'numeric'],
    );
  });

  test('a category found only in the test split is a one-line error naming the line, the column and the value', () => {
    const n = 10;
    const testRow = trainTestIndices(n, Math.round(TABLE_SPLIT.testFraction * n), TABLE_SPLIT.seed).test[0];
    const rows = Array.from({ length: n }, (_, i) => `${i},${i === testRow ? 'purple' : ['red', 'blue'][i % 2]}`);
    const path = csv(['x,colour', ...rows].join('\n') + '\n');
    assertDataError(
      () => loadDataSource(path, { categorical: ['colour'] }),
      new RegExp(`line ${testRow + 2}, column 2 \\('colour'\\): unknown category 'purple'; the training rows have blue, red$`),
    );
  });

  test('an empty cell in a categorical column is an error naming line and column', () => {
    const path = csv('x,colour\n1,red\n2,\n3,blue\n');
    assertDataError(() => readCsvTable(path, { categorical: ['colour'] }), /line 3, column 2 \('colour'\): empty cell; expected a category/);
  });

  test("a saved run's categories are used as they are; a value outside them is an error", () => {
    const path = csv('x,colour\n1,red\n2,green\n');
    const t = readCsvTable(path, { categories: { colour: ['green', 'red', 'blue'] } });
    assert.deepEqual(Array.from(t.data.x), [1, 0, 1, 0, 2, 1, 0, 0]);
    assertDataError(
      () => readCsvTable(path, { categories: { colour: ['red'] } }),
      /line 3, column 2 \('colour'\): unknown category 'green'; the run's categories are red/,
    );
  });
});

describe('--data cps-wages (Berndt 1991, CPS May 1985)', () => {
  test('534 rows: 7 numeric columns and gender, race, occupation, sector one-hot (D = 21), split 427/107', () => {
    const loaded = loadDataSource('cps-wages');
    assert.equal(loaded.kind, 'table');
    assert.deepEqual([loaded.train.numExamples, loaded.test.numExamples], [427, 107]);
    assert.equal(loaded.train.dataDim, 21);
    const cats = Object.fromEntries(
      (loaded.layout ?? []).filter((c) => c.kind === 'categorical').map((c) => [c.name, c.kind === 'categorical' ? c.categories : []]),
    );
    assert.deepEqual(cats, {
      gender: ['female', 'male'],
      race: ['hispanic', 'other', 'white'],
      occupation: ['clerical', 'management', 'other', 'professional', 'sales', 'service'],
      sector: ['construction', 'manufacturing', 'other'],
    });
  });
});
