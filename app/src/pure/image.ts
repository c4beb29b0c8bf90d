/**
 * Pixels of an example for a canvas: values in [0, 1] (a decoder's Bernoulli means, or pixels divided
 * by 255) of one image [H, W, C] (C = 1 grey, 3 RGB, 4 RGBA) to RGBA bytes [H, W, 4].
 */

/**
 * RGBA bytes of one image; values are clipped to [0, 1].
 * @param values - the image [H·W·C], channels-last, from `offset`
 * @param shape - [H, W, C]
 * @param out - bytes to write into (H·W·4), e.g. an ImageData's data
 * @throws Error when the shape is not [H, W, C] with C in 1, 3, 4
 */
export function imageToRgba(values: ArrayLike<number>, shape: readonly number[], out?: Uint8ClampedArray, offset = 0): Uint8ClampedArray {
  if (shape.length !== 3 || ![1, 3, 4].includes(shape[2])) throw new Error(`expected an image shape [H, W, C] with C = 1, 3 or 4, got [${shape.join(', ')}]`);
  const [h, w, c] = shape;
  const rgba = out ?? new Uint8ClampedArray(h * w * 4);
  const byte = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
  for (let p = 0; p < h * w; p++) {
    const at = offset + p * c;
    if (c === 1) {
      const g = byte(values[at]);
      rgba[4 * p] = g;
      rgba[4 * p + 1] = g;
      rgba[4 * p + 2] = g;
    } else {
      rgba[4 * p] = byte(values[at]);
      rgba[4 * p + 1] = byte(values[at + 1]);
      rgba[4 * p + 2] = byte(values[at + 2]);
    }
    rgba[4 * p + 3] = c === 4 ? byte(values[at + 3]) : 255;
  }
  return rgba;
}

/** True when an example shape is an image the explorer draws as one ([H, W, C], C ∈ {1, 3, 4}). */
export function isDrawableImage(shape: readonly number[]): boolean {
  return shape.length === 3 && [1, 3, 4].includes(shape[2]);
}
