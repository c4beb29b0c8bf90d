import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyBinarization, binarizeSample, binarizeThreshold, type BinarizeMode } from '../../src/data/binarize.js';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { ConfigError, DataError } from '../../src/errors.js';
import { Rng } from '../../src/math/rng.js';

/** 50 examples × 20 features of grey values in [0, 1], with labels. */
function grey(): Dataset {
  const x = Float32Array.from({ length: 1000 }, (_, i) => ((i * 37) % 101) / 100);
  return makeDataset({ x, numExamples: 50, dataDim: 20, labels: new Int32Array(50).fill(3), source: 'grey.csv' });
}

describe('binarizeThreshold', () => {
  test('maps values above t to 1 and the rest, t itself included, to 0', () => {
    assert.deepEqual(Array.from(binarizeThreshold(Float32Array.of(0, 0.5, 0.51, 1, 0.2))), [0, 0, 1, 1, 0]);
    assert.deepEqual(Array.from(binarizeThreshold(Float32Array.of(0.1, 0.3), 0.2)), [0, 1]);
  });
});

describe('binarizeSample', () => {
  test('has mean p within 5 standard errors over 100k draws for each probability p', () => {
    const probs = [0, 0.003, 0.1, 0.5, 0.77, 0.999, 1];
    const n = 100_000;
    const x = new Float32Array(probs.length * n);
    probs.forEach((p, k) => x.fill(p, k * n, (k + 1) * n));
    const out = binarizeSample(x, new Rng('binarize-mean-test'));
    probs.forEach((p, k) => {
      let ones = 0;
      for (let i = k * n; i < (k + 1) * n; i++) {
        assert.ok(out[i] === 0 || out[i] === 1, `sample ${i} is ${out[i]}`);
        ones += out[i];
      }
      const mean = ones / n;
      const se = Math.sqrt((mean * (1 - mean)) / n);
      const pf = Math.fround(p);
      if (p === 0 || p === 1) assert.equal(mean, p);
      else assert.ok(Math.abs(mean - pf) <= 5 * se, `p = ${p}: mean ${mean}, |diff| ${Math.abs(mean - pf)} > 5·SE = ${5 * se}`);
    });
  });

  test('writes into out in place when given x itself', () => {
    const x = Float32Array.of(1, 0, 1, 0);
    assert.equal(binarizeSample(x, new Rng('k'), x), x);
    assert.deepEqual(Array.from(x), [1, 0, 1, 0]);
  });

  test('rejects a probability outside [0, 1] or NaN, naming its index', () => {
    assert.throws(() => binarizeSample(Float32Array.of(0.2, 1.5), new Rng('k')), /expected probabilities in \[0, 1\], got 1.5 at index 1/);
    assert.throws(() => binarizeSample(Float32Array.of(NaN), new Rng('k')), DataError);
  });
});

describe('applyBinarization', () => {
  test("'none' returns the very same dataset", () => {
    const ds = grey();
    assert.equal(applyBinarization(ds, 'none', 1, 0), ds);
  });

  test("'dynamic' differs between epochs and is identical for the same seed and epoch", () => {
    const ds = grey();
    const e0 = applyBinarization(ds, 'dynamic', 1, 0);
    assert.deepEqual(applyBinarization(ds, 'dynamic', 1, 0).x, e0.x);
    assert.notDeepEqual(applyBinarization(ds, 'dynamic', 1, 1).x, e0.x);
    assert.notDeepEqual(applyBinarization(ds, 'dynamic', 2, 0).x, e0.x);
    assert.ok(e0.x.every((v) => v === 0 || v === 1));
    assert.deepEqual(e0.labels, ds.labels);
    assert.equal(e0.numExamples, 50);
  });

  test("'static' is the same sample in every epoch and changes with the seed", () => {
    const ds = grey();
    const s = applyBinarization(ds, 'static', 4, 0);
    assert.deepEqual(applyBinarization(ds, 'static', 4, 9).x, s.x);
    assert.notDeepEqual(applyBinarization(ds, 'static', 5, 0).x, s.x);
  });

  test("'threshold' thresholds at 0.5", () => {
    const ds = grey();
    assert.deepEqual(applyBinarization(ds, 'threshold', 1, 0).x, binarizeThreshold(ds.x, 0.5));
  });

  test('rejects a value outside [0, 1], naming the source, example and feature', () => {
    const ds = grey();
    const x = ds.x.slice();
    x[2 * 20 + 7] = 255;
    const bad = makeDataset({ ...ds, x });
    for (const mode of ['static', 'dynamic', 'threshold'] as const) {
      assert.throws(
        () => applyBinarization(bad, mode, 1, 0),
        (e: unknown) => e instanceof DataError && /^grey\.csv: .*got 255 at example 2, feature 7/.test(e.message),
      );
    }
  });

  test('rejects an unknown mode with a ConfigError', () => {
    assert.throws(() => applyBinarization(grey(), 'stochastic' as BinarizeMode, 1, 0), ConfigError);
  });
});
