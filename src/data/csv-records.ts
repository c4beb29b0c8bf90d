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
  let parsed: Array<{ record: string[]; info: { bytes: number } }>;
  try {
    parsed = parse(text, { info: true, bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }) as unknown as typeof parsed;
  } catch (cause) {
    throw new DataError(`${source}: not a readable CSV file: ${(cause as Error).message}`, { cause });
  }
  // csv-parse's own line count (info.lines) counts a CRLF inside a quoted cell, or any CRLF in a file
  // whose first line ends in LF or CR alone, as two lines; so lines are counted here, as an editor
  // does (CRLF, CR, LF: one line break each). A record ends at csv-parse's info.bytes (a UTF-8 offset,
  // BOM and line break included) and the next starts at the first non-blank byte after it.
  const bytes = new TextEncoder().encode(text); // [UTF-8 bytes], the offsets of info.bytes
  let line = 1; // the line of byte `counted`
  let counted = 0;
  let end = 0;
  return parsed.map(({ record, info }) => {
    let start = end;
    while (start < bytes.length && BLANK.has(bytes[start])) start++;
    for (; counted < start; counted++) {
      const b = bytes[counted];
      if (b === CR || (b === LF && bytes[counted - 1] !== CR)) line++;
    }
    end = info.bytes;
    return { cells: record, line };
  });
}

const CR = 0x0d;
const LF = 0x0a;
/** Bytes of blank lines and of the spaces before a record: space, tab, CR, LF. */
const BLANK = new Set([0x20, 0x09, CR, LF]);
