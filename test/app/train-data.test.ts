/**
 * The browser trainer's data (app/src/train/): IDX bytes decoded (src/data/idx.ts), MNIST, a folder
 * of PNG images and a CSV file assembled into datasets, each checked against Node's own loaders
 * (src/node/datasets/) on the same files, and the page's shared defaults against Node's.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { PNG } from 'pngjs';
import { csvData } from '../../app/src/train/csv-data.js';
import { MNIST_FILES, numTestOf, PAGE_LIKELIHOOD, PAGE_SCALE, TEST_SPLIT } from '../../app/src/train/defaults.js';
import { mnistData } from '../../app/src/train/mnist-data.js';
import { isPngPath, pngFolderData, type DecodedImage } from '../../app/src/train/png-data.js';
import { decodeIdx } from '../../src/data/idx.js';
import { DEFAULT_SCALE, loadDataSource, TABLE_SPLIT } from '../../src/node/datasets/data-source.js';
import { loadIdxDataset, mnistDataDir, MNIST_FILES as NODE_MNIST_FILES } from '../../src/node/datasets/mnist.js';
import { IMAGE_FOLDER_SPLIT, loadPngFolder } from '../../src/node/datasets/png-folder.js';
import { encodePng } from '../../src/node/formats/png.js';
import { DATA_KIND_DEFAULTS } from '../../src/node/runs/config.js';
import { assertAllClose, assertDataError } from '../helpers/assert.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-train-data-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** An IDX file's bytes, written by hand from the format's description: 0, 0, type, rank, big-endian dims, big-endian values. */
function idx(type: number, dims: number[], values: number[]): Uint8Array {
  const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[type] ?? 1;
  const bytes = new Uint8Array(4 + 4 * dims.length + size * values.length);
  const view = new DataView(bytes.buffer);
  bytes[2] = type;
  bytes[3] = dims.length;
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d, false));
  const at = 4 + 4 * dims.length;
  const write: Record<number, (o: number, v: number) => void> = {
    0x08: (o, v) => view.setUint8(o, v),
    0x09: (o, v) => view.setInt8(o, v),
    0x0b: (o, v) => view.setInt16(o, v, false),
    0x0c: (o, v) => view.setInt32(o, v, false),
    0x0d: (o, v) => view.setFloat32(o, v, false),
    0x0e: (o, v) => view.setFloat64(o, v, false),
  };
  values.forEach((v, i) => write[type](at + i * size, v));
  return bytes;
}

describe('decodeIdx', () => {
  test('decodes a hand-made 2×3 file of each type code: dims, array type and big-endian values', () => {
    const cases: Array<[number, new (n: number) => ArrayLike<number>, number[]]> = [
      [0x08, Uint8Array, [0, 1, 127, 128, 254, 255]],
      [0x09, Int8Array, [-128, -1, 0, 1, 64, 127]],
      [0x0b, Int16Array, [-32768, -300, 0, 1, 258, 32767]],
      [0x0c, Int32Array, [-2147483648, -70000, 0, 1, 65537, 2147483647]],
      [0x0d, Float32Array, [-1.5, 0, 0.25, 3.0e38, -1e-30, Math.fround(1 / 3)]],
      [0x0e, Float64Array, [-1.5, 0, 0.1, 1e300, -1e-300, 1 / 3]],
    ];
    for (const [type, ctor, values] of cases) {
      const { dims, data } = decodeIdx(idx(type, [2, 3], values), 'file');
      assert.deepEqual(dims, [2, 3]);
      assert.equal(data.constructor, ctor, `type 0x${type.toString(16)}`);
      assert.deepEqual(
        Array.from(data),
        values.map((v) => (type === 0x0d ? Math.fround(v) : v)),
      );
    }
  });

  test('reads bytes at an offset inside a larger buffer (a view, as fetch and gunzip may give)', () => {
    const file = idx(0x0b, [2], [258, -2]);
    const padded = new Uint8Array(file.length + 3);
    padded.set(file, 3);
    assert.deepEqual(Array.from(decodeIdx(padded.subarray(3), 'file').data), [258, -2]);
  });

  test('names the file and the problem: magic number in hex, type code, truncated header, truncated data, trailing bytes', () => {
    const good = idx(0x08, [3, 2, 2], new Array(12).fill(7));
    const badMagic = good.slice();
    badMagic[0] = 0x50;
    assertDataError(() => decodeIdx(badMagic, 'a.idx'), /^a\.idx: bad magic number/, /got 0x50000803/);
    const badType = good.slice();
    badType[2] = 0x07;
    assertDataError(() => decodeIdx(badType, 'b.idx'), /^b\.idx: unknown IDX type code/, /got 0x07/);
    assertDataError(() => decodeIdx(good.subarray(0, 9), 'c.idx'), /^c\.idx: truncated header: expected 16 bytes for rank 3, got 9/);
    assertDataError(
      () => decodeIdx(good.subarray(0, good.length - 5), 'd.idx'),
      /^d\.idx: truncated file: expected 12 bytes of data for dims \[3, 2, 2\], got 7/,
    );
    const long = new Uint8Array(good.length + 3);
    long.set(good);
    assertDataError(() => decodeIdx(long, 'e.idx'), /^e\.idx: 3 bytes of trailing garbage/);
  });

  test('decodes the shipped MNIST files as Node reads them', () => {
    const dir = mnistDataDir();
    const labels = decodeIdx(readFileSync(join(dir, NODE_MNIST_FILES.testLabels)), 'labels');
    assert.deepEqual(labels.dims, [10000]);
    assert.deepEqual(Array.from(labels.data.subarray(0, 10)), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  });
});

describe("the page's defaults", () => {
  test("agree with Node's: test split, scales, likelihoods by kind of data, MNIST file names", () => {
    assert.deepEqual({ ...TEST_SPLIT }, { ...IMAGE_FOLDER_SPLIT });
    assert.deepEqual({ ...TEST_SPLIT }, { ...TABLE_SPLIT });
    assert.deepEqual({ ...PAGE_SCALE }, { image: DEFAULT_SCALE.image, table: DEFAULT_SCALE.table });
    assert.deepEqual(PAGE_LIKELIHOOD.image, DATA_KIND_DEFAULTS.image.likelihood);
    assert.deepEqual(PAGE_LIKELIHOOD.table, DATA_KIND_DEFAULTS.table.likelihood);
    assert.deepEqual({ ...MNIST_FILES }, { ...NODE_MNIST_FILES });
    assert.deepEqual([1, 2, 5, 10, 12, 13].map(numTestOf), [1, 1, 1, 2, 2, 3]);
  });
});

describe('mnistData', () => {
  const files = () => ({
    trainImages: decodeIdx(idx(0x08, [3, 2, 2], [0, 51, 102, 255, 1, 2, 3, 4, 5, 6, 7, 8]), 'ti'),
    trainLabels: decodeIdx(idx(0x08, [3], [7, 1, 4]), 'tl'),
    testImages: decodeIdx(idx(0x08, [1, 2, 2], [255, 0, 0, 255]), 'si'),
    testLabels: decodeIdx(idx(0x08, [1], [9]), 'sl'),
  });

  test('takes the first N training and M test images, pixels / 255, shape [H, W, 1], integer labels, named mnist', () => {
    const d = mnistData(files(), { numTrain: 2, numTest: 5 });
    assert.equal(d.name, 'mnist');
    assert.equal(d.kind, 'image');
    assert.equal(d.scale, 255);
    assert.deepEqual(d.train.exampleShape, [2, 2, 1]);
    assertAllClose(d.train.x, [0, 0.2, 0.4, 1, 1 / 255, 2 / 255, 3 / 255, 4 / 255]);
    assert.deepEqual(Array.from(d.train.labels!), [7, 1]);
    assert.equal(d.test.numExamples, 1);
    assert.deepEqual(Array.from(d.test.labels!), [9]);
    assert.deepEqual(d.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  test("gives Node's MNIST examples for the shipped files", () => {
    const dir = mnistDataDir();
    const arrays = Object.fromEntries(Object.entries(NODE_MNIST_FILES).map(([k, f]) => [k, decodeIdx(readFileSync(join(dir, f)), f)]));
    const d = mnistData(arrays as Parameters<typeof mnistData>[0], { numTrain: 300, numTest: 100 });
    const node = loadIdxDataset(dir);
    assert.deepEqual(d.train.x, node.train.x.slice(0, 300 * 784));
    assert.deepEqual(d.train.labels, node.train.labels!.slice(0, 300));
    assert.deepEqual(d.test.x, node.test.x.slice(0, 100 * 784));
  });

  test('rejects files of the wrong rank or counts that differ, naming the file', () => {
    const f = files();
    assertDataError(
      () => mnistData({ ...f, trainImages: decodeIdx(idx(0x08, [2, 2], [1, 2, 3, 4]), 'x') }, { numTrain: 1, numTest: 1 }),
      /train-images-idx3-ubyte: expected images of rank 3/,
    );
    assertDataError(
      () => mnistData({ ...f, testLabels: decodeIdx(idx(0x08, [2], [1, 2]), 'x') }, { numTrain: 1, numTest: 1 }),
      /t10k-images-idx3-ubyte has 1 images but t10k-labels-idx1-ubyte has 2 labels/,
    );
  });
});

/** Writes a PNG (gray, RGB or RGBA bytes, [H, W, C]) under `dir`. */
function writePng(dir: string, path: string, width: number, height: number, channels: 1 | 3 | 4, fill: (p: number, k: number) => number): void {
  const data = new Uint8Array(width * height * channels);
  for (let p = 0; p < width * height; p++) for (let k = 0; k < channels; k++) data[p * channels + k] = fill(p, k);
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), encodePng({ width, height, channels, data }));
}

/** The PNG files under `dir` decoded to RGBA as a browser's canvas gives them, with their paths starting with the folder's name. */
function decodedFolder(dir: string, name: string, paths: string[]): DecodedImage[] {
  return paths.map((p) => {
    const png = PNG.sync.read(readFileSync(join(dir, p)));
    return { path: `${name}/${relative(dir, join(dir, p))}`, width: png.width, height: png.height, rgba: new Uint8Array(png.data) };
  });
}

describe('pngFolderData', () => {
  test("gives Node's datasets for a folder of class folders: the same split, pixels, labels and class names (gray)", () => {
    const dir = join(root, 'gray');
    const paths: string[] = [];
    for (const [c, cls] of ['circle', 'square', 'bar'].entries()) {
      for (let i = 0; i < 4; i++) {
        const path = `${cls}/${i}.png`;
        writePng(dir, path, 3, 2, 1, (p) => (p * 40 + i * 7 + c * 60) % 256);
        paths.push(path);
      }
    }
    const d = pngFolderData(decodedFolder(dir, 'gray', paths).reverse()); // any order: sorted by path
    const node = loadPngFolder(dir);
    assert.equal(d.name, 'gray');
    assert.deepEqual(d.classNames, ['bar', 'circle', 'square']);
    assert.deepEqual(d.train.exampleShape, [2, 3, 1]);
    assert.deepEqual(d.train.x, node.train.x);
    assert.deepEqual(d.train.labels, node.train.labels);
    assert.deepEqual(d.test.x, node.test.x);
    assert.deepEqual(d.test.labels, node.test.labels);
    assert.equal(d.test.numExamples, numTestOf(12));
  });

  test("composites transparency over black and keeps RGB when a pixel's channels differ, as Node does", () => {
    const dir = join(root, 'rgba');
    writePng(dir, 'a.png', 2, 2, 4, (p, k) => (k === 3 ? [255, 128, 0, 200][p] : [200, 100, 50][k]));
    writePng(dir, 'b.png', 2, 2, 3, (p, k) => (p + 1) * (k + 1) * 20);
    writePng(dir, 'c.png', 2, 2, 1, (p) => p * 60);
    const d = pngFolderData(decodedFolder(dir, 'rgba', ['a.png', 'b.png', 'c.png']));
    const node = loadPngFolder(dir);
    assert.equal(d.classNames, null);
    assert.equal(d.train.labels, undefined);
    assert.deepEqual(d.train.exampleShape, [2, 2, 3]);
    assert.deepEqual([d.train.x, d.test.x], [node.train.x, node.test.x]);
  });

  test('keeps a train/ and test/ split as given', () => {
    const dir = join(root, 'splits');
    const paths = ['train/x/0.png', 'train/y/0.png', 'train/y/1.png', 'test/x/0.png', 'test/y/0.png'];
    paths.forEach((p, i) => writePng(dir, p, 2, 2, 1, (q) => q * 10 + i));
    const d = pngFolderData(decodedFolder(dir, 'splits', paths));
    const node = loadPngFolder(dir);
    assert.deepEqual([d.train.numExamples, d.test.numExamples], [3, 2]);
    assert.deepEqual([d.train.x, d.test.x, d.train.labels, d.test.labels], [node.train.x, node.test.x, node.train.labels, node.test.labels]);
    assert.deepEqual(d.classNames, ['x', 'y']);
  });

  test('takes loose files (no folder) as one unlabelled folder named images', () => {
    const img = (path: string, v: number): DecodedImage => ({ path, width: 1, height: 1, rgba: new Uint8Array([v, v, v, 255]) });
    const d = pngFolderData([img('b.png', 255), img('a.png', 0)]);
    assert.equal(d.name, 'images');
    assert.equal(d.train.numExamples + d.test.numExamples, 2);
  });

  test('rejects no images, one image, files beside class folders, deeper folders and images of different sizes, in one line', () => {
    const img = (path: string, w = 2): DecodedImage => ({ path, width: w, height: 2, rgba: new Uint8Array(w * 8).fill(255) });
    assertDataError(() => pngFolderData([]), /expected PNG files/);
    assertDataError(() => pngFolderData([img('f/a.png')]), /^f: expected at least 2 images to split into train and test, got 1$/);
    assertDataError(() => pngFolderData([img('f/a.png'), img('f/cls/b.png')]), /^f: expected PNG files or class folders, got both \(a\.png and cls\/\)/);
    assertDataError(() => pngFolderData([img('f/a/b/c.png'), img('f/a/d.png')]), /^f: expected PNG files directly or in class folders, got f\/a\/b\/c\.png/);
    assertDataError(() => pngFolderData([img('f/a.png'), img('f/b.png', 3)]), /^f: images differ in size: f\/a\.png is 2×2, f\/b\.png is 2×3/);
  });

  test('isPngPath takes .png names in any case and leaves hidden files and folders out', () => {
    assert.deepEqual(['a/b.png', 'B.PNG', 'a/.b.png', '.git/x.png', 'a/b.jpg', 'a/b.png.txt'].map(isPngPath), [true, true, false, false, false, false]);
  });
});

describe('csvData', () => {
  const text = [
    'name,x,y,z',
    ...Array.from({ length: 11 }, (_, i) => `"row, ${i}",${(i * 1.5).toFixed(2)},${(i * i) % 7},${10 - i * 0.25}`),
    '', // a blank line, skipped
  ].join('\r\n');

  test("gives Node's table for a CSV file: the same split, z-scores and standardisation, text columns left out", () => {
    const path = join(root, 'table.csv');
    writeFileSync(path, text);
    const d = csvData(text, 'table.csv');
    const node = loadDataSource(path);
    assert.equal(d.kind, 'table');
    assert.equal(d.name, 'table.csv');
    assert.deepEqual(d.train.columns, ['x', 'y', 'z']);
    assert.deepEqual([d.train.x, d.test.x], [node.train.x, node.test.x]);
    assert.deepEqual(d.standardizer!.toJSON(), node.standardizer!.toJSON());
    assert.equal(d.scale, 1);
    assert.match(d.description, /text columns left out: name/);
  });

  test('rejects a bad cell naming the file, line and column, and text that is not CSV', () => {
    assertDataError(() => csvData('a,b\n1,2\n3,oops\n4,5\n', 'bad.csv'), /^bad\.csv: line 3, column 2 \('b'\): expected a number, got 'oops'$/);
    assertDataError(() => csvData('a,b\n1,"2\n', 'open.csv'), /^open\.csv: line 2, column 2: a quoted cell opens here and is never closed$/);
    assertDataError(() => csvData('a,b\n1,2\n', 'short.csv'), /^short\.csv: expected at least 2 data rows/);
  });
});
