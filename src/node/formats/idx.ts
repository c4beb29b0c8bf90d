/**
 * Reader for IDX files (the MNIST format), plain or gzipped: the file and gzip parts; the decoding
 * is src/data/idx.ts's, shared with the browser.
 * @see http://yann.lecun.com/exdb/mnist/ ("file formats for the MNIST database")
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { decodeIdx, type IdxArray } from '../../data/idx.js';
import { DataError } from '../../errors.js';

export type { IdxData } from '../../data/idx.js';

/** A decoded IDX file. */
export interface IdxFile extends IdxArray {
  /** The file actually read (with `.gz` when the gzipped copy was used). */
  path: string;
}

/** `path` if it exists, else `path.gz` if that exists. @throws DataError when neither does */
function locate(path: string): string {
  if (existsSync(path)) return path;
  if (existsSync(`${path}.gz`)) return `${path}.gz`;
  throw new DataError(`${path}: no such file (nor ${path}.gz)`);
}

/** The file's bytes, gunzipped when they start with the gzip header 0x1f 0x8b. */
function readBytes(file: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    throw new DataError(`${file}: ${readFailure(err as NodeJS.ErrnoException)}`, { cause: err });
  }
  if (raw.length < 2 || raw[0] !== 0x1f || raw[1] !== 0x8b) return raw;
  try {
    return gunzipSync(raw);
  } catch (err) {
    throw new DataError(`${file}: corrupt gzip data (${(err as Error).message})`, { cause: err });
  }
}

/** Why a file could not be read, in words ('expected a file, got a folder'), for a message naming it. */
function readFailure(err: NodeJS.ErrnoException): string {
  if (err.code === 'EISDIR') return 'expected a file, got a folder';
  if (err.code === 'EACCES' || err.code === 'EPERM') return 'cannot read file (permission denied)';
  if (err.code === 'ENOENT') return 'no such file';
  return `cannot read file (${err.message})`;
}

/**
 * Reads an IDX file. When `path` does not exist but `path.gz` does, reads that; gzip is detected
 * from the content (0x1f 0x8b), not the name.
 * @param path - file path, e.g. '…/train-images-idx3-ubyte'
 * @returns dims, data (typed by the file's type code: 0x08 Uint8, 0x09 Int8, 0x0B Int16, 0x0C Int32,
 *   0x0D Float32, 0x0E Float64) and the path read
 * @throws DataError naming the file: no such file, unreadable, corrupt gzip, and what {@link decodeIdx}
 *   rejects (bad magic number, unknown type code, truncated header or data, trailing bytes)
 */
export function readIdx(path: string): IdxFile {
  const file = locate(path);
  return { ...decodeIdx(readBytes(file), file), path: file };
}
