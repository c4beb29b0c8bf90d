/**
 * `vaekit interpolate`, `traverse`, `attribute` and `map`, in process, on a tiny MNIST run (Z = 4) and
 * a Boston table run (Z = 2, label column chas). Every tile of every picture and every CSV row is
 * checked against the run's model computing it here from its encoder and decoder; errors are one
 * line naming the flag, exit code 1.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { takeFirst, type Dataset } from '../../src/data/dataset.js';
import { Standardizer } from '../../src/data/standardize.js';
import { dimensionsByKl, latentStatistics } from '../../src/evaluation/latent-stats.js';
import { encodeMeans } from '../../src/latent/aggregated-posterior.js';
import { projectLatents } from '../../src/latent/projection.js';
import { decodeMean } from '../../src/models/generate.js';
import { loadModel } from '../../src/models/index.js';
import type { LatentVariableModel } from '../../src/models/latent-model.js';
import { loadDataSource } from '../../src/node/datasets/data-source.js';
import { fsModelStore } from '../../src/node/formats/model-store.js';
import { decodePng } from '../../src/node/formats/png.js';
import { readRunConfig } from '../../src/node/runs/config.js';
import { loadRunSplit } from '../../src/node/runs/run-data.js';
import { assertAllClose } from '../helpers/assert.js';
import { errorLines, gridSide, gridTile, runCli, tinyTrainArgs } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-latent-tools-'));
after(() => rmSync(root, { recursive: true, force: true }));

const mnistRun = join(root, 'mnist');
const linearRun = join(root, 'pca');
const bostonRun = join(root, 'boston');
const unlabelledRun = join(root, 'boston-unlabelled');
const D = 784;
const Z = 4;

let model: LatentVariableModel;
let test600: Dataset;
let train600: Dataset;

before(async () => {
  for (const argv of [
    tinyTrainArgs(mnistRun, 1),
    ['train', '--model', 'pca', '--data', 'mnist', '--limit', '200', '--latent', '2', '--out', linearRun],
    ['train', '--data', 'boston', '--label-column', 'chas', '--epochs', '2', '--hidden', '8', '--out', bostonRun],
    ['train', '--data', 'boston', '--limit', '40', '--epochs', '1', '--hidden', '8', '--out', unlabelledRun],
  ]) {
    const r = await runCli(argv);
    assert.equal(r.code, 0, r.err.join('\n'));
  }
  model = await loadModel(join(mnistRun, 'model'), fsModelStore);
  const mnist = loadDataSource('mnist', { scale: 255 });
  test600 = takeFirst(mnist.test, 600);
  train600 = takeFirst(mnist.train, 600);
});
after(() => model?.dispose());

/** Example i of ds as [1, D]. */
const row = (ds: Dataset, i: number) => tf.tensor2d(ds.x.subarray(i * ds.dataDim, (i + 1) * ds.dataDim), [1, ds.dataDim]);

/** The decoder means of codes [N, Z] (a plain array), read back. */
function decoded(m: LatentVariableModel, codes: number[][]): Float32Array {
  return tf.tidy(() => decodeMean(m, tf.tensor2d(codes))).dataSync() as Float32Array;
}

/** μ(x_i) as a plain array. */
const codeOf = (m: LatentVariableModel, ds: Dataset, i: number) => Array.from(tf.tidy(() => m.encode(row(ds, i)).mean).dataSync());

/** Tile bytes against intensities, each byte within 1 of round(clip(v)·255) (float32 rounding of a different op order). */
function assertTile(tile: number[], values: ArrayLike<number>, message: string): void {
  const expected = Array.from(values, (x) => Math.round(Math.min(1, Math.max(0, x)) * 255));
  const worst = tile.reduce((m, b, k) => Math.max(m, Math.abs(b - expected[k])), 0);
  assert.ok(worst <= 1, `${message}: a byte differs by ${worst}`);
}

/** slerp in float64 (White 2016). */
function slerp64(a: number[], b: number[], t: number): number[] {
  const th = Math.acos(a.reduce((s, x, i) => s + x * b[i], 0) / (Math.hypot(...a) * Math.hypot(...b)));
  return a.map((x, i) => (Math.sin((1 - t) * th) * x + Math.sin(t * th) * b[i]) / Math.sin(th));
}

/** The points of a latent map: its circles (vega writes each as a path with the mark's opacity). */
const pointsIn = (svg: string) =>
  (svg.match(/<path transform="translate\([^"]*\)" d="M[^"]*" fill="#[0-9a-f]{6}" stroke-width="2" opacity="0.7"\/>/g) ?? []).length;

function readCsv(path: string): { header: string[]; rows: string[][] } {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  return { header: header.split(','), rows: lines.map((l) => l.split(',')) };
}

/** The one error line of a failed command. */
async function failure(argv: string[]): Promise<string> {
  const r = await runCli(argv);
  assert.equal(r.code, 1, `exit code of ${argv.join(' ')}: ${r.out.join('\n')}`);
  const lines = errorLines(r.err);
  assert.equal(lines.length, 1, lines.join('\n'));
  return lines[0];
}

describe('vaekit interpolate', () => {
  test('writes the two test examples at the ends of the slerp path’s decoder means', async () => {
    const out = join(root, 'interp.png');
    const r = await runCli(['interpolate', mnistRun, '--from', '0', '--to', '5', '--steps', '4', '--method', 'slerp', '--out', out]);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.deepEqual(r.out, [
      `wrote 4 decoder means (slerp) between test examples 0 (label ${test600.labels![0]}) and 5 (label ${test600.labels![5]}) to ${out}, the two examples at the ends`,
    ]);
    const img = decodePng(readFileSync(out));
    assert.deepEqual([img.width, img.height], [gridSide(6), gridSide(1)]);
    const [a, b] = [codeOf(model, test600, 0), codeOf(model, test600, 5)];
    const means = decoded(
      model,
      [0, 1 / 3, 2 / 3, 1].map((t) => slerp64(a, b, t)),
    ); // [4, D]
    assertTile(gridTile(img, 0, 0), test600.x.subarray(0, D), 'example 0');
    for (let s = 0; s < 4; s++) assertTile(gridTile(img, 0, s + 1), means.subarray(s * D, (s + 1) * D), `step ${s}`);
    assertTile(gridTile(img, 0, 5), test600.x.subarray(5 * D, 6 * D), 'example 5');
  });

  test('lerp by default into RUN/interpolation.png, 10 steps', async () => {
    const r = await runCli(['interpolate', mnistRun, '--from', '1', '--to', '2']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const img = decodePng(readFileSync(join(mnistRun, 'interpolation.png')));
    assert.equal(img.width, gridSide(12));
    const [a, b] = [codeOf(model, test600, 1), codeOf(model, test600, 2)];
    const mid = decoded(model, [a.map((x, i) => x + (4 / 9) * (b[i] - x))]);
    assertTile(gridTile(img, 0, 5), mid, 'step 4 of 0 … 9');
  });

  test('an index outside the test split is one line naming the flag and the range', async () => {
    assert.equal(
      await failure(['interpolate', mnistRun, '--from', '0', '--to', '600']),
      "vaekit: --to: expected an example index in [0, 599] (the run's 600 test examples), got 600",
    );
  });
});

describe('vaekit traverse', () => {
  test('rows are the dimensions by decreasing KL on the test split, each varied around μ(x_index)', async () => {
    const out = join(root, 'trav.png');
    const r = await runCli(['traverse', mnistRun, '--index', '2', '--range', '2', '--steps', '3', '--out', out]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const stats = await latentStatistics(model, test600);
    const dims = dimensionsByKl(stats.klPerDimension);
    assert.equal(r.out[0], `wrote 4 rows of 3 decoder means, offsets in [−2, 2] around μ(x) of test example 2, to ${out}`);
    assert.equal(
      r.out[1],
      `rows (dimension: KL in nats, test mean): ${dims.map((u) => `${u}: ${stats.klPerDimension[u].toFixed(3)}`).join(', ')}; ${stats.activeUnits} of 4 dimensions active`,
    );
    const img = decodePng(readFileSync(out));
    assert.deepEqual([img.width, img.height], [gridSide(3), gridSide(4)]);
    const c = codeOf(model, test600, 2);
    dims.forEach((u, rowIndex) => {
      const means = decoded(
        model,
        [-2, 0, 2].map((v) => c.map((x, k) => (k === u ? x + v : x))),
      );
      for (let s = 0; s < 3; s++) assertTile(gridTile(img, rowIndex, s), means.subarray(s * D, (s + 1) * D), `row ${rowIndex} (dimension ${u}), step ${s}`);
    });
  });

  test('--dims keeps the rows in KL order and centres on 0 without --index', async () => {
    const r = await runCli(['traverse', mnistRun, '--dims', '3,0', '--steps', '2', '--range', '1']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const kl = (await latentStatistics(model, test600)).klPerDimension;
    const dims = kl[0] >= kl[3] ? [0, 3] : [3, 0];
    assert.match(r.out[1], new RegExp(`^rows \\(dimension: KL in nats, test mean\\): ${dims[0]}: [0-9.]+, ${dims[1]}: [0-9.]+;`));
    const img = decodePng(readFileSync(join(mnistRun, 'traversal.png')));
    const code = [0, 0, 0, 0];
    code[dims[1]] = 1;
    assertTile(gridTile(img, 1, 1), decoded(model, [code]), `row 1 (dimension ${dims[1]}) at +1`);
  });

  test('dimensions out of range are one line naming --dims', async () => {
    assert.equal(await failure(['traverse', mnistRun, '--dims', '0,7']), 'vaekit: --dims: expected a non-empty list of integers in [0, 3], got [0,7]');
    assert.equal(
      await failure(['traverse', mnistRun, '--index', '1000']),
      "vaekit: --index: expected an example index in [0, 599] (the run's 600 test examples), got 1000",
    );
  });
});

describe('vaekit attribute', () => {
  test('adds α·(mean code of label 7 − mean code of label 1) over the training examples to the test example’s code', async () => {
    const out = join(root, 'attr.png');
    const r = await runCli(['attribute', mnistRun, '--from-label', '1', '--to-label', '7', '--index', '3', '--strength', '2', '--steps', '3', '--out', out]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const mean = (label: number) => {
      const codes = [...Array(train600.numExamples).keys()].filter((n) => train600.labels![n] === label).map((n) => codeOf(model, train600, n));
      return { n: codes.length, m: Array.from({ length: Z }, (_, u) => codes.reduce((s, c) => s + c[u], 0) / codes.length) };
    };
    const [a, b] = [mean(1), mean(7)];
    const v = b.m.map((x, u) => x - a.m[u]);
    assert.equal(
      r.out[0],
      `attribute vector: mean code of label 7 (${b.n} training examples) − mean code of label 1 (${a.n}), ‖v‖ = ${Math.hypot(...v).toFixed(3)}`,
    );
    assert.equal(r.out[1], `wrote test example 3 (label ${test600.labels![3]}) and its decoder means at μ(x) + α·v, α = 0, 1, 2, to ${out}`);
    const img = decodePng(readFileSync(out));
    assert.deepEqual([img.width, img.height], [gridSide(4), gridSide(1)]);
    assertTile(gridTile(img, 0, 0), test600.x.subarray(3 * D, 4 * D), 'the example');
    const c = codeOf(model, test600, 3);
    const means = decoded(
      model,
      [0, 1, 2].map((alpha) => c.map((x, u) => x + alpha * v[u])),
    );
    for (let s = 0; s < 3; s++) assertTile(gridTile(img, 0, s + 1), means.subarray(s * D, (s + 1) * D), `α = ${s}`);
  });

  test('an unknown label, a bad index and the same label twice are one line each, naming the flag', async () => {
    assert.equal(
      await failure(['attribute', mnistRun, '--from-label', '1', '--to-label', '12', '--index', '0']),
      'vaekit: --to-label 12: no example of train-images-idx3-ubyte has label 12; the labels present are 0, 1, 2, 3, 4, 5, 6, 7, 8, 9',
    );
    assert.match(
      await failure(['attribute', mnistRun, '--from-label', '1', '--to-label', '2', '--index', '600']),
      /^vaekit: --index: expected an example index in \[0, 599\]/,
    );
    assert.equal(
      await failure(['attribute', mnistRun, '--from-label', '4', '--to-label', '4', '--index', '0']),
      'vaekit: --to-label: expected a label other than --from-label (4), got 4',
    );
  });

  test('on a table run without a label column says the data has no labels', async () => {
    assert.match(
      await failure(['attribute', unlabelledRun, '--from-label', '0', '--to-label', '1', '--index', '0']),
      /^vaekit: attribute: the training examples of boston have no labels;/,
    );
  });
});

describe('vaekit map', () => {
  test('plots the first n test means on their two principal directions, coloured by label (Z = 4: no manifold)', async () => {
    const r = await runCli(['map', mnistRun, '--n', '300']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const p = projectLatents(await encodeMeans(model, takeFirst(test600, 300)));
    const pct = Array.from(p.explainedVarianceRatio!, (x) => `${(100 * x).toFixed(1)}%`).join(', ');
    assert.deepEqual(r.out, [
      `wrote the latent means of 300 test examples (first two principal directions (${pct} of their variance), coloured by label) to ${join(mnistRun, 'latent-map.svg')}`,
    ]);
    const svg = readFileSync(join(mnistRun, 'latent-map.svg'), 'utf8');
    assert.match(svg, /^<svg /);
    assert.equal(pointsIn(svg), 300);
    for (let label = 0; label < 10; label++) assert.match(svg, new RegExp(`>${label}</text>`), `legend entry ${label}`);
    assert.equal(existsSync(join(mnistRun, 'manifold.png')), false);
  });
});

describe('the latent commands on a Boston table run (Z = 2, labels from chas)', () => {
  let vae: LatentVariableModel;
  let st: Standardizer;
  let testRows: Dataset;
  const columns = 'crim,zn,indus,nox,rm,age,dis,rad,tax,ptratio,b,lstat,medv'.split(',');
  before(async () => {
    vae = await loadModel(join(bostonRun, 'model'), fsModelStore);
    const config = await readRunConfig(bostonRun);
    st = Standardizer.fromJSON(config.data.standardization!);
    testRows = loadRunSplit(config, 'test').ds;
  });
  after(() => vae?.dispose());
  /** CSV cells in raw units back to the model's standardised units. */
  const standardised = (cells: string[]) => cells.map((c, j) => (Number(c) - st.mean[j]) / st.std[j]);

  test('interpolate writes CSV in raw units: the examples, then the decoder means on the path', async () => {
    const r = await runCli(['interpolate', bostonRun, '--from', '3', '--to', '8', '--steps', '3']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.match(r.out[0], /interpolation\.csv \(raw units, the two examples first and last\)$/);
    const { header, rows } = readCsv(join(bostonRun, 'interpolation.csv'));
    assert.deepEqual(header, ['what', 't', ...columns]);
    assert.deepEqual(
      rows.map((x) => x.slice(0, 2).join(',')),
      ['data,0', 'interpolation,0', 'interpolation,0.5', 'interpolation,1', 'data,1'],
    );
    const d = columns.length;
    assertAllClose(standardised(rows[0].slice(2)), testRows.x.subarray(3 * d, 4 * d), { rtol: 1e-4, atol: 1e-4 });
    assertAllClose(standardised(rows[4].slice(2)), testRows.x.subarray(8 * d, 9 * d), { rtol: 1e-4, atol: 1e-4 });
    const [a, b] = [codeOf(vae, testRows, 3), codeOf(vae, testRows, 8)];
    const means = decoded(vae, [a.map((x, i) => (x + b[i]) / 2)]);
    assertAllClose(standardised(rows[2].slice(2)), means, { rtol: 1e-4, atol: 1e-4 });
  });

  test('traverse writes dim,kl,offset rows, both dimensions, KL order', async () => {
    const r = await runCli(['traverse', bostonRun, '--steps', '3']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const { header, rows } = readCsv(join(bostonRun, 'traversal.csv'));
    assert.deepEqual(header.slice(0, 3), ['dim', 'kl', 'offset']);
    const kl = (await latentStatistics(vae, testRows)).klPerDimension;
    const dims = dimensionsByKl(kl);
    assert.deepEqual(
      rows.map((x) => `${x[0]},${x[2]}`),
      dims.flatMap((u) => [`${u},-3`, `${u},0`, `${u},3`]),
    );
    assertAllClose(Number(rows[0][1]), kl[dims[0]], { rtol: 1e-5 });
    const code = [0, 0];
    code[dims[1]] = 3;
    assertAllClose(standardised(rows[5].slice(3)), decoded(vae, [code]), { rtol: 1e-4, atol: 1e-4 });
  });

  test('attribute from chas 0 to chas 1 writes the example and its edits', async () => {
    const r = await runCli(['attribute', bostonRun, '--from-label', '0', '--to-label', '1', '--index', '0']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.match(r.out[0], /^attribute vector: mean code of label 1 \(\d+ training examples\) − mean code of label 0 \(\d+\)/);
    const { header, rows } = readCsv(join(bostonRun, 'attribute.csv'));
    assert.deepEqual(header, ['what', 'strength', ...columns]);
    assert.deepEqual(
      rows.map((x) => x.slice(0, 2).join(',')),
      ['data,', 'edited,0', 'edited,0.25', 'edited,0.5', 'edited,0.75', 'edited,1'],
    );
    assertAllClose(standardised(rows[1].slice(2)), decoded(vae, [codeOf(vae, testRows, 0)]), { rtol: 1e-4, atol: 1e-4 });
  });

  test('map plots the codes themselves and writes the decoded 2-D manifold as CSV', async () => {
    const r = await runCli(['map', bostonRun, '--grid', '3']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.deepEqual(r.out, [
      `wrote the latent means of ${testRows.numExamples} test examples (the latent means themselves, coloured by label) to ${join(bostonRun, 'latent-map.svg')}`,
      `wrote the decoded manifold (3×3 codes in [−2, 2]²) to ${join(bostonRun, 'manifold.csv')} (raw units)`,
    ]);
    const { header, rows } = readCsv(join(bostonRun, 'manifold.csv'));
    assert.deepEqual(header.slice(0, 2), ['z1', 'z2']);
    assert.deepEqual(
      rows.map((x) => `${x[0]},${x[1]}`),
      ['-2,2', '0,2', '2,2', '-2,0', '0,0', '2,0', '-2,-2', '0,-2', '2,-2'],
    );
    assertAllClose(standardised(rows[2].slice(2)), decoded(vae, [[2, 2]]), { rtol: 1e-4, atol: 1e-4 });
    const svg = readFileSync(join(bostonRun, 'latent-map.svg'), 'utf8');
    assert.equal(pointsIn(svg), testRows.numExamples);
  });
});

describe('the latent commands on a linear run', () => {
  for (const argv of [
    ['interpolate', '--from', '0', '--to', '1'],
    ['traverse'],
    ['attribute', '--from-label', '0', '--to-label', '1', '--index', '0'],
    ['map'],
  ]) {
    test(`${argv[0]} says it is for VAE runs`, async () => {
      assert.equal(
        await failure([argv[0], linearRun, ...argv.slice(1)]),
        `vaekit: ${argv[0]}: ${linearRun} is a linear 'pca' run; ${argv[0]} is for VAE runs (it needs an encoder and a decoder network)`,
      );
    });
  }
});
