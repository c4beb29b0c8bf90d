/**
 * A table's recorded categories are looked up by own keys only: a column named like an Object
 * property ('constructor', 'toString') is a column, not a built-in (found by fuzzing: it threw a TypeError).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvRecords } from '../../src/data/csv-records.js';
import { numericTable } from '../../src/data/table.js';

test("a categorical column named 'constructor' with recorded categories of other columns reads as a column", () => {
  const records = csvRecords('a,constructor\n1,x\n2,y\n3,x\n', 'f.csv');
  const t = numericTable(records, { source: 'f.csv', columns: ['a', 'constructor'], categorical: ['constructor'], categories: { a: ['1', '2', '3'] } });
  assert.deepEqual(t.data.columns, ['a=1', 'a=2', 'a=3', 'constructor=x', 'constructor=y']);
  const u = numericTable(csvRecords('a,toString\n1,x\n2,y\n', 'g.csv'), { source: 'g.csv', columns: ['a', 'toString'], categories: {} });
  assert.equal(u.data.numExamples, 2);
});
