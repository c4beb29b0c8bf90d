import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError } from '../../src/errors.js';
import { readIdx } from '../../src/node/formats/idx.js';
import { idxBytes, writeIdx } from './write-idx.js';
import { assertDataError } from '../helpers/assert.js';

const dir = mkdtempSync(join(tmpdir(), 'vaekit-idx-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Asserts that `fn` throws a DataError whose message matches every pattern. */
describe('readIdx', () => {
  const cases = [
    { code: 0x08, ctor: Uint8Array, values: [0, 1, 127, 128, 254, 255] },
    { code: 0x09, ctor: Int8Array, values: [-128, -1, 0, 1, 64, 127] },
    { code: 0x0b, ctor: Int16Array, values: [-32768, -300, 0, 1, 258, 32767] },
    { code: 0x0c, ctor: Int32Array, values: [-2147483648, -70000, 0, 1, 65537, 2147483647] },
    { code: 0x0d, ctor: Float32Array, values: [-1.5, 0, 0.25, 3.0e38, -1e-30, 1 / 3] },
    { code: 0x0e, ctor: Float64Array, values: [-1.5, 0, 0.1, 1e300, -1e-300, 1 / 3] },
  ];
  for (const { code, ctor, values } of cases) {
    for (const gzip of [false, true]) {
      test(`reads back type 0x${code.toString(16)} ${gzip ? 'gzipped' : 'plain'} with dims and big-endian values intact`, () => {
        const path = writeIdx(join(dir, `t${code}-${gzip}`), code, [2, 3], values, gzip);
        const idx = readIdx(path);
        assert.deepEqual(idx.dims, [2, 3]);
        assert.ok(idx.data instanceof ctor, `expected ${ctor.name}, got ${idx.data.constructor.name}`);
        assert.deepEqual(Array.from(idx.data), Array.from(ctor.from(values)));
        assert.equal(idx.path, path);
      });
    }
  }

  test('falls back to path.gz when the plain file is missing', () => {
    const base = join(dir, 'fallback-idx1-ubyte');
    writeIdx(`${base}.gz`, 0x08, [4], [9, 8, 7, 6], true);
    const idx = readIdx(base);
    assert.equal(idx.path, `${base}.gz`);
    assert.deepEqual(Array.from(idx.data), [9, 8, 7, 6]);
  });

  test('reads a rank-0 file as a single value', () => {
    const idx = readIdx(writeIdx(join(dir, 'scalar'), 0x0c, [], [-42]));
    assert.deepEqual(idx.dims, []);
    assert.deepEqual(Array.from(idx.data), [-42]);
  });

  test('reports a missing file with its name and "no such file"', () => {
    assertDataError(() => readIdx(join(dir, 'absent-idx3-ubyte')), /absent-idx3-ubyte: no such file/);
  });

  test('rejects a corrupted magic number, naming the file and the bytes found in hex', () => {
    const path = join(dir, 'badmagic-idx3-ubyte');
    const bytes = idxBytes(0x08, [1, 2, 2], [1, 2, 3, 4]);
    bytes[0] = 0x50; // 'P', as in a PNG or text file
    writeFileSync(path, bytes);
    assertDataError(() => readIdx(path), /badmagic-idx3-ubyte/, /bad magic number/, /got 0x50000803/);
  });

  test('rejects an unknown type code, naming it in hex', () => {
    const path = join(dir, 'badtype');
    const bytes = idxBytes(0x08, [2], [1, 2]);
    bytes[2] = 0x07;
    writeFileSync(path, bytes);
    assertDataError(() => readIdx(path), /badtype: unknown IDX type code/, /got 0x07/);
  });

  test('rejects a truncated file, giving expected and actual data bytes and the dims', () => {
    const path = join(dir, 'train-images-idx3-ubyte');
    const full = idxBytes(0x08, [3, 2, 2], new Uint8Array(12).fill(7));
    writeFileSync(path, full.subarray(0, full.length - 5));
    assertDataError(() => readIdx(path), /train-images-idx3-ubyte: truncated file/, /expected 12 bytes of data for dims \[3, 2, 2\], got 7/);
  });

  test('rejects a file cut inside its header', () => {
    const path = join(dir, 'shortheader');
    writeFileSync(path, idxBytes(0x08, [3, 2, 2], []).subarray(0, 9));
    assertDataError(() => readIdx(path), /shortheader: truncated header: expected 16 bytes for rank 3, got 9/);
  });

  test('rejects trailing garbage after the data', () => {
    const path = join(dir, 'trailing');
    writeFileSync(path, Buffer.concat([idxBytes(0x0b, [2], [1, 2]), Buffer.from([0, 0, 0])]));
    assertDataError(() => readIdx(path), /trailing: 3 bytes of trailing garbage: expected 4 bytes/);
  });

  test('detects gzip by content and wraps a corrupt stream with its cause', () => {
    const path = join(dir, 'corrupt-no-gz-suffix');
    const gz = gzipSync(idxBytes(0x08, [64], new Uint8Array(64)));
    writeFileSync(path, gz.subarray(0, gz.length - 12));
    assert.throws(
      () => readIdx(path),
      (err: unknown) => err instanceof DataError && /corrupt-no-gz-suffix: corrupt gzip data/.test(err.message) && err.cause instanceof Error,
    );
    // The same bytes untruncated, under a name without .gz, decode fine.
    writeFileSync(path, gz);
    assert.equal(readIdx(path).data.length, 64);
    assert.ok(readFileSync(path)[0] === 0x1f);
  });
});
