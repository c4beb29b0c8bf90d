/**
 * The drawing pad's arithmetic: the pad is the run's H × W image upscaled f times; a drawing becomes
 * the model's input by averaging each f × f box of the pad's pixels (grey = the red channel, white
 * on black), giving H × W values in [0, 1] as MNIST's pixels / 255.
 *   x[i, j] = (1 / f²) Σ_{a, b < f} R[f·i + a, f·j + b] / 255
 */

/**
 * The pad's upscaling factor: about `target` pixels along the longer side, at least 2.
 * @param height - H; width - W (the run's image size)
 * @param target - pad pixels wanted along the longer side; default 280 (10× for 28 × 28)
 */
export function padScale(height: number, width: number, target = 280): number {
  return Math.max(2, Math.round(target / Math.max(height, width, 1)));
}

/**
 * Box-averages an RGBA image of (H·f) × (W·f) pixels to H × W grey values in [0, 1].
 * @param rgba - bytes [H·f, W·f, 4] (a canvas's ImageData.data); the red channel is read
 * @param srcWidth - W·f; srcHeight - H·f
 * @param factor - f, an integer ≥ 1 dividing both
 * @returns x [H·W] row-major, float32, in [0, 1]
 * @throws Error when the sizes do not fit
 */
export function boxDownsample(rgba: ArrayLike<number>, srcWidth: number, srcHeight: number, factor: number): Float32Array {
  if (!Number.isInteger(factor) || factor < 1 || srcWidth % factor !== 0 || srcHeight % factor !== 0) {
    throw new Error(`boxDownsample: expected an integer factor ≥ 1 dividing ${srcWidth} × ${srcHeight}, got ${factor}`);
  }
  if (rgba.length !== srcWidth * srcHeight * 4) throw new Error(`boxDownsample: expected ${srcWidth * srcHeight * 4} bytes (RGBA), got ${rgba.length}`);
  const w = srcWidth / factor;
  const h = srcHeight / factor;
  const sums = new Float64Array(w * h); // [H, W]
  for (let py = 0; py < srcHeight; py++) {
    const row = Math.floor(py / factor) * w;
    for (let px = 0; px < srcWidth; px++) sums[row + Math.floor(px / factor)] += rgba[4 * (py * srcWidth + px)];
  }
  const out = new Float32Array(w * h);
  const norm = 255 * factor * factor;
  for (let k = 0; k < out.length; k++) out[k] = Math.min(1, Math.max(0, sums[k] / norm));
  return out;
}

/**
 * The points along a stroke segment where the brush is stamped: from (x0, y0) (excluded) to (x1, y1)
 * (included), at most `spacing` pixels apart; one point, (x1, y1), when the segment is shorter.
 * @returns [(x, y), …] flattened, CSS pixels
 */
export function strokePoints(x0: number, y0: number, x1: number, y1: number, spacing: number): number[] {
  const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / spacing));
  const out: number[] = [];
  for (let k = 1; k <= steps; k++) out.push(x0 + ((x1 - x0) * k) / steps, y0 + ((y1 - y0) * k) / steps);
  return out;
}
