/**
 * The drawing pad's arithmetic (app/src/pure/pad.ts): the box average of an upscaled drawing, by hand,
 * the pad's scale, and the points a stroke stamps.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { boxDownsample, padScale, strokePoints } from '../../app/src/pure/pad.js';
import { assertAllClose } from '../helpers/assert.js';

/** RGBA bytes of a grey image given row-major grey bytes (R = G = B = v, A = 255). */
const rgbaOf = (grey: number[]) => Uint8ClampedArray.from(grey.flatMap((v) => [v, v, v, 255]));

describe('boxDownsample', () => {
  test('averages each 2 × 2 box of a 4 × 4 drawing to one value in [0, 1]', () => {
    // prettier-ignore
    const grey = [
      255, 255,   0,   0,
      255, 255,   0, 255,
        0,  51, 102, 102,
      102,   0, 102, 102,
    ];
    // boxes: (255·4)/4/255 = 1; (0 + 0 + 0 + 255)/4/255 = 0.25; (0 + 51 + 102 + 0)/4/255 = 0.15; 102/255 = 0.4
    assertAllClose(boxDownsample(rgbaOf(grey), 4, 4, 2), [1, 0.25, 0.15, 0.4], { rtol: 1e-6 });
  });

  test('reads the red channel only, and factor 1 is the identity / 255', () => {
    const rgba = Uint8ClampedArray.from([51, 255, 255, 255, 0, 255, 0, 0]);
    assertAllClose(boxDownsample(rgba, 2, 1, 1), [0.2, 0], { rtol: 1e-6 });
  });

  test('keeps rows and columns apart for a 3 × 2 image upscaled 3 times', () => {
    const w = 3;
    const h = 2;
    const f = 3;
    const grey: number[] = [];
    for (let py = 0; py < h * f; py++) for (let px = 0; px < w * f; px++) grey.push(Math.floor(py / f) * 100 + Math.floor(px / f) * 50); // block (i, j) = 100 i + 50 j
    assertAllClose(
      boxDownsample(rgbaOf(grey), w * f, h * f, f),
      [0, 50, 100, 100, 150, 200].map((v) => v / 255),
      { rtol: 1e-6 },
    );
  });

  test('rejects a factor that does not divide the size, or the wrong byte count', () => {
    assert.throws(() => boxDownsample(new Uint8ClampedArray(5 * 4 * 4), 5, 4, 2), /expected an integer factor ≥ 1 dividing 5 × 4, got 2/);
    assert.throws(() => boxDownsample(new Uint8ClampedArray(3), 2, 2, 2), /expected 16 bytes \(RGBA\), got 3/);
  });
});

describe('padScale', () => {
  test('is 10 for 28 × 28, about 280 pixels on the longer side, at least 2', () => {
    assert.equal(padScale(28, 28), 10);
    assert.equal(padScale(32, 16), 9);
    assert.equal(padScale(200, 300), 2);
  });
});

describe('strokePoints', () => {
  test('steps along the segment at most `spacing` apart, ending at its end', () => {
    assert.deepEqual(strokePoints(0, 0, 10, 0, 4), [10 / 3, 0, 20 / 3, 0, 10, 0]);
    assert.deepEqual(strokePoints(1, 1, 1, 1, 4), [1, 1]);
  });
});
