/**
 * A folder of PNG images as the page trains on it, from the images' decoded pixels (the decoding,
 * with createImageBitmap and a canvas, is png-files.ts'). The layouts and conversions are Node's
 * (src/node/datasets/png-folder.ts):
 *
 *   ROOT/*.png                 unlabelled
 *   ROOT/<class>/*.png         labelled: class folders sorted by name, label = index
 *   ROOT/train/…, ROOT/test/…  the split as given (each flat or by class, the same way)
 *
 * Without train/ and test/ the images are split by {@link TEST_SPLIT}. A pixel with transparency is
 * composited over black (value · alpha / 255); the data is gray, [H, W, 1], when every pixel of every
 * image has R = G = B, else RGB, [H, W, 3]; values / 255. Unlike Node, which asks for a size, every
 * image is resized to the first one's (sorted by path) when it is decoded.
 */
import { DataError, makeDataset, splitTrainTest, type Dataset } from 'vaekit';
import { numTestOf, PAGE_SCALE, TEST_SPLIT } from './defaults.js';
import type { PageData } from './page-data.js';

/** One decoded image: its path in the dropped or picked folder and its pixels. */
export interface DecodedImage {
  /** '/'-separated, relative, starting with the folder's own name when a folder was given ('shapes/circle/1.png'). */
  path: string;
  width: number;
  height: number;
  /** [height, width, 4] RGBA, 8 bits, not premultiplied (a canvas's ImageData.data). */
  rgba: Uint8Array | Uint8ClampedArray;
}

/** True for a PNG file's path the folder reader takes: a '.png' name (any case), no hidden file or folder on the way. */
export function isPngPath(path: string): boolean {
  const parts = path.split('/').filter((p) => p !== '');
  return parts.length > 0 && parts.every((p) => !p.startsWith('.')) && /\.png$/i.test(parts[parts.length - 1]);
}

/** The path's segments, without empty ones (a leading '/'). */
const segments = (path: string) => path.split('/').filter((p) => p !== '');

/** One split's images: flat (no classes) or in class folders. */
interface Part {
  images: DecodedImage[];
  /** Each image's class folder, or null. */
  classNames: (string | null)[];
}

/** @throws DataError for a part mixing files and class folders, or images deeper than a class folder */
function partOf(items: Array<{ image: DecodedImage; rest: string[] }>, where: string): Part {
  const file = items.find((it) => it.rest.length === 1);
  const folder = items.find((it) => it.rest.length === 2);
  const deeper = items.find((it) => it.rest.length > 2);
  if (deeper) throw new DataError(`${where}: expected PNG files directly or in class folders, got ${deeper.image.path} (nested deeper)`);
  if (file && folder) {
    throw new DataError(
      `${where}: expected PNG files or class folders, got both (${file.rest[0]} and ${folder.rest[0]}/); put every image in a class folder, or none`,
    );
  }
  return { images: items.map((it) => it.image), classNames: items.map((it) => (it.rest.length === 2 ? it.rest[0] : null)) };
}

/**
 * The folder's images as a dataset: x [N, H·W·C] = pixel / 255 (composited over black), labels by class folder.
 * @param images - decoded PNG images, all of one size (png-files.ts resizes them to the first one's)
 * @returns a split as given by train/ and test/, else a seeded 20 % test split; class names when labelled
 * @throws DataError: no images, fewer than 2 to split, a folder mixing files and class folders, images
 *   nested deeper than a class folder, train/ and test/ laid out differently, images of different sizes
 */
export function pngFolderData(images: readonly DecodedImage[]): PageData {
  if (images.length === 0) throw new DataError('expected PNG files (directly, in class folders, or in train/ and test/), got none');
  const sorted = [...images].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  let items = sorted.map((image) => ({ image, rest: segments(image.path) }));
  // A folder given as itself: its name leads every path.
  const first = items[0].rest[0];
  const isRooted = items.every((it) => it.rest.length >= 2 && it.rest[0] === first);
  const name = isRooted ? first : 'images';
  if (isRooted) items = items.map((it) => ({ ...it, rest: it.rest.slice(1) }));
  const tops = new Set(items.map((it) => it.rest[0]));
  const hasSplits = tops.size === 2 && tops.has('train') && tops.has('test') && items.every((it) => it.rest.length >= 2);
  const parts = hasSplits
    ? (['train', 'test'] as const).map((s) =>
        partOf(
          items.filter((it) => it.rest[0] === s).map((it) => ({ ...it, rest: it.rest.slice(1) })),
          `${name}/${s}`,
        ),
      )
    : [partOf(items, name)];
  const isLabelled = parts[0].classNames[0] !== null;
  if (parts.some((p) => (p.classNames[0] !== null) !== isLabelled)) {
    throw new DataError(`${name}: expected train/ and test/ laid out alike, got one with class folders and one without`);
  }
  const all = parts.flatMap((p) => p.images);
  const [w, h] = [all[0].width, all[0].height];
  const other = all.find((img) => img.width !== w || img.height !== h);
  if (other) throw new DataError(`${name}: images differ in size: ${all[0].path} is ${h}×${w}, ${other.path} is ${other.height}×${other.width} (height×width)`);
  const classNames = isLabelled ? [...new Set(parts.flatMap((p) => p.classNames as string[]))].sort() : null;
  const channels: 1 | 3 = all.every(isGray) ? 1 : 3;
  const toDataset = (p: Part, source: string) => imagesDataset(p, { channels, height: h, width: w, classNames, source });
  let train: Dataset;
  let test: Dataset;
  if (hasSplits) {
    [train, test] = [toDataset(parts[0], `${name}/train`), toDataset(parts[1], `${name}/test`)];
  } else {
    if (all.length < 2) throw new DataError(`${name}: expected at least 2 images to split into train and test, got ${all.length}`);
    ({ train, test } = splitTrainTest(toDataset(parts[0], name), numTestOf(all.length), TEST_SPLIT.seed));
  }
  const classes = classNames ? `; ${classNames.length} classes (${classNames.join(', ')})` : '';
  return {
    name,
    kind: 'image',
    train,
    test,
    scale: PAGE_SCALE.image,
    standardizer: null,
    classNames,
    description: `${name}: ${train.numExamples} training and ${test.numExamples} test images [${h}, ${w}, ${channels}]${classes}, pixels / 255`,
  };
}

/** The pixel value over black: v · α / 255, rounded to 8 bits as Node's reader does. */
const overBlack = (v: number, alpha: number) => Math.round((v * alpha) / 255);

/** True when every pixel, composited over black, has R = G = B. */
function isGray(img: DecodedImage): boolean {
  const d = img.rgba;
  for (let i = 0; i < d.length; i += 4) {
    const r = overBlack(d[i], d[i + 3]);
    if (r !== overBlack(d[i + 1], d[i + 3]) || r !== overBlack(d[i + 2], d[i + 3])) return false;
  }
  return true;
}

/** One split's dataset: x [N, H·W·C] = composited pixel / 255, labels = index of the class folder. */
function imagesDataset(p: Part, o: { channels: 1 | 3; height: number; width: number; classNames: string[] | null; source: string }): Dataset {
  const numPixels = o.height * o.width;
  const dim = numPixels * o.channels;
  const x = new Float32Array(p.images.length * dim); // [N, H·W·C]
  p.images.forEach((img, n) => {
    for (let q = 0; q < numPixels; q++) {
      const alpha = img.rgba[4 * q + 3];
      for (let k = 0; k < o.channels; k++) x[n * dim + q * o.channels + k] = overBlack(img.rgba[4 * q + k], alpha) / PAGE_SCALE.image;
    }
  });
  const labels = o.classNames ? Int32Array.from(p.classNames, (c) => o.classNames!.indexOf(c!)) : undefined;
  return makeDataset({ x, numExamples: p.images.length, dataDim: dim, exampleShape: [o.height, o.width, o.channels], labels, source: o.source });
}
