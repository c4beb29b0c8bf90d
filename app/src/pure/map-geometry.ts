/**
 * The latent map's geometry: the examples' map coordinates, the data → pixel transform of the canvas
 * (padding, each axis filling the box, y up) and its inverse, round ticks, the example nearest a
 * point, and the way between a latent point z [Z] and a point of the map.
 *   Z = 1:  map (c₁, 0),  c₁ = z₁; a map point gives z = (c₁), its y ignored
 *   Z = 2:  map c = z, and back
 *   Z > 2:  map c = Uᵀ (z − m); a map point gives z = m + c₁ u₁ + c₂ u₂ (the other principal coordinates at 0)
 * Pixels are CSS pixels from the canvas's top-left corner, y down.
 * @see src/latent/projection.ts (projectLatents: m, U)
 */
import type { LatentProjection } from 'vaekit';

/** What the map needs of a projection. */
export type MapProjection = Pick<LatentProjection, 'method' | 'numComponents' | 'mean' | 'components'>;

/** The data → pixel transform: px = offsetX + scaleX·x, py = offsetY − scaleY·y. */
export interface MapTransform {
  /** CSS pixels per z unit along x and along y. */
  scaleX: number;
  scaleY: number;
  offsetX: number;
  offsetY: number;
}

/**
 * The examples' points on the map [N, 2]: the projection's coordinates, with y = 0 when it has one.
 * @param coords - [N, K] from the projection, K = 1 or 2
 * @param numComponents - K
 * @returns [N, 2], z units
 */
export function mapPoints(coords: ArrayLike<number>, numComponents: number): Float64Array {
  if (numComponents !== 1 && numComponents !== 2) throw new Error(`mapPoints: expected 1 or 2 coordinates per point, got ${numComponents}`);
  const n = coords.length / numComponents;
  const out = new Float64Array(2 * n); // [N, 2]
  for (let i = 0; i < n; i++) {
    out[2 * i] = coords[i * numComponents];
    out[2 * i + 1] = numComponents === 2 ? coords[i * numComponents + 1] : 0;
  }
  return out;
}

/**
 * The transform that fits points into a width × height box inside `padding` pixels, each axis
 * stretched to fill it (a map of codes that spread much further along one axis than the other stays
 * usable; the axes' ticks show the units), y up. An axis along which every point is the same (Z = 1:
 * y = 0) takes the other axis's scale, centred; points all at one place get 1 z unit per half the box.
 * @param points - [N, 2], z units (pairs with a non-finite value are ignored)
 * @param width - CSS pixels; height likewise; padding - CSS pixels on each side
 */
export function fitTransform(points: ArrayLike<number>, width: number, height: number, padding: number): MapTransform {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i + 1 < points.length; i += 2) {
    const x = points[i];
    const y = points[i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  if (x0 > x1) [x0, x1, y0, y1] = [-1, 1, -1, 1];
  const innerW = Math.max(width - 2 * padding, 1);
  const innerH = Math.max(height - 2 * padding, 1);
  let scaleX = x1 > x0 ? innerW / (x1 - x0) : NaN;
  let scaleY = y1 > y0 ? innerH / (y1 - y0) : NaN;
  if (Number.isNaN(scaleX) && Number.isNaN(scaleY)) scaleX = scaleY = Math.min(innerW, innerH) / 2;
  scaleX = Number.isNaN(scaleX) ? scaleY : scaleX;
  scaleY = Number.isNaN(scaleY) ? scaleX : scaleY;
  return { scaleX, scaleY, offsetX: width / 2 - (scaleX * (x0 + x1)) / 2, offsetY: height / 2 + (scaleY * (y0 + y1)) / 2 };
}

/**
 * Round tick values between lo and hi: the multiples of the smallest step of 1, 2 or 5 × 10^k that is
 * at least (hi − lo) / count.
 * @param count - about how many ticks, ≥ 1
 * @returns ticks in increasing order, each in [lo, hi]; [lo] when lo = hi; [] when not finite
 */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw * (1 - 1e-9))!;
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** A point of the map (z units) in CSS pixels. */
export function toPixel(t: MapTransform, x: number, y: number): [number, number] {
  return [t.offsetX + t.scaleX * x, t.offsetY - t.scaleY * y];
}

/** The inverse of {@link toPixel}: CSS pixels to the map's point (z units). */
export function toData(t: MapTransform, px: number, py: number): [number, number] {
  return [(px - t.offsetX) / t.scaleX, (t.offsetY - py) / t.scaleY];
}

/**
 * The point nearest (x, y) (Euclidean; the first on a tie), and its distance.
 * @param points - [N, 2]
 * @returns index −1 and distance Infinity when there is none
 */
export function nearestPoint(points: ArrayLike<number>, x: number, y: number): { index: number; distance: number } {
  let best = -1;
  let bestD2 = Infinity;
  for (let i = 0; 2 * i + 1 < points.length; i++) {
    const dx = points[2 * i] - x;
    const dy = points[2 * i + 1] - y;
    const d2 = dx * dx + dy * dy;
    if (d2 < bestD2) {
      bestD2 = d2;
      best = i;
    }
  }
  return { index: best, distance: Math.sqrt(bestD2) };
}

/** Z, the latent size, of a projection. */
export function latentDimOf(p: MapProjection): number {
  return p.method === 'pca' ? p.mean!.length : p.numComponents;
}

/**
 * The latent point a map point stands for: z = (x) for Z = 1, (x, y) for Z = 2, m + x·u₁ + y·u₂ for Z > 2.
 * @returns z [Z], float32
 */
export function latentAt(p: MapProjection, x: number, y: number): Float32Array {
  if (p.method !== 'pca') return Float32Array.from(p.numComponents === 1 ? [x] : [x, y]);
  const m = p.mean!;
  const u = p.components!; // [2, Z]
  const zDim = m.length;
  const z = new Float32Array(zDim);
  for (let j = 0; j < zDim; j++) z[j] = m[j] + x * u[j] + y * u[zDim + j];
  return z;
}

/**
 * A latent point's place on the map: (z₁, 0) for Z = 1, z for Z = 2, Uᵀ (z − m) for Z > 2.
 * @param z - [Z]
 * @returns [x, y], z units
 */
export function mapPointOf(p: MapProjection, z: ArrayLike<number>): [number, number] {
  if (p.method !== 'pca') return [z[0], p.numComponents === 1 ? 0 : z[1]];
  const m = p.mean!;
  const u = p.components!; // [2, Z]
  const zDim = m.length;
  let x = 0;
  let y = 0;
  for (let j = 0; j < zDim; j++) {
    x += u[j] * (z[j] - m[j]);
    y += u[zDim + j] * (z[j] - m[j]);
  }
  return [x, y];
}
