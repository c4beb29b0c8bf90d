/**
 * The explorer's colours (app/src/pure/colours.ts): the label palette is distinct for 10 labels and
 * repeats with period 10; the sequential scale runs through its stops and is monotone in lightness.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  LABEL_PALETTE,
  UNLABELLED_COLOUR,
  VIRIDIS_STOPS,
  labelColour,
  rgbHex,
  robustRange,
  scaleColour,
  sequentialColour,
  sequentialRgb,
} from '../../app/src/pure/colours.js';

describe('the label palette', () => {
  test('gives 10 distinct colours to labels 0 … 9, none the unlabelled colour', () => {
    const colours = Array.from({ length: 10 }, (_, k) => labelColour(k));
    assert.equal(new Set(colours).size, 10);
    assert.ok(!colours.includes(UNLABELLED_COLOUR));
    assert.deepEqual(colours, LABEL_PALETTE);
    for (const c of colours) assert.match(c, /^#[0-9a-f]{6}$/);
  });

  test('repeats with period 10 beyond, negative labels counted from the end', () => {
    assert.equal(labelColour(10), labelColour(0));
    assert.equal(labelColour(23), labelColour(3));
    assert.equal(labelColour(-1), LABEL_PALETTE[9]);
  });

  test('colours null and non-integer labels with the unlabelled colour', () => {
    assert.equal(labelColour(null), UNLABELLED_COLOUR);
    assert.equal(labelColour(NaN), UNLABELLED_COLOUR);
    assert.equal(labelColour(1.5), UNLABELLED_COLOUR);
  });
});

describe('the sequential scale', () => {
  test('is the first and last stop at its ends, clipped beyond, and a stop at each k/8', () => {
    assert.equal(sequentialColour(0), '#440154');
    assert.equal(sequentialColour(1), '#fde725');
    assert.equal(sequentialColour(-3), '#440154');
    assert.equal(sequentialColour(7), '#fde725');
    VIRIDIS_STOPS.forEach((s, k) => assert.deepEqual(sequentialRgb(k / 8), [...s]));
  });

  test('interpolates linearly in RGB between stops', () => {
    // halfway between stop 0 (68, 1, 84) and stop 1 (71, 44, 122): (69.5, 22.5, 103) rounded
    assert.deepEqual(sequentialRgb(1 / 16), [70, 23, 103]);
  });

  test('rises in luma (0.299 R + 0.587 G + 0.114 B) from low to high', () => {
    const luma = (t: number) => {
      const [r, g, b] = sequentialRgb(t);
      return 0.299 * r + 0.587 * g + 0.114 * b;
    };
    for (let k = 1; k <= 100; k++) assert.ok(luma(k / 100) >= luma((k - 1) / 100), `luma falls at t = ${k / 100}`);
  });

  test('scaleColour maps lo → t = 0 and hi → t = 1; NaN is grey; an empty range the middle', () => {
    assert.equal(scaleColour(2, 2, 6), sequentialColour(0));
    assert.equal(scaleColour(6, 2, 6), sequentialColour(1));
    assert.equal(scaleColour(4, 2, 6), sequentialColour(0.5));
    assert.equal(scaleColour(NaN, 2, 6), '#808080');
    assert.equal(scaleColour(3, 3, 3), sequentialColour(0.5));
  });

  test('robustRange is the 2% and 98% nearest-rank quantiles of the finite values', () => {
    const values = [...Array.from({ length: 101 }, (_, k) => k), NaN, Infinity];
    assert.deepEqual(robustRange(values), [2, 98]);
    assert.deepEqual(robustRange(values, 0), [0, 100]);
    assert.deepEqual(robustRange([NaN]), [0, 1]);
  });

  test('rgbHex writes two hex digits per channel, clipped', () => {
    assert.equal(rgbHex([0, 15, 255]), '#000fff');
    assert.equal(rgbHex([-4, 300, 127.6]), '#00ff80');
  });
});
