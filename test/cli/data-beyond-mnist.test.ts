/**
 * Data beyond MNIST on the command line, in process: a VAE trained on a tiny folder of RGB PNG
 * images (class folders, then --resize), and on a tiny CSV table with categorical columns under the
 * mixed likelihood, with their outputs (RGB grids; CSV files naming the categories) and errors.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { trainTestIndices } from '../../src/data/dataset.js';
import { decodePng, encodePng } from '../../src/node/formats/png.js';
import { errorLines, readMetrics, runCli } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-beyond-mnist-'));
after(() => rmSync(root, { recursive: true, force: true }));
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** An 8×8 RGB image: a red, green or blue square on black, shifted by `i`. */
function square(colour: number, i: number, size = 8): Buffer {
  const data = new Uint8Array(size * size * 3);
  for (let y = 2; y < 6; y++) for (let x = 0; x < 4; x++) data[(y * size + ((x + i) % size)) * 3 + colour] = 200;
  return encodePng({ width: size, height: size, channels: 3, data });
}

describe('vaekit train --data DIR (a folder of PNG images)', () => {
  const dir = join(root, 'squares');
  const run = join(root, 'squares-run');
  before(async () => {
    ['red', 'green', 'blue'].forEach((name, c) => {
      mkdirSync(join(dir, name), { recursive: true });
      for (let i = 0; i < 6; i++) writeFileSync(join(dir, name, `${i}.png`), square(c, i));
    });
    const r = await runCli([
      'train',
      '--data',
      dir,
      '--epochs',
      '1',
      '--val',
      '0',
      '--hidden',
      '16',
      '--latent',
      '2',
      '--batch-size',
      '8',
      '--backend',
      'cpu',
      '--out',
      run,
    ]);
    assert.equal(r.code, 0, r.err.join('\n'));
  });

  test('records the class names and the RGB example shape, and writes RGB grids', () => {
    const cfg = readJson(join(run, 'config.json'));
    assert.deepEqual(cfg.data.classes, ['blue', 'green', 'red']);
    assert.deepEqual(cfg.data.exampleShape, [8, 8, 3]);
    assert.equal(cfg.model.likelihood.kind, 'bernoulli');
    for (const file of ['reconstructions.png', 'samples.png']) {
      const img = decodePng(readFileSync(join(run, file)));
      assert.equal(img.channels, 3, `${file} is RGB`);
    }
    assert.equal(readMetrics(run).length, 1);
  });

  test('info names the classes', async () => {
    const r = await runCli(['info', run]);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.match(r.out.join('\n'), /classes: +3: 0 blue, 1 green, 2 red/);
  });

  test('images of two sizes: refused without --resize (naming both files), trained on with --resize 4x4', async () => {
    const mixed = join(root, 'mixed-sizes');
    mkdirSync(mixed);
    for (let i = 0; i < 4; i++) writeFileSync(join(mixed, `a${i}.png`), square(0, i));
    writeFileSync(join(mixed, 'big.png'), square(1, 0, 10));
    const bad = await runCli(['train', '--data', mixed, '--epochs', '1', '--val', '0', '--backend', 'cpu', '--out', join(root, 'mixed-bad')]);
    assert.equal(bad.code, 1);
    const lines = errorLines(bad.err);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /images differ in size: a0\.png is 8×8, big\.png is 10×10 \(height×width\); give --resize HxW/);
    const out = join(root, 'mixed-run');
    // No --val: a PNG folder holds out no validation images by default (MNIST-format data 5000).
    const ok = await runCli(['train', '--data', mixed, '--resize', '4x4', '--epochs', '1', '--hidden', '8', '--backend', 'cpu', '--out', out]);
    assert.equal(ok.code, 0, ok.err.join('\n'));
    const cfg = readJson(join(out, 'config.json'));
    assert.equal(cfg.data.val, 0);
    assert.deepEqual(cfg.data.resize, [4, 4]);
    assert.deepEqual(cfg.data.exampleShape, [4, 4, 3]);
    const rec = await runCli(['reconstruct', out]);
    assert.equal(rec.code, 0, rec.err.join('\n'));
  });
});

/**
 * 120 rows: a numeric x tied to a colour (red near −2, green near 0, blue near 2), a noisy y, and a
 * size that follows the colour's parity; the colour of row `odd` is replaced by `oddValue` when given.
 */
function mixedCsv(n: number, odd = -1, oddValue = ''): string {
  const rows = Array.from({ length: n }, (_, i) => {
    const k = i % 3;
    const colour = i === odd ? oddValue : ['red', 'green', 'blue'][k];
    return `${(2 * k - 2 + 0.2 * Math.sin(5 * i)).toFixed(3)},${Math.cos(3 * i).toFixed(3)},${colour},${k === 1 ? 'S' : 'L'}`;
  });
  return ['x,y,colour,size', ...rows].join('\n') + '\n';
}

describe('vaekit train on a table with categorical columns (the mixed likelihood)', () => {
  const csv = join(root, 'mixed.csv');
  const run = join(root, 'mixed-run-table');
  before(async () => {
    writeFileSync(csv, mixedCsv(120));
    const r = await runCli([
      'train',
      '--data',
      csv,
      '--categorical',
      'colour,size',
      '--epochs',
      '40',
      '--batch-size',
      '16',
      '--hidden',
      '16',
      '--lr',
      '0.01',
      '--out',
      run,
    ]); // on the default backend (wasm): the mixed likelihood's gradients must exist there
    assert.equal(r.code, 0, r.err.join('\n'));
  });

  test('the default likelihood becomes mixed, its column layout recorded in config.json and saved with the model', () => {
    const cfg = readJson(join(run, 'config.json'));
    const columns = [
      { name: 'x', kind: 'numeric' },
      { name: 'y', kind: 'numeric' },
      { name: 'colour', kind: 'categorical', categories: ['blue', 'green', 'red'] },
      { name: 'size', kind: 'categorical', categories: ['L', 'S'] },
    ];
    assert.equal(cfg.model.likelihood.kind, 'mixed');
    assert.equal(cfg.model.likelihood.variance, 'learned');
    assert.deepEqual(cfg.model.likelihood.columns, columns);
    assert.deepEqual(cfg.data.columns, ['x', 'y', 'colour', 'size']);
    assert.deepEqual(cfg.data.categories, { colour: ['blue', 'green', 'red'], size: ['L', 'S'] });
    assert.deepEqual(cfg.data.exampleShape, [7]);
    assert.deepEqual(cfg.data.standardization.std.slice(2), [1, 1, 1, 1, 1]);
    const saved = readJson(join(run, 'model', 'vaekit.json'));
    assert.deepEqual(saved.config.likelihood.columns, columns);
  });

  test('the loss falls over training', () => {
    const m = readMetrics(run);
    assert.equal(m.length, 40);
    const first = m[0].trainLoss;
    const last = m.at(-1)!.trainLoss;
    assert.ok(Number.isFinite(first) && Number.isFinite(last));
    assert.ok(last < 0.9 * first, `train −ELBO ${first} → ${last}`);
  });

  test('reconstructions.csv and samples.csv write category names beside raw numbers, under the column names', () => {
    const rec = readFileSync(join(run, 'reconstructions.csv'), 'utf8').trim().split('\n');
    assert.equal(rec[0], 'index,what,x,y,colour,size');
    for (const line of rec.slice(1)) {
      const [, what, x, y, colour, size] = line.split(',');
      assert.ok(['data', 'reconstruction'].includes(what));
      assert.ok(Number.isFinite(Number(x)) && Number.isFinite(Number(y)));
      assert.ok(['red', 'green', 'blue'].includes(colour), line);
      assert.ok(['S', 'L'].includes(size), line);
    }
    // the data rows are the table's own test rows, in raw units
    const raw = readFileSync(csv, 'utf8').trim().split('\n').slice(1);
    const testRows = trainTestIndices(120, 24, 0).test;
    assert.equal(
      rec[1].split(',').slice(2).join(','),
      raw[testRows[0]]
        .replace(/(^|,)(-?)0+(\d)/g, '$1$2$3')
        .split(',')
        .map((v) => (Number.isNaN(Number(v)) ? v : String(Number(v))))
        .join(','),
    );
    const samples = readFileSync(join(run, 'samples.csv'), 'utf8').trim().split('\n');
    assert.equal(samples[0], 'x,y,colour,size');
    assert.equal(samples.length, 65);
    // the model learned the link of colour and x: a sample's colour is the one its x is nearest to
    const agree = samples.slice(1).filter((l) => {
      const [x, , colour] = l.split(',');
      const nearest = ['red', 'green', 'blue'][Math.max(0, Math.min(2, Math.round((Number(x) + 2) / 2)))];
      return nearest === colour;
    }).length;
    assert.ok(agree >= 48, `${agree} of 64 samples pair x with its colour`);
  });

  test('info, reconstruct, sample and evaluate run on it', async () => {
    const info = await runCli(['info', run]);
    assert.equal(info.code, 0, info.err.join('\n'));
    assert.match(info.out.join('\n'), /likelihood: +mixed: 2 numeric columns Gaussian, σ² learned .*categorical colour \(3\), size \(2\)/);
    const rec = await runCli(['reconstruct', run]);
    assert.equal(rec.code, 0, rec.err.join('\n'));
    assert.match(readFileSync(join(run, 'reconstructions-test.csv'), 'utf8').split('\n')[0], /^index,what,x,y,colour,size$/);
    const s = await runCli(['sample', run, '--n', '5', '--seed', '3']);
    assert.equal(s.code, 0, s.err.join('\n'));
    assert.equal(readFileSync(join(run, 'samples-3.csv'), 'utf8').split('\n')[0], 'x,y,colour,size');
    const ev = await runCli(['evaluate', run, '--samples', '10']);
    assert.equal(ev.code, 0, ev.err.join('\n'));
  });

  test('a colour found only in a test row stops training with one line naming the file, line, column and value', async () => {
    const testRow = trainTestIndices(30, 6, 0).test[2];
    const bad = join(root, 'unseen.csv');
    writeFileSync(bad, mixedCsv(30, testRow, 'purple'));
    const r = await runCli(['train', '--data', bad, '--categorical', 'colour,size', '--epochs', '1', '--backend', 'cpu', '--out', join(root, 'unseen-run')]);
    assert.equal(r.code, 1);
    const lines = errorLines(r.err);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(
      lines[0],
      new RegExp(`unseen\\.csv: line ${testRow + 2}, column 3 \\('colour'\\): unknown category 'purple'; the training rows have blue, green, red`),
    );
  });

  test('--categorical on images and --resize on a table are usage errors naming the flag', async () => {
    const a = await runCli(['train', '--data', 'mnist', '--categorical', 'x', '--epochs', '1', '--out', join(root, 'nope1')]);
    assert.notEqual(a.code, 0);
    assert.match(errorLines(a.err).join('\n'), /--categorical/);
    const b = await runCli(['train', '--data', csv, '--resize', '4x4', '--epochs', '1', '--out', join(root, 'nope2')]);
    assert.notEqual(b.code, 0);
    assert.match(errorLines(b.err).join('\n'), /--resize/);
  });
});
