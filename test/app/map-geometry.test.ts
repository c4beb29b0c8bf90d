/**
 * The latent map's geometry (app/src/pure/map-geometry.ts): the fitted transform keeps one scale and
 * the padding, its inverse undoes it, the nearest example is found, and a map point and a latent point
 * go back and forth through the PCA directions.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  fitTransform,
  latentAt,
  latentDimOf,
  mapPointOf,
  mapPoints,
  nearestPoint,
  niceTicks,
  toData,
  toPixel,
  type MapProjection,
} from '../../app/src/pure/map-geometry.js';
import { assertAllClose } from '../helpers/assert.js';

describe('the data → pixel transform', () => {
  test('stretches each axis to fill the box inside the padding, y up', () => {
    // x in [−1, 3] (span 4), y in [0, 1] (span 1); box 200 × 100, padding 10 → inner 180 × 80: scales 45 and 80
    const t = fitTransform([-1, 0, 3, 1, 1, 0.5], 200, 100, 10);
    assert.equal(t.scaleX, 45);
    assert.equal(t.scaleY, 80);
    assert.deepEqual(toPixel(t, -1, 0), [10, 90]); // bottom-left corner of the inner box
    assert.deepEqual(toPixel(t, 3, 1), [190, 10]); // top-right
    assert.deepEqual(toPixel(t, 1, 0.5), [100, 50]); // centre
  });

  test('toData inverts toPixel', () => {
    const t = fitTransform([-2.5, 7, 4, -3, 0.25, 1], 480, 480, 24);
    for (const [x, y] of [
      [0, 0],
      [-2.5, 7],
      [3.3, -1.7],
      [100, -100],
    ]) {
      const [px, py] = toPixel(t, x, y);
      assertAllClose(toData(t, px, py), [x, y], { rtol: 1e-12, atol: 1e-12 });
    }
  });

  test('points on one line (Z = 1, y = 0) fill the width, centred vertically with the same scale; one point alone gets a finite scale', () => {
    const line = fitTransform(mapPoints([-2, 0, 2], 1), 100, 60, 5);
    assert.deepEqual([line.scaleX, line.scaleY], [90 / 4, 90 / 4]);
    assert.deepEqual(toPixel(line, -2, 0), [5, 30]);
    assert.deepEqual(toPixel(line, 2, 0), [95, 30]);
    assert.deepEqual(toPixel(line, 0, 1), [50, 30 - 90 / 4]);
    const single = fitTransform([1, 1], 100, 60, 5);
    assert.deepEqual([single.scaleX, single.scaleY], [25, 25]);
    assert.deepEqual(toPixel(single, 1, 1), [50, 30]);
    const none = fitTransform([NaN, 1], 100, 100, 0);
    assert.deepEqual(toPixel(none, 1, 1), [100, 0]); // no finite point: the box spans [−1, 1]²
  });
});

describe('niceTicks', () => {
  test('steps by 1, 2 or 5 × 10^k, the smallest at least the span / count, inside [lo, hi]', () => {
    assert.deepEqual(niceTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(niceTicks(-4.16, 1.91, 5), [-4, -2, 0]); // span / 5 = 1.21 → step 2
    assert.deepEqual(niceTicks(-0.33, 0.31, 4), [-0.2, 0, 0.2]); // 0.16 → 0.2
    assert.deepEqual(niceTicks(0.1, 0.7, 6), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]); // 0.1 exactly, no float drift
    assert.deepEqual(niceTicks(1, 1, 5), [1]);
    assert.deepEqual(niceTicks(NaN, 1, 5), []);
  });
});

describe('mapPoints', () => {
  test('keeps two coordinates and puts one on the x axis with y = 0', () => {
    assert.deepEqual(Array.from(mapPoints([1, 2, 3, 4], 2)), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(mapPoints([1, 2, 3], 1)), [1, 0, 2, 0, 3, 0]);
    assert.throws(() => mapPoints([1, 2, 3], 3), /expected 1 or 2 coordinates per point, got 3/);
  });
});

describe('nearestPoint', () => {
  test('finds the nearest example and its distance, the first on a tie', () => {
    const points = [0, 0, 10, 0, 10, 10, 0, 10, 5, 5];
    assert.deepEqual(nearestPoint(points, 9, 1), { index: 1, distance: Math.SQRT2 });
    const near = nearestPoint(points, 4.9, 5.2);
    assert.equal(near.index, 4);
    assertAllClose([near.distance], [Math.sqrt(0.05)], { rtol: 1e-12 });
    assert.equal(nearestPoint(points, 5, 0).index, 0); // equidistant from 0, 1 and 4
    assert.equal(nearestPoint(points, 5, 0).distance, 5);
    assert.deepEqual(nearestPoint([], 0, 0), { index: -1, distance: Infinity });
  });
});

describe('latent ↔ map', () => {
  const identity2: MapProjection = { method: 'identity', numComponents: 2, mean: null, components: null };
  const identity1: MapProjection = { method: 'identity', numComponents: 1, mean: null, components: null };
  // Z = 3: m = (1, 2, 3); u1 = (0.6, 0.8, 0), u2 = (0, 0, 1)
  const pca: MapProjection = { method: 'pca', numComponents: 2, mean: Float64Array.from([1, 2, 3]), components: Float64Array.from([0.6, 0.8, 0, 0, 0, 1]) };

  test('Z ≤ 2: the map point is z, y = 0 for Z = 1', () => {
    assert.deepEqual(Array.from(latentAt(identity2, 0.5, -1.25)), [0.5, -1.25]);
    assert.deepEqual(mapPointOf(identity2, [0.5, -1.25]), [0.5, -1.25]);
    assert.deepEqual(Array.from(latentAt(identity1, 0.5, 9)), [0.5]);
    assert.deepEqual(mapPointOf(identity1, [0.5]), [0.5, 0]);
    assert.equal(latentDimOf(identity1), 1);
    assert.equal(latentDimOf(pca), 3);
  });

  test('Z > 2: z = m + c1·u1 + c2·u2, and Uᵀ(z − m) gives (c1, c2) back', () => {
    const z = latentAt(pca, 2, -1);
    assertAllClose(z, [1 + 1.2, 2 + 1.6, 3 - 1], { rtol: 1e-6 });
    assertAllClose(mapPointOf(pca, z), [2, -1], { rtol: 1e-6, atol: 1e-6 });
  });

  test('Z > 2: a latent point off the plane maps to its projection (the other principal coordinates dropped)', () => {
    // z − m = 2·u1 + 5·w with w = (0.8, −0.6, 0) ⟂ u1, u2
    const z = [1 + 1.2 + 4, 2 + 1.6 - 3, 3];
    assertAllClose(mapPointOf(pca, z), [2, 0], { rtol: 1e-12, atol: 1e-12 });
  });
});
