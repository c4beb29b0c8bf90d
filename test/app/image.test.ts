/**
 * The explorer's pixels (app/src/pure/image.ts): model-unit values to RGBA bytes, by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imageToRgba, isDrawableImage } from '../../app/src/pure/image.js';

test('a grey image: byte = clip(value · 255) in R, G and B, opaque', () => {
  assert.deepEqual([...imageToRgba([0, 0.5, 1.2, -1], [2, 2, 1])], [0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255, 0, 0, 0, 255]);
});

test("an RGB image, from an offset into a batch, with a run's scale other than 255 (raw = value · scale)", () => {
  // Two 1 × 1 RGB images; the second, at offset 3, in units of raw / 100.
  assert.deepEqual([...imageToRgba([9, 9, 9, 1, 2, 3], [1, 1, 3], undefined, 3, 100)], [100, 200, 255, 255]);
});

test('only [H, W, C] with C = 1, 3 or 4 is an image', () => {
  assert.equal(isDrawableImage([28, 28, 1]), true);
  assert.equal(isDrawableImage([8, 8, 2]), false);
  assert.equal(isDrawableImage([784]), false);
  assert.throws(() => imageToRgba([1], [1]), /expected an image shape \[H, W, C\]/);
});
