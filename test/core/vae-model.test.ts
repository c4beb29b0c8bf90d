import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, ConfigError, ShapeError } from '../../src/errors.js';
import { Rng } from '../../src/math/rng.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type VaeArtifacts } from '../../src/models/description.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';
import { decode64, encode64, readVaeWeights } from '../helpers/oracles.js';

before(async () => {
  await useBackend('cpu');
});

const INPUT_SHAPE = [2, 3, 1];
const D = 6;
const Z = 3;
const rng = new Rng('vae-model');
const X = Array.from({ length: 4 }, () => Array.from({ length: D }, () => rng.next()));
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

const vae = new VAE({ inputShape: INPUT_SHAPE, hidden: [5, 4], latentDim: Z, activation: 'tanh', seed: 21 });
after(() => vae.dispose());

/** Asserts `fn` throws an instance of `cls` whose message matches `pattern`. */
function assertThrowsClass(fn: () => unknown, cls: new (...a: never[]) => Error, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

async function assertRejectsClass(p: Promise<unknown>, cls: new (...a: never[]) => Error, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('VAE', () => {
  test('encode of [B, ...inputShape] equals the float64 encoder, and reconstruct is σ(decoder(mean)) of shape [B, D]', async () => {
    const w = readVaeWeights(vae);
    const x = tf.tensor4d(X.flat(), [4, 2, 3, 1]);
    const { mean, logVar } = await assertNoTensorLeak(() => vae.encode(x));
    assert.deepEqual(mean.shape, [4, Z]);
    assertAllClose(
      mean,
      X.map((r) => Array.from(encode64(w, r).mean)),
      { rtol: 1e-5, atol: 1e-6 },
    );
    assertAllClose(
      logVar,
      X.map((r) => Array.from(encode64(w, r).logVar)),
      { rtol: 1e-5, atol: 1e-6 },
    );
    const rec = await assertNoTensorLeak(() => vae.reconstruct(x));
    assert.deepEqual(rec.shape, [4, D]);
    assertAllClose(
      rec,
      X.map((r) => Array.from(decode64(w, encode64(w, r).mean), sigmoid)),
      { rtol: 1e-5, atol: 1e-6 },
    );
    tf.dispose([x, mean, logVar, rec]);
  });

  test('encode rejects inputs of the wrong shape with a ShapeError naming expected and actual shapes', () => {
    for (const shape of [[2, 7], [6], [2, 3, 3, 1]]) {
      const x = tf.zeros(shape);
      assertThrowsClass(() => vae.encode(x), ShapeError, new RegExp(`VAE input: expected \\[B, 6\\] or \\[B, 2, 3, 1\\], got \\[${shape.join(', ')}\\]`));
      x.dispose();
    }
  });

  test('decode rejects z that is not [N, Z] with a ShapeError', () => {
    for (const shape of [[2, 4], [3]]) {
      const z = tf.zeros(shape);
      assertThrowsClass(() => vae.decode(z as tf.Tensor2D), ShapeError, /VAE\.decode: expected z of shape \[N, 3\]/);
      z.dispose();
    }
  });

  test('sample(n, seed) gives [n, D] probabilities, the same for a seed and different for another', async () => {
    const a = await assertNoTensorLeak(() => vae.sample(8, { seed: 5 }));
    const b = vae.sample(8, { seed: 5 });
    const c = vae.sample(8, { seed: 6 });
    assert.deepEqual(a.shape, [8, D]);
    assert.deepEqual(a.dataSync(), b.dataSync());
    assert.notDeepEqual(a.dataSync(), c.dataSync());
    assert.ok(a.dataSync().every((v) => v > 0 && v < 1));
    tf.dispose([a, b, c]);
  });

  test('sample at temperature 0 decodes z = 0 in every row', () => {
    const w = readVaeWeights(vae);
    const s = vae.sample(3, { seed: 1, temperature: 0 });
    const row = Array.from(decode64(w, new Float64Array(Z)), sigmoid);
    assertAllClose(s, [row, row, row], { rtol: 1e-5, atol: 1e-6 });
    s.dispose();
  });

  test('trainableVariables lists each layer kernel and bias once, plus a learned likelihood variance', () => {
    const vars = vae.trainableVariables();
    assert.equal(vars.length, 2 * 4 + 2 * 3, 'encoder: 2 hidden + mean + logVar; decoder: 2 hidden + output');
    assert.equal(new Set(vars.map((v) => v.name)).size, vars.length);
    const total = vars.reduce((s, v) => s + v.size, 0);
    assert.equal(total, 6 * 5 + 5 + (5 * 4 + 4) + 2 * (4 * 3 + 3) + (3 * 4 + 4) + (4 * 5 + 5) + (5 * 6 + 6));
    const g = new VAE({ inputShape: [4], hidden: [], latentDim: 2, likelihood: { kind: 'gaussian', variance: 'learned' } });
    const gv = g.trainableVariables();
    assert.equal(gv.length, 2 * 2 + 2 + 1);
    assert.equal(gv[gv.length - 1], g.likelihood.variables()[0]);
    g.dispose();
  });

  test('the same seed gives the same initial weights and another seed different ones', () => {
    const opts = { inputShape: [D], hidden: [5], latentDim: Z };
    const [a, b, c] = [new VAE({ ...opts, seed: 9 }), new VAE({ ...opts, seed: 9 }), new VAE({ ...opts, seed: 10 })];
    const flat = (m: VAE) => m.trainableVariables().flatMap((v) => Array.from(v.dataSync()));
    assert.deepEqual(flat(a), flat(b));
    assert.notDeepEqual(flat(a), flat(c));
    [a, b, c].forEach((m) => m.dispose());
  });

  test('rejects a bad architecture with a ConfigError naming the field', () => {
    assertThrowsClass(() => new VAE({ inputShape: [4], latentDim: 0 }), ConfigError, /latentDim: expected an integer ≥ 1, got 0/);
    assertThrowsClass(() => new VAE({ inputShape: [4], hidden: [3, 2.5] }), ConfigError, /hidden\[1\]: expected an integer ≥ 1, got 2\.5/);
    assertThrowsClass(() => new VAE({ inputShape: [] }), ConfigError, /inputShape: expected a non-empty array/);
  });
});

describe('VAE.toArtifacts / VAE.fromArtifacts', () => {
  test('a round trip gives identical encode and decode outputs, config and learned variance', async () => {
    const m = new VAE({ inputShape: [D], hidden: [5], latentDim: Z, seed: 2, likelihood: { kind: 'gaussian', variance: 'learned', logVar: 0.25 } });
    m.likelihood.variables()[0].assign(tf.scalar(-1.75));
    m.preprocessing = { scale: 255, binarize: 'none' };
    m.metrics = { testLoss: 12.5 };
    const artifacts = await m.toArtifacts();
    const loaded = await VAE.fromArtifacts(artifacts);
    const x = tf.tensor2d(X);
    const z = tf.tensor2d([
      [0.1, -2, 0.5],
      [1.5, 0.3, -0.7],
    ]);
    const [e1, e2] = [m.encode(x), loaded.encode(x)];
    assert.deepEqual(e2.mean.dataSync(), e1.mean.dataSync());
    assert.deepEqual(e2.logVar.dataSync(), e1.logVar.dataSync());
    const [d1, d2] = [m.decode(z), loaded.decode(z)];
    assert.deepEqual(d2.dataSync(), d1.dataSync());
    assert.deepEqual(loaded.config, { ...m.config, likelihood: { kind: 'gaussian', variance: 'learned', logVar: -1.75 } });
    assert.equal(loaded.likelihood.variables()[0].dataSync()[0], -1.75);
    assert.deepEqual(loaded.preprocessing, m.preprocessing);
    assert.deepEqual(loaded.metrics, m.metrics);
    tf.dispose([x, z, e1.mean, e1.logVar, e2.mean, e2.logVar, d1, d2]);
    m.dispose();
    loaded.dispose();
  });

  test('the saved networks use only built-in tfjs layers, and the description is tagged JSON', async () => {
    const a = await vae.toArtifacts();
    const description = JSON.parse(JSON.stringify(a.description));
    assert.equal(description.format, MODEL_FORMAT);
    assert.equal(description.version, MODEL_FORMAT_VERSION);
    assert.equal(description.config.kind, 'vae');
    for (const net of [a.encoder, a.decoder]) {
      const topology = net.modelTopology as { config: { layers: Array<{ class_name: string }> } };
      const classes = new Set(topology.config.layers.map((l) => l.class_name));
      assert.deepEqual([...classes].sort(), ['Dense', 'InputLayer']);
    }
  });

  test('rejects a wrong format tag or version with a CheckpointError', async () => {
    const a = await vae.toArtifacts();
    const withDescription = (patch: object): VaeArtifacts => ({ ...a, description: { ...a.description, ...patch } as VaeArtifacts['description'] });
    await assertRejectsClass(
      VAE.fromArtifacts(withDescription({ format: 'keras-model' })),
      CheckpointError,
      /model: expected format 'vaekit-model', got 'keras-model'/,
    );
    await assertRejectsClass(
      VAE.fromArtifacts(withDescription({ version: MODEL_FORMAT_VERSION + 1 })),
      CheckpointError,
      new RegExp(`model: expected format version ${MODEL_FORMAT_VERSION}, got ${MODEL_FORMAT_VERSION + 1}`),
    );
    await assertRejectsClass(
      VAE.fromArtifacts({ ...a, description: undefined as unknown as VaeArtifacts['description'] }),
      CheckpointError,
      /expected format 'vaekit-model', got 'undefined'/,
    );
  });
});
