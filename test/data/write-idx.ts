/**
 * Test-only IDX writer, written from the format description independently of src/node/idx.ts,
 * so a round trip checks the reader against the spec rather than against itself.
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

/** Element size in bytes and big-endian writer per IDX type code. */
const WRITERS: Record<number, [number, (b: Buffer, v: number, o: number) => void]> = {
  0x08: [1, (b, v, o) => b.writeUInt8(v, o)],
  0x09: [1, (b, v, o) => b.writeInt8(v, o)],
  0x0b: [2, (b, v, o) => b.writeInt16BE(v, o)],
  0x0c: [4, (b, v, o) => b.writeInt32BE(v, o)],
  0x0d: [4, (b, v, o) => b.writeFloatBE(v, o)],
  0x0e: [8, (b, v, o) => b.writeDoubleBE(v, o)],
};

/** The bytes of an IDX file with the given type code, dims and row-major values. */
export function idxBytes(typeCode: number, dims: number[], values: ArrayLike<number>): Buffer {
  const [size, write] = WRITERS[typeCode];
  const header = 4 + 4 * dims.length;
  const b = Buffer.alloc(header + size * values.length);
  b.writeUInt8(typeCode, 2);
  b.writeUInt8(dims.length, 3);
  dims.forEach((d, k) => b.writeInt32BE(d, 4 + 4 * k));
  for (let i = 0; i < values.length; i++) write(b, values[i], header + i * size);
  return b;
}

/** Writes an IDX file to `path`, gzipped when `gzip` is set; returns `path`. */
export function writeIdx(path: string, typeCode: number, dims: number[], values: ArrayLike<number>, gzip = false): string {
  const bytes = idxBytes(typeCode, dims, values);
  writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
  return path;
}
