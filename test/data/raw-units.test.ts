/**
 * Raw units ↔ model units of a table run, scale included (src/data/standardize.ts rawUnits and
 * modelUnits): against float64 hand computations and the table loader; the one conversion shared by
 * the CLI's CSV writer, its `--condition col=v`, and the explorer (app/src/pure); and a `--scale 10`
 * table run whose samples.csv and reconstructions.csv are in raw units.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { parse } from 'csv-parse/sync';
import { conditionFromRaw, rawFromCondition } from '../../app/src/pure/condition.js';
import { toRawUnits } from '../../app/src/pure/table.js';
import { modelUnits, rawUnits, Standardizer } from '../../src/data/standardize.js';
import { DataError, ShapeError } from '../../src/errors.js';
import { VAE } from '../../src/models/vae.js';
import { loadDataSource } from '../../src/node/datasets/data-source.js';
import { fsModelStore } from '../../src/node/formats/model-store.js';
import type { RunCondition, RunConfig } from '../../src/node/runs/config.js';
import { conditionVector } from '../../src/node/runs/conditions.js';
import { tableCsv } from '../../src/node/runs/table-csv.js';
import { runCli } from '../cli/cli-helpers.js';
import { assertAllClose } from '../helpers/assert.js';
import { tempFiles } from '../helpers/temp-files.js';

const STATS = { mean: [50, -4, 0.3], std: [2, 0.5, 0.01] }; // [D = 3], units of raw / scale
const Z = [
  [0, 0, 0],
  [1.5, -2, 3],
]; // [N = 2, D], model units

/** Float64 by hand: raw_ij = (z_ij · std_j + mean_j) · scale. */
const byHand = (z: number[][], scale: number) => z.map((row) => row.map((v, j) => (v * STATS.std[j] + STATS.mean[j]) * scale));

describe('rawUnits and modelUnits', () => {
  test('rawUnits is (z · std + mean) · scale per column of a row-major [N, D] array, in float64', () => {
    // row 1: (1.5·2 + 50)·10 = 530, (−2·0.5 − 4)·10 = −50, (3·0.01 + 0.3)·10 = 3.3
    assertAllClose(rawUnits(Z.flat(), STATS, 10), byHand(Z, 10).flat(), { rtol: 1e-15, atol: 0 });
    assertAllClose(rawUnits(Z[1], STATS, 10), [530, -50, 3.3], { rtol: 1e-15, atol: 0 });
    assertAllClose(rawUnits(Z[1], STATS, 1), [53, -5, 0.33], { rtol: 1e-15, atol: 0 });
    assert.deepEqual([...rawUnits([1, -2], null, 4)], [4, -8]);
  });

  test('modelUnits is (raw / scale − mean) / std, and the two are inverses for any scale', () => {
    assertAllClose(modelUnits([530, -50, 3.3], STATS, 10), Z[1], { rtol: 1e-12, atol: 1e-12 });
    assert.deepEqual([...modelUnits([4, -8], null, 4)], [1, -2]);
    for (const scale of [1, 10, 0.001, 255]) {
      const z = [0.25, -1, 7, -3.5, 0, 2]; // [2, 3]
      assertAllClose(modelUnits(rawUnits(z, STATS, scale), STATS, scale), z, { rtol: 1e-12, atol: 1e-12, message: `scale ${scale}` });
      const raw = [12, -0.5, 1e4, 0, 3, -7];
      assertAllClose(rawUnits(modelUnits(raw, STATS, scale), STATS, scale), raw, { rtol: 1e-12, atol: 1e-12, message: `scale ${scale}` });
    }
  });

  test('modelUnits is what the table loader does to each value with --scale 10', () => {
    const { write } = tempFiles('vaekit-raw-units-');
    const rows = Array.from({ length: 40 }, (_, i) => [300 + 17 * Math.sin(i), -2 + Math.cos(3 * i), i % 7]);
    const file = write(['a,b,c', ...rows.map((r) => r.map((v) => v.toFixed(4)).join(','))].join('\n') + '\n');
    const loaded = loadDataSource(file, { scale: 10 });
    const raw = rows.flatMap((r) => r.map((v) => Number(v.toFixed(4)))); // [40, 3], file order
    assertAllClose(modelUnits(raw, loaded.standardizer, 10), loaded.all!.x, { rtol: 1e-5, atol: 1e-5 }); // the loader works in float32
    assertAllClose(rawUnits(loaded.all!.x, loaded.standardizer, 10), raw, { rtol: 1e-6, atol: 1e-6 });
  });

  test('refuses an array that is not [N, D] and a scale that is not positive and finite', () => {
    assert.throws(
      () => rawUnits([1, 2], STATS, 1),
      (e) => e instanceof ShapeError && /rawUnits: expected a row-major \[N, 3\] array, got length 2/.test(e.message),
    );
    assert.throws(() => modelUnits([1, 2, 3, 4], STATS, 1), ShapeError);
    assert.throws(() => rawUnits([1], { mean: [0], std: [1, 2] }, 1), /expected mean and std of one length/);
    for (const s of [0, -1, NaN, Infinity]) {
      assert.throws(
        () => rawUnits([1, 2, 3], STATS, s),
        (e) => e instanceof DataError && e.message === `rawUnits: expected a positive finite scale, got ${s}`,
      );
    }
  });
});

describe('one conversion for the CLI and the explorer', () => {
  const st = new Standardizer(STATS.mean, STATS.std, { columns: ['a', 'b', 'c'] });

  test("the CSV writer and the explorer's toRawUnits give the same raw numbers for the same model-unit rows", () => {
    const rows = parse(tableCsv(Float32Array.from(Z.flat()), 3, st, [], undefined, null, 10)) as string[][];
    assert.deepEqual(rows[0], ['a', 'b', 'c']);
    for (let i = 0; i < Z.length; i++) {
      const expected = toRawUnits(Float32Array.from(Z[i]), st.toJSON(), 10);
      assertAllClose(rows[i + 1].map(Number), expected, { rtol: 1e-6, atol: 0, message: `row ${i}` });
      assertAllClose(expected, byHand(Z, 10)[i], { rtol: 1e-6, atol: 0 });
    }
  });

  test('--condition col=v and the explorer map a raw condition value to the same model units', () => {
    const condition: RunCondition = { kind: 'columns', columns: ['a', 'b'], standardization: new Standardizer([10, 0.5], [2, 0.25]).toJSON() };
    // (28 / 2 − 10) / 2 = 2;  (0.5 / 2 − 0.5) / 0.25 = −1
    assert.deepEqual([...conditionVector(condition, { a: 28, b: 0.5 }, 2)], [2, -1]);
    assert.deepEqual([...conditionFromRaw([28, 0.5], condition.standardization!, 2)], [2, -1]);
    assert.deepEqual([...rawFromCondition([2, -1], condition.standardization!, 2)], [28, 0.5]);
    assert.deepEqual([...conditionVector(condition, { a: 28, b: 0.5 })], [9, 0]); // scale 1: (28 − 10) / 2, (0.5 − 0.5) / 0.25
  });
});

describe('a table run trained with --scale 10 writes its CSV files in raw units', () => {
  // 100 rows, raw means near (500, −40, 3); a 10× smaller column mean would be many stds away
  const rows = Array.from({ length: 100 }, (_, i) => [500 + 20 * Math.sin(i), -40 + 4 * Math.cos(2 * i), 3 + 0.5 * Math.sin(5 * i + 1)]);
  const rawRows = rows.map((r) => r.map((v) => Number(v.toFixed(4))));
  const rawMean = [0, 1, 2].map((j) => rawRows.reduce((a, r) => a + r[j], 0) / rawRows.length);
  const rawStd = [0, 1, 2].map((j) => Math.sqrt(rawRows.reduce((a, r) => a + (r[j] - rawMean[j]) ** 2, 0) / rawRows.length));
  const { dir, write } = tempFiles('vaekit-raw-units-run-');
  const run = join(dir, 'run');
  let file: string;
  let cfg: RunConfig;
  const readCsv = (name: string) => parse(readFileSync(join(run, name), 'utf8')) as string[][];

  before(async () => {
    file = write(['a,b,c', ...rawRows.map((r) => r.join(','))].join('\n') + '\n');
    const r = await runCli(['train', '--data', file, '--scale', '10', '--epochs', '1', '--hidden', '8', '--seed', '1', '--out', run]);
    assert.equal(r.code, 0, r.err.join('\n'));
    cfg = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as RunConfig;
  });

  test('config.json records scale 10 and a standardisation fitted on raw / 10', () => {
    assert.equal(cfg.data.scale, 10);
    assertAllClose(
      cfg.data.standardization!.mean.map((m) => m * 10),
      rawMean,
      { rtol: 0.02 },
    ); // the train split's means, in units of raw / 10
  });

  test("reconstructions.csv: data rows are rows of the file, reconstructions are the model's x̂ in raw units, as the explorer shows them", async () => {
    const [header, ...body] = readCsv('reconstructions.csv');
    assert.deepEqual(header, ['index', 'what', 'a', 'b', 'c']);
    const data = body.filter((r) => r[1] === 'data').map((r) => r.slice(2).map(Number));
    const recs = body.filter((r) => r[1] === 'reconstruction').map((r) => r.slice(2).map(Number));
    assert.equal(data.length, 20); // the 20 test rows
    for (const row of data) {
      assert.ok(
        rawRows.some((raw) => raw.every((v, j) => Math.abs(v - row[j]) <= 1e-6 * Math.abs(v) + 1e-9)),
        `data row ${row} is not a row of the file`,
      );
    }
    for (let j = 0; j < 3; j++) {
      const m = recs.reduce((a, r) => a + r[j], 0) / recs.length;
      assert.ok(Math.abs(m - rawMean[j]) < 3 * rawStd[j], `column ${j}: mean reconstruction ${m}, raw mean ${rawMean[j]} ± ${rawStd[j]}`);
    }
    // the same model-unit rows through the explorer's conversion give the CSV's numbers
    const loaded = loadDataSource(file, { scale: 10, standardizer: Standardizer.fromJSON(cfg.data.standardization) });
    const z = loaded.test.x; // [20, 3], model units
    const vae = await VAE.load(join(run, 'model'), fsModelStore);
    try {
      const rec = tf.tidy(() => vae.reconstruct(tf.tensor2d(z, [20, 3])));
      const xHat = (await rec.data()) as Float32Array; // [20, 3], model units
      rec.dispose();
      for (let i = 0; i < 20; i++) {
        const at = (a: Float32Array) => a.subarray(i * 3, (i + 1) * 3);
        assertAllClose(data[i], toRawUnits(at(z), cfg.data.standardization!, cfg.data.scale), { rtol: 1e-6, atol: 1e-9, message: `data ${i}` });
        assertAllClose(recs[i], toRawUnits(at(xHat), cfg.data.standardization!, cfg.data.scale), { rtol: 1e-5, atol: 1e-4, message: `reconstruction ${i}` });
      }
    } finally {
      vae.dispose();
    }
  });

  test('samples.csv: 64 rows whose column means lie near the raw means, not 10× smaller', () => {
    const [header, ...body] = readCsv('samples.csv');
    assert.deepEqual(header, ['a', 'b', 'c']);
    assert.equal(body.length, 64);
    for (let j = 0; j < 3; j++) {
      const m = body.reduce((a, r) => a + Number(r[j]), 0) / body.length;
      assert.ok(Math.abs(m - rawMean[j]) < 3 * rawStd[j], `column ${j}: mean sample ${m}, raw mean ${rawMean[j]} ± ${rawStd[j]}`);
    }
  });
});
