/**
 * The class picker's condition vectors (app/src/pure/condition.ts): one-hot labels, and condition
 * columns between raw units and the model's z-scored units.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { argMax, conditionFromRaw, oneHot, rawFromCondition } from '../../app/src/pure/condition.js';

describe('label conditions', () => {
  test('one-hot puts a single 1 at the class, and argMax reads it back', () => {
    assert.deepEqual([...oneHot(2, 4)], [0, 0, 1, 0]);
    assert.equal(argMax(oneHot(3, 10)), 3);
    assert.equal(argMax([0.1, 0.7, 0.7]), 1);
    assert.equal(argMax([]), -1);
  });

  test('rejects a class outside 0 … n − 1', () => {
    assert.throws(() => oneHot(4, 4), /expected a class in 0 … 3, got 4/);
    assert.throws(() => oneHot(1.5, 4), /got 1\.5/);
  });
});

describe('column conditions', () => {
  const st = { mean: [10, 0.5], std: [2, 0.25] };

  test('z-scores raw values after the division by scale: c = (raw / scale − mean) / std', () => {
    // (28 / 2 − 10) / 2 = 2;  (0.5 / 2 − 0.5) / 0.25 = −1
    assert.deepEqual([...conditionFromRaw([28, 0.5], st, 2)], [2, -1]);
  });

  test('rawFromCondition inverts it', () => {
    assert.deepEqual([...rawFromCondition([2, -1], st, 2)], [28, 0.5]);
    assert.deepEqual([...rawFromCondition([0, 0], st, 1)], [10, 0.5]);
  });
});
