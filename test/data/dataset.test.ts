import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gatherRows, makeDataset, splitValidation, subset, takeFirst, type Dataset } from '../../src/data/dataset.js';
import { ConfigError, DataError, ShapeError } from '../../src/errors.js';

/** n examples of dimension d where x[i, j] = 100·i + j, label i mod 10. */
function ramp(n: number, d: number): Dataset {
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = 100 * i + j;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  return makeDataset({ x, numExamples: n, dataDim: d, labels, source: 'ramp' });
}

/** The example index each row of `ds` came from (rows of `ramp` encode it). */
function rowIds(ds: Dataset): number[] {
  return Array.from({ length: ds.numExamples }, (_, i) => ds.x[i * ds.dataDim] / 100);
}

describe('makeDataset', () => {
  test('defaults exampleShape to [dataDim] and keeps labels', () => {
    const ds = ramp(3, 4);
    assert.deepEqual(ds.exampleShape, [4]);
    assert.deepEqual(Array.from(ds.labels ?? []), [0, 1, 2]);
  });

  test('rejects x of the wrong length, an exampleShape not multiplying to dataDim, and a short label array', () => {
    const x = new Float32Array(12);
    assert.throws(() => makeDataset({ x, numExamples: 4, dataDim: 4, source: 's' }), ShapeError);
    assert.throws(
      () => makeDataset({ x, numExamples: 3, dataDim: 4, exampleShape: [2, 3], source: 's' }),
      (e: unknown) => e instanceof ShapeError && /s\): expected exampleShape with product dataDim = 4, got \[2,3\]/.test(e.message),
    );
    assert.throws(
      () => makeDataset({ x, numExamples: 3, dataDim: 4, labels: new Int32Array(2), source: 's' }),
      (e: unknown) => e instanceof ShapeError && /expected 3 labels, got 2/.test(e.message),
    );
    const plain = Array.from(x) as unknown as Float32Array;
    assert.throws(() => makeDataset({ x: plain, numExamples: 3, dataDim: 4, source: 's' }), DataError);
  });
});

describe('gatherRows', () => {
  test('copies rows indices[start..end) in order into a new array', () => {
    const ds = ramp(6, 3);
    const rows = gatherRows(ds, [5, 0, 3, 3, 1], 1, 4);
    assert.deepEqual(Array.from(rows), [0, 1, 2, 300, 301, 302, 300, 301, 302]);
  });

  test('writes into the given buffer and returns it', () => {
    const ds = ramp(6, 3);
    const out = new Float32Array(6).fill(-1);
    const indices = Int32Array.of(4, 2);
    assert.equal(gatherRows(ds, indices, 0, 2, out), out);
    assert.deepEqual(Array.from(out), [400, 401, 402, 200, 201, 202]);
  });

  test('rejects an index out of range, a bad range and a buffer of the wrong length', () => {
    const ds = ramp(6, 3);
    assert.throws(() => gatherRows(ds, [0, 6], 0, 2), /expected example indices in \[0, 6\), got 6 at position 1/);
    assert.throws(() => gatherRows(ds, [0, 1.5], 0, 2), ShapeError);
    assert.throws(() => gatherRows(ds, [0, 1], 1, 3), ShapeError);
    assert.throws(() => gatherRows(ds, [0, 1], 0, 2, new Float32Array(5)), /expected out.length = 2 · 3 = 6, got 5/);
  });
});

describe('subset and takeFirst', () => {
  test('subset carries rows, labels and shape of the chosen examples', () => {
    const ds = makeDataset({ ...ramp(12, 4), exampleShape: [2, 2, 1] });
    const s = subset(ds, [11, 2, 2], 'picked');
    assert.deepEqual(rowIds(s), [11, 2, 2]);
    assert.deepEqual(Array.from(s.labels ?? []), [1, 2, 2]);
    assert.deepEqual(s.exampleShape, [2, 2, 1]);
    assert.equal(s.source, 'picked');
    assert.notEqual(s.x.buffer, ds.x.buffer);
  });

  test('takeFirst keeps the first n examples and at most all of them', () => {
    const ds = ramp(5, 2);
    assert.deepEqual(rowIds(takeFirst(ds, 2)), [0, 1]);
    assert.deepEqual(Array.from(takeFirst(ds, 2).labels ?? []), [0, 1]);
    assert.equal(takeFirst(ds, 50).numExamples, 5);
    assert.equal(takeFirst(ds, 0).x.length, 0);
    assert.throws(() => takeFirst(ds, -1), ConfigError);
  });
});

describe('splitValidation', () => {
  test('is disjoint, covers every example, and has the requested sizes', () => {
    const ds = ramp(100, 3);
    const { train, val } = splitValidation(ds, 17, 1);
    assert.equal(val.numExamples, 17);
    assert.equal(train.numExamples, 83);
    const all = [...rowIds(train), ...rowIds(val)].sort((a, b) => a - b);
    assert.deepEqual(
      all,
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.deepEqual(
      Array.from(val.labels ?? []),
      rowIds(val).map((i) => i % 10),
    );
  });

  test('gives the same split for the same seed and a different one for another seed', () => {
    const ds = ramp(100, 3);
    const a = rowIds(splitValidation(ds, 10, 7).val);
    assert.deepEqual(rowIds(splitValidation(ds, 10, 7).val), a);
    assert.notDeepEqual(rowIds(splitValidation(ds, 10, 8).val), a);
    assert.notDeepEqual(
      a,
      Array.from({ length: 10 }, (_, i) => i),
      'validation examples are not simply the first ones',
    );
  });

  test('numVal 0 gives an empty validation set and the whole training set', () => {
    const { train, val } = splitValidation(ramp(8, 2), 0, 3);
    assert.equal(val.numExamples, 0);
    assert.equal(val.x.length, 0);
    assert.deepEqual(rowIds(train), [0, 1, 2, 3, 4, 5, 6, 7]);
  });

  test('rejects numVal >= numExamples with a ConfigError naming val', () => {
    assert.throws(
      () => splitValidation(ramp(8, 2), 8, 3),
      (e: unknown) => e instanceof ConfigError && /expected val .* in \[0, 8\), got 8/.test(e.message),
    );
    assert.throws(() => splitValidation(ramp(8, 2), 2.5, 3), ConfigError);
  });
});
