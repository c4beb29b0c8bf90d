/**
 * A model folder's integrity (issue 13): vaekit.json records each network file's size and CRC-32
 * (src/io/model-files.ts), and loading checks them in Node's file store and the HTTP store, naming
 * the damaged file; folders without checksums (vaekit 0.1.0) still load; a missing file, or a
 * vaekit.json whose latentDim no longer fits the networks, is a CheckpointError naming the file; and
 * `evaluate` and `score` of a model whose weights are NaN exit 1 instead of writing NaN figures.
 * On the cpu backend.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';
import { crc32 } from '../../src/io/model-files.js';
import { loadModel, saveModel, VAE } from '../../src/node/index.js'; // the Node entry registers the file store
import '../../src/io/http-store.js'; // registers the http store
import { useBackend } from '../../src/node/compute/backend.js';
import { runCli } from '../cli/cli-helpers.js';
import { assertCheckpointError } from '../helpers/assert.js';
import { startStaticServer, type StaticServer } from '../browser/static-server.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-model-integrity-'));
after(() => rmSync(root, { recursive: true, force: true }));

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ascii = (s: string) => new TextEncoder().encode(s);
const NETWORK_FILES = ['decoder/model.json', 'decoder/weights.bin', 'encoder/model.json', 'encoder/weights.bin'];

/** A 64-32-2 VAE: its decoder's weights.bin is (2·32 + 32 + 32·64 + 64)·4 = 8,832 bytes, room for 4 KB of damage. */
function smallVae(): VAE {
  return new VAE({ inputShape: [64], latentDim: 2, hidden: [32], activation: 'tanh', seed: 7 });
}

/** A copy of the saved folder `from` at `name`, changed by `damage`. */
function damaged(from: string, name: string, damage: (dir: string) => void): string {
  const dir = join(root, name);
  cpSync(from, dir, { recursive: true });
  damage(dir);
  return dir;
}

/** Writes 4 KB of 0xFF over the start of a file, keeping its size. */
function overwrite4k(path: string): void {
  const bytes = readFileSync(path);
  bytes.fill(0xff, 0, 4096);
  writeFileSync(path, bytes);
}

/** Edits a folder's vaekit.json. */
function editDescription(dir: string, edit: (d: { config: { latentDim: number }; files?: unknown }) => void): void {
  const p = join(dir, 'vaekit.json');
  const d = JSON.parse(readFileSync(p, 'utf8'));
  edit(d);
  writeFileSync(p, JSON.stringify(d, null, 2));
}

describe('crc32', () => {
  test('gives the IEEE CRC-32 check values', () => {
    assert.equal(crc32(ascii('123456789')), 'cbf43926');
    assert.equal(crc32(ascii('')), '00000000');
    assert.equal(crc32(ascii('a')), 'e8b7be43');
    assert.equal(crc32(ascii('The quick brown fox jumps over the lazy dog')), '414fa339');
  });

  test('agrees with the CRC-32 fflate writes into a zip for 5,000 pseudo-random bytes', () => {
    let s = 12345;
    const bytes = Uint8Array.from({ length: 5000 }, () => ((s = (s * 1103515245 + 12345) >>> 0), s >>> 24));
    const zip = zipSync({ f: bytes }, { level: 0 });
    // A zip's local file header holds the entry's CRC-32 at offset 14, little-endian.
    const fromZip = new DataView(zip.buffer, zip.byteOffset).getUint32(14, true);
    assert.equal(crc32(bytes), fromZip.toString(16).padStart(8, '0'));
  });
});

describe('a saved model folder with checksums', () => {
  let vae: VAE;
  let dir: string;
  before(async () => {
    await useBackend('cpu');
    vae = smallVae();
    dir = join(root, 'model');
    await vae.save(dir);
  });
  after(() => vae.dispose());

  test("vaekit.json records every network file's size and CRC-32", () => {
    const files = JSON.parse(readFileSync(join(dir, 'vaekit.json'), 'utf8')).files;
    assert.deepEqual(Object.keys(files).sort(), NETWORK_FILES);
    for (const path of NETWORK_FILES) {
      const bytes = new Uint8Array(readFileSync(join(dir, path)));
      assert.deepEqual(files[path], { bytes: bytes.length, crc32: crc32(bytes) }, path);
    }
  });

  test('loads as saved', async () => {
    const back = await loadModel(dir);
    back.dispose();
  });

  test('4 KB of 0xFF written into decoder/weights.bin is a CheckpointError naming the file and both checksums', async () => {
    const bad = damaged(dir, 'ff', (d) => overwrite4k(join(d, 'decoder', 'weights.bin')));
    const want = JSON.parse(readFileSync(join(dir, 'vaekit.json'), 'utf8')).files['decoder/weights.bin'].crc32;
    const got = crc32(new Uint8Array(readFileSync(join(bad, 'decoder', 'weights.bin'))));
    const message = `${join(bad, 'decoder', 'weights.bin')}: checksum mismatch (expected crc32 ${want}, got ${got}): the file was changed or damaged; retrain or restore it`;
    await assertCheckpointError(loadModel(bad), new RegExp(`^${escape(message)}$`));
    await assertCheckpointError(VAE.load(bad), new RegExp(`^${escape(message)}$`));
  });

  test('an edited model.json that is still a valid one is a CheckpointError naming it', async () => {
    const bad = damaged(dir, 'model-json', (d) => {
      const p = join(d, 'encoder', 'model.json');
      writeFileSync(p, JSON.stringify(JSON.parse(readFileSync(p, 'utf8')), null, 1));
    });
    await assertCheckpointError(
      loadModel(bad),
      new RegExp(`^${escape(join(bad, 'encoder', 'model.json'))}: checksum mismatch \\(expected \\d+ bytes, got \\d+\\)`),
    );
  });

  test('the same folder without checksums in vaekit.json loads, damaged weights and all (as vaekit 0.1.0 did)', async () => {
    const old = damaged(dir, 'no-checksums', (d) => {
      editDescription(d, (desc) => delete desc.files);
      overwrite4k(join(d, 'decoder', 'weights.bin'));
    });
    const back = await loadModel(old);
    back.dispose();
  });

  test('a missing weights.bin or model.json is a CheckpointError naming it: no such file', async () => {
    const noWeights = damaged(dir, 'no-weights', (d) => unlinkSync(join(d, 'encoder', 'weights.bin')));
    await assertCheckpointError(loadModel(noWeights), new RegExp(`^${escape(join(noWeights, 'encoder', 'weights.bin'))}: no such file`));
    const noJson = damaged(dir, 'no-json', (d) => unlinkSync(join(d, 'decoder', 'model.json')));
    await assertCheckpointError(loadModel(noJson), new RegExp(`^${escape(join(noJson, 'decoder', 'model.json'))}: no such file`));
  });

  test('a latentDim edited in vaekit.json is a CheckpointError naming vaekit.json and the sizes that disagree', async () => {
    const edited = damaged(dir, 'latent-dim', (d) => editDescription(d, (desc) => (desc.config.latentDim = 3)));
    await assertCheckpointError(
      loadModel(edited),
      new RegExp(`^${escape(join(edited, 'vaekit.json'))}: .*expected encoder outputs of sizes \\[3, 3\\].*got \\[2, 2\\]`),
    );
  });
});

test('the model folders vaekit 0.1.0 saved (no checksums) load', async () => {
  await useBackend('cpu');
  for (const run of ['mnist-vae', 'boston-vae']) {
    const back = await loadModel(fileURLToPath(new URL(`../fixtures/runs-v0.1/${run}/model`, import.meta.url)));
    back.dispose();
  }
});

describe('the HTTP store checks the checksums too', () => {
  const served = join(root, 'served');
  let server: StaticServer;
  let base: string;
  let vae: VAE;
  before(async () => {
    await useBackend('cpu');
    vae = smallVae();
    await vae.save(join(served, 'model'));
    damaged(join(served, 'model'), join('served', 'ff'), (d) => overwrite4k(join(d, 'decoder', 'weights.bin')));
    damaged(join(served, 'model'), join('served', 'no-weights'), (d) => unlinkSync(join(d, 'decoder', 'weights.bin')));
    // The test's loopback static server: files under `served`, 404 for anything else.
    server = await startStaticServer({}, { '/': served });
    base = server.origin;
  });
  after(async () => {
    vae.dispose();
    await server.close();
  });

  test('an intact folder loads', async () => {
    const back = await loadModel(`${base}/model`);
    back.dispose();
  });

  test('a damaged decoder/weights.bin is a CheckpointError naming its URL', async () => {
    await assertCheckpointError(
      loadModel(`${base}/ff`),
      new RegExp(`^${escape(`${base}/ff/decoder/weights.bin`)}: checksum mismatch \\(expected crc32 [0-9a-f]{8}, got [0-9a-f]{8}\\)`),
    );
  });

  test('a missing weights.bin is a CheckpointError naming its URL: no such file', async () => {
    await assertCheckpointError(loadModel(`${base}/no-weights`), new RegExp(`^${escape(`${base}/no-weights/decoder/weights.bin`)}: no such file`));
  });
});

describe('evaluate and score of a model whose weights are NaN', () => {
  let dir: string;
  before(async () => {
    await useBackend('cpu');
    dir = join(root, 'nan-run');
    cpSync(fileURLToPath(new URL('../fixtures/runs-v0.1/boston-vae', import.meta.url)), dir, { recursive: true });
    // NaN decoder weights, saved through the store, so the checksums hold and the damage is in the numbers.
    const model = (await loadModel(join(dir, 'model'))) as VAE;
    tf.tidy(() => model.decoder.setWeights(model.decoder.getWeights().map((w) => tf.fill(w.shape, NaN))));
    await saveModel(model, join(dir, 'model'));
    model.dispose();
  });

  const message = /model: non-finite values from the model \((\d+) of \1 examples\): the model's weights are damaged or it diverged/;

  test('evaluate exits 1 naming the model folder and the count, and writes no evaluation.json', async () => {
    const r = await runCli(['evaluate', dir, '--samples', '5', '--backend', 'cpu', '--threads', '1']);
    assert.equal(r.code, 1, r.out.join('\n'));
    assert.match(r.err.join('\n'), message);
    assert.equal(existsSync(join(dir, 'evaluation.json')), false);
  });

  test('score exits 1, by −ELBO and by the importance-sampled −log p(x)', async () => {
    for (const extra of [[], ['--samples', '3']]) {
      const r = await runCli(['score', dir, '--backend', 'cpu', ...extra]);
      assert.equal(r.code, 1, `${extra.join(' ')}: ${r.out.join('\n')}`);
      assert.match(r.err.join('\n'), message);
    }
    assert.equal(existsSync(join(dir, 'scores-test.csv')), false);
  });
});
