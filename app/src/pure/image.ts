/**
 * Pixels of an example for a canvas: values in the model's units (raw pixels divided by the run's
 * `scale`: [0, 1] for 8-bit images and scale 255; a decoder's Bernoulli means) of one image [H, W, C]
 * (C = 1 grey, 3 RGB, 4 RGBA) to RGBA bytes [H, W, 4]: byte = clip(value · scale, 0, 255).
 */

/**
 * RGBA bytes of one image; value · scale is clipped to [0, 255].
 * @param values - the image [H·W·C], channels-last, from `offset`
 * @param shape - [H, W, C]
 * @param out - bytes to write into (H·W·4), e.g. an ImageData's data
 * @param scale - the run's scale (raw pixel = value · scale); default 255
 * @throws Error when the shape is not [H, W, C] with C in 1, 3, 4
 */
export function imageToRgba(values: ArrayLike<number>, shape: readonly number[], out?: Uint8ClampedArray, offset = 0, scale = 255): Uint8ClampedArray {
  if (shape.length !== 3 || ![1, 3, 4].includes(shape[2])) throw new Error(`expected an image shape [H, W, C] with C = 1, 3 or 4, got [${shape.join(', ')}]`);
  const [h, w, c] = shape;
  const rgba = out ?? new Uint8ClampedArray(h * w * 4);
  const byte = (v: number) => Math.round(Math.min(255, Math.max(0, scale * v)));
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
