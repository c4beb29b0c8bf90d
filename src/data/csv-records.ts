/**
 * The records of a CSV text (RFC 4180 quoting, a leading BOM, blank lines skipped, cells trimmed,
 * rows of any length), each with the line it starts on: what `numericTable` (src/data/table.ts)
 * reads. Browser-safe (csv-parse's browser build): the explorer reads dropped files with it, and
 * Node's CSV reader (src/node/formats/csv.ts) reads files with it.
 */
import { parse } from 'csv-parse/browser/esm/sync';
import { DataError } from '../errors.js';
import type { TextRecord } from './table.js';

/**
 * Parses CSV text into records.
 * @param source - the file's name in messages
 * @returns one record per row: its cells and the 1-based line it starts on
 * @throws DataError when the text is not CSV (an unclosed quote …), naming the source
 */
export function csvRecords(text: string, source: string): TextRecord[] {
  let parsed: Array<{ record: string[]; info: { lines: number } }>;
  try {
    parsed = parse(text, { info: true, bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }) as unknown as typeof parsed;
  } catch (cause) {
    throw new DataError(`${source}: not a readable CSV file: ${(cause as Error).message}`, { cause });
  }
  // csv-parse reports the line a record ends on; a quoted cell may span lines, so step back over them.
  return parsed.map(({ record, info }) => ({
    cells: record,
    line: info.lines - record.reduce((s, c) => s + (c.match(/\r\n|\r|\n/g)?.length ?? 0), 0),
  }));
}
