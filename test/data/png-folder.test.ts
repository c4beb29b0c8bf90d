/**
 * Folders of PNG images as a data source (src/node/datasets/png-folder.ts), on tiny folders written
 * here with pngjs: gray and RGB, labels from class folders, train/ and test/, the seeded split, RGBA
 * composited over black, mixed sizes refused (naming both files and sizes) or resized, a corrupt
 * file named, and a folder of MNIST IDX files still read as one.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { dataKindOf, loadDataSource } from '../../src/node/datasets/data-source.js';
import { IMAGE_FOLDER_SPLIT, loadPngFolder } from '../../src/node/datasets/png-folder.js';
import { encodePng } from '../../src/node/formats/png.js';
import type { RasterImage } from '../../src/render/grid.js';
import { assertAllClose, assertDataError } from '../helpers/assert.js';
import { writeIdx } from './write-idx.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-png-folder-'));
after(() => rmSync(root, { recursive: true, force: true }));

let count = 0;
/** A fresh folder under the test root. */
const folder = () => {
  const d = join(root, `f${count++}`);
  mkdirSync(d);
  return d;
};

/** Writes a raster as a PNG at dir/name (folders created). */
function png(dir: string, name: string, img: RasterImage): void {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, encodePng(img));
}

/** A h×w raster with `channels` channels whose bytes are (seed + 17·i) mod 256. */
function raster(h: number, w: number, channels: 1 | 3 | 4, seed: number): RasterImage {
  return { width: w, height: h, channels, data: Uint8Array.from({ length: h * w * channels }, (_, i) => (seed + 17 * i) % 256) };
}

/** The rows of x [N, D] as arrays, to compare as sets. */
const rowsOf = (x: Float32Array, d: number) => Array.from({ length: x.length / d }, (_, i) => Array.from(x.subarray(i * d, (i + 1) * d)));

describe('a folder of PNG images', () => {
  test('class folders give sorted class names and labels; gray images are [H, W, 1], pixels / 255; a seeded 80/20 split', () => {
    const dir = folder();
    const written = new Map<string, { label: number; pixels: number[] }>();
    ['zebra', 'ant'].forEach((cls) => {
      for (let i = 0; i < 5; i++) {
        const img = raster(4, 3, 1, 10 * i + (cls === 'ant' ? 1 : 2));
        png(dir, `${cls}/${i}.png`, img);
        written.set(Array.from(img.data).join(','), { label: cls === 'ant' ? 0 : 1, pixels: Array.from(img.data) });
      }
    });
    writeFileSync(join(dir, 'ant', 'notes.txt'), 'not an image');
    assert.equal(dataKindOf(dir), 'image');
    const loaded = loadDataSource(dir);
    assert.deepEqual(loaded.classes, ['ant', 'zebra']);
    assert.deepEqual([loaded.train.numExamples, loaded.test.numExamples], [8, 2]);
    assert.equal(IMAGE_FOLDER_SPLIT.testFraction, 0.2);
    for (const ds of [loaded.train, loaded.test]) {
      assert.deepEqual(ds.exampleShape, [4, 3, 1]);
      rowsOf(ds.x, ds.dataDim).forEach((row, i) => {
        const bytes = row.map((v) => Math.round(v * 255));
        const w = written.get(bytes.join(','));
        assert.ok(w, `row ${i} of ${ds.source} is one of the images written`);
        assertAllClose(
          row,
          w.pixels.map((b) => b / 255),
          { rtol: 1e-6 },
        );
        assert.equal(ds.labels![i], w.label);
      });
    }
    // the same folder gives the same split
    assert.deepEqual(loadDataSource(dir).test.x, loaded.test.x);
  });

  test('an RGB folder is [H, W, 3]; a gray image in it is repeated over the channels; RGBA is composited over black', () => {
    const dir = folder();
    const rgb = raster(2, 2, 3, 5);
    const gray = raster(2, 2, 1, 100);
    const rgba: RasterImage = { width: 2, height: 2, channels: 4, data: Uint8Array.from([200, 100, 50, 128, 10, 20, 30, 255, 255, 255, 255, 0, 0, 0, 0, 0]) };
    png(dir, 'train/a.png', rgb);
    png(dir, 'train/b.png', gray);
    png(dir, 'test/c.png', rgba);
    const { train, test, classes } = loadPngFolder(dir, { scale: 1 });
    assert.equal(classes, null);
    assert.equal(train.labels, undefined);
    assert.deepEqual(train.exampleShape, [2, 2, 3]);
    assert.deepEqual(Array.from(train.x.subarray(0, 12)), Array.from(rgb.data));
    assert.deepEqual(
      Array.from(train.x.subarray(12, 24)),
      Array.from(gray.data).flatMap((v) => [v, v, v]),
    );
    const over = [200, 100, 50].map((v) => Math.round((v * 128) / 255));
    assert.deepEqual(Array.from(test.x), [...over, 10, 20, 30, 0, 0, 0, 0, 0, 0]);
  });

  test('an RGB file whose every pixel has R = G = B counts as gray', () => {
    const dir = folder();
    const g = raster(3, 3, 1, 7);
    png(dir, 'a.png', { ...g, channels: 3, data: Uint8Array.from(Array.from(g.data).flatMap((v) => [v, v, v])) });
    png(dir, 'b.png', raster(3, 3, 1, 9));
    const { train, test } = loadPngFolder(dir);
    assert.deepEqual(train.exampleShape, [3, 3, 1]);
    assert.equal(train.numExamples + test.numExamples, 2);
  });

  test('images of different sizes are refused, naming two files and their sizes; --resize brings them to one size', () => {
    const dir = folder();
    png(dir, 'cats/a.png', raster(4, 4, 1, 1));
    png(dir, 'cats/b.png', raster(4, 4, 1, 2));
    png(dir, 'dogs/c.png', raster(6, 2, 1, 3));
    assertDataError(() => loadDataSource(dir), /images differ in size: cats\/a\.png is 4×4, dogs\/c\.png is 6×2 \(height×width\)/, /resize/);
    const resized = loadDataSource(dir, { resize: [2, 2], scale: 1 });
    const all = [...rowsOf(resized.train.x, 4), ...rowsOf(resized.test.x, 4)];
    assert.deepEqual(resized.train.exampleShape, [2, 2, 1]);
    // halving with half-pixel centres averages each 2×2 block
    const block = (img: RasterImage) => {
      const v = (y: number, x: number) => img.data[y * 4 + x];
      return [0, 2].flatMap((y) => [0, 2].map((x) => (v(y, x) + v(y, x + 1) + v(y + 1, x) + v(y + 1, x + 1)) / 4));
    };
    const expectedA = block(raster(4, 4, 1, 1));
    assert.ok(
      all.some((r) => r.every((v, i) => Math.abs(v - expectedA[i]) < 1e-4)),
      `a.png resized to its 2×2 block means ${expectedA}`,
    );
  });

  test('a corrupt PNG is a one-line DataError naming the file', () => {
    const dir = folder();
    png(dir, 'a.png', raster(2, 2, 1, 1));
    writeFileSync(join(dir, 'broken.png'), Buffer.from('\x89PNG\r\n\x1a\nnot really a png at all'));
    assertDataError(
      () => loadDataSource(dir),
      new RegExp(`^${join(dir, 'broken.png').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a readable PNG file \\(`),
      /^[^\n]*$/,
    );
  });

  test('a folder that mixes files and class folders, or holds no PNG, is refused', () => {
    const dir = folder();
    png(dir, 'a.png', raster(2, 2, 1, 1));
    png(dir, 'cls/b.png', raster(2, 2, 1, 2));
    assertDataError(() => loadDataSource(dir), /expected PNG files or class folders, got both/);
    const empty = folder();
    assertDataError(() => loadDataSource(empty), /no such dataset|expected|missing/);
  });

  test('a folder holding MNIST IDX files is still read as IDX, a stray PNG beside them notwithstanding', () => {
    const dir = folder();
    const images = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);
    writeIdx(join(dir, 'train-images-idx3-ubyte'), 0x08, [3, 2, 2], images);
    writeIdx(join(dir, 'train-labels-idx1-ubyte'), 0x08, [3], Uint8Array.from([1, 2, 3]));
    writeIdx(join(dir, 't10k-images-idx3-ubyte'), 0x08, [3, 2, 2], images);
    writeIdx(join(dir, 't10k-labels-idx1-ubyte'), 0x08, [3], Uint8Array.from([1, 2, 3]));
    png(dir, 'stray.png', raster(5, 5, 3, 1));
    const loaded = loadDataSource(dir);
    assert.deepEqual(loaded.train.exampleShape, [2, 2, 1]);
    assert.deepEqual(Array.from(loaded.train.labels!), [1, 2, 3]);
    assert.equal(loaded.classes, undefined);
  });
});
