/**
 * MNIST from its four decoded IDX files (src/data/idx.ts decodeIdx), as Node's loader makes it
 * (src/node/datasets/mnist.ts): pixels / 255 in [0, 1], exampleShape [28, 28, 1], integer labels;
 * here only the first N training and M test images.
 */
import { DataError, makeDataset, type Dataset, type IdxArray } from 'vaekit';
import { MNIST_FILES, PAGE_SCALE } from './defaults.js';
import type { PageData } from './page-data.js';

/** The four decoded files, by {@link MNIST_FILES}' keys. */
export type MnistArrays = Record<keyof typeof MNIST_FILES, IdxArray>;

/**
 * The first `limit` examples of one split: x = pixel / 255 [n, H·W], labels [n].
 * @throws DataError naming the file: images not of rank 3, labels not of rank 1 or not integers, counts that differ
 */
function mnistSplit(images: IdxArray, labels: IdxArray, names: [string, string], limit: number): Dataset {
  const [imagesName, labelsName] = names;
  if (images.dims.length !== 3) throw new DataError(`${imagesName}: expected images of rank 3 [N, H, W], got dims [${images.dims.join(', ')}]`);
  if (labels.dims.length !== 1) throw new DataError(`${labelsName}: expected labels of rank 1 [N], got dims [${labels.dims.join(', ')}]`);
  if (labels.data instanceof Float32Array || labels.data instanceof Float64Array) {
    throw new DataError(`${labelsName}: expected integer labels, got a floating-point IDX file`);
  }
  const [n, h, w] = images.dims;
  if (labels.dims[0] !== n) throw new DataError(`${imagesName} has ${n} images but ${labelsName} has ${labels.dims[0]} labels; expected equal counts`);
  const m = Math.min(limit, n);
  const x = new Float32Array(m * h * w); // [m, H·W]
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / PAGE_SCALE.image;
  return makeDataset({ x, numExamples: m, dataDim: h * w, exampleShape: [h, w, 1], labels: Int32Array.from(labels.data.subarray(0, m)), source: imagesName });
}

/**
 * MNIST as the page trains on it.
 * @param files - the four files, decoded
 * @param opts.numTrain - N, the first N training images (at most 60000)
 * @param opts.numTest - M, the first M test images (at most 10000)
 * @throws DataError for files that are not MNIST-shaped (naming the file)
 */
export function mnistData(files: MnistArrays, opts: { numTrain: number; numTest: number }): PageData {
  const train = mnistSplit(files.trainImages, files.trainLabels, [MNIST_FILES.trainImages, MNIST_FILES.trainLabels], opts.numTrain);
  const test = mnistSplit(files.testImages, files.testLabels, [MNIST_FILES.testImages, MNIST_FILES.testLabels], opts.numTest);
  return {
    name: 'mnist',
    kind: 'image',
    train,
    test,
    scale: PAGE_SCALE.image,
    standardizer: null,
    classNames: Array.from({ length: 10 }, (_, k) => String(k)),
    description: `MNIST: ${train.numExamples} training and ${test.numExamples} test images [${train.exampleShape.join(', ')}], pixels / 255`,
  };
}
