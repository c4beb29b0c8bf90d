/**
 * A first line of numbers is not a header (issue 13): numericTable refuses it with a hint instead of
 * training on the wrong columns; a header with any name in it is a header.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataError } from '../../src/errors.js';
import { numericTable, type TextRecord } from '../../src/data/table.js';

const records = (lines: string[][]): TextRecord[] => lines.map((cells, i) => ({ cells, line: i + 1 }));

test('a header row of numbers only (signs, exponents, leading dots) is a DataError naming line 1, up to four cells and the fix', () => {
  assert.throws(
    () =>
      numericTable(
        records([
          ['-1', '2e3', '.5'],
          ['1', '2', '3'],
          ['4', '5', '6'],
        ]),
        { source: 'f.csv' },
      ),
    (e: unknown) =>
      e instanceof DataError &&
      e.message === 'f.csv: line 1: expected a header row of column names, got only numbers (-1, 2e3, .5); add a first line naming the columns',
  );
  const wide = [
    ['1', '2', '3', '4', '5'],
    ['1', '2', '3', '4', '5'],
    ['1', '2', '3', '4', '5'],
  ];
  assert.throws(() => numericTable(records(wide), { source: 'w.csv' }), /got only numbers \(1, 2, 3, 4, …\)/);
});

test('a header with a name among numbers is a header: its columns are read by name', () => {
  const t = numericTable(
    records([
      ['x', '2'],
      ['1', '2'],
      ['3', '4'],
    ]),
    { source: 'h.csv' },
  );
  assert.deepEqual(t.data.columns, ['x', '2']);
  assert.deepEqual(Array.from(t.data.x), [1, 2, 3, 4]);
});
