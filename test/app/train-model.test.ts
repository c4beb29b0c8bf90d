/**
 * Training in the page, run in Node (app/src/train/session.ts and model-zip.ts): the model and options
 * are `vaekit train`'s for the same data; one epoch on 300 MNIST images and on a small CSV table
 * reports progress, draws a map and describes the model; the downloaded zip, unzipped, is a model
 * folder that `vaekit info`, `sample` and (MNIST) `evaluate --data mnist` accept.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { csvData } from '../../app/src/train/csv-data.js';
import { PAGE_DEFAULTS } from '../../app/src/train/defaults.js';
import { mnistData } from '../../app/src/train/mnist-data.js';
import { MODEL_ZIP, zipModelFolder } from '../../app/src/train/model-zip.js';
import type { PageData } from '../../app/src/train/page-data.js';
import { latentMap, pageModel, pageTrainOptions, trainInPage, type PageTrainSettings } from '../../app/src/train/session.js';
import { decodeIdx } from '../../src/data/idx.js';
import { encodeMeans } from '../../src/latent/aggregated-posterior.js';
import { modelFolderFiles } from '../../src/io/model-files.js';
import type { LatentVariableModel } from '../../src/models/latent-model.js';
import type { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { mnistDataDir, MNIST_FILES } from '../../src/node/datasets/mnist.js';
import { resolveRunConfig, type VaeRunConfig } from '../../src/node/runs/config.js';
import { resolveTrainOptions } from '../../src/training/options.js';
import type { StepInfo } from '../../src/training/trainer.js';
import { takeFirst } from '../../src/data/dataset.js';
import { runCli } from '../cli/cli-helpers.js';
import { assertAllClose } from '../helpers/assert.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-train-model-'));
after(() => rmSync(root, { recursive: true, force: true }));

const SETTINGS: PageTrainSettings = { latentDim: 2, epochs: 1, backend: 'wasm', vaekitVersion: '0.1.0' };

/** The first 300 training and 100 test images of the shipped MNIST, as the page builds them. */
function mnist(): PageData {
  const dir = mnistDataDir();
  const arrays = Object.fromEntries(Object.entries(MNIST_FILES).map(([k, f]) => [k, decodeIdx(readFileSync(join(dir, f)), f)]));
  return mnistData(arrays as Parameters<typeof mnistData>[0], { numTrain: 300, numTest: 100 });
}

/** A 60-row table of three related columns and a text column. */
const CSV = ['label,a,b,c', ...Array.from({ length: 60 }, (_, i) => `r${i},${Math.sin(i)},${Math.cos(i * 0.7) * 3 + 10},${(i % 9) - 4 + Math.sin(i)}`)].join(
  '\n',
);

/** Unzips the page's download under `dir`; returns the model folder. */
function unzipInto(zip: Uint8Array, dir: string): string {
  for (const [path, bytes] of Object.entries(unzipSync(zip))) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  }
  return join(dir, MODEL_ZIP.folder);
}

describe("the page's model and options", () => {
  test('are those of vaekit train for the same data: MNIST with --latent 2, and a CSV table', () => {
    const csvPath = join(root, 'table.csv');
    writeFileSync(csvPath, CSV);
    const cases: Array<[PageData, VaeRunConfig]> = [
      [mnist(), resolveRunConfig({ data: 'mnist', model: { latentDim: 2 } }) as VaeRunConfig],
      [csvData(CSV, 'table.csv'), resolveRunConfig({ data: csvPath }) as VaeRunConfig],
    ];
    for (const [data, node] of cases) {
      const model = pageModel(data, { latentDim: node.model.latentDim }) as VAE;
      try {
        const { kind: _k, conditionDim: _c, ...nodeModel } = node.model;
        const { encoder, decoder, likelihood, latentDim, seed } = model.config;
        assert.deepEqual({ encoder, decoder, likelihood, latentDim }, nodeModel, data.name);
        assert.equal(seed, node.training.seed);
      } finally {
        model.dispose();
      }
      const nodeTraining = (resolveRunConfig({ data: 'mnist', training: { epochs: 3 } }) as VaeRunConfig).training;
      assert.deepEqual(resolveTrainOptions(pageTrainOptions({ epochs: 3 })), { ...nodeTraining, logEvery: PAGE_DEFAULTS.logEvery });
    }
  });
});

describe('one epoch in the page, on MNIST', () => {
  let data: PageData;
  let model: LatentVariableModel;
  const steps: StepInfo[] = [];
  const epochs: number[] = [];
  let folder: string;
  before(async () => {
    await useBackend('wasm');
    data = mnist();
    model = pageModel(data, SETTINGS);
    const result = await trainInPage(model, data, SETTINGS, {
      onStep: (info) => steps.push(info),
      onEpochEnd: (m) => {
        epochs.push(m.epoch);
        assert.equal(model.provenance?.epochsTrained, m.epoch, 'described before onEpochEnd');
      },
    });
    assert.equal(result.interrupted, false);
    folder = unzipInto(zipModelFolder(modelFolderFiles(await model.toArtifacts())), join(root, 'mnist'));
  });
  after(() => model.dispose());

  test('reports after every step (the page reads the loss back each step) and after the epoch, with a finite loss', () => {
    assert.deepEqual(
      steps.map((s) => s.step),
      [1, 2, 3],
    ); // 300 images, batch 128: 3 steps
    assert.deepEqual(epochs, [1]);
    assert.ok(
      steps.every((s) => Number.isFinite(s.loss) && s.loss > 0),
      steps.map((s) => s.loss).join(', '),
    );
  });

  test("describes the model as a Node run does: scale, binarisation, dataset 'mnist', sizes, trained in the browser, the epoch's losses", () => {
    assert.deepEqual(model.preprocessing, { scale: 255, binarize: 'none' });
    const p = model.provenance!;
    assert.equal(p.dataset, 'mnist');
    assert.deepEqual([p.numTrain, p.numVal, p.numTest, p.epochsTrained, p.bestEpoch, p.seed], [300, 0, 100, 1, 1, 0]);
    assert.equal(p.backend, 'wasm, trained in the browser');
    assert.equal(model.metrics?.epoch, 1);
    assert.equal(model.metrics?.trainLoss, steps.at(-1)!.loss);
    assert.ok(Number.isFinite(model.metrics?.testLoss));
  });

  test("maps the first training examples' posterior means (Z = 2: the means themselves), with their labels", async () => {
    const map = await latentMap(model, data);
    const means = await encodeMeans(model, takeFirst(data.train, PAGE_DEFAULTS.mapExamples));
    assert.equal(map!.method, 'identity');
    assert.equal(map!.numComponents, 2);
    assertAllClose(map!.coords, means.x);
    assert.deepEqual(map!.labels, data.train.labels);
  });

  test('the unzipped download is a model folder vaekit info, sample and evaluate --data mnist accept', async () => {
    const info = await runCli(['info', folder]);
    assert.equal(info.code, 0, info.err.join('\n'));
    const text = info.out.join('\n');
    assert.match(text, /latent size 2/);
    assert.match(text, /values \/ 255, binarize none/);
    assert.match(text, /data: +mnist \(300 train, 0 validation, 100 test\)/);
    assert.match(text, /backend wasm, trained in the browser/);
    const sample = await runCli(['sample', folder, '--n', '4', '--backend', 'wasm']);
    assert.equal(sample.code, 0, sample.err.join('\n'));
    const evaluation = await runCli(['evaluate', folder, '--data', 'mnist', '--limit', '50', '--samples', '4', '--backend', 'wasm']);
    assert.equal(evaluation.code, 0, evaluation.err.join('\n'));
    const written = JSON.parse(readFileSync(join(folder, 'evaluation.json'), 'utf8'));
    assert.equal(written.numExamples, 50);
    assert.ok(Number.isFinite(written.elbo.mean));
  });
});

describe('one epoch in the page, on a CSV table', () => {
  test("records the table's standardisation; vaekit info and sample accept the unzipped download", async () => {
    await useBackend('wasm');
    const data = csvData(CSV, 'table.csv');
    const model = pageModel(data, SETTINGS);
    try {
      const result = await trainInPage(model, data, SETTINGS);
      assert.equal(result.state.history.length, 1);
      assert.deepEqual(model.preprocessing?.standardization, data.standardizer!.toJSON());
      const folder = unzipInto(zipModelFolder(modelFolderFiles(await model.toArtifacts())), join(root, 'table'));
      const info = await runCli(['info', folder]);
      assert.equal(info.code, 0, info.err.join('\n'));
      assert.match(info.out.join('\n'), /Gaussian/);
      assert.match(info.out.join('\n'), /standardised/);
      const sample = await runCli(['sample', folder, '--n', '3', '--backend', 'wasm']);
      assert.equal(sample.code, 0, sample.err.join('\n'));
      assert.ok(existsSync(join(folder, 'samples-0.csv')), 'samples written as CSV in raw units');
    } finally {
      model.dispose();
    }
  });
});

describe('stopping in the page', () => {
  test('stops after the step it is asked to, mid-epoch, with no epoch recorded', async () => {
    const data = mnist(); // 3 steps per epoch
    const model = pageModel(data, SETTINGS);
    try {
      const result = await trainInPage(model, data, { ...SETTINGS, epochs: 3 }, { shouldStop: () => true });
      assert.equal(result.interrupted, true);
      assert.deepEqual([result.state.epoch, result.state.step, result.state.history.length], [0, 1, 0]);
      assert.equal(model.provenance?.epochsTrained, 0);
      assert.equal(model.metrics, undefined);
    } finally {
      model.dispose();
    }
  });
});

describe('memory', () => {
  test('training, the map and the download leave no tensor behind once the model is disposed', async () => {
    await useBackend('wasm');
    const data = csvData(CSV, 'table.csv');
    const before = tf.memory().numTensors;
    const model = pageModel(data, SETTINGS);
    await trainInPage(model, data, { ...SETTINGS, epochs: 2 }, { onEpochEnd: async () => void (await latentMap(model, data)) });
    zipModelFolder(modelFolderFiles(await model.toArtifacts()));
    model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});
