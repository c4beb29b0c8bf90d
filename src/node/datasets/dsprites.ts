/**
 * dSprites (Matthey, Higgins, Hassabis & Lerchner 2017), generated from its definition instead of
 * downloaded: binary 64×64 images of one white shape on black, over the full factor grid
 *   shape (3: square, ellipse, heart) × scale (6: 0.5, 0.6, …, 1) × orientation (40: 2π·i/39, i = 0…39)
 *   × posX (32: i/31) × posY (32: i/31) = 737,280 images,
 * indexed in the original's order (posY varies fastest, then posX, orientation, scale, shape; the
 * original's constant colour factor is left out).
 *
 * Geometry, in canvas units (the canvas is [0, 1]², x right, y down like image rows; 1 = 64 px):
 *   centre     (0.25 + 0.5·posX, 0.25 + 0.5·posY): 16 px to 48 px, posY = 0 at the top
 *   orientation θ turns the shape counter-clockwise as seen on the image (local (u, v) → canvas
 *              c + s·(u cos θ + v sin θ, −u sin θ + v cos θ)); θ = 2π repeats θ = 0, as in the original
 *   square     side 0.3·s (19.2 px at scale 1), sides axis-aligned at θ = 0
 *   ellipse    semi-axes 0.1995·s along x and 0.1128·s along y at θ = 0 (12.8 px and 7.2 px at scale 1)
 *   heart      the standard parametric heart x = 16 sin³t, y = 13 cos t − 5 cos 2t − 2 cos 3t − cos 4t
 *              (y up), point down, scaled by 0.3·s/32 across (its width is the square's side) and
 *              1.08 times that up and down (height 0.293·s), its bounding box centred on the centre;
 *              drawn as a polygon of {@link HEART_VERTICES} points (within 0.003 px of the curve)
 *   raster     a pixel is 1 when its centre lies in the closed shape (no anti-aliasing), else 0
 *
 * How this matches the original: the original was drawn with Love2D and its code was not published
 * (google-deepmind/dsprites-dataset issue #2). The sizes, positions and rotation sense above were
 * measured on the original's own images in that repository (the 320 frames of dsprites.gif, 64×64
 * frames of traversals of every factor; the ellipse's axes and the heart's 1.08 were fitted to them).
 * Against those frames: the square is pixel-exact in 62 of 64 frames (at most 4 pixels differ), the
 * ellipse in 58 of 64 (at most 2 pixels); the heart differs by 6.5 pixels per frame on average (at
 * most 16, of about 213 lit), because the original's heart is not this curve (its lobes are fuller).
 * Positions match (posX = 0 and 1 put the centre of mass at pixel columns 15.5 and 47.5, as there).
 *
 * @see Matthey et al. 2017, https://github.com/deepmind/dsprites-dataset (factor grid and order)
 */
import { makeDataset, type Dataset } from '../../data/dataset.js';
import { ConfigError, ShapeError } from '../../errors.js';
import { deriveRng } from '../../math/rng.js';
import { check, intAtLeast, integer } from '../../validate.js';

/** H = W, pixels per side. */
export const DSPRITES_SIZE = 64;
/** The shapes in factor order: shape index 0, 1, 2. */
export const DSPRITES_SHAPES = ['square', 'ellipse', 'heart'] as const;
export type DspritesShape = (typeof DSPRITES_SHAPES)[number];
/** The five factors in grid order (posY varies fastest) and their number of values. */
export const DSPRITES_FACTOR_NAMES = ['shape', 'scale', 'orientation', 'posX', 'posY'] as const;
export const DSPRITES_FACTOR_SIZES: readonly number[] = Object.freeze([3, 6, 40, 32, 32]);
/** 3 · 6 · 40 · 32 · 32 = 737,280 images in the full grid. */
export const DSPRITES_NUM_IMAGES = DSPRITES_FACTOR_SIZES.reduce((a, b) => a * b, 1);

/**
 * The built-in data source's seeded subset: `numTrain` then `numTest` distinct grid images, the first
 * of the permutation `deriveRng(seed, 'dsprites-subset')` of the 737,280 grid indices, each split in
 * that (random) order, so its first n examples are a random sample too.
 */
export const DSPRITES_DEFAULTS = Object.freeze({ numTrain: 60000, numTest: 10000, seed: 0 });

/** Polygon points of the heart. */
export const HEART_VERTICES = 360;

/** Factor values of one sprite: a shape and continuous scale, orientation (radians) and position in [0, 1]. */
export interface SpriteFactors {
  shape: DspritesShape;
  /** s, multiplies the shape's size; the grid's values are 0.5 to 1. */
  scale: number;
  /** θ in radians, counter-clockwise on the image. */
  orientation: number;
  /** Position of the centre in [0, 1]: 0 left (top), 1 right (bottom). */
  posX: number;
  posY: number;
}

/**
 * The value of each factor at a grid index of it: scale 0.5 + 0.1·i, orientation 2π·i/39, posX and posY i/31.
 * @param factor - one of {@link DSPRITES_FACTOR_NAMES} other than 'shape'
 * @param index - an integer in [0, size)
 */
export function dspritesFactorValue(factor: Exclude<(typeof DSPRITES_FACTOR_NAMES)[number], 'shape'>, index: number): number {
  switch (factor) {
    case 'scale':
      return 0.5 + (0.5 * index) / 5;
    case 'orientation':
      return (2 * Math.PI * index) / 39;
    default:
      return index / 31;
  }
}

/**
 * The factor indices of grid image `index` (the original's order: posY fastest).
 * @param index - an integer in [0, 737280)
 * @returns [shape, scale, orientation, posX, posY] indices
 * @throws ConfigError when index is out of range
 */
export function dspritesFactorIndices(index: number): number[] {
  if (!(Number.isInteger(index) && index >= 0 && index < DSPRITES_NUM_IMAGES)) {
    throw new ConfigError(`dsprites: expected a grid index, an integer in [0, ${DSPRITES_NUM_IMAGES}), got ${index}`);
  }
  const out = new Array<number>(5);
  let rest = index;
  for (let k = 4; k >= 0; k--) {
    out[k] = rest % DSPRITES_FACTOR_SIZES[k];
    rest = Math.floor(rest / DSPRITES_FACTOR_SIZES[k]);
  }
  return out;
}

/** The grid index of factor indices [shape, scale, orientation, posX, posY]; inverse of {@link dspritesFactorIndices}. */
export function dspritesGridIndex(indices: readonly number[]): number {
  return indices.reduce((acc, v, k) => acc * DSPRITES_FACTOR_SIZES[k] + v, 0);
}

/** The continuous factors of grid image `index`. */
export function dspritesFactors(index: number): SpriteFactors {
  const [shape, scale, orientation, posX, posY] = dspritesFactorIndices(index);
  return {
    shape: DSPRITES_SHAPES[shape],
    scale: dspritesFactorValue('scale', scale),
    orientation: dspritesFactorValue('orientation', orientation),
    posX: dspritesFactorValue('posX', posX),
    posY: dspritesFactorValue('posY', posY),
  };
}

const SQUARE_HALF_SIDE = 0.15;
/** The heart's height over the parametric curve's own (fitted to the original's frames). */
const HEART_STRETCH = 1.08;
const ELLIPSE_SEMI_AXES = [0.1995, 0.1128] as const;

/** The heart polygon in local canvas units at scale 1 (u right, v down), [2·HEART_VERTICES] interleaved u, v. */
const HEART = ((): Float64Array => {
  const k = (2 * SQUARE_HALF_SIDE) / 32; // width 32 → the square's side
  const ky = HEART_STRETCH * k;
  const ys = (t: number) => 13 * Math.cos(t) - 5 * Math.cos(2 * t) - 2 * Math.cos(3 * t) - Math.cos(4 * t);
  let yMax = -Infinity;
  for (let i = 0; i < 100000; i++) yMax = Math.max(yMax, ys((2 * Math.PI * i) / 100000));
  const yMid = (yMax + -17) / 2; // y(π) = −17, the point
  const out = new Float64Array(2 * HEART_VERTICES); // [P, 2]
  for (let i = 0; i < HEART_VERTICES; i++) {
    const t = (2 * Math.PI * i) / HEART_VERTICES;
    out[2 * i] = k * 16 * Math.sin(t) ** 3;
    out[2 * i + 1] = -ky * (ys(t) - yMid);
  }
  return out;
})();

/** Largest distance from the centre of a shape's points at scale 1, canvas units: bounds the pixels tested. */
const RADIUS: Record<DspritesShape, number> = {
  square: SQUARE_HALF_SIDE * Math.SQRT2,
  ellipse: ELLIPSE_SEMI_AXES[0],
  heart: Math.max(...Array.from({ length: HEART_VERTICES }, (_, i) => Math.hypot(HEART[2 * i], HEART[2 * i + 1]))),
};

/**
 * Draws one sprite into `out` at `offset`: pixels whose centre lies in the shape are set to `value`,
 * the others are left as they are (zero in a new array). Row-major [64, 64], row 0 at the top.
 * @param f - the factors; any scale > 0, orientation and position (parts off the canvas are clipped)
 * @param out - destination of at least offset + 4096 values, e.g. a Uint8Array or Float32Array
 * @returns `out`
 * @throws ConfigError for an unknown shape or a non-finite or non-positive scale
 */
export function renderSprite<T extends Uint8Array | Float32Array>(f: SpriteFactors, out: T, offset = 0, value = 1): T {
  const n = DSPRITES_SIZE;
  if (!Object.hasOwn(RADIUS, f.shape)) throw new ConfigError(`dsprites: expected a shape among ${DSPRITES_SHAPES.join(', ')}, got ${String(f.shape)}`);
  if (!(Number.isFinite(f.scale) && f.scale > 0)) throw new ConfigError(`dsprites: expected a positive finite scale, got ${f.scale}`);
  if (out.length < offset + n * n) throw new ShapeError(`dsprites: expected an output of at least ${offset + n * n} values, got ${out.length}`);
  const cx = (0.25 + 0.5 * f.posX) * n; // pixels
  const cy = (0.25 + 0.5 * f.posY) * n;
  const s = f.scale * n; // pixels per canvas unit of the shape
  const cos = Math.cos(f.orientation);
  const sin = Math.sin(f.orientation);
  const r = RADIUS[f.shape] * s + 1;
  const i0 = Math.max(0, Math.floor(cy - r));
  const i1 = Math.min(n - 1, Math.ceil(cy + r));
  const j0 = Math.max(0, Math.floor(cx - r));
  const j1 = Math.min(n - 1, Math.ceil(cx + r));
  if (f.shape === 'heart') {
    fillHeart(out, offset, value, cx, cy, s, cos, sin, i0, i1);
    return out;
  }
  const [a, b] = f.shape === 'square' ? [SQUARE_HALF_SIDE, SQUARE_HALF_SIDE] : ELLIPSE_SEMI_AXES;
  for (let i = i0; i <= i1; i++) {
    const dy = i + 0.5 - cy;
    for (let j = j0; j <= j1; j++) {
      const dx = j + 0.5 - cx;
      // Local coordinates: the inverse of the shape's rotation, then its scale.
      const u = (dx * cos - dy * sin) / s;
      const v = (dx * sin + dy * cos) / s;
      const inside = f.shape === 'square' ? Math.abs(u) <= a && Math.abs(v) <= b : (u / a) ** 2 + (v / b) ** 2 <= 1;
      if (inside) out[offset + i * n + j] = value;
    }
  }
  return out;
}

/** Scanline fill of the heart polygon (even–odd rule, pixel centres; an edge counts on [min y, max y)). */
function fillHeart(
  out: Uint8Array | Float32Array,
  offset: number,
  value: number,
  cx: number,
  cy: number,
  s: number,
  cos: number,
  sin: number,
  i0: number,
  i1: number,
) {
  const n = DSPRITES_SIZE;
  const p = HEART_VERTICES;
  const xs = new Float64Array(p); // [P], pixels
  const ys = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    const u = HEART[2 * k] * s;
    const v = HEART[2 * k + 1] * s;
    xs[k] = cx + u * cos + v * sin;
    ys[k] = cy - u * sin + v * cos;
  }
  const crossings: number[] = [];
  for (let i = i0; i <= i1; i++) {
    const yc = i + 0.5;
    crossings.length = 0;
    for (let k = 0; k < p; k++) {
      const k1 = k + 1 === p ? 0 : k + 1;
      const ya = ys[k];
      const yb = ys[k1];
      if ((ya <= yc && yc < yb) || (yb <= yc && yc < ya)) crossings.push(xs[k] + ((yc - ya) / (yb - ya)) * (xs[k1] - xs[k]));
    }
    crossings.sort((a, b) => a - b);
    for (let c = 0; c + 1 < crossings.length; c += 2) {
      // Pixels j with crossings[c] <= j + 0.5 < crossings[c + 1].
      const ja = Math.max(0, Math.ceil(crossings[c] - 0.5));
      const jb = Math.min(n, Math.ceil(crossings[c + 1] - 0.5));
      for (let j = ja; j < jb; j++) out[offset + i * n + j] = value;
    }
  }
}

/**
 * Renders grid images by index.
 * @param indices - grid indices [N], integers in [0, 737280)
 * @returns pixels [N, 64·64], uint8 in {0, 1}, row-major
 * @throws ConfigError when an index is out of range
 */
export function renderDsprites(indices: ArrayLike<number>): Uint8Array {
  const d = DSPRITES_SIZE * DSPRITES_SIZE;
  const out = new Uint8Array(indices.length * d); // [N, 4096]
  for (let i = 0; i < indices.length; i++) renderSprite(dspritesFactors(indices[i]), out, i * d);
  return out;
}

/** Options of {@link loadDsprites}; defaults {@link DSPRITES_DEFAULTS}. */
export interface DspritesOptions {
  numTrain?: number;
  numTest?: number;
  seed?: number;
  /** Pixels are 0 or 255 before this division (255: {0, 1}, as a PNG or MNIST image). Default 255. */
  scale?: number;
  /** Render only the first min(n, numTrain) training and min(n, numTest) test examples (a run's `limit`); null: all. */
  maxExamples?: number | null;
}

/** The factor indices of each example, row-major [N, K] with K = 5 ({@link DSPRITES_FACTOR_NAMES}). */
export interface DspritesSplits {
  train: Dataset;
  test: Dataset;
  factors: { names: string[]; sizes: number[]; train: Int32Array; test: Int32Array };
  classes: string[];
}

/**
 * The seeded dSprites subset as train and test datasets with their factors.
 *   x = 255·pixel / scale, float32 [N, 64·64], exampleShape [64, 64, 1]; labels = the shape index (0 square, 1 ellipse, 2 heart)
 * Memory: 16 KiB per example as float32 (70,000 examples: 1.1 GiB); the whole grid would take
 * 12 GiB, more than one Float32Array holds, hence the subset.
 * @returns train [numTrain, 4096] and test [numTest, 4096], factors [N, 5] int32 per split, class names
 * @throws ConfigError for counts that are not integers >= 1, more than the grid holds together, or a bad scale
 * @see Matthey et al. 2017 (dSprites); the module comment for the geometry
 */
export function loadDsprites(options: DspritesOptions = {}): DspritesSplits {
  const numTrain = check('dsprites.numTrain', options.numTrain ?? DSPRITES_DEFAULTS.numTrain, intAtLeast(1));
  const numTest = check('dsprites.numTest', options.numTest ?? DSPRITES_DEFAULTS.numTest, intAtLeast(1));
  const seed = check('dsprites.seed', options.seed ?? DSPRITES_DEFAULTS.seed, integer);
  const scale = options.scale ?? 255;
  if (!(Number.isFinite(scale) && scale > 0)) throw new ConfigError(`scale: expected a positive finite number, got ${scale}`);
  if (numTrain + numTest > DSPRITES_NUM_IMAGES) {
    throw new ConfigError(`dsprites: expected numTrain + numTest <= ${DSPRITES_NUM_IMAGES} (the grid), got ${numTrain} + ${numTest}`);
  }
  const max = options.maxExamples ?? Infinity;
  const perm = deriveRng(seed, 'dsprites-subset').permutation(DSPRITES_NUM_IMAGES); // [737280]
  const trainIdx = perm.subarray(0, Math.min(numTrain, max)); // [N]
  const testIdx = perm.subarray(numTrain, numTrain + Math.min(numTest, max)); // [M]
  const split = (idx: Int32Array, name: string) => {
    const d = DSPRITES_SIZE * DSPRITES_SIZE;
    const x = new Float32Array(idx.length * d); // [N, 4096]
    const factors = new Int32Array(idx.length * 5); // [N, 5]
    const labels = new Int32Array(idx.length); // [N]
    for (let i = 0; i < idx.length; i++) {
      const f = dspritesFactorIndices(idx[i]);
      factors.set(f, i * 5);
      labels[i] = f[0];
      renderSprite(dspritesFactors(idx[i]), x, i * d, 255 / scale);
    }
    const ds = makeDataset({ x, numExamples: idx.length, dataDim: d, exampleShape: [DSPRITES_SIZE, DSPRITES_SIZE, 1], labels, source: `dsprites (${name})` });
    return { ds, factors };
  };
  const train = split(trainIdx, 'train');
  const test = split(testIdx, 'test');
  return {
    train: train.ds,
    test: test.ds,
    factors: { names: [...DSPRITES_FACTOR_NAMES], sizes: [...DSPRITES_FACTOR_SIZES], train: train.factors, test: test.factors },
    classes: [...DSPRITES_SHAPES],
  };
}
