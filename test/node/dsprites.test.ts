/**
 * dSprites generated from its definition (src/node/datasets/dsprites.ts): the factor grid and its
 * order, the seeded subset (sizes, determinism, disjoint splits, limits), the geometry (scale,
 * position, rotation, the three shapes; figures measured on the original's dsprites.gif frames), and
 * the loader through the data-source table.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { BUILT_IN_DATA, dataKindOf, factorsOf, loadDataSource, splitOf } from '../../src/node/datasets/data-source.js';
import { resolveRunConfig } from '../../src/node/runs/config.js';
import { loadRunSplit } from '../../src/node/runs/run-data.js';
import {
  DSPRITES_FACTOR_NAMES,
  DSPRITES_FACTOR_SIZES,
  DSPRITES_NUM_IMAGES,
  DSPRITES_SHAPES,
  dspritesFactorIndices,
  dspritesFactorValue,
  dspritesGridIndex,
  loadDsprites,
  renderDsprites,
  renderSprite,
  type SpriteFactors,
} from '../../src/node/datasets/dsprites.js';

const D = 64 * 64;

/** One sprite as 0/1 pixels [64·64]. */
const draw = (f: Partial<SpriteFactors>) => renderSprite({ shape: 'square', scale: 1, orientation: 0, posX: 0.5, posY: 0.5, ...f }, new Uint8Array(D));
const count = (img: ArrayLike<number>) => Array.from(img).reduce((a, b) => a + b, 0);
/** Centre of mass (column, row) in pixel indices. */
function centreOfMass(img: ArrayLike<number>): [number, number] {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let p = 0; p < D; p++) {
    if (img[p]) {
      n++;
      sx += p % 64;
      sy += Math.floor(p / 64);
    }
  }
  return [sx / n, sy / n];
}
const xor = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + (v !== b[i] ? 1 : 0), 0);

describe('dSprites grid', () => {
  test('has 3 · 6 · 40 · 32 · 32 = 737,280 images, indexed with posY fastest as the original', () => {
    assert.deepEqual([...DSPRITES_FACTOR_NAMES], ['shape', 'scale', 'orientation', 'posX', 'posY']);
    assert.deepEqual([...DSPRITES_FACTOR_SIZES], [3, 6, 40, 32, 32]);
    assert.equal(DSPRITES_NUM_IMAGES, 737280);
    assert.deepEqual(dspritesFactorIndices(0), [0, 0, 0, 0, 0]);
    assert.deepEqual(dspritesFactorIndices(1), [0, 0, 0, 0, 1]);
    assert.deepEqual(dspritesFactorIndices(32), [0, 0, 0, 1, 0]);
    assert.deepEqual(dspritesFactorIndices(737279), [2, 5, 39, 31, 31]);
    for (const i of [0, 1, 12345, 500000, 737279]) assert.equal(dspritesGridIndex(dspritesFactorIndices(i)), i);
    assert.throws(
      () => dspritesFactorIndices(737280),
      (e: unknown) => e instanceof ConfigError && /\[0, 737280\), got 737280/.test(e.message),
    );
  });

  test('factor values: scale 0.5…1 in steps of 0.1, orientation 0…2π in 40 values, positions i/31', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((i) => Number(dspritesFactorValue('scale', i).toFixed(12))),
      [0.5, 0.6, 0.7, 0.8, 0.9, 1],
    );
    assert.equal(dspritesFactorValue('orientation', 0), 0);
    assert.ok(Math.abs(dspritesFactorValue('orientation', 39) - 2 * Math.PI) < 1e-12);
    assert.equal(dspritesFactorValue('posX', 31), 1);
    assert.ok(Math.abs(dspritesFactorValue('posY', 1) - 0.03225806) < 1e-8);
  });
});

describe('dSprites geometry', () => {
  test('matches the original at scale 1, θ = 0, top-left position (measured on dsprites.gif)', () => {
    // The original's frames: square 20 × 20 pixels at rows and columns 6–25; ellipse 288 pixels in
    // rows 9–22 and columns 3–28; heart 222 pixels in rows 7–23 and columns 6–25 (here 220).
    const box = (img: Uint8Array) => {
      const on = Array.from(img.keys()).filter((p) => img[p]);
      const rows = on.map((p) => Math.floor(p / 64));
      const cols = on.map((p) => p % 64);
      return [Math.min(...rows), Math.max(...rows), Math.min(...cols), Math.max(...cols)];
    };
    const square = draw({ posX: 0, posY: 0 });
    assert.equal(count(square), 400);
    assert.deepEqual(box(square), [6, 25, 6, 25]);
    const ellipse = draw({ shape: 'ellipse', posX: 0, posY: 0 });
    assert.equal(count(ellipse), 288);
    assert.deepEqual(box(ellipse), [9, 22, 3, 28]);
    const heart = draw({ shape: 'heart', posX: 0, posY: 0 });
    assert.ok(Math.abs(count(heart) - 222) <= 5, `heart ${count(heart)} pixels`);
    assert.deepEqual(box(heart), [7, 23, 6, 25]);
    // The heart points down: its centre of mass lies above the centre (row 15.5), as the original's (13.6).
    assert.ok(Math.abs(centreOfMass(heart)[1] - 13.6) < 0.5);
  });

  test('a larger scale covers more pixels, for every shape', () => {
    for (const shape of DSPRITES_SHAPES) {
      const counts = [0, 1, 2, 3, 4, 5].map((i) => count(draw({ shape, scale: dspritesFactorValue('scale', i), orientation: 0.3 })));
      for (let i = 1; i < 6; i++) assert.ok(counts[i] > counts[i - 1], `${shape}: ${counts.join(', ')}`);
      // Area grows as s²: (1 / 0.5)² = 4, up to pixel rounding.
      assert.ok(Math.abs(counts[5] / counts[0] - 4) < 0.4, `${shape}: ${counts[5]} / ${counts[0]}`);
    }
  });

  test('increasing posX moves the centre of mass right by 32/31 px per step, posY down', () => {
    for (const shape of DSPRITES_SHAPES) {
      const xs = [0, 10, 20, 31].map((i) => centreOfMass(draw({ shape, posX: dspritesFactorValue('posX', i), orientation: 1 }))[0]);
      const ys = [0, 31].map((i) => centreOfMass(draw({ shape, posY: dspritesFactorValue('posY', i), orientation: 1 }))[1]);
      for (let i = 1; i < xs.length; i++) assert.ok(xs[i] > xs[i - 1], `${shape}: ${xs.join(', ')}`);
      assert.ok(Math.abs(xs[3] - xs[0] - 32) < 0.6, `${shape}: moved ${xs[3] - xs[0]} px`);
      assert.ok(Math.abs(ys[1] - ys[0] - 32) < 0.6, `${shape}: moved ${ys[1] - ys[0]} px`);
    }
  });

  test('a square turned by 90° is the same image up to pixel rounding; θ = 2π repeats θ = 0', () => {
    for (const orientation of [0, 0.3, 1.1, 2]) {
      // Centred on a pixel corner (posX = posY = 0: pixel 16), the pixel centres map onto each other.
      const a = draw({ orientation, posX: 0, posY: 0 });
      const b = draw({ orientation: orientation + Math.PI / 2, posX: 0, posY: 0 });
      assert.ok(xor(a, b) <= 2, `θ = ${orientation}: ${xor(a, b)} pixels differ`);
      // Elsewhere only edge pixels change.
      const c = draw({ orientation, posX: 0.4, posY: 0.7 });
      const d = draw({ orientation: orientation + Math.PI / 2, posX: 0.4, posY: 0.7 });
      assert.ok(xor(c, d) <= 0.1 * count(c), `θ = ${orientation}: ${xor(c, d)} of ${count(c)} pixels differ`);
    }
    const first = renderDsprites([dspritesGridIndex([2, 3, 0, 5, 9])]);
    const last = renderDsprites([dspritesGridIndex([2, 3, 39, 5, 9])]);
    assert.deepEqual(first, last);
  });

  test('the three shapes at the same factors differ', () => {
    const imgs = DSPRITES_SHAPES.map((shape) => draw({ shape, orientation: 0.5, scale: 0.8 }));
    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) assert.ok(xor(imgs[i], imgs[j]) > 40, `${DSPRITES_SHAPES[i]} vs ${DSPRITES_SHAPES[j]}`);
  });

  test('parts off the canvas are clipped; a bad scale or shape is an error', () => {
    assert.ok(count(draw({ posX: 2 })) === 0);
    assert.throws(
      () => draw({ scale: 0 }),
      (e: unknown) => e instanceof ConfigError && /positive finite scale, got 0/.test(e.message),
    );
    assert.throws(
      () => draw({ shape: 'star' as never }),
      (e: unknown) => e instanceof ConfigError && /square, ellipse, heart, got star/.test(e.message),
    );
  });
});

describe('dSprites subset', () => {
  const small = { numTrain: 300, numTest: 100 };

  test('holds [N, 64·64] pixels in {0, 1} shaped [64, 64, 1], labelled by shape, with factors [N, 5]', () => {
    const d = loadDsprites(small);
    assert.equal(d.train.numExamples, 300);
    assert.equal(d.test.numExamples, 100);
    assert.deepEqual(d.train.exampleShape, [64, 64, 1]);
    assert.equal(d.train.dataDim, D);
    assert.ok(d.train.x.every((v) => v === 0 || v === 1));
    assert.equal(d.factors.train.length, 300 * 5);
    assert.deepEqual(d.factors.sizes, [3, 6, 40, 32, 32]);
    assert.deepEqual(d.classes, ['square', 'ellipse', 'heart']);
    for (let i = 0; i < 300; i++) {
      assert.equal(d.train.labels![i], d.factors.train[i * 5]);
      for (let k = 0; k < 5; k++) assert.ok(d.factors.train[i * 5 + k] < DSPRITES_FACTOR_SIZES[k]);
    }
    // Each example is the grid image of its factors; train and test share none.
    const grid = (f: Int32Array, i: number) => dspritesGridIndex(Array.from(f.subarray(i * 5, i * 5 + 5)));
    assert.deepEqual(d.train.x.subarray(7 * D, 8 * D), Float32Array.from(renderDsprites([grid(d.factors.train, 7)])));
    const trainIdx = new Set(Array.from({ length: 300 }, (_, i) => grid(d.factors.train, i)));
    assert.equal(trainIdx.size, 300);
    for (let i = 0; i < 100; i++) assert.ok(!trainIdx.has(grid(d.factors.test, i)));
    // A random sample of the grid: every shape and both halves of posX appear.
    assert.equal(new Set(d.train.labels).size, 3);
  });

  test('the same seed gives the same images, another seed others; maxExamples keeps the first of the same', () => {
    const a = loadDsprites(small);
    const b = loadDsprites(small);
    assert.deepEqual(a.train.x, b.train.x);
    assert.deepEqual(a.factors.test, b.factors.test);
    const c = loadDsprites({ ...small, seed: 1 });
    assert.notDeepEqual(c.factors.train, a.factors.train);
    const first = loadDsprites({ ...small, maxExamples: 40 });
    assert.equal(first.train.numExamples, 40);
    assert.equal(first.test.numExamples, 40);
    assert.deepEqual(first.train.x, a.train.x.subarray(0, 40 * D));
    assert.deepEqual(first.factors.test, a.factors.test.subarray(0, 40 * 5));
  });

  test('pixels are 255 / scale: {0, 255} with scale 1', () => {
    const d = loadDsprites({ ...small, maxExamples: 5, scale: 1 });
    assert.deepEqual(
      [...new Set(d.train.x)].sort((a, b) => a - b),
      [0, 255],
    );
    assert.throws(
      () => loadDsprites({ numTrain: 737280, numTest: 1 }),
      (e: unknown) => e instanceof ConfigError && /numTrain \+ numTest <= 737280/.test(e.message),
    );
  });
});

describe('dsprites in the data-source table', () => {
  test('is a built-in image source with its factors and class names', () => {
    assert.ok(BUILT_IN_DATA.includes('dsprites'));
    assert.equal(dataKindOf('dsprites'), 'image');
    const loaded = loadDataSource('dsprites', { maxExamples: 20 });
    assert.equal(loaded.kind, 'image');
    assert.equal(loaded.name, 'dsprites');
    assert.equal(loaded.standardizer, null);
    assert.equal(loaded.train.numExamples, 20);
    assert.deepEqual(loaded.train.exampleShape, [64, 64, 1]);
    assert.ok(loaded.test.x.every((v) => v === 0 || v === 1));
    assert.deepEqual(loaded.classes, ['square', 'ellipse', 'heart']);
    const all = factorsOf(loaded, 'all')!;
    assert.equal(all.values.length, splitOf(loaded, 'all').numExamples * 5);
    assert.deepEqual(all.values.subarray(20 * 5), loaded.factors!.test);
    assert.deepEqual(factorsOf(loaded, 'test')!.names, ['shape', 'scale', 'orientation', 'posX', 'posY']);
  });

  test('table options and resizing are errors', () => {
    assert.throws(
      () => loadDataSource('dsprites', { columns: ['a'], maxExamples: 1 }),
      (e: unknown) => e instanceof ConfigError && /this source holds images/.test(e.message),
    );
    assert.throws(
      () => loadDataSource('dsprites', { resize: [32, 32], maxExamples: 1 }),
      (e: unknown) => e instanceof ConfigError && /generated at its own size/.test(e.message),
    );
  });

  test("a run's split carries the factors of its examples, through its limit, a label selection and evaluate's limit", () => {
    const cfg = resolveRunConfig({ data: { source: 'dsprites', limit: 30, includeLabels: [2] } });
    const loaded = loadDataSource('dsprites', { maxExamples: 30 });
    const train = loadRunSplit(cfg, 'train');
    assert.ok(train.ds.numExamples > 0 && train.ds.numExamples < 30);
    const f = train.factors!;
    assert.equal(f.values.length, train.ds.numExamples * 5);
    for (let i = 0; i < train.ds.numExamples; i++) assert.equal(f.values[i * 5], 2);
    // The kept rows are the hearts among the first 30, in order.
    const hearts = Array.from({ length: 30 }, (_, i) => i).filter((i) => loaded.train.labels![i] === 2);
    assert.deepEqual(f.values, Int32Array.from(hearts.flatMap((i) => Array.from(loaded.factors!.train.subarray(i * 5, i * 5 + 5)))));
    const test = loadRunSplit(cfg, 'test', undefined, 7);
    assert.equal(test.ds.numExamples, 7);
    assert.deepEqual(test.factors!.values, loaded.factors!.test.subarray(0, 35));
  });
});
