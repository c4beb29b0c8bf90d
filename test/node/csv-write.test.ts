/**
 * CSV written by vaekit (samples and reconstructions of a table, anomaly scores) is RFC 4180: a
 * column name holding a comma, a quote or a line break stays one cell, and csv-parse reads every
 * cell back as it was written.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { Standardizer } from '../../src/data/standardize.js';
import { csvText } from '../../src/node/formats/csv.js';
import { scoresCsv } from '../../src/node/runs/kinds.js';
import { tableCsv } from '../../src/node/runs/table-csv.js';

const AWKWARD = ['price, in $1000s', 'the "best" rooms', 'line\nbreak', 'plain'];

test('column names with commas, quotes and line breaks come back from csv-parse as they were', () => {
  const s = new Standardizer([1, 2, 3, 4], [1, 1, 1, 1], { columns: AWKWARD });
  const text = tableCsv(Float32Array.from([0, 0.5, -1, 2, 1, 1, 1, 1]), 4, s);
  const rows = parse(text) as string[][];
  assert.deepEqual(rows[0], AWKWARD);
  assert.deepEqual(
    rows.slice(1).map((r) => r.map(Number)),
    [
      [1, 2.5, 2, 6],
      [2, 3, 4, 5],
    ],
  );
});

test('csvText writes numbers as JavaScript does, one record a line with a final newline, empty cells empty', () => {
  assert.equal(
    csvText([
      ['a', 'b'],
      [0.1, -2.5e-7],
      ['', 3],
    ]),
    'a,b\n0.1,-2.5e-7\n,3\n',
  );
});

test('scoresCsv writes index, label and the score, an empty label for unlabelled data', () => {
  const labelled = scoresCsv({
    model: 'vae',
    dataset: 'd',
    split: 'test',
    column: 'negElbo',
    scores: Float64Array.from([1.5, 2]),
    labels: Int32Array.from([7, 3]),
  });
  assert.equal(labelled, 'index,label,negElbo\n0,7,1.5\n1,3,2\n');
  const unlabelled = scoresCsv({ model: 'pca', dataset: 'd', split: 'all', column: 'squaredError', scores: Float64Array.from([0.25]) });
  assert.deepEqual(parse(unlabelled), [
    ['index', 'label', 'squaredError'],
    ['0', '', '0.25'],
  ]);
});
