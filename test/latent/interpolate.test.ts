/**
 * Paths in the latent space: lerp and slerp against float64 closed forms and their invariants (lerp's
 * ends; slerp keeps the norm of equal-norm ends, and falls back to lerp where the great circle is not
 * defined), the path of S points, and `interpolate` against the model's own encoder and decoder.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, ShapeError } from '../../src/errors.js';
import { interpolate, interpolationPath, lerp, slerp } from '../../src/latent/interpolate.js';
import { deriveRng } from '../../src/math/rng.js';
import { decodeMean } from '../../src/models/generate.js';
import { createModel } from '../../src/models/index.js';
import type { LatentVariableModel } from '../../src/models/latent-model.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';

const Z = 8;

/** B rows of Z standard normal values, each scaled to norm `norm` (float64). */
function rowsOfNorm(b: number, norm: number, seed: number): number[][] {
  const rng = deriveRng(seed, 'interpolate-test');
  return Array.from({ length: b }, () => {
    const v = Array.from({ length: Z }, () => rng.nextNormal());
    const n = Math.hypot(...v);
    return v.map((x) => (x * norm) / n);
  });
}

/** slerp in float64, as White 2016 writes it. */
function slerp64(a: number[], b: number[], t: number): number[] {
  const dot = a.reduce((s, x, i) => s + x * b[i], 0);
  const theta = Math.acos(dot / (Math.hypot(...a) * Math.hypot(...b)));
  const s = Math.sin(theta);
  return a.map((x, i) => (Math.sin((1 - t) * theta) / s) * x + (Math.sin(t * theta) / s) * b[i]);
}

const norms = (t: tf.Tensor) => (tf.tidy(() => tf.norm(t, 'euclidean', -1)).arraySync() as number[]).flat();

before(() => useBackend('cpu'));

describe('lerp', () => {
  test('gives the two ends at t = 0 and t = 1 and their mean at t = ½', () => {
    const a = tf.tensor2d(rowsOfNorm(4, 2, 1));
    const b = tf.tensor2d(rowsOfNorm(4, 5, 2));
    assertAllClose(lerp(a, b, 0), a, { rtol: 0, atol: 0 });
    assertAllClose(lerp(a, b, 1), b, { rtol: 1e-6, atol: 1e-6 });
    assertAllClose(
      lerp(a, b, 0.5),
      tf.tidy(() => tf.div(tf.add(a, b), 2)),
      { rtol: 1e-6, atol: 1e-7 },
    );
    tf.dispose([a, b]);
  });

  test('cuts inside the sphere: the midpoint of two equal-norm ends has a smaller norm', () => {
    const [a, b] = [tf.tensor2d(rowsOfNorm(6, 3, 3)), tf.tensor2d(rowsOfNorm(6, 3, 4))];
    for (const n of norms(lerp(a, b, 0.5))) assert.ok(n < 3 - 1e-3, `midpoint norm ${n}`);
    tf.dispose([a, b]);
  });

  test('refuses ends of different shapes with a ShapeError', () => {
    assert.throws(
      () => lerp(tf.zeros([2, 3]), tf.zeros([2, 4]), 0.5),
      (e: unknown) => e instanceof ShapeError && /lerp: expected z0 and z1 of one shape/.test(e.message),
    );
  });
});

describe('slerp', () => {
  const a64 = rowsOfNorm(5, 3, 5);
  const b64 = rowsOfNorm(5, 3, 6);
  const ts = [0, 0.1, 0.25, 0.5, 0.9, 1];

  test('keeps the norm between two vectors of equal norm, for every t', async () => {
    const [a, b] = [tf.tensor2d(a64), tf.tensor2d(b64)];
    const t = tf.tensor3d(ts, [ts.length, 1, 1]); // [T, 1, 1] against rows [5, Z]: [T, 5, Z]
    const out = await assertNoTensorLeak(() => slerp(a, b, t));
    assert.deepEqual(out.shape, [ts.length, 5, Z]);
    assertAllClose(norms(out), new Array(ts.length * 5).fill(3), { rtol: 1e-5 });
    tf.dispose([a, b, t, out]);
  });

  test('equals the float64 formula row by row, and gives the ends at t = 0 and 1', () => {
    const [a, b] = [tf.tensor2d(a64), tf.tensor2d(b64)];
    for (const t of ts) {
      const out = slerp(a, b, t);
      assertAllClose(
        out,
        a64.map((r, i) => slerp64(r, b64[i], t)),
        { rtol: 1e-4, atol: 1e-5 },
      );
      out.dispose();
    }
    assertAllClose(slerp(a, b, 0), a, { rtol: 1e-5, atol: 1e-6 });
    assertAllClose(slerp(a, b, 1), b, { rtol: 1e-5, atol: 1e-6 });
    tf.dispose([a, b]);
  });

  test('of orthogonal unit vectors at t = ½ is (e₁ + e₂)/√2', () => {
    assertAllClose(slerp(tf.tensor1d([1, 0, 0]), tf.tensor1d([0, 1, 0]), 0.5), [Math.SQRT1_2, Math.SQRT1_2, 0], { rtol: 1e-6, atol: 1e-7 });
  });

  test('falls back to lerp, finite, for parallel, opposite and zero ends', () => {
    const cases: [number[], number[]][] = [
      [
        [1, 2, 3],
        [2, 4, 6],
      ],
      [
        [1, 2, 3],
        [-1, -2, -3],
      ],
      [
        [0, 0, 0],
        [1, -1, 2],
      ],
    ];
    for (const [a, b] of cases) {
      for (const t of [0, 0.3, 1]) {
        const out = slerp(tf.tensor1d(a), tf.tensor1d(b), t);
        assertAllClose(
          out,
          a.map((x, i) => x + t * (b[i] - x)),
          { rtol: 1e-6, atol: 1e-6, message: `${a} → ${b} at ${t}` },
        );
      }
    }
  });
});

describe('interpolationPath', () => {
  test('holds S points from z₀ to z₁ at t = s/(S − 1), lerp or slerp', async () => {
    const a = tf.tensor2d([rowsOfNorm(1, 2, 7)[0]]);
    const b = tf.tensor2d([rowsOfNorm(1, 2, 8)[0]]);
    const [a64, b64] = [a.arraySync()[0], b.arraySync()[0]];
    for (const method of ['lerp', 'slerp'] as const) {
      const path = await assertNoTensorLeak(() => interpolationPath(a, b, { numSteps: 5, method }));
      assert.deepEqual(path.shape, [5, Z]);
      const expected = [0, 0.25, 0.5, 0.75, 1].map((t) => (method === 'slerp' ? slerp64(a64, b64, t) : a64.map((x, i) => x + t * (b64[i] - x))));
      assertAllClose(path, expected, { rtol: 1e-4, atol: 1e-5 });
      path.dispose();
    }
    tf.dispose([a, b]);
  });

  test('refuses fewer than 2 steps, an unknown method and a batch of codes', () => {
    const a = tf.zeros([1, 3]);
    assert.throws(
      () => interpolationPath(a, a, { numSteps: 1 }),
      (e: unknown) => e instanceof ConfigError && e.message === 'numSteps: expected an integer ≥ 2, got 1',
    );
    assert.throws(
      () => interpolationPath(a, a, { method: 'cubic' as 'lerp' }),
      (e: unknown) => e instanceof ConfigError && e.message === 'method: expected one of lerp, slerp, got "cubic"',
    );
    assert.throws(() => interpolationPath(tf.zeros([2, 3]), tf.zeros([2, 3])), ShapeError);
    a.dispose();
  });
});

describe('interpolate', () => {
  let model: LatentVariableModel;
  before(() => {
    model = createModel('vae', { inputShape: [6], latentDim: 3, hidden: [5], likelihood: { kind: 'gaussian', variance: 1 }, seed: 4 });
  });
  after(() => model.dispose());

  test('decodes the path between the encoder means of the two examples, leaking no tensor', async () => {
    const x0 = tf.tensor2d([[0.1, -1, 2, 0.3, 0, 1]]);
    const x1 = tf.tensor2d([[1, 1, -2, 0, 0.5, -1]]);
    for (const method of ['lerp', 'slerp'] as const) {
      const r = await assertNoTensorLeak(() => interpolate(model, x0, x1, { numSteps: 4, method }));
      assert.deepEqual(
        [r.z.shape, r.mean.shape],
        [
          [4, 3],
          [4, 6],
        ],
      );
      const m0 = tf.tidy(() => model.encode(x0).mean);
      const m1 = tf.tidy(() => model.encode(x1).mean);
      const expectedZ = interpolationPath(m0, m1, { numSteps: 4, method });
      assertAllClose(r.z, expectedZ, { rtol: 1e-6, atol: 1e-7 });
      assertAllClose(r.z.slice([0, 0], [1, 3]), m0, { rtol: 1e-5, atol: 1e-6 });
      assertAllClose(r.z.slice([3, 0], [1, 3]), m1, { rtol: 1e-5, atol: 1e-6 });
      const expectedMean = decodeMean(model, expectedZ);
      assertAllClose(r.mean, expectedMean, { rtol: 1e-5, atol: 1e-6 });
      tf.dispose([r.z, r.mean, m0, m1, expectedZ, expectedMean]);
    }
    tf.dispose([x0, x1]);
  });

  test('refuses a batch of examples as an end', () => {
    assert.throws(
      () => interpolate(model, tf.zeros([2, 6]), tf.zeros([1, 6])),
      (e: unknown) => e instanceof ShapeError && /expected x0 to be one example/.test(e.message),
    );
  });
});
