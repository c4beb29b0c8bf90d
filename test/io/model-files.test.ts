/**
 * A model folder's files in memory (src/io/model-files.ts), the layout Node's file store writes: the
 * five files, byte for byte what release 0.1.0 wrote (the fixtures); zipped and unzipped, a folder that `loadModel` reads back to the same encoder outputs
 * and that `vaekit info` describes.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { unzipSync, zipSync } from 'fflate';
import { makeDataset } from '../../src/data/dataset.js';
import { modelFolderFiles } from '../../src/io/model-files.js';
import type { VaeArtifacts } from '../../src/models/description.js';
import { createModel, loadModel } from '../../src/node/index.js'; // the Node entry registers the file store
import { useBackend } from '../../src/node/compute/backend.js';
import { fsModelStore } from '../../src/node/formats/model-store.js';
import type { LatentVariableModel } from '../../src/models/latent-model.js';
import { train } from '../../src/training/trainer.js';
import { runCli } from '../cli/cli-helpers.js';
import { assertAllClose } from '../helpers/assert.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-model-files-'));
after(() => rmSync(root, { recursive: true, force: true }));

const FOLDER_FILES = ['decoder/model.json', 'decoder/weights.bin', 'encoder/model.json', 'encoder/weights.bin', 'vaekit.json'];

/** Every file under `dir`, by path relative to it. */
function filesUnder(dir: string): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = new Uint8Array(readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** 64 examples of a 2×3×1 image with values in [0, 1], deterministic. */
const data = makeDataset({
  x: Float32Array.from({ length: 64 * 6 }, (_, i) => ((i * 7) % 11) / 10),
  numExamples: 64,
  dataDim: 6,
  exampleShape: [2, 3, 1],
  source: 'synthetic',
});

/** The encoder's mean and logVar of the first 8 examples, as arrays. */
async function encoded(model: LatentVariableModel): Promise<number[]> {
  const { mean, logVar } = model.encode(tf.tensor2d(data.x.subarray(0, 8 * 6), [8, 6]));
  const out = [...(await mean.data()), ...(await logVar.data())];
  tf.dispose([mean, logVar]);
  return out;
}

describe('modelFolderFiles', () => {
  let model: LatentVariableModel;
  let artifacts: VaeArtifacts;
  before(async () => {
    await useBackend('cpu');
    model = createModel('vae', { inputShape: [2, 3, 1], latentDim: 3, hidden: [5], seed: 1 });
    const result = await train(model, { train: data }, { options: { epochs: 1, batchSize: 16 } });
    result.optimizer.dispose();
    model.preprocessing = { scale: 255, binarize: 'none' };
    model.provenance = { dataset: 'synthetic', epochsTrained: 1 };
    artifacts = await model.toArtifacts();
  });
  after(() => model.dispose());

  // (Node's file store writes through modelFolderFiles, so comparing the two would test it against
  // itself; the v0.1.0 fixtures below are the independent check of the layout.)
  test("holds the folder's five files, each network's manifest naming weights.bin", async () => {
    const files = modelFolderFiles(artifacts);
    assert.deepEqual(Object.keys(files).sort(), FOLDER_FILES);
    const manifest = JSON.parse(new TextDecoder().decode(files['encoder/model.json'])).weightsManifest;
    assert.deepEqual(manifest[0].paths, ['weights.bin']);
    assert.equal(JSON.parse(new TextDecoder().decode(files['vaekit.json'])).config.latentDim, 3);
  });

  test('zipped and unzipped into a folder, loads back to the same encoder outputs, and vaekit info describes it', async () => {
    const zip = zipSync(Object.fromEntries(Object.entries(modelFolderFiles(artifacts)).map(([p, b]) => [`model/${p}`, b])));
    const dir = join(root, 'unzipped');
    for (const [path, bytes] of Object.entries(unzipSync(zip))) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), bytes);
    }
    const loaded = await loadModel(join(dir, 'model'));
    try {
      assertAllClose(await encoded(loaded), await encoded(model), { rtol: 1e-6, atol: 1e-7 });
    } finally {
      loaded.dispose();
    }
    const info = await runCli(['info', join(dir, 'model')]);
    assert.equal(info.code, 0, info.err.join('\n'));
    assert.ok(
      info.out.some((l) => /latent size 3\b/.test(l)),
      info.out.join('\n'),
    );
  });

  test('rewrites the model folders vaekit 0.1.0 saved (test/fixtures/runs-v0.1) byte for byte, adding only the checksums to vaekit.json', async () => {
    for (const run of ['mnist-vae', 'boston-vae']) {
      const dir = fileURLToPath(new URL(`../fixtures/runs-v0.1/${run}/model`, import.meta.url));
      const files = modelFolderFiles(await fsModelStore.read(dir));
      const fixture = filesUnder(dir);
      assert.deepEqual(Object.keys(files).sort(), Object.keys(fixture).sort(), run);
      for (const name of FOLDER_FILES.filter((n) => n !== 'vaekit.json')) assert.deepEqual(files[name], fixture[name], `${run}/model/${name}`);
      const { files: checksums, ...description } = JSON.parse(new TextDecoder().decode(files['vaekit.json']));
      assert.equal(JSON.stringify(description, null, 2) + '\n', new TextDecoder().decode(fixture['vaekit.json']), `${run}/model/vaekit.json`);
      assert.deepEqual(
        Object.keys(checksums).sort(),
        FOLDER_FILES.filter((n) => n !== 'vaekit.json'),
        run,
      );
    }
  });

  test('joins weights given as several buffers into one weights.bin', () => {
    const parts = [new Uint8Array([1, 2, 3]).buffer, new Uint8Array([4, 5]).buffer];
    const files = modelFolderFiles({ ...artifacts, encoder: { ...artifacts.encoder, weightData: parts } });
    assert.deepEqual(Array.from(files['encoder/weights.bin']), [1, 2, 3, 4, 5]);
  });
});
