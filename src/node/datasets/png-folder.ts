/**
 * A folder of PNG images as a dataset, read with pngjs (src/node/formats/png.ts):
 *
 *   DIR/*.png                          unlabelled
 *   DIR/<class>/*.png                  labelled: class folders sorted by name, label = index
 *   DIR/train/…, DIR/test/…            the split as given (each flat or by class, the same way)
 *
 * Without `train/` and `test/` the images are split by {@link IMAGE_FOLDER_SPLIT}. Files are read
 * in sorted path order; other files and hidden entries are ignored. Pixels: a PNG with
 * transparency is composited over black (value · alpha / 255); a palette PNG is read as RGB. The
 * folder is gray, exampleShape [H, W, 1], when every pixel of every image has R = G = B (gray PNGs
 * included), else RGB, [H, W, 3] (gray images repeated over the three channels). Values are divided
 * by `scale` (255 → [0, 1]). Images of different sizes are an error unless `resize` [H, W] is given:
 * then each image of another size is resized with TensorFlow.js's bilinear kernel (half-pixel
 * centres, as PIL and OpenCV do), run on its cpu backend directly, so reading data needs no
 * initialised global backend.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { makeDataset, splitTrainTest, type Dataset } from '../../data/dataset.js';
import { ConfigError, DataError, setting } from '../../errors.js';
import type { RasterImage } from '../../render/grid.js';
import { decodePng } from '../formats/png.js';

/**
 * How a folder without `train/` and `test/` is split, fixed in code like a table's: the test split is
 * round(testFraction · N) images (at least 1) chosen by the permutation `deriveRng(seed, 'test-split')`.
 */
export const IMAGE_FOLDER_SPLIT = Object.freeze({ testFraction: 0.2, seed: 0 });

/** Options of {@link loadPngFolder}. */
export interface PngFolderOptions {
  /** Pixels are divided by this; default 255. */
  scale?: number;
  /** [H, W]: resize every image to this size (bilinear); default null, all images must share one size. */
  resize?: readonly number[] | null;
}

/** A PNG folder's splits and class names. */
export interface PngFolderData {
  train: Dataset;
  test: Dataset;
  /** The class folders' names, sorted (label k is classes[k]); null for an unlabelled folder. */
  classes: string[] | null;
}

const isPng = (name: string) => /\.png$/i.test(name) && !name.startsWith('.');
const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** Visible entries of a folder, sorted by code unit. */
function entries(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .sort();
}

/** True when `dir` is a folder holding PNG files, directly, in class folders, or in train/ and test/. */
export function isPngFolder(dir: string): boolean {
  if (!isDir(dir)) return false;
  const hasPng = (d: string): boolean => entries(d).some((n) => (isPng(n) && !isDir(join(d, n))) || (isDir(join(d, n)) && entries(join(d, n)).some(isPng)));
  return hasPng(dir) || (isDir(join(dir, 'train')) && hasPng(join(dir, 'train')));
}

/** The PNG files of one split: flat (class null) or by class folder. */
interface Listing {
  files: Array<{ path: string; className: string | null }>;
  classes: string[] | null;
}

/** @throws DataError for a folder that mixes PNG files with class folders, or a class folder without PNGs */
function listSplit(dir: string): Listing {
  const names = entries(dir);
  const pngs = names.filter((n) => isPng(n) && !isDir(join(dir, n)));
  const folders = names.filter((n) => isDir(join(dir, n)));
  if (pngs.length > 0 && folders.length > 0) {
    throw new DataError(`${dir}: expected PNG files or class folders, got both (${pngs[0]} and ${folders[0]}/); put every image in a class folder, or none`);
  }
  if (folders.length === 0) return { files: pngs.map((n) => ({ path: join(dir, n), className: null })), classes: null };
  const files = folders.flatMap((c) => {
    const inClass = entries(join(dir, c)).filter((n) => isPng(n) && !isDir(join(dir, c, n)));
    if (inClass.length === 0) throw new DataError(`${join(dir, c)}: expected PNG files in the class folder '${c}', got none`);
    return inClass.map((n) => ({ path: join(dir, c, n), className: c }));
  });
  return { files, classes: folders };
}

/** One decoded image: 8-bit, RGBA composited to RGB, or gray. */
interface Decoded {
  path: string;
  width: number;
  height: number;
  /** 1 or 3 */
  channels: number;
  /** [height, width, channels] */
  data: Uint8Array;
  className: string | null;
}

/** @throws DataError naming the file when it is not a readable PNG */
function decodeFile(path: string, className: string | null): Decoded {
  let img: RasterImage;
  try {
    img = decodePng(readFileSync(path));
  } catch (cause) {
    const reason = ((cause as Error).message ?? String(cause)).split('\n')[0].replace(/^decodePng: /, '');
    throw new DataError(`${path}: not a readable PNG file (${reason})`, { cause });
  }
  if (img.channels !== 4) return { path, width: img.width, height: img.height, channels: img.channels, data: img.data, className };
  const n = img.width * img.height;
  const rgb = new Uint8Array(n * 3); // [H, W, 3]: over black, v · α / 255
  for (let p = 0; p < n; p++) {
    const a = img.data[p * 4 + 3];
    for (let k = 0; k < 3; k++) rgb[p * 3 + k] = Math.round((img.data[p * 4 + k] * a) / 255);
  }
  return { path, width: img.width, height: img.height, channels: 3, data: rgb, className };
}

/** True when every pixel has R = G = B. */
function isGray(img: Decoded): boolean {
  if (img.channels === 1) return true;
  const d = img.data;
  for (let i = 0; i < d.length; i += 3) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false;
  return true;
}

/**
 * Bilinear resize of one image [h, w, c] to [H, W, c] (half-pixel centres), with the ResizeBilinear
 * kernel of TensorFlow.js's cpu backend called directly: no tensor enters the global engine, so it
 * runs whatever backend is (or is not yet) chosen.
 * @returns [H, W, c] float32, raw units
 */
export function resizeBilinear(pixels: Float32Array, shape: readonly [number, number, number], size: readonly [number, number]): Float32Array {
  const [h, w, c] = shape;
  const backend = tf.findBackend('cpu') as tf.KernelBackend; // initialised synchronously on first use
  const kernel = tf.getKernel('ResizeBilinear', 'cpu');
  const dataId = backend.write(pixels, [1, h, w, c], 'float32'); // [1, h, w, c]
  try {
    const out = kernel.kernelFunc({
      inputs: { images: { dataId, shape: [1, h, w, c], dtype: 'float32' } },
      backend,
      attrs: { size: [size[0], size[1]], alignCorners: false, halfPixelCenters: true },
    }) as tf.TensorInfo; // [1, H, W, c]
    try {
      return Float32Array.from(backend.readSync(out.dataId) as Float32Array);
    } finally {
      backend.disposeData(out.dataId);
    }
  } finally {
    backend.disposeData(dataId);
  }
}

/**
 * Builds one split's dataset from its decoded images: one channel count and size for all.
 * @returns x [N, H·W·C] in raw units / scale, labels when the images have classes
 */
function toDataset(images: Decoded[], channels: 1 | 3, size: [number, number], classes: string[] | null, scale: number, source: string): Dataset {
  const [hh, ww] = size;
  const dim = hh * ww * channels;
  const x = new Float32Array(images.length * dim); // [N, H·W·C]
  images.forEach((img, i) => {
    let values: Float32Array = new Float32Array(img.width * img.height * channels); // [h, w, C]
    const n = img.width * img.height;
    for (let p = 0; p < n; p++) {
      for (let k = 0; k < channels; k++) values[p * channels + k] = img.data[p * img.channels + (img.channels === 1 ? 0 : k)];
    }
    if (img.height !== hh || img.width !== ww) values = resizeBilinear(values, [img.height, img.width, channels], size);
    for (let j = 0; j < dim; j++) x[i * dim + j] = values[j] / scale;
  });
  const labels = classes ? Int32Array.from(images, (img) => classes.indexOf(img.className!)) : undefined;
  return makeDataset({ x, numExamples: images.length, dataDim: dim, exampleShape: [hh, ww, channels], labels, source });
}

/**
 * Reads a folder of PNG images (see the file's summary for the layouts and conversions).
 * @param dir - the folder
 * @param opts - scale (default 255), resize [H, W] (default none)
 * @returns train and test datasets [N, H·W·C], labels by class folder, and the class names
 * @throws DataError for a folder without PNG files, a corrupt PNG (naming the file), images of
 *   different sizes without `resize` (naming two files and their sizes), train/ and test/ laid out
 *   differently, a folder mixing files and class folders, or fewer than 2 images to split
 * @throws ConfigError for a bad scale or resize
 */
export function loadPngFolder(dir: string, opts: PngFolderOptions = {}): PngFolderData {
  const scale = opts.scale ?? 255;
  if (!(Number.isFinite(scale) && scale > 0)) throw new ConfigError(`scale: expected a positive finite number, got ${scale}`);
  const resize = opts.resize ?? null;
  if (resize !== null && !(resize.length === 2 && resize.every((s) => Number.isInteger(s) && s >= 1))) {
    throw new ConfigError(`${setting('data.resize', String(resize))}: expected [height, width], two positive integers`);
  }
  const hasSplits = isDir(join(dir, 'train')) && isDir(join(dir, 'test'));
  const listings = hasSplits ? [listSplit(join(dir, 'train')), listSplit(join(dir, 'test'))] : [listSplit(dir)];
  if (listings.some((l) => (l.classes === null) !== (listings[0].classes === null))) {
    throw new DataError(`${dir}: expected train/ and test/ laid out alike, got one with class folders and one without`);
  }
  const all = listings.flatMap((l) => l.files);
  if (all.length === 0) throw new DataError(`${dir}: expected PNG files (directly, in class folders, or in train/ and test/), got none`);
  const classes = listings[0].classes === null ? null : [...new Set(listings.flatMap((l) => l.classes!))].sort();
  const decoded = listings.map((l) => l.files.map((f) => decodeFile(f.path, f.className)));
  const flat = decoded.flat();
  const first = flat[0];
  const size: [number, number] = resize ? [resize[0], resize[1]] : [first.height, first.width];
  if (!resize) {
    const other = flat.find((img) => img.height !== first.height || img.width !== first.width);
    if (other) {
      const rel = (p: string) => relative(dir, p);
      throw new DataError(
        `${dir}: images differ in size: ${rel(first.path)} is ${first.height}×${first.width}, ${rel(other.path)} is ${other.height}×${other.width} ` +
          `(height×width); give ${setting('data.resize')} HxW to resize them all to one size`,
      );
    }
  }
  const channels: 1 | 3 = flat.every(isGray) ? 1 : 3;
  if (hasSplits) {
    return {
      train: toDataset(decoded[0], channels, size, classes, scale, join(dir, 'train')),
      test: toDataset(decoded[1], channels, size, classes, scale, join(dir, 'test')),
      classes,
    };
  }
  if (flat.length < 2) throw new DataError(`${dir}: expected at least 2 images to split into train and test, got ${flat.length}`);
  const ds = toDataset(flat, channels, size, classes, scale, dir);
  const numTest = Math.max(1, Math.round(IMAGE_FOLDER_SPLIT.testFraction * flat.length));
  return { ...splitTrainTest(ds, numTest, IMAGE_FOLDER_SPLIT.seed), classes };
}
