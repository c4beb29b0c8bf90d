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
    const open = (cause as { code?: string }).code === 'CSV_QUOTE_NOT_CLOSED' ? unclosedQuote(text) : null;
    if (open) throw new DataError(`${source}: line ${open.line}, column ${open.column}: a quoted cell opens here and is never closed`, { cause });
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

/**
 * Where the quoted cell that is never closed opens (RFC 4180: a quote at the start of a cell opens
 * one, a doubled quote inside it is a quote, a single one closes it): csv-parse reports only the line
 * where the text ends.
 * @returns the 1-based line and column (cell number) of the opening quote, or null when every quote closes
 */
function unclosedQuote(text: string): { line: number; column: number } | null {
  let line = 1;
  let column = 1;
  let atCellStart = true;
  let open: { line: number; column: number } | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (open) {
      if (ch === '"') {
        if (text[i + 1] === '"') i++;
        else open = null;
      } else if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line++;
      continue;
    }
    if (ch === '"' && atCellStart) {
      open = { line, column };
      continue;
    }
    if (ch === ',') {
      column++;
      atCellStart = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\n' || text[i + 1] !== '\n') line++;
      column = 1;
      atCellStart = true;
    } else if (ch !== ' ' && ch !== '\t' && ch !== '\ufeff') atCellStart = false;
  }
  return open;
}

/**
 * The text of a CSV file's bytes, strict UTF-8 (a leading BOM dropped).
 * @param bytes - the file's bytes
 * @param source - the file's name in messages
 * @throws DataError naming the line and byte offset of the first NUL byte (a binary file) or of the
 *   first byte that is not UTF-8 (a Latin-1 or UTF-16 file: convert it to UTF-8)
 */
export function decodeCsvBytes(bytes: Uint8Array, source: string): string {
  const nul = bytes.indexOf(0);
  const bad = firstNonUtf8(bytes);
  const lineOf = (at: number) => 1 + bytes.subarray(0, at).reduce((n, b) => n + (b === 0x0a ? 1 : 0), 0);
  if (nul >= 0 && (bad < 0 || nul <= bad)) {
    throw new DataError(`${source}: line ${lineOf(nul)}, byte ${nul}: expected a text (CSV) file, got a NUL byte (a binary file?)`);
  }
  if (bad >= 0) {
    const hex = `0x${bytes[bad].toString(16).padStart(2, '0')}`;
    throw new DataError(`${source}: line ${lineOf(bad)}, byte ${bad}: expected UTF-8 text, got the byte ${hex} (save the file as UTF-8)`);
  }
  return new TextDecoder('utf-8').decode(bytes);
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence, or -1. */
function firstNonUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i];
    const [n, lo, hi] =
      c < 0x80
        ? [0, 0, 0]
        : c >= 0xc2 && c <= 0xdf
          ? [1, 0x80, 0xbf]
          : c === 0xe0
            ? [2, 0xa0, 0xbf]
            : c >= 0xe1 && c <= 0xef && c !== 0xed
              ? [2, 0x80, 0xbf]
              : c === 0xed
                ? [2, 0x80, 0x9f]
                : c === 0xf0
                  ? [3, 0x90, 0xbf]
                  : c >= 0xf1 && c <= 0xf3
                    ? [3, 0x80, 0xbf]
                    : c === 0xf4
                      ? [3, 0x80, 0x8f]
                      : [-1, 0, 0];
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}
