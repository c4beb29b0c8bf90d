/**
 * The map's thumbnail layout (app/src/pure/thumbnails.ts): at most one thumbnail per cell, never two
 * overlapping, the example nearest each cell's centre, nothing for points off the canvas.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { layoutThumbnails, type ThumbnailPlacement } from '../../app/src/pure/thumbnails.js';

/** A seeded stream of uniform numbers in [0, 1) (a linear congruential generator), for repeatable points. */
function uniforms(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const overlaps = (a: ThumbnailPlacement, b: ThumbnailPlacement) => a.x < b.x + b.size && b.x < a.x + a.size && a.y < b.y + b.size && b.y < a.y + a.size;

describe('layoutThumbnails', () => {
  test('picks, in each cell, the example nearest its centre, and places it in that cell less the gap', () => {
    // cells of 10 px on a 20 × 20 canvas; cell (0, 0) centre (5, 5), cell (row 0, col 1) centre (15, 5)
    const pixels = [1, 1, 4, 6, 19, 9, 12, 2];
    assert.deepEqual(layoutThumbnails(pixels, 20, 20, 10, 2), [
      { index: 1, x: 1, y: 1, size: 8 }, // |(4, 6) − (5, 5)|² = 2 < |(1, 1) − (5, 5)|² = 32
      { index: 3, x: 11, y: 1, size: 8 }, // (12, 2): 9 + 9 = 18 < (19, 9): 16 + 16 = 32
    ]);
  });

  test('leaves out points off the canvas, in a partial last cell, or not finite; the lowest index wins a tie', () => {
    const pixels = [-1, 5, 5, 25, 25, 5, NaN, 5, 5, 5, 5, 5];
    // 25 px wide with 10 px cells: 2 whole columns; (25, 5) is in no cell
    assert.deepEqual(layoutThumbnails(pixels, 25, 25, 10, 0), [{ index: 4, x: 0, y: 0, size: 10 }]);
  });

  test('never overlaps and holds at most one example per cell, for 2000 random points', () => {
    const u = uniforms(7);
    const pixels = Array.from({ length: 4000 }, () => u() * 500 - 10);
    const cell = 28;
    const placed = layoutThumbnails(pixels, 480, 480, cell);
    assert.ok(placed.length > 200 && placed.length <= 17 * 17, `expected most of the 17 × 17 cells filled, got ${placed.length}`);
    const cells = new Set(placed.map((p) => `${Math.floor(p.x / cell)},${Math.floor(p.y / cell)}`));
    assert.equal(cells.size, placed.length);
    assert.equal(new Set(placed.map((p) => p.index)).size, placed.length);
    for (let a = 0; a < placed.length; a++)
      for (let b = a + 1; b < placed.length; b++) assert.ok(!overlaps(placed[a], placed[b]), `thumbnails ${a} and ${b} overlap`);
    for (const p of placed) {
      // the example's point lies in its thumbnail's cell
      assert.equal(Math.floor(pixels[2 * p.index] / cell), Math.floor(p.x / cell));
      assert.equal(Math.floor(pixels[2 * p.index + 1] / cell), Math.floor(p.y / cell));
    }
  });

  test('rejects a cell size that is not positive or a gap as wide as a cell', () => {
    assert.throws(() => layoutThumbnails([], 10, 10, 0), /expected cellSize > 0 and 0 ≤ gap < cellSize, got 0 and 1/);
    assert.throws(() => layoutThumbnails([], 10, 10, 4, 4), /got 4 and 4/);
  });
});
