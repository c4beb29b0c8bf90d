/**
 * Score binning for the anomaly histogram (app/src/pure/histogram.ts): exact counts on hand-made
 * data with numpy.histogram's edge rule, NaN skipped, a threshold outside the data's range, and the
 * ranking of the top scores.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { binOf, histogram, topIndices } from '../../app/src/pure/histogram.js';

describe('histogram', () => {
  test('counts each value in [edges[i], edges[i + 1]), the maximum in the last bin (numpy.histogram)', () => {
    // Range [0, 4], 4 bins of width 1: edges 0, 1, 2, 3, 4.
    const h = histogram([0, 0.5, 1, 1.5, 2, 2, 3.999, 4], { numBins: 4 });
    assert.deepEqual([...h.edges], [0, 1, 2, 3, 4]);
    assert.deepEqual([...h.counts], [2, 2, 2, 2]);
    assert.equal(h.numSkipped, 0);
    assert.equal(h.numOutside, 0);
  });

  test('a value on an inner edge opens the next bin even when (v − lo) / width rounds below it', () => {
    // Range [1, 2], 5 bins: edges 1, 1.2, 1.4, 1.6, 1.8, 2; in float64 (1.2 − 1) / 1 · 5 = 0.9999999999999998, which floors to bin 0.
    const h = histogram([1, 1.2, 1.4, 1.6, 2], { numBins: 5, range: [1, 2] });
    assert.deepEqual([...h.edges], [1, 1.2, 1.4, 1.6, 1.8, 2]);
    assert.deepEqual([...h.counts], [1, 1, 1, 1, 1]);
    assert.equal(binOf(1.2, h.edges), 1);
    assert.equal(binOf(1.1999999999999997, h.edges), 0);
  });

  test('skips NaN and ±Inf scores and counts them apart', () => {
    const h = histogram([NaN, 1, 2, Infinity, 3, -Infinity, NaN], { numBins: 2 });
    assert.deepEqual([...h.edges], [1, 2, 3]);
    assert.deepEqual([...h.counts], [1, 2]);
    assert.equal(h.numSkipped, 4);
  });

  test('widens the range to a threshold above every score, so its line lies on the axis, and keeps every count', () => {
    const h = histogram([1, 2, 3, 4], { numBins: 3, include: [10] });
    assert.deepEqual([...h.edges], [1, 4, 7, 10]);
    assert.deepEqual([...h.counts], [3, 1, 0]);
    const below = histogram([1, 2, 3, 4], { numBins: 5, include: [-1, null, NaN] });
    assert.deepEqual([...below.edges], [-1, 0, 1, 2, 3, 4]);
    assert.deepEqual([...below.counts], [0, 0, 1, 1, 2]);
  });

  test('an explicit range counts the values outside it apart', () => {
    const h = histogram([-5, 0, 1, 2, 9], { numBins: 2, range: [0, 2] });
    assert.deepEqual([...h.counts], [1, 2]);
    assert.equal(h.numOutside, 2);
  });

  test('equal scores get one bin of width 1 around them; no finite score gives empty bins on [0, 1]', () => {
    const same = histogram([5, 5, 5], { numBins: 1 });
    assert.deepEqual([...same.edges], [4.5, 5.5]);
    assert.deepEqual([...same.counts], [3]);
    const none = histogram([NaN], { numBins: 2 });
    assert.deepEqual([...none.edges], [0, 0.5, 1]);
    assert.deepEqual([...none.counts], [0, 0]);
    assert.equal(none.numSkipped, 1);
  });

  test('rejects a bad number of bins or range, naming it', () => {
    assert.throws(() => histogram([1], { numBins: 0 }), /numBins: expected an integer ≥ 1, got 0/);
    assert.throws(() => histogram([1], { range: [2, 1] }), /range: expected finite lo ≤ hi, got \[2, 1\]/);
  });
});

describe('topIndices', () => {
  test('gives the indices of the largest finite scores, largest first, ties by index, NaN never ranked', () => {
    assert.deepEqual(topIndices([3, NaN, 9, 1, 9, Infinity, 4], 3), [2, 4, 6]);
    assert.deepEqual(topIndices([NaN, 2, 1], 10), [1, 2]);
    assert.deepEqual(topIndices([1, 2], 0), []);
  });
});
