/**
 * The explorer's chart arithmetic (app/src/pure/plot.ts): scales, nice ticks and SVG line paths,
 * against values worked out by hand.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { coord, extent, linePath, linearScale, niceDomain, niceTicks, tickLabel, tickStep } from '../../app/src/pure/plot.js';

describe('linearScale', () => {
  test('maps the domain ends to the range ends and is linear between them, flipped ranges included', () => {
    const x = linearScale([0, 10], [50, 250]);
    assert.equal(x(0), 50);
    assert.equal(x(10), 250);
    assert.equal(x(2.5), 100);
    const y = linearScale([100, 200], [180, 20]);
    assert.equal(y(100), 180);
    assert.equal(y(200), 20);
    assert.equal(y(150), 100);
    assert.deepEqual([...y.domain], [100, 200]);
  });

  test('sends every value to the middle of the range when the domain is one point', () => {
    const x = linearScale([3, 3], [0, 100]);
    assert.equal(x(3), 50);
    assert.equal(x(-7), 50);
  });
});

describe('extent', () => {
  test('skips NaN and infinities, and is null when nothing is finite', () => {
    assert.deepEqual(extent([3, NaN, -1, Infinity, 7, -Infinity]), [-1, 7]);
    assert.equal(extent([NaN, Infinity]), null);
    assert.equal(extent([]), null);
  });
});

describe('nice ticks', () => {
  test('steps are 1, 2 or 5 times a power of ten', () => {
    assert.equal(tickStep(0, 10, 5), 2);
    assert.equal(tickStep(0, 1, 5), 0.2);
    assert.equal(tickStep(200, 360, 4), 50);
    assert.equal(tickStep(0, 100, 10), 10);
  });

  test('lists the multiples of the step inside the range, ends included, without float noise', () => {
    assert.deepEqual(niceTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(213.4, 356.1, 4), [250, 300, 350]);
    assert.deepEqual(niceTicks(-3, 3, 3), [-2, 0, 2]);
    assert.deepEqual(niceTicks(5, 5), [5]);
    assert.deepEqual(niceTicks(NaN, 1), []);
  });

  test('a nice domain widens the range out to multiples of the step, and a point to ±1', () => {
    assert.deepEqual(niceDomain(213.4, 356.1, 4), [200, 400]);
    assert.deepEqual(niceDomain(0, 37, 4), [0, 40]);
    assert.deepEqual(niceDomain(4, 4), [3, 5]);
    assert.deepEqual(niceDomain(500, 500), [450, 550]);
  });

  test('tick labels carry the step decimals, exponent form only for huge or tiny values', () => {
    assert.equal(tickLabel(0.4, 0.2), '0.4');
    assert.equal(tickLabel(250, 50), '250');
    assert.equal(tickLabel(0.25, 0.05), '0.25');
    assert.equal(tickLabel(2e6, 1e6), '2.0e+6');
    assert.equal(tickLabel(0, 1), '0');
  });
});

describe('linePath', () => {
  const x = linearScale([0, 2], [0, 100]);
  const y = linearScale([0, 4], [50, 0]);

  test('draws the path through 3 known points: M to the first, L to the others', () => {
    assert.equal(
      linePath(
        [
          [0, 0],
          [1, 1],
          [2, 4],
        ],
        x,
        y,
      ),
      'M0,50L50,37.5L100,0',
    );
  });

  test('a non-finite point breaks the line, and the next finite one starts a new M', () => {
    assert.equal(
      linePath(
        [
          [0, 0],
          [1, NaN],
          [2, 4],
        ],
        x,
        y,
      ),
      'M0,50M100,0',
    );
    assert.equal(linePath([[1, Infinity]], x, y), '');
    assert.equal(linePath([], x, y), '');
  });

  test('coordinates keep at most 2 decimals and no negative zero', () => {
    assert.equal(coord(1 / 3), '0.33');
    assert.equal(coord(12), '12');
    assert.equal(coord(-0.001), '0');
    assert.equal(coord(2.5), '2.5');
  });
});
