/**
 * Numeric CSV files: readCsvTable (csv-parse + numericTable) on small files written here, the good
 * cases and each malformed one, whose DataError must name the file, the 1-based line and the column.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { readCsvTable } from '../../src/node/formats/csv.js';
import { assertDataError } from '../helpers/assert.js';
import { tempFiles } from '../helpers/temp-files.js';

const { dir, write: csv } = tempFiles('vaekit-csv-');

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('readCsvTable on well-formed files', () => {
  test('reads every numeric column in header order, in file order, as float32 with the column names', () => {
    const t = readCsvTable(csv('a,b,c\n1,2.5,-3\n4e2,.5,+6\n-0.25,7,8.\n'));
    assert.deepEqual(t.data.columns, ['a', 'b', 'c']);
    assert.deepEqual([t.data.numExamples, t.data.dataDim], [3, 3]);
    assert.deepEqual(t.data.exampleShape, [3]);
    assert.deepEqual(Array.from(t.data.x), [1, 2.5, -3, 400, 0.5, 6, -0.25, 7, 8]);
    assert.equal(t.data.labels, undefined);
    assert.deepEqual(t.skippedColumns, []);
  });

  test('keeps an integer label column as labels, leaves text columns out, and honours --columns order', () => {
    const path = csv('id,name,x,y,label\n1,ann,0.5,10,2\n2,bob,1.5,20,0\n3,"c, d",2.5,30,1\n');
    const t = readCsvTable(path, { labelColumn: 'label' });
    assert.deepEqual(t.data.columns, ['id', 'x', 'y']);
    assert.deepEqual(t.skippedColumns, ['name']);
    assert.deepEqual(Array.from(t.data.labels!), [2, 0, 1]);
    const picked = readCsvTable(path, { columns: ['y', 'x'] });
    assert.deepEqual(picked.data.columns, ['y', 'x']);
    assert.deepEqual(Array.from(picked.data.x), [10, 0.5, 20, 1.5, 30, 2.5]);
  });

  test('accepts a byte-order mark, CRLF line ends, spaces around cells and blank lines', () => {
    const t = readCsvTable(csv('\ufeffa, b\r\n 1 ,2\r\n\r\n3, 4\r\n'));
    assert.deepEqual(t.data.columns, ['a', 'b']);
    assert.deepEqual(Array.from(t.data.x), [1, 2, 3, 4]);
  });
});

describe('readCsvTable on malformed files: one DataError naming file, line and column', () => {
  const cases: Array<{ name: string; text: string; latin1?: boolean; message: RegExp }> = [
    { name: 'a non-numeric cell', text: 'a,b\n1,2\n3,abc\n', message: /line 3, column 2 \('b'\): expected a number, got 'abc'/ },
    { name: 'an empty cell', text: 'a,b\n1,2\n,4\n', message: /line 3, column 1 \('a'\): empty cell; expected a number/ },
    { name: 'a NaN cell', text: 'a,b\n1,NaN\n3,4\n', message: /line 2, column 2 \('b'\): expected a finite number, got 'NaN'/ },
    { name: 'an Inf cell', text: 'a,b\n1,2\n-inf,4\n', message: /line 3, column 1 \('a'\): expected a finite number, got '-inf'/ },
    { name: 'a value beyond float32', text: 'a,b\n1,2\n3,1e39\n', message: /line 3, column 2 \('b'\): expected a number within float32's range/ },
    { name: 'a short (ragged) row', text: 'a,b,c\n1,2,3\n4,5\n6,7,8\n', message: /line 3: expected 3 cells as in the header, got 2/ },
    { name: 'a long (ragged) row', text: 'a,b\n1,2\n3,4,5\n', message: /line 3: expected 2 cells as in the header, got 3/ },
    { name: 'an empty file', text: '', message: /empty file; expected a header row/ },
    { name: 'a file of blank lines', text: '\n\n\n', message: /empty file/ },
    { name: 'no header row', text: '1,2\n3,4\n5,6\n', message: /line 1: expected a header row of column names, got only numbers \(1, 2\)/ },
    { name: 'a header only', text: 'a,b\n', message: /expected at least 2 data rows after the header, got 0/ },
    { name: 'a single data row', text: 'a,b\n1,2\n', message: /expected at least 2 data rows after the header, got 1/ },
    { name: 'an empty column name', text: 'a,,c\n1,2,3\n4,5,6\n', message: /line 1, column 2: expected a column name in the header, got an empty cell/ },
    { name: 'a repeated column name', text: 'a,b,a\n1,2,3\n4,5,6\n', message: /line 1: column name 'a' appears twice \(columns 1 and 3\)/ },
    { name: 'an unclosed quote', text: 'a,b\n1,2\n"3,4\n', message: /line 3, column 1: a quoted cell opens here and is never closed$/ },
    { name: 'Latin-1 bytes', text: 'a,b\n1,2\ncaf\u00e9,4\n', latin1: true, message: /line 3, byte 11: expected UTF-8 text, got the byte 0xe9/ },
    { name: 'a binary file', text: 'a,b\n1,\u00002\n', message: /line 2, byte 6: expected a text \(CSV\) file, got a NUL byte/ },
  ];
  for (const c of cases) {
    test(`${c.name}`, () => {
      const path = csv(c.text);
      if (c.latin1) writeFileSync(path, Buffer.from(c.text, 'latin1'));
      assertDataError(() => readCsvTable(path), new RegExp(`^${escape(path)}: `), c.message);
    });
  }

  test('counts lines through a quoted two-line cell and a blank line', () => {
    const path = csv('a,b,note\n1,2,"two\nlines"\n\n3,oops,x\n"4\n",5,y\n');
    // line 1 header; lines 2–3 one record; line 4 blank; line 5 the bad cell
    assertDataError(() => readCsvTable(path), /line 5, column 2 \('b'\): expected a number, got 'oops'/);
    // a record that starts on line 6 and holds a newline inside its quoted first cell
    assertDataError(() => readCsvTable(path, { columns: ['a'] }), /line 6, column 1 \('a'\): expected a number, got '4\n'/);
  });

  test('a text cell in a numeric column is an error, not a reason to drop the column', () => {
    const path = csv('a,b\n1,2\n3,4\n5,n/a\n');
    assertDataError(() => readCsvTable(path), /line 4, column 2 \('b'\): expected a number, got 'n\/a'/);
  });

  test('a non-integer label names the label column', () => {
    const path = csv('x,y\n1,0\n2,1.5\n');
    assertDataError(() => readCsvTable(path, { labelColumn: 'y' }), /line 3, column 2 \('y', the label column\): expected an integer class label, got '1\.5'/);
  });

  test('an unknown column or label column lists the header', () => {
    const path = csv('x,y\n1,0\n2,1\n');
    assertDataError(() => readCsvTable(path, { columns: ['x', 'z'] }), /column 'z' not found; the header has x, y/);
    assertDataError(() => readCsvTable(path, { labelColumn: 'k' }), /label column 'k' not found; the header has x, y/);
  });

  test('a label column listed as a feature is a ConfigError', () => {
    const path = csv('x,y\n1,0\n2,1\n');
    assert.throws(
      () => readCsvTable(path, { columns: ['x', 'y'], labelColumn: 'y' }),
      (e: unknown) => e instanceof ConfigError && /label column 'y' cannot also be a feature/.test(e.message),
    );
  });

  test('a missing file is a DataError naming it', () => {
    const path = join(dir, 'absent.csv');
    assertDataError(() => readCsvTable(path), new RegExp(`^${escape(path)}: cannot read the CSV file \\(ENOENT\\)`));
  });
});
