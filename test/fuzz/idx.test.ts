/**
 * Property-based fuzzing of the IDX reader (issue 13): on any bytes, decodeIdx returns a file
 * consistent with its header or throws a VaeError (a DataError), never a RangeError or TypeError.
 * Inputs are arbitrary bytes, and valid files mutated (bytes flipped, truncated, extended, type code,
 * rank or a dimension changed); readIdx also reads them gzipped and reads random gzip-looking files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { decodeIdx, type IdxArray } from '../../src/data/idx.js';
import { VaeError } from '../../src/errors.js';
import { readIdx } from '../../src/node/formats/idx.js';
import { idxBytes } from '../data/write-idx.js';

const SEED = 13;
const CTORS: Record<number, new (n: number) => ArrayLike<number>> = {
  0x08: Uint8Array,
  0x09: Int8Array,
  0x0b: Int16Array,
  0x0c: Int32Array,
  0x0d: Float32Array,
  0x0e: Float64Array,
};
const BYTES: Record<number, number> = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };

/** Asserts that a decoded file agrees with the header of the bytes it came from. */
function assertConsistent(idx: IdxArray, bytes: Uint8Array): void {
  const code = bytes[2];
  const rank = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.ok(idx.data instanceof CTORS[code], `type code 0x${code.toString(16)} decoded to ${idx.data.constructor.name}`);
  assert.deepEqual(
    idx.dims,
    Array.from({ length: rank }, (_, k) => view.getUint32(4 + 4 * k, false)),
  );
  const count = idx.dims.reduce((a, b) => a * b, 1);
  assert.equal(idx.data.length, count);
  assert.equal(bytes.length, 4 + 4 * rank + count * BYTES[code]);
}

/** Runs `fn`; an error that is not a VaeError fails the property (and is shrunk by fast-check). */
function decodedOrVaeError<T>(fn: () => T, check: (v: T) => void): void {
  let v: T;
  try {
    v = fn();
  } catch (err) {
    if (err instanceof VaeError) return;
    throw err;
  }
  check(v);
}

const typeCode = fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e);
/** A valid IDX file: a type code, rank 0–3, dims 0–4, and values that fit the type. */
const validIdx = fc.record({ code: typeCode, dims: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }) }).chain(({ code, dims }) => {
  const count = dims.reduce((a, b) => a * b, 1);
  const value =
    code === 0x08
      ? fc.integer({ min: 0, max: 255 })
      : code === 0x09
        ? fc.integer({ min: -128, max: 127 })
        : code === 0x0b
          ? fc.integer({ min: -32768, max: 32767 })
          : code === 0x0c
            ? fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
            : fc.double({ noNaN: true, min: -1e30, max: 1e30 }).map(Math.fround);
  return fc.record({ code: fc.constant(code), dims: fc.constant(dims), values: fc.array(value, { minLength: count, maxLength: count }) });
});

type Mutation =
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'truncate'; to: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'typeCode'; code: number }
  | { kind: 'rank'; rank: number }
  | { kind: 'dim'; k: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), to: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('typeCode' as const), code: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('rank' as const), rank: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('dim' as const),
    k: fc.nat(),
    value: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 65536), fc.nat()),
  }),
);

/** `bytes` mutated (a copy). */
function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const out = Uint8Array.from(bytes);
  switch (m.kind) {
    case 'flip':
      out[m.at % out.length] ^= m.xor;
      return out;
    case 'truncate':
      return out.subarray(0, m.to % out.length);
    case 'append': {
      const longer = new Uint8Array(out.length + m.bytes.length);
      longer.set(out);
      longer.set(m.bytes, out.length);
      return longer;
    }
    case 'typeCode':
      out[2] = m.code;
      return out;
    case 'rank':
      out[3] = m.rank;
      return out;
    case 'dim': {
      const rank = out[3];
      if (rank > 0 && out.length >= 8) new DataView(out.buffer).setUint32(4 + 4 * (m.k % Math.min(rank, (out.length - 4) >> 2)), m.value, false);
      return out;
    }
  }
}

/** `bytes` as a view at an odd offset into a larger buffer, so that the decoder must honour byteOffset. */
function atOffset(bytes: Uint8Array, offset: number): Uint8Array {
  const buffer = new Uint8Array(offset + bytes.length + 3).fill(0xa5);
  buffer.set(bytes, offset);
  return buffer.subarray(offset, offset + bytes.length);
}

describe('decodeIdx (fuzzed)', () => {
  test('arbitrary bytes decode consistently with their header or throw a VaeError', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // past the magic number more often: 0x00 0x00, then anything
      fc.uint8Array({ maxLength: 62 }).map((b) => Uint8Array.from([0, 0, ...b])),
    );
    fc.assert(
      fc.property(bytes, (b) =>
        decodedOrVaeError(
          () => decodeIdx(b, 'f.idx'),
          (idx) => assertConsistent(idx, b),
        ),
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });

  test('valid files decode to their values, also from a view at an offset into a larger buffer', () => {
    fc.assert(
      fc.property(validIdx, fc.integer({ min: 0, max: 7 }), ({ code, dims, values }, offset) => {
        const bytes = atOffset(idxBytes(code, dims, values), offset);
        const idx = decodeIdx(bytes, 'f.idx');
        assertConsistent(idx, bytes);
        assert.deepEqual(Array.from(idx.data), values);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  test('mutated valid files decode consistently with their header or throw a VaeError', () => {
    fc.assert(
      fc.property(validIdx, fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 7 }), ({ code, dims, values }, ms, offset) => {
        const bytes = atOffset(
          ms.reduce<Uint8Array>((b, m) => mutate(b, m), Uint8Array.from(idxBytes(code, dims, values))),
          offset,
        );
        decodedOrVaeError(
          () => decodeIdx(bytes, 'f.idx'),
          (idx) => assertConsistent(idx, bytes),
        );
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  test('a header whose dims multiply past 2^53, or to Infinity, throws a DataError', () => {
    // rank 3, dims 2^32−1 each: Π dims overflows exact integers; rank 255 of 2^32−1: Π dims = Infinity
    const huge = (rank: number) => {
      const b = new Uint8Array(4 + 4 * rank).fill(0xff);
      b.set([0, 0, 0x08, rank]);
      return b;
    };
    for (const rank of [3, 255]) assert.throws(() => decodeIdx(huge(rank), 'f.idx'), { name: 'DataError', message: /^f\.idx: truncated file/ });
  });
});

describe('readIdx (fuzzed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vaekit-fuzz-idx-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'f-idx');

  test('gzipped mutated files, and random bytes after the gzip magic number, read or throw a VaeError', () => {
    const file = fc.oneof(
      fc
        .tuple(validIdx, fc.array(mutation, { maxLength: 2 }))
        .map(([{ code, dims, values }, ms]) => gzipSync(ms.reduce<Uint8Array>((b, m) => mutate(b, m), Uint8Array.from(idxBytes(code, dims, values))))),
      fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from([0x1f, 0x8b, ...b])),
      // a gzipped file cut short or with a flipped byte
      fc.tuple(validIdx, mutation).map(([{ code, dims, values }, m]) => Buffer.from(mutate(gzipSync(idxBytes(code, dims, values)), m))),
    );
    fc.assert(
      fc.property(file, (bytes) => {
        writeFileSync(path, bytes);
        decodedOrVaeError(
          () => readIdx(path),
          (idx) => assert.equal(idx.path, path),
        );
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
