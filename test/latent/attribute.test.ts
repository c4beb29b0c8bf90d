/**
 * Attribute vectors (Prince §17.8.3): the difference of two labelled groups' mean posterior means,
 * against the same computed here by hand from `encode`, and resynthesis z + α v through the decoder.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { ConfigError, DataError } from '../../src/errors.js';
import { applyAttribute, attributeVector } from '../../src/latent/attribute.js';
import { deriveRng } from '../../src/math/rng.js';
import { decodeMean } from '../../src/models/generate.js';
import { createModel } from '../../src/models/index.js';
import type { LatentVariableModel } from '../../src/models/latent-model.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';

const D = 5;
const Z = 3;
const N = 90;

/** N examples of N(label, I) in D dimensions, labels 0, 1, 2 in turn but the last labelled 5: 30, 30, 29 and 1 examples. */
function labelled(): Dataset {
  const rng = deriveRng(7, 'attribute-test');
  const labels = Int32Array.from({ length: N }, (_, n) => (n === N - 1 ? 5 : n % 3));
  const x = Float32Array.from({ length: N * D }, (_, i) => labels[Math.floor(i / D)] + rng.nextNormal()); // [N, D]
  return makeDataset({ x, numExamples: N, dataDim: D, labels, source: 'groups' });
}

let model: LatentVariableModel;
const ds = labelled();
before(async () => {
  await useBackend('cpu');
  model = createModel('vae', { inputShape: [D], latentDim: Z, hidden: [8], likelihood: { kind: 'gaussian', variance: 1 }, seed: 9 });
});
after(() => model.dispose());

describe('attributeVector', () => {
  test('is the mean code of the to-group minus that of the from-group, computed in chunks', async () => {
    const v = await assertNoTensorLeak(() => attributeVector(model, ds, { fromLabel: 0, toLabel: 2, batchSize: 7 }));
    const means = tf.tidy(() => model.encode(tf.tensor2d(ds.x, [N, D])).mean).arraySync(); // [N, Z]
    const groupMean = (label: number) => {
      const rows = means.filter((_, n) => ds.labels![n] === label);
      return Array.from({ length: Z }, (_, u) => rows.reduce((s, r) => s + r[u], 0) / rows.length);
    };
    const [a, b] = [groupMean(0), groupMean(2)];
    assert.deepEqual([v.numFrom, v.numTo, v.fromLabel, v.toLabel], [30, 29, 0, 2]);
    assertAllClose(v.fromMean, a, { rtol: 1e-5, atol: 1e-6 });
    assertAllClose(v.toMean, b, { rtol: 1e-5, atol: 1e-6 });
    assertAllClose(
      v.vector,
      b.map((m, u) => m - a[u]),
      { rtol: 1e-5, atol: 1e-6 },
    );
    assert.ok(Math.hypot(...v.vector) > 1e-3, 'the groups differ, so the vector is not 0');
  });

  test('reversing the labels reverses the vector; a group of one example is its code', async () => {
    const forward = await attributeVector(model, ds, { fromLabel: 1, toLabel: 5 });
    const back = await attributeVector(model, ds, { fromLabel: 5, toLabel: 1 });
    assertAllClose(
      back.vector,
      Array.from(forward.vector, (x) => -x),
      { rtol: 0, atol: 0 },
    );
    const last = tf.tidy(() => model.encode(tf.tensor2d(ds.x.subarray((N - 1) * D), [1, D])).mean);
    assertAllClose(forward.toMean, last.dataSync(), { rtol: 1e-6, atol: 1e-7 });
    assert.equal(forward.numTo, 1);
    last.dispose();
  });

  test('names the missing label and lists those present; refuses unlabelled data and the same label twice', async () => {
    await assert.rejects(attributeVector(model, ds, { fromLabel: 0, toLabel: 4 }), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.equal(e.message, "toLabel '4': no example of groups has label 4; the labels present are 0, 1, 2, 5");
      return true;
    });
    const unlabelled = makeDataset({ x: ds.x, numExamples: N, dataDim: D, source: 'plain' });
    await assert.rejects(
      attributeVector(model, unlabelled, { fromLabel: 0, toLabel: 1 }),
      (e: unknown) => e instanceof DataError && /expected labelled examples/.test(e.message),
    );
    await assert.rejects(
      attributeVector(model, ds, { fromLabel: 1, toLabel: 1 }),
      (e: unknown) => e instanceof ConfigError && e.message === 'toLabel: expected a label other than fromLabel (1), got 1',
    );
  });
});

describe('applyAttribute', () => {
  test('decodes z + α v for each strength; α = 0 is the code itself', async () => {
    const z = tf.tensor2d([[0.3, -0.2, 1]]);
    const v = [1, 2, -0.5];
    const r = await assertNoTensorLeak(() => applyAttribute(model, z, v, [0, 0.5, -1]));
    assertAllClose(
      r.z,
      [
        [0.3, -0.2, 1],
        [0.8, 0.8, 0.75],
        [-0.7, -2.2, 1.5],
      ],
      { rtol: 1e-6, atol: 1e-6 },
    );
    const expected = decodeMean(model, r.z);
    assertAllClose(r.mean, expected, { rtol: 1e-6, atol: 1e-7 });
    tf.dispose([z, r.z, r.mean, expected]);
  });
});
