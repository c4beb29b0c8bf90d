/**
 * Numeric CSV files: a header row of column names, then one row of numbers per example, read with
 * csv-parse (RFC 4180 quoting, a leading BOM, blank lines skipped, cells trimmed) and checked by
 * {@link numericTable}; and CSV text written with csv-stringify.
 */
import { readFileSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { csvRecords, decodeCsvBytes } from '../../data/csv-records.js';
import { numericTable, type NumericTable, type NumericTableOptions, type TextRecord } from '../../data/table.js';
import { DataError } from '../../errors.js';

/**
 * The records of a CSV file, each with the 1-based line it starts on (csv-parse: RFC 4180 quoting, a
 * leading BOM, blank lines skipped, cells trimmed, rows of any length).
 * @param source - the file's name in messages
 * @throws DataError when the file cannot be read, is not UTF-8 text (naming the line and byte), or
 *   cannot be parsed as CSV (an unclosed quote: its line and column)
 */
export function readCsvRecords(path: string, source = path): TextRecord[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'EISDIR'
        ? 'expected a file, got a folder'
        : code === 'EACCES'
          ? 'cannot read the CSV file (permission denied)'
          : `cannot read the CSV file (${code ?? (cause as Error).message})`;
    throw new DataError(`${source}: ${why}`, { cause });
  }
  return csvRecords(decodeCsvBytes(bytes, source), source);
}

/**
 * Reads a numeric CSV file.
 * @param path - the file
 * @param opts - feature `columns` (default: every numeric column but the label), `labelColumn`, and
 *   `source`, the name in messages and `Dataset.source` (default: path)
 * @returns every data row [N, D] in file order, float32, raw units, with column names
 * @throws DataError when the file cannot be read or parsed as CSV (unclosed quote …), or for any
 *   problem {@link numericTable} names (empty file, no header, ragged row, bad cell: file, line, column)
 */
export function readCsvTable(path: string, opts: Omit<NumericTableOptions, 'source'> & { source?: string } = {}): NumericTable {
  const source = opts.source ?? path;
  const records = readCsvRecords(path, source);
  return numericTable(records, { ...opts, source });
}

/**
 * CSV text of rows of cells (numbers or strings), written by csv-stringify: RFC 4180 quoting, so a
 * column name holding a comma, a quote or a line break (CR included, which csv-stringify leaves unquoted by
 * default) stays one cell; numbers as JavaScript writes them.
 * @param rows - the rows, a header row first if there is one
 * @returns the text, one record a line, ending with a newline
 */
export function csvText(rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return stringify(rows as (string | number)[][], { record_delimiter: '\n', quoted_match: /\r/, cast: { number: (v) => String(v) } });
}
