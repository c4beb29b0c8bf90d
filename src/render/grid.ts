/**
 * Image grids: tile a batch of images (values in [0, 1]) into one 8-bit raster, for sample
 * sheets and original-vs-reconstruction sheets. Browser-safe (no `node:*` imports); encode
 * the result with `encodePng` from `src/node/png.ts` or draw it on a canvas.
 */
import { ConfigError, ShapeError } from '../errors.js';

/**
 * An 8-bit raster image, row-major with channels interleaved:
 * the value of channel k at pixel (row y, column x) is `data[(y·width + x)·channels + k]`.
 * channels 1 = gray, 3 = RGB, 4 = RGBA.
 */
export interface RasterImage {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

/** Shape of one example, channels-last: [height, width, channels], channels 1 (gray) or 3 (RGB). */
export type ImageShape = [h: number, w: number, c: number];

/** Options of `imageGrid`. */
export interface GridOptions {
  /** Tiles per row; default ceil(√numImages). Positive integer. */
  cols?: number;
  /** Border width in pixels between tiles and around the grid; default 2. Integer ≥ 0. */
  padding?: number;
  /** Gray level of the border and of empty tiles, in [0, 1]; default 1 (white). */
  background?: number;
}

/** Options of `sideBySide`. */
export interface SideBySideOptions {
  /** (original, reconstruction) pairs per row, so 2·pairsPerRow columns; default ceil(√numImages). */
  pairsPerRow?: number;
  /** Border width in pixels between tiles and around the grid; default 2. Integer ≥ 0. */
  padding?: number;
  /** Gray level of the border and of empty tiles, in [0, 1]; default 1 (white). */
  background?: number;
}

/** Defaults shared by `imageGrid` and `sideBySide`; the column count defaults to ceil(√n). */
export const GRID_DEFAULTS = Object.freeze({ padding: 2, background: 1 });

interface ResolvedGridOptions {
  cols: number;
  padding: number;
  background: number;
}

/**
 * Fills in the defaults of a grid's options and validates each field.
 * @param numTiles - number of tiles, used for the default column count ceil(√numTiles)
 * @throws ConfigError when cols is not a positive integer, padding not an integer ≥ 0,
 *   or background not a number in [0, 1]
 */
function resolveGridOptions(where: string, numTiles: number, opts: GridOptions): ResolvedGridOptions {
  const cols = opts.cols ?? Math.ceil(Math.sqrt(numTiles));
  const padding = opts.padding ?? GRID_DEFAULTS.padding;
  const background = opts.background ?? GRID_DEFAULTS.background;
  if (!Number.isInteger(cols) || cols < 1) {
    throw new ConfigError(`${where}: expected cols to be a positive integer, got ${cols}`);
  }
  if (!Number.isInteger(padding) || padding < 0) {
    throw new ConfigError(`${where}: expected padding to be an integer ≥ 0, got ${padding}`);
  }
  if (typeof background !== 'number' || !(background >= 0 && background <= 1)) {
    throw new ConfigError(`${where}: expected background in [0, 1], got ${background}`);
  }
  return { cols, padding, background };
}

/**
 * Checks the example shape and the buffer size.
 * @throws ShapeError when numImages is not a positive integer, exampleShape is not
 *   [h, w, c] with positive integer h, w and c ∈ {1, 3}, or the buffer does not hold
 *   numImages·h·w·c values
 */
function checkImages(where: string, name: string, images: Float32Array, numImages: number, exampleShape: ImageShape): void {
  if (!Number.isInteger(numImages) || numImages < 1) {
    throw new ShapeError(`${where}: expected numImages to be a positive integer, got ${numImages}`);
  }
  const [h, w, c] = exampleShape;
  if (exampleShape.length !== 3 || !Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1 || (c !== 1 && c !== 3)) {
    throw new ShapeError(`${where}: expected exampleShape [h, w, c] with h, w ≥ 1 and c 1 or 3, got [${exampleShape.join(', ')}]`);
  }
  const expected = numImages * h * w * c;
  if (images.length !== expected) {
    throw new ShapeError(`${where}: expected ${name} to hold ${numImages}·${h}·${w}·${c} = ${expected} values, got ${images.length}`);
  }
}

/** Maps an intensity in [0, 1] to a byte; values outside are clipped, NaN becomes 0. */
function toByte(v: number): number {
  if (Number.isNaN(v)) return 0;
  return Math.round(Math.min(1, Math.max(0, v)) * 255);
}

/**
 * Tiles images into a grid, row by row: image i goes to tile (row ⌊i / cols⌋, column i mod cols).
 * The grid is (rows·h + (rows+1)·padding) × (cols·w + (cols+1)·padding) pixels with
 * rows = ⌈numImages / cols⌉; border and empty tiles are filled with `background`.
 * @param images - numImages images [N, H, W, C] flattened row-major, values in [0, 1]
 *   (clipped; NaN → 0)
 * @param numImages - N, ≥ 1
 * @param exampleShape - [H, W, C] of one image, C 1 (gray) or 3 (RGB)
 * @param opts - cols (default ⌈√N⌉), padding in pixels (default 2), background in [0, 1] (default 1)
 * @returns an 8-bit raster with C channels
 * @throws ShapeError when exampleShape or the size of `images` is wrong
 * @throws ConfigError when an option is out of range
 */
export function imageGrid(images: Float32Array, numImages: number, exampleShape: ImageShape, opts: GridOptions = {}): RasterImage {
  checkImages('imageGrid', 'images', images, numImages, exampleShape);
  const { cols, padding, background } = resolveGridOptions('imageGrid', numImages, opts);
  const [h, w, c] = exampleShape;
  const channels = c as 1 | 3;
  const rows = Math.ceil(numImages / cols);
  const width = cols * w + (cols + 1) * padding;
  const height = rows * h + (rows + 1) * padding;
  const data = new Uint8Array(width * height * channels).fill(toByte(background)); // [height, width, C]
  const rowLength = w * channels; // values in one image row
  for (let i = 0; i < numImages; i++) {
    const x0 = padding + (i % cols) * (w + padding);
    const y0 = padding + Math.floor(i / cols) * (h + padding);
    const src = i * h * rowLength; // start of image i in [N, H, W, C]
    for (let y = 0; y < h; y++) {
      const from = src + y * rowLength;
      const to = ((y0 + y) * width + x0) * channels;
      for (let k = 0; k < rowLength; k++) data[to + k] = toByte(images[from + k]);
    }
  }
  return { width, height, channels, data };
}

/**
 * Tiles (original, reconstruction) pairs in adjacent columns: pair i fills columns 2j and
 * 2j+1 of grid row r, where r = ⌊i / pairsPerRow⌋ and j = i mod pairsPerRow; so 8 pairs per
 * row give 16 columns, originals in even columns and reconstructions in odd ones.
 * @param originals - numImages images [N, H, W, C] flattened, values in [0, 1]
 * @param reconstructions - the same number of images [N, H, W, C], in the same order
 * @param numImages - N, number of pairs, ≥ 1
 * @param exampleShape - [H, W, C] of one image, C 1 or 3
 * @param opts - pairsPerRow (default ⌈√N⌉), padding (default 2), background (default 1)
 * @returns an 8-bit raster with C channels, 2·pairsPerRow tiles wide
 * @throws ShapeError when exampleShape or the size of either buffer is wrong
 * @throws ConfigError when an option is out of range
 */
export function sideBySide(
  originals: Float32Array,
  reconstructions: Float32Array,
  numImages: number,
  exampleShape: ImageShape,
  opts: SideBySideOptions = {},
): RasterImage {
  checkImages('sideBySide', 'originals', originals, numImages, exampleShape);
  checkImages('sideBySide', 'reconstructions', reconstructions, numImages, exampleShape);
  const pairsPerRow = opts.pairsPerRow ?? Math.ceil(Math.sqrt(numImages));
  if (!Number.isInteger(pairsPerRow) || pairsPerRow < 1) {
    throw new ConfigError(`sideBySide: expected pairsPerRow to be a positive integer, got ${pairsPerRow}`);
  }
  const size = exampleShape[0] * exampleShape[1] * exampleShape[2];
  const interleaved = new Float32Array(2 * numImages * size); // [2N, H, W, C]: o0, r0, o1, r1, …
  for (let i = 0; i < numImages; i++) {
    interleaved.set(originals.subarray(i * size, (i + 1) * size), 2 * i * size);
    interleaved.set(reconstructions.subarray(i * size, (i + 1) * size), (2 * i + 1) * size);
  }
  return imageGrid(interleaved, 2 * numImages, exampleShape, {
    cols: 2 * pairsPerRow,
    padding: opts.padding,
    background: opts.background,
  });
}
