/**
 * The read-only HTTP model store (src/io/http-store.ts): a folder the file store wrote, served by
 * node:http on the loopback interface only, loads through `VAE.load(url)` and `loadModel(url)` with
 * identical outputs; a missing folder, a malformed vaekit.json and a closed port are
 * CheckpointErrors naming the URL; saving to a URL is refused; and the scheme of a location picks
 * its store. On the cpu backend.
 */
import assert from 'node:assert/strict';
import { assertCheckpointError } from '../helpers/assert.js';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '../../src/index.js'; // the browser-safe entry: registers the http store
import { setModelStore } from '../../src/models/model-store.js';
import { fsModelStore } from '../../src/node/formats/model-store.js';
import { httpModelStore } from '../../src/io/http-store.js';
import { loadModel } from '../../src/models/index.js';
import { modelStoreFor, schemeOf } from '../../src/models/model-store.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';

// What the Node entry (src/node/index.ts) does on import, without loading the rest of it (runs, datasets).
setModelStore(fsModelStore);

const root = mkdtempSync(join(tmpdir(), 'vaekit-http-store-'));

/** Every path the server was asked for, in order. */
const requests: string[] = [];

/** Serves files under `root` read-only; 404 for anything else. */
function serve(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    requests.push(path);
    const file = normalize(join(root, path));
    if (req.method !== 'GET' || !file.startsWith(root + sep)) {
      res.writeHead(404).end();
      return;
    }
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream' }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A 6-5-2 VAE, Gaussian decoder with learned σ², its weights moved off their initial values. */
function smallVae(): VAE {
  const vae = new VAE({ inputShape: [6], latentDim: 2, hidden: [5], activation: 'tanh', likelihood: { kind: 'gaussian', variance: 'learned' }, seed: 3 });
  for (const m of [vae.encoder, vae.decoder]) m.setWeights(m.getWeights().map((w) => tf.tidy(() => tf.mul(w, 1.5))));
  tf.tidy(() => vae.likelihood.variables()[0].assign(tf.scalar(-0.4)));
  vae.preprocessing = { scale: 1, binarize: 'none' };
  vae.provenance = { dataset: 'toy', seed: 3 };
  vae.metrics = { testLoss: 7.25 };
  return vae;
}

/** encode (mean, logVar), decode and sample outputs, as arrays. */
function outputs(vae: VAE): number[][] {
  return tf.tidy(() => {
    const x = tf.tensor2d(
      Array.from({ length: 18 }, (_, i) => Math.cos(i)),
      [3, 6],
    );
    const z = tf.tensor2d([0.3, -1.2, 0.8, 2, 0, -0.5], [3, 2]);
    const { mean, logVar } = vae.encode(x);
    return [mean, logVar, vae.decode(z), vae.sample(4, { seed: 17 })].map((t) => Array.from(t.dataSync()));
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a model folder served over HTTP', () => {
  let server: Server;
  let base: string;
  let vae: VAE;

  before(async () => {
    await useBackend('cpu');
    vae = smallVae();
    await vae.save(join(root, 'model'));
    // The same folder with a vaekit.json that is not JSON.
    cpSync(join(root, 'model'), join(root, 'bad'), { recursive: true });
    writeFileSync(join(root, 'bad', 'vaekit.json'), '{ "format": "vaekit-model", ');
    // …and one whose vaekit.json is JSON of another format.
    cpSync(join(root, 'model'), join(root, 'other'), { recursive: true });
    writeFileSync(join(root, 'other', 'vaekit.json'), JSON.stringify({ format: 'keras', version: 1 }));
    server = await serve();
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    vae.dispose();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(root, { recursive: true, force: true });
  });

  test('is registered for http: and https:, in any case', () => {
    assert.equal(modelStoreFor('http://127.0.0.1/x'), httpModelStore);
    assert.equal(modelStoreFor('https://example.org/x'), httpModelStore);
    assert.equal(modelStoreFor('HTTPS://example.org/x'), httpModelStore);
  });

  test('VAE.load of the URL gives the original’s description and identical encode, decode and sample outputs', async () => {
    requests.length = 0;
    const back = await VAE.load(`${base}/model`);
    assert.deepEqual(await back.describe(), await vae.describe());
    assert.deepEqual(outputs(back), outputs(vae));
    assert.deepEqual([...requests].sort(), [
      '/model/decoder/model.json',
      '/model/decoder/weights.bin',
      '/model/encoder/model.json',
      '/model/encoder/weights.bin',
      '/model/vaekit.json',
    ]);
    back.dispose();
  });

  test('loadModel of the URL gives a VAE with the same description and outputs', async () => {
    const back = await loadModel(`${base}/model`);
    assert.ok(back instanceof VAE);
    assert.equal(back.kind, 'vae');
    assert.deepEqual(await back.describe(), await vae.describe());
    assert.deepEqual(outputs(back), outputs(vae));
    back.dispose();
  });

  test('a URL with a trailing slash loads the same model, asking for no path with a double slash', async () => {
    requests.length = 0;
    const back = await VAE.load(`${base}/model/`);
    assert.deepEqual(outputs(back), outputs(vae));
    assert.ok(requests.length >= 5 && requests.every((p) => !p.includes('//')), `requests: ${requests.join(', ')}`);
    back.dispose();
  });

  test('a folder that is not there is a CheckpointError naming its URL', async () => {
    await assertCheckpointError(
      VAE.load(`${base}/missing`),
      new RegExp(`^${escape(`${base}/missing/`)}(vaekit\\.json|encoder/model\\.json|decoder/model\\.json): `),
    );
    await assertCheckpointError(loadModel(`${base}/missing`), new RegExp(escape(`${base}/missing/`)));
  });

  test('a vaekit.json that is not JSON is a CheckpointError naming its URL', async () => {
    await assertCheckpointError(VAE.load(`${base}/bad`), new RegExp(`^${escape(`${base}/bad/vaekit.json`)}: expected the model description as JSON`));
  });

  test('a vaekit.json of another format is a CheckpointError naming the format', async () => {
    await assertCheckpointError(VAE.load(`${base}/other`), /expected format 'vaekit-model', got 'keras'/);
  });

  test('a port nobody listens on is a CheckpointError naming the URL', async () => {
    const closed = await serve();
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const url = `http://127.0.0.1:${port}/model`;
    await assertCheckpointError(VAE.load(url), new RegExp(`^${escape(url)}/`));
  });

  test('VAE.save to an http URL is a CheckpointError saying the store is read-only, and sends nothing', async () => {
    requests.length = 0;
    await assertCheckpointError(vae.save(`${base}/model`), /read-only/, new RegExp(escape(`${base}/model`)));
    assert.deepEqual(requests, []);
  });
});

describe('schemeOf and modelStoreFor', () => {
  test("a plain path, relative or absolute, and a Windows drive have the scheme ''", () => {
    assert.equal(schemeOf('runs/x'), '');
    assert.equal(schemeOf('/home/me/runs/x'), '');
    assert.equal(schemeOf('C:\\runs'), '');
    assert.equal(schemeOf('c:/runs'), '');
    assert.equal(schemeOf('./http://x'), '');
  });

  test('a URL scheme is lower-cased, with its colon', () => {
    assert.equal(schemeOf('HTTPS://x'), 'https:');
    assert.equal(schemeOf('http://127.0.0.1:8080/m'), 'http:');
    assert.equal(schemeOf('file:///tmp/m'), 'file:');
    assert.equal(schemeOf('s3://bucket/m'), 's3:');
    assert.equal(schemeOf('git+ssh://host/m'), 'git+ssh:');
  });

  test('a scheme with no registered store is a CheckpointError naming the location, the scheme and the known ones', async () => {
    await assertCheckpointError(() => modelStoreFor('s3://x'), /^s3:\/\/x: no model store for 's3:' locations \(known: .*\bhttp:.*\)$/, /https:/);
  });
});
