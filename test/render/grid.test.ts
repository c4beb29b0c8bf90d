import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, ShapeError } from '../../src/errors.js';
import { imageGrid, sideBySide, type RasterImage } from '../../src/render/grid.js';

/** Value of channel k at (row y, column x) of a raster. */
function pixel(img: RasterImage, x: number, y: number, k = 0): number {
  return img.data[(y * img.width + x) * img.channels + k];
}

/** n constant gray images of size h×w, image i filled with the value values[i]. */
function constantImages(values: number[], h: number, w: number): Float32Array {
  const out = new Float32Array(values.length * h * w);
  values.forEach((v, i) => out.fill(v, i * h * w, (i + 1) * h * w));
  return out;
}

describe('imageGrid', () => {
  it('places image i at tile (floor(i / cols), i mod cols) with the documented size', () => {
    // 5 images of 2×3 (h×w) gray, 3 columns, padding 1 → 2 rows
    const values = [0, 0.2, 0.4, 0.6, 0.8];
    const img = imageGrid(constantImages(values, 2, 3), 5, [2, 3, 1], { cols: 3, padding: 1 });
    assert.equal(img.channels, 1);
    assert.equal(img.width, 3 * 3 + 4 * 1);
    assert.equal(img.height, 2 * 2 + 3 * 1);
    assert.equal(img.data.length, img.width * img.height);
    for (let i = 0; i < 5; i++) {
      const x0 = 1 + (i % 3) * 4;
      const y0 = 1 + Math.floor(i / 3) * 3;
      const expected = Math.round(values[i] * 255);
      for (let y = 0; y < 2; y++) {
        for (let x = 0; x < 3; x++) assert.equal(pixel(img, x0 + x, y0 + y), expected, `image ${i} at (${x}, ${y})`);
      }
    }
  });

  it('keeps the pixel order inside a tile (row-major, channels interleaved)', () => {
    // one 2×2 RGB image whose value encodes (row, column, channel)
    const src = new Float32Array(12);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) for (let k = 0; k < 3; k++) src[(y * 2 + x) * 3 + k] = (y * 6 + x * 3 + k) / 255;
    const img = imageGrid(src, 1, [2, 2, 3], { padding: 2 });
    assert.equal(img.channels, 3);
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < 2; x++) for (let k = 0; k < 3; k++) assert.equal(pixel(img, 2 + x, 2 + y, k), y * 6 + x * 3 + k);
    }
  });

  it('defaults to ceil(sqrt(n)) columns, padding 2 and a white border', () => {
    const img = imageGrid(constantImages([0, 0, 0, 0, 0], 4, 4), 5, [4, 4, 1]);
    // cols = 3, rows = 2
    assert.equal(img.width, 3 * 4 + 4 * 2);
    assert.equal(img.height, 2 * 4 + 3 * 2);
    assert.equal(pixel(img, 0, 0), 255); // corner border
    assert.equal(pixel(img, 1, 5), 255); // left border
    assert.equal(pixel(img, 6, 2), 255); // gap between tile 0 and tile 1
    assert.equal(pixel(img, 2, 2), 0); // first pixel of tile 0
    // tile (1, 2) is empty and takes the background
    assert.equal(pixel(img, 2 + 2 * 6, 2 + 6), 255);
  });

  it('fills the border and empty tiles with the background gray level', () => {
    const img = imageGrid(constantImages([1, 1, 1], 2, 2), 3, [2, 2, 1], { cols: 2, padding: 3, background: 0.5 });
    const bg = Math.round(0.5 * 255);
    assert.equal(pixel(img, 0, 0), bg);
    assert.equal(pixel(img, 5, 3), bg); // gap column between tiles 0 and 1
    assert.equal(pixel(img, 3, 3), 255); // tile 0
    assert.equal(pixel(img, 8, 8), bg); // empty tile (1, 1)
    assert.equal(pixel(img, img.width - 1, img.height - 1), bg);
  });

  it('lays tiles edge to edge with padding 0', () => {
    const img = imageGrid(constantImages([0.2, 0.8], 1, 1), 2, [1, 1, 1], { cols: 2, padding: 0 });
    assert.deepEqual([img.width, img.height], [2, 1]);
    assert.deepEqual(Array.from(img.data), [51, 204]);
  });

  it('clips values outside [0, 1] and maps NaN to 0', () => {
    const src = Float32Array.of(-0.5, 1.7, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5);
    const img = imageGrid(src, 1, [1, 6, 1], { padding: 0 });
    assert.deepEqual(Array.from(img.data), [0, 255, 0, 255, 0, 128]);
  });

  it('throws ShapeError naming the expected size when the buffer is too short', () => {
    assert.throws(
      () => imageGrid(new Float32Array(7), 2, [2, 2, 1]),
      (e: unknown) => {
        assert.ok(e instanceof ShapeError);
        assert.match(e.message, /^imageGrid: expected images to hold 2·2·2·1 = 8 values, got 7$/);
        return true;
      },
    );
  });

  it('throws ShapeError for 2 channels or a non-positive image count', () => {
    assert.throws(() => imageGrid(new Float32Array(8), 1, [2, 2, 2]), ShapeError);
    assert.throws(() => imageGrid(new Float32Array(0), 0, [2, 2, 1]), ShapeError);
  });

  it('throws ConfigError for a bad cols, padding or background', () => {
    const x = new Float32Array(4);
    assert.throws(() => imageGrid(x, 1, [2, 2, 1], { cols: 0 }), /imageGrid: expected cols to be a positive integer, got 0/);
    assert.throws(() => imageGrid(x, 1, [2, 2, 1], { padding: -1 }), ConfigError);
    assert.throws(() => imageGrid(x, 1, [2, 2, 1], { background: 1.5 }), /expected background in \[0, 1\], got 1.5/);
  });
});

describe('sideBySide', () => {
  it('puts original i and reconstruction i in adjacent columns, pairsPerRow pairs per row', () => {
    // 3 pairs of 1×1 gray images, 2 pairs per row → 4 columns, 2 rows, no padding
    const originals = Float32Array.of(0.1, 0.2, 0.3);
    const recons = Float32Array.of(0.6, 0.7, 0.8);
    const img = sideBySide(originals, recons, 3, [1, 1, 1], { pairsPerRow: 2, padding: 0, background: 0 });
    assert.deepEqual([img.width, img.height], [4, 2]);
    const b = (v: number) => Math.round(Math.fround(v) * 255); // the float32 value, as stored
    assert.deepEqual(Array.from(img.data), [b(0.1), b(0.6), b(0.2), b(0.7), b(0.3), b(0.8), 0, 0]);
  });

  it('gives 16 columns for 8 pairs per row', () => {
    const img = sideBySide(new Float32Array(16 * 4), new Float32Array(16 * 4), 16, [2, 2, 1], { pairsPerRow: 8 });
    assert.equal(img.width, 16 * 2 + 17 * 2);
    assert.equal(img.height, 2 * 2 + 3 * 2);
  });

  it('throws ShapeError when the reconstructions do not match the originals in size', () => {
    assert.throws(
      () => sideBySide(new Float32Array(12), new Float32Array(8), 3, [2, 2, 1]),
      (e: unknown) => {
        assert.ok(e instanceof ShapeError);
        assert.match(e.message, /sideBySide: expected reconstructions to hold .* = 12 values, got 8/);
        return true;
      },
    );
  });
});
