/**
 * The addon's exact port of tf.randomNormal (native/normal.c) and the normal-noise seam it plugs
 * into (src/math/noise.ts, registered by src/node/compute/native-kernels.ts): every float32 value
 * equals tf.randomNormal's bit for bit, for seeds as tfSeed makes them and for odd and even counts;
 * the noise functions give the same tensors with and without it; `off` puts tfjs back.
 *
 * Skipped, and saying so, where the addon is not built or predates randomNormal; CI sets
 * VAEKIT_NATIVE=on (.ci/run), which turns a missing native build into a failure instead.
 */
import { test } from 'node:test';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/node/compute/backend.js';
import { installNativeKernels, nativeKernelsInfo, nativeKernelsUnavailable } from '../../src/node/compute/native-kernels.js';
import { elboNoise, exampleNoise, iwaeNoise, priorNoise, registerNormalSource } from '../../src/math/noise.js';
import { tfSeed } from '../../src/math/rng.js';

await useBackend('wasm');

interface NormalAddon {
  randomNormal?(out: Float32Array, mean: number, stdDev: number, seed: string): void;
  jsLog?(values: Float64Array): void;
}
const addon: NormalAddon | null =
  nativeKernelsInfo() != null ? (createRequire(import.meta.url)('../../build/Release/vaekit_native.node') as NormalAddon) : null;
const skip =
  process.env.VAEKIT_NATIVE === 'off'
    ? 'native kernels turned off (VAEKIT_NATIVE=off)'
    : addon == null
      ? `the native addon is not available here: ${nativeKernelsUnavailable()} (VAEKIT_NATIVE=on makes this a failure)`
      : typeof addon.randomNormal !== 'function'
        ? 'the native addon predates randomNormal: rebuild it (npm rebuild vaekit)'
        : false;

/** The addon's draw of `size` values. */
function nativeDraw(size: number, mean: number, stdDev: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  addon!.randomNormal!(out, mean, stdDev, String(seed));
  return out;
}

/** tf.randomNormal's values. */
function tfjsDraw(shape: number[], mean: number, stdDev: number, seed: number): Float32Array {
  const t = tf.randomNormal(shape, mean, stdDev, 'float32', seed);
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

/** Asserts bit-for-bit equality of two float32 arrays, naming the first value that differs. */
function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  const i = a.findIndex((bits, j) => bits !== e[j]);
  assert.equal(i, -1, `${what}: value ${i} is ${actual[i]}, tf.randomNormal gives ${expected[i]}`);
}

const SHAPES: number[][] = [[1], [2], [3], [7, 13], [5000, 20]];
const MOMENTS: Array<[number, number]> = [
  [0, 1],
  [0.25, 1.5],
  [-3, 0.01],
  [1000, 7],
];

test('equals tf.randomNormal bit for bit for tfSeed seeds, odd and even counts, any mean and stdDev', { skip }, () => {
  let draws = 0;
  for (let s = 0; s < 6; s++) {
    for (const n of [0, 1, 2, 17, 9999]) {
      const seed = tfSeed(s, 'loglik', n);
      for (const shape of SHAPES) {
        // The [5000, 20] draw (one example of the K = 5000 log-likelihood) once per seed, with mean 0, stdDev 1.
        const moments = shape.length === 2 && shape[0] === 5000 ? MOMENTS.slice(0, 1) : MOMENTS;
        for (const [mean, stdDev] of moments) {
          const size = shape.reduce((p, q) => p * q, 1);
          assertSameBits(nativeDraw(size, mean, stdDev, seed), tfjsDraw(shape, mean, stdDev, seed), `seed ${seed}, [${shape}], N(${mean}, ${stdDev}²)`);
          draws++;
        }
      }
    }
  }
  assert.equal(draws, 6 * 5 * (4 * MOMENTS.length + 1));
});

test('equals tf.randomNormal for the seeds of every noise purpose and for any truthy number seed', { skip }, () => {
  const seeds = [
    ...['eps', 'iwae', 'sample', 'gaussian-sample', 'recon-prob'].map((purpose) => tfSeed(7, purpose, 3)),
    1,
    2 ** 31 - 1,
    -5,
    0.5,
    1e21,
    -1.25e-7,
    Number.MAX_SAFE_INTEGER,
    Infinity,
  ];
  for (const seed of seeds) assertSameBits(nativeDraw(101, 0.5, 2, seed), tfjsDraw([101], 0.5, 2, seed), `seed ${seed}`);
});

test("equals tf.randomNormal value for value for a non-finite mean or stdDev (the path that keeps tfjs's NaN rule)", { skip }, () => {
  for (const [mean, stdDev] of [
    [NaN, 1],
    [0, Infinity],
    [Infinity, 1],
    [-Infinity, Infinity],
    [1, NaN],
  ]) {
    const actual = nativeDraw(33, mean, stdDev, 77);
    const expected = tfjsDraw([33], mean, stdDev, 77);
    actual.forEach((v, i) => assert.ok(Object.is(v, expected[i]), `N(${mean}, ${stdDev}²) value ${i}: ${v}, tf.randomNormal gives ${expected[i]}`));
  }
});

test("the addon's logarithm is V8's Math.log, bit for bit, including edge cases", { skip }, () => {
  const edges = [0, -0, -1, 1, 2, 0.5, 1 - 2 ** -53, 1 + 2 ** -52, 2 ** -1074, 2 ** -1022, 1e-310, 1e300, Number.MAX_VALUE, Infinity, -Infinity, NaN];
  const spread = Array.from({ length: 20000 }, (_, i) => (((i * 2654435761) % 4294967296) + 0.25) / 4294967296); // (0, 1)
  const values = Float64Array.from([...edges, ...spread, ...spread.map((x) => x * 1e6)]);
  const logs = Float64Array.from(values);
  addon!.jsLog!(logs);
  values.forEach((x, i) => assert.ok(Object.is(logs[i], Math.log(x)), `log(${x}): ${logs[i]}, Math.log gives ${Math.log(x)}`));
});

for (const backend of ['wasm', 'cpu'] as const) {
  test(`the noise functions give the same tensors through the native source as through tfjs, and use it (${backend})`, { skip }, async () => {
    installNativeKernels('on');
    await tf.setBackend(backend);
    const native = registerNormalSource(null);
    try {
      assert.ok(native != null, 'installNativeKernels registers a normal source');
      const draws = async () =>
        Promise.all(
          [
            exampleNoise(5000, 20, 42, 7),
            exampleNoise(3, 5, 42, 9999),
            elboNoise(1, 7, 3, 11),
            elboNoise(4, 3, 5, 11),
            iwaeNoise(5, 2, 3, 1),
            priorNoise(3, 4, 2, 0.7),
            elboNoise(1, 0, 3, 11),
          ].map(async (t) => {
            const values = (await t.data()) as Float32Array;
            t.dispose();
            return values;
          }),
        );
      const viaTfjs = await draws();
      let calls = 0;
      let produced = 0;
      registerNormalSource((...args) => {
        calls++;
        const t = native(...args);
        if (t != null) produced++;
        return t;
      });
      const viaNative = await draws();
      assert.equal(calls, viaTfjs.length);
      assert.equal(produced, viaTfjs.length, 'the native source took every draw');
      viaNative.forEach((values, i) => assertSameBits(values, viaTfjs[i], `draw ${i}`));
    } finally {
      registerNormalSource(native);
      await tf.setBackend('wasm');
    }
  });
}

test('the native source declines a falsy seed and a shape tfjs rejects, and leaks no tensor', { skip }, () => {
  installNativeKernels('on');
  const native = registerNormalSource(null)!;
  registerNormalSource(native);
  assert.equal(native([3], 0, 1, 0), null);
  assert.equal(native([3], 0, 1, NaN), null);
  assert.equal(native([-1, 2], 0, 1, 5), null);
  const before = tf.memory().numTensors;
  for (const shape of [[2, 3], [0], [4, 0]]) {
    const t = native(shape, 0, 1, 5)!;
    assert.deepEqual(t.shape, shape);
    assert.equal(t.dtype, 'float32');
    t.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});

test('turning the native kernels off puts tf.randomNormal back, and on registers the source again', { skip }, () => {
  installNativeKernels('off');
  try {
    assert.equal(registerNormalSource(null), null, 'no normal source after off');
  } finally {
    installNativeKernels('on');
  }
  const native = registerNormalSource(null);
  registerNormalSource(native);
  assert.ok(native != null, 'a normal source after on');
});
