/**
 * The saved model folder (src/node/model-store.ts, VAE.save / VAE.load): exact reload, standard
 * TensorFlow.js files a browser loads with plain tf.loadLayersModel, a tagged vaekit.json, and
 * CheckpointError for damaged folders. On the cpu and wasm backends.
 */
import assert from 'node:assert/strict';
import { assertCheckpointError } from '../helpers/assert.js';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { VAE } from '../../src/node/index.js'; // the Node entry registers the file-system store
import { useBackend, type BackendName } from '../../src/node/compute/backend.js';
import { readModelDescription } from '../../src/node/formats/model-store.js';
import { elbo } from '../../src/objectives/elbo.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-model-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** 3 examples of a 4×3×1 image, values in [0, 1]. */
const images = () =>
  tf.tensor4d(
    Array.from({ length: 36 }, (_, i) => ((i * 5) % 12) / 11),
    [3, 4, 3, 1],
  );
/** 2 latent points [2, 3]. */
const zs = () => tf.tensor2d([0.3, -1.2, 0.8, 2, 0, -0.5], [2, 3]);

/** A 12-7-3 VAE whose weights are not the initial ones: each kernel scaled by 1.5, so a load of fresh weights shows. */
function model(likelihood: ConstructorParameters<typeof VAE>[0]['likelihood'] = { kind: 'bernoulli' }): VAE {
  const vae = new VAE({ inputShape: [4, 3, 1], latentDim: 3, hidden: [7], activation: 'tanh', likelihood, seed: 5 });
  for (const m of [vae.encoder, vae.decoder]) m.setWeights(m.getWeights().map((w) => tf.tidy(() => tf.mul(w, 1.5))));
  vae.preprocessing = { scale: 255, binarize: 'static' };
  vae.provenance = { dataset: 'toy', seed: 5 };
  vae.metrics = { testLoss: 3.25 };
  return vae;
}

/** encode mean / logVar, decode, and sample outputs as arrays. */
function outputs(vae: VAE): number[][] {
  return tf.tidy(() => {
    const { mean, logVar } = vae.encode(images());
    return [mean, logVar, vae.decode(zs()), vae.sample(4, { seed: 17 })].map((t) => Array.from(t.dataSync()));
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

for (const backend of ['cpu', 'wasm'] as BackendName[]) {
  describe(`model folder on the ${backend} backend`, () => {
    let vae: VAE;
    let dir: string;
    before(async () => {
      await useBackend(backend);
      vae = model();
      dir = join(root, backend, 'model');
      await vae.save(dir);
    });
    after(() => vae.dispose());

    test('VAE.load gives identical encode, decode and sample outputs and the same description', async () => {
      const loaded = await VAE.load(dir);
      try {
        assert.deepEqual(outputs(loaded), outputs(vae));
        assert.deepEqual(await loaded.describe(), JSON.parse(JSON.stringify(await vae.describe())));
      } finally {
        loaded.dispose();
      }
    });

    test('holds vaekit.json and standard encoder/ and decoder/ folders, and nothing else', () => {
      assert.deepEqual(readdirSync(dir).sort(), ['decoder', 'encoder', 'vaekit.json']);
      for (const net of ['encoder', 'decoder']) assert.deepEqual(readdirSync(join(dir, net)).sort(), ['model.json', 'weights.bin']);
      assert.deepEqual(readdirSync(join(root, backend)), ['model'], 'a temporary or .old folder was left beside the model');
    });

    test('the encoder and decoder load with plain tf.loadLayersModel from their files and match the VAE', async () => {
      const plain = async (net: string) => {
        const json = JSON.parse(readFileSync(join(dir, net, 'model.json'), 'utf8'));
        assert.equal(json.format, 'layers-model');
        assert.deepEqual(
          json.weightsManifest.map((g: { paths: string[] }) => g.paths),
          [['weights.bin']],
        );
        const bin = readFileSync(join(dir, net, 'weights.bin'));
        const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
        return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
      };
      const encoder = await plain('encoder');
      const decoder = await plain('decoder');
      try {
        const [mean, logVar] = tf.tidy(() => (encoder.predict(tf.reshape(images(), [3, 12])) as tf.Tensor[]).map((t) => Array.from(t.dataSync())));
        const decoded = tf.tidy(() => Array.from((decoder.predict(zs()) as tf.Tensor).dataSync()));
        const [vaeMean, vaeLogVar, vaeDecoded] = outputs(vae);
        assert.deepEqual(mean, vaeMean);
        assert.deepEqual(logVar, vaeLogVar);
        assert.deepEqual(decoded, vaeDecoded);
      } finally {
        encoder.dispose();
        decoder.dispose();
      }
    });
  });
}

describe('vaekit.json', () => {
  let vae: VAE;
  let dir: string;
  before(async () => {
    await useBackend('cpu');
    vae = model();
    dir = join(root, 'described');
    await vae.save(dir);
  });
  after(() => vae.dispose());

  test("holds format 'vaekit-model', version 1, the config, preprocessing, provenance and metrics", async () => {
    const d = JSON.parse(readFileSync(join(dir, 'vaekit.json'), 'utf8'));
    assert.equal(d.format, 'vaekit-model');
    assert.equal(d.version, 1);
    assert.deepEqual(d.config.inputShape, [4, 3, 1]);
    assert.equal(d.config.dataDim, 12);
    assert.equal(d.config.latentDim, 3);
    assert.deepEqual(d.config.likelihood, { kind: 'bernoulli' });
    assert.deepEqual(d.config.encoder, { kind: 'mlp', hidden: [7], activation: 'tanh' });
    assert.deepEqual(d.preprocessing, { scale: 255, binarize: 'static' });
    assert.deepEqual(d.provenance, { dataset: 'toy', seed: 5 });
    assert.deepEqual(d.metrics, { testLoss: 3.25 });
    assert.deepEqual(await readModelDescription(dir), d);
  });

  test('a learned Gaussian variance is saved and reloads to the same σ² and the same ELBO', async () => {
    const g = model({ kind: 'gaussian', variance: 'learned' });
    g.likelihood.variables()[0].assign(tf.scalar(-1.375));
    const gdir = join(root, 'gaussian');
    await g.save(gdir);
    const loaded = await VAE.load(gdir);
    try {
      const saved = JSON.parse(readFileSync(join(gdir, 'vaekit.json'), 'utf8'));
      assert.deepEqual(saved.config.likelihood, { kind: 'gaussian', variance: 'learned', logVar: -1.375 });
      const elboOf = (m: VAE) => tf.tidy(() => Array.from(elbo(m, tf.reshape(images(), [3, 12]) as tf.Tensor2D, { seed: 3 }).elbo.dataSync()));
      assert.deepEqual(elboOf(loaded), elboOf(g));
    } finally {
      loaded.dispose();
      g.dispose();
    }
  });
});

describe('saving over an existing model folder', () => {
  before(async () => {
    await useBackend('cpu');
  });

  test('replaces the whole folder: files of the previous save are gone and the new weights load', async () => {
    const dir = join(root, 'replaced');
    const first = new VAE({ inputShape: [12], latentDim: 2, hidden: [4], seed: 1 });
    await first.save(dir);
    writeFileSync(join(dir, 'stray.txt'), 'from before');
    const second = model();
    await second.save(dir);
    assert.deepEqual(readdirSync(dir).sort(), ['decoder', 'encoder', 'vaekit.json']);
    assert.deepEqual(
      readdirSync(root).filter((f) => f.startsWith('replaced.') || f.startsWith('.replaced')),
      [],
      'the previous folder or a temporary one was left beside it',
    );
    const loaded = await VAE.load(dir);
    assert.equal(loaded.latentDim, 3);
    assert.deepEqual(outputs(loaded), outputs(second));
    for (const m of [first, second, loaded]) m.dispose();
  });

  test('a folder left as DIR.old by a crash between the two renames still loads', async () => {
    const dir = join(root, 'crashed');
    const vae = model();
    await vae.save(dir);
    renameSync(dir, `${dir}.old`);
    const loaded = await VAE.load(dir);
    assert.deepEqual(outputs(loaded), outputs(vae));
    loaded.dispose();
    vae.dispose();
  });
});

describe('VAE.load on a damaged model folder', () => {
  let good: string;
  before(async () => {
    await useBackend('cpu');
    const vae = model();
    good = join(root, 'good');
    await vae.save(good);
    vae.dispose();
  });

  /** A copy of the good folder, changed by `damage`. */
  function damaged(name: string, damage: (dir: string) => void): string {
    const dir = join(root, name);
    mkdirSync(dir);
    for (const sub of ['encoder', 'decoder']) {
      mkdirSync(join(dir, sub));
      for (const f of ['model.json', 'weights.bin']) writeFileSync(join(dir, sub, f), readFileSync(join(good, sub, f)));
    }
    writeFileSync(join(dir, 'vaekit.json'), readFileSync(join(good, 'vaekit.json')));
    damage(dir);
    return dir;
  }

  test('a truncated weights.bin throws CheckpointError naming the file', async () => {
    const dir = damaged('truncated', (d) => {
      const p = join(d, 'decoder', 'weights.bin');
      writeFileSync(p, readFileSync(p).subarray(0, 50));
    });
    await assertCheckpointError(VAE.load(dir), new RegExp(`^${escape(join(dir, 'decoder', 'weights.bin'))}: expected \\d+ bytes of weights, got 50`));
  });

  test('a wrong version in vaekit.json throws CheckpointError naming both versions', async () => {
    const dir = damaged('version', (d) => {
      const p = join(d, 'vaekit.json');
      writeFileSync(p, JSON.stringify({ ...JSON.parse(readFileSync(p, 'utf8')), version: 2 }));
    });
    await assertCheckpointError(VAE.load(dir), /expected format version 1, got 2/);
  });

  test('a vaekit.json of another format throws CheckpointError naming the expected format', async () => {
    const dir = damaged('format', (d) => writeFileSync(join(d, 'vaekit.json'), JSON.stringify({ format: 'keras', version: 1 })));
    await assertCheckpointError(VAE.load(dir), /expected format 'vaekit-model', got 'keras'/);
  });

  test('a folder without vaekit.json throws CheckpointError naming the missing file', async () => {
    const dir = join(root, 'nothing');
    await assertCheckpointError(VAE.load(dir), new RegExp(`^${escape(join(dir, 'vaekit.json'))}: no such file`));
    assert.ok(!existsSync(dir));
  });

  test('a model.json that is not JSON throws CheckpointError naming it', async () => {
    const dir = damaged('model-json', (d) => writeFileSync(join(d, 'encoder', 'model.json'), '{"modelTopology": '));
    await assertCheckpointError(VAE.load(dir), new RegExp(`^${escape(join(dir, 'encoder', 'model.json'))}: expected a TensorFlow.js model.json`));
  });
});
