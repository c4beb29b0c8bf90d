/**
 * Decoder of the IDX format of the MNIST files (LeCun et al.), from bytes in memory:
 *   bytes 0–1: 0x00 0x00;  byte 2: type code;  byte 3: rank R
 *   then R big-endian int32 dimensions, then the values, big-endian, row-major
 * Browser-safe: no `node:*` imports and no tfjs. Reading a file (and gunzipping it) is the caller's:
 * src/node/formats/idx.ts in Node, a `fetch` in the browser.
 * @see http://yann.lecun.com/exdb/mnist/ ("file formats for the MNIST database")
 */
import { DataError } from '../errors.js';

/** The typed arrays an IDX file can decode to. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file. */
export interface IdxArray {
  /** Dimensions, e.g. [60000, 28, 28]. */
  dims: number[];
  /** Values, row-major, length Π dims, in native byte order. */
  data: IdxData;
}

interface IdxType {
  bytes: number;
  make: (n: number) => IdxData;
  read: (view: DataView, offset: number) => number;
}

/** IDX type codes → element size, array constructor and big-endian reader. */
const IDX_TYPES: Record<number, IdxType> = {
  0x08: { bytes: 1, make: (n) => new Uint8Array(n), read: (v, o) => v.getUint8(o) },
  0x09: { bytes: 1, make: (n) => new Int8Array(n), read: (v, o) => v.getInt8(o) },
  0x0b: { bytes: 2, make: (n) => new Int16Array(n), read: (v, o) => v.getInt16(o, false) },
  0x0c: { bytes: 4, make: (n) => new Int32Array(n), read: (v, o) => v.getInt32(o, false) },
  0x0d: { bytes: 4, make: (n) => new Float32Array(n), read: (v, o) => v.getFloat32(o, false) },
  0x0e: { bytes: 8, make: (n) => new Float64Array(n), read: (v, o) => v.getFloat64(o, false) },
};

/** Bytes as '0x' and two lower-case hex digits each. */
const hex = (bytes: Uint8Array): string => '0x' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Decodes the bytes of an (uncompressed) IDX file.
 * @param bytes - the whole file, header first
 * @param where - the file's name or URL, for messages
 * @returns dims and data, typed by the file's type code: 0x08 Uint8, 0x09 Int8, 0x0B Int16, 0x0C Int32,
 *   0x0D Float32, 0x0E Float64 (a new array; `bytes` is not kept)
 * @throws DataError naming `where`: bad magic number, unknown type code, truncated header or data,
 *   trailing bytes
 */
export function decodeIdx(bytes: Uint8Array, where: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    const got = bytes.length === 0 ? '0 bytes (an empty file)' : hex(bytes.subarray(0, 4));
    throw new DataError(`${where}: bad magic number at byte 0: expected 0x0000 then a type code and a rank, got ${got} (not an IDX file?)`);
  }
  const type = IDX_TYPES[bytes[2]];
  if (!type) {
    throw new DataError(`${where}: unknown IDX type code at byte 2: expected one of 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, got ${hex(bytes.subarray(2, 3))}`);
  }
  const rank = bytes[3];
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DataError(
      `${where}: truncated header: expected ${headerBytes} bytes for rank ${rank}, got ${bytes.length} (the file ends at byte ${bytes.length})`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, k) => view.getUint32(4 + 4 * k, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = count * type.bytes;
  const got = bytes.length - headerBytes;
  if (got !== expected) {
    const problem = got < expected ? 'truncated file' : `${got - expected} bytes of trailing garbage`;
    const position =
      got < expected ? `the file ends at byte ${bytes.length}, expected ${headerBytes + expected}` : `from byte ${headerBytes + expected} to ${bytes.length}`;
    throw new DataError(`${where}: ${problem}: expected ${expected} bytes of data for dims [${dims.join(', ')}], got ${got} (${position})`);
  }
  const data = type.make(count); // [Π dims]
  if (type.bytes === 1) {
    data.set(bytes.subarray(headerBytes)); // bytes → Int8 wraps modulo 256, i.e. reinterprets each byte
  } else {
    for (let i = 0; i < count; i++) data[i] = type.read(view, headerBytes + i * type.bytes);
  }
  return { dims, data };
}
