/**
 * The conditional VAE on the command line, in process: `vaekit train --condition label` on a tiny
 * MNIST run (500 train, 100 validation, 600 test examples; MLP 784-32-2; 30 epochs of 20 steps at lr 3e-3,
 * about 2 s: enough for the decoder to use the class) and
 * `--condition-columns` on a small table; every command on the conditional run, the samples and the
 * evaluated log p(x|y) checked against the library computing them, and the errors.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeDataset } from '../../src/data/dataset.js';
import { estimateLogLikelihood } from '../../src/evaluation/log-likelihood.js';
import { priorNoise } from '../../src/math/noise.js';
import { decodeMean, reconstruct } from '../../src/models/generate.js';
import { VAE } from '../../src/models/vae.js';
import { fsModelStore, readModelDescription } from '../../src/node/formats/model-store.js';
import { decodePng } from '../../src/node/formats/png.js';
import { readRunConfig, type VaeRunConfig } from '../../src/node/runs/config.js';
import { loadRunSplit } from '../../src/node/runs/run-data.js';
import type { Evaluation } from '../../src/node/runs/results.js';
import { Rng } from '../../src/math/rng.js';
import { errorLines, gridSide, gridTile, runCli, tinyTrainArgs, toBytes } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-conditional-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

const runDir = join(root, 'cvae');
const NUM_CLASSES = 10;
/** A small Z, so the decoder must take the class from c rather than from z. */
const Z = 2;

/** The decoder means E[x | z, one-hot(k)] of the prior draws of `seed` (what `sample --condition k` decodes), as grid bytes per sample. */
async function expectedSamples(vae: VAE, n: number, seed: number, k: number): Promise<number[][]> {
  const t = tf.tidy(() => decodeMean(vae, priorNoise(n, Z, seed), tf.oneHot(tf.fill([n], k, 'int32'), NUM_CLASSES).toFloat() as tf.Tensor2D));
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return Array.from({ length: n }, (_, i) => toBytes(v.subarray(i * 784, (i + 1) * 784)));
}

/** The one line of a failed command, after checking it failed with `code`. */
async function failure(argv: string[], code: number): Promise<string> {
  const r = await runCli(argv);
  assert.equal(r.code, code, `${argv.join(' ')}: ${r.err.join('\n')}`);
  const lines = errorLines(r.err);
  assert.equal(lines.length, 1, `one line, got:\n${lines.join('\n')}`);
  return lines[0];
}

before(async () => {
  const t = await runCli(tinyTrainArgs(runDir, 30, ['--condition', 'label', '--lr', '3e-3', '--batch-size', '25', '--latent', String(Z)]));
  assert.equal(t.code, 0, t.err.join('\n'));
});

describe('vaekit train --condition label', () => {
  test('records the condition in config.json and in the saved model, and info shows it', async () => {
    const cfg = (await readRunConfig(runDir)) as VaeRunConfig;
    assert.deepEqual(cfg.data.condition, { kind: 'label', numClasses: NUM_CLASSES });
    assert.equal(cfg.model.conditionDim, NUM_CLASSES);
    const d = await readModelDescription(join(runDir, 'model'));
    assert.equal(d.config.conditionDim, NUM_CLASSES);
    assert.deepEqual(d.preprocessing?.condition, { kind: 'label', numClasses: NUM_CLASSES, classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    const info = await runCli(['info', runDir]);
    assert.equal(info.code, 0, info.err.join('\n'));
    assert.match(info.out.join('\n'), /condition: +the class label one-hot \(10 classes\), C = 10/);
    // samples.png of the run is the class grid: 10 rows of 8.
    const png = decodePng(readFileSync(join(runDir, 'samples.png')));
    assert.deepEqual([png.width, png.height], [gridSide(8), gridSide(NUM_CLASSES)]);
  });
});

describe('vaekit sample on a conditional run', () => {
  test('--condition 7 decodes the prior draws under class 7, and the class changes the output', async () => {
    const vae = await VAE.load(join(runDir, 'model'), fsModelStore);
    try {
      for (const k of [7, 1]) {
        const r = await runCli(['sample', runDir, '--condition', String(k), '--n', '9', '--seed', '3']);
        assert.equal(r.code, 0, r.err.join('\n'));
        const file = join(runDir, `samples-class${k}-3.png`);
        assert.equal(r.out.at(-1), `wrote 9 samples to ${file}`);
        const png = decodePng(readFileSync(file));
        assert.deepEqual([png.width, png.height], [gridSide(3), gridSide(3)]);
        const expected = await expectedSamples(vae, 9, 3, k);
        for (let i = 0; i < 9; i++) assert.deepEqual(gridTile(png, Math.floor(i / 3), i % 3), expected[i], `class ${k}, sample ${i}`);
      }
      const seven = decodePng(readFileSync(join(runDir, 'samples-class7-3.png')));
      const one = decodePng(readFileSync(join(runDir, 'samples-class1-3.png')));
      let changed = 0;
      for (let i = 0; i < 9; i++) {
        const [a, b] = [gridTile(seven, Math.floor(i / 3), i % 3), gridTile(one, Math.floor(i / 3), i % 3)];
        changed += a.filter((v, j) => Math.abs(v - b[j]) > 64).length;
      }
      assert.ok(changed > 9 * 40, `9 draws of z under classes 7 and 1: ${changed} pixels differ by more than 64 levels of 255`);
    } finally {
      vae.dispose();
    }
  });

  test('--grid (the default) has one row per class, n per row, each row the samples of --condition k', async () => {
    const grid = await runCli(['sample', runDir, '--n', '5', '--seed', '2']);
    assert.equal(grid.code, 0, grid.err.join('\n'));
    const file = join(runDir, 'samples-grid-2.png');
    assert.equal(grid.out.at(-1), `wrote 50 samples to ${file}`);
    assert.match(grid.out.join('\n'), /one row per class \(classes 0 to 9, 5 samples each/);
    const png = decodePng(readFileSync(file));
    assert.deepEqual([png.width, png.height], [gridSide(5), gridSide(NUM_CLASSES)]);
    const seven = await runCli(['sample', runDir, '--condition', '7', '--n', '5', '--seed', '2', '--out', join(root, 'seven.png')]);
    assert.equal(seven.code, 0, seven.err.join('\n'));
    const row = decodePng(readFileSync(join(root, 'seven.png')));
    for (let j = 0; j < 5; j++) assert.deepEqual(gridTile(png, 7, j), gridTile(row, Math.floor(j / 3), j % 3), `row 7, column ${j}`);
    const explicit = await runCli(['sample', runDir, '--grid', '--n', '5', '--seed', '2', '--out', join(root, 'grid.png')]);
    assert.equal(explicit.code, 0, explicit.err.join('\n'));
    assert.deepEqual(readFileSync(join(root, 'grid.png')), readFileSync(file));
  });

  test('--prior gmm samples the fitted mixture under the condition', async () => {
    const r = await runCli(['sample', runDir, '--prior', 'gmm', '--components', '3', '--condition', '4', '--n', '4']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.equal(r.out.at(-1), `wrote 4 samples to ${join(runDir, 'samples-gmm-class4-0.png')}`);
  });
});

describe('vaekit evaluate on a conditional run', () => {
  test('reports log p(x|y), labelled conditional, equal to the library estimate with each example’s class (2 threads)', async () => {
    const r = await runCli(['evaluate', runDir, '--samples', '20', '--threads', '2', '--backend', 'wasm']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const text = r.out.join('\n');
    assert.match(text, /log p\(x\|y\) IS \(K=20\)/);
    assert.match(text, /conditional VAE: log p\(x\|y\), ELBO and IWAE bound given each example's own class label \(10 classes\)/);
    const e = JSON.parse(readFileSync(join(runDir, 'evaluation.json'), 'utf8')) as Evaluation;
    assert.deepEqual(e.condition, { kind: 'label', numClasses: NUM_CLASSES });
    assert.match(e.note!, /log p\(x\|y\)/);
    const cfg = (await readRunConfig(runDir)) as VaeRunConfig;
    const { ds } = loadRunSplit(cfg, 'test');
    const vae = await VAE.load(join(runDir, 'model'), fsModelStore);
    try {
      const lib = await estimateLogLikelihood(vae, ds, { numSamples: 20, seed: 0 });
      assert.ok(
        Math.abs(e.logLikelihoodEstimate!.value - lib.value) <= 1e-4 * Math.abs(lib.value),
        `CLI ${e.logLikelihoodEstimate!.value}, library ${lib.value}`,
      );
      // The figure is conditional: the same images under the next class score lower.
      const wrong = makeDataset({ ...ds, labels: ds.labels!.map((y) => (y + 1) % NUM_CLASSES) as Int32Array });
      const other = await estimateLogLikelihood(vae, wrong, { numSamples: 20, seed: 0 });
      assert.ok(other.value < lib.value - 1, `log p(x|y) ${lib.value} with the true classes, ${other.value} with wrong ones`);
    } finally {
      vae.dispose();
    }
  });
});

describe('the other commands on a conditional run', () => {
  test('reconstruct writes x̂ = E[x | μ(x, y), y], as the reloaded model computes it', async () => {
    const r = await runCli(['reconstruct', runDir, '--n', '4']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const cfg = (await readRunConfig(runDir)) as VaeRunConfig;
    const { ds } = loadRunSplit(cfg, 'test');
    const vae = await VAE.load(join(runDir, 'model'), fsModelStore);
    const png = decodePng(readFileSync(join(runDir, 'reconstructions-test.png')));
    const t = tf.tidy(() =>
      reconstruct(
        vae,
        tf.tensor2d(ds.x.subarray(0, 4 * 784), [4, 784]),
        tf.oneHot(tf.tensor1d(ds.labels!.subarray(0, 4), 'int32'), NUM_CLASSES).toFloat() as tf.Tensor2D,
      ),
    );
    const rec = t.dataSync();
    t.dispose();
    vae.dispose();
    // Pairs side by side: example i at column 2i, its reconstruction at 2i + 1.
    for (let i = 0; i < 4; i++) assert.deepEqual(gridTile(png, 0, 2 * i + 1), toBytes(rec.subarray(i * 784, (i + 1) * 784)), `reconstruction ${i}`);
  });

  for (const argv of [
    ['score', '--samples', '5', '--threads', '2'],
    ['score', '--score', 'recon-prob'],
    ['calibrate', '--contamination', '0.05'],
    ['interpolate', '--from', '0', '--to', '1'],
    ['traverse', '--condition', '3'],
    ['traverse', '--index', '2'],
    ['attribute', '--from-label', '1', '--to-label', '7', '--index', '0'],
    ['map'],
    ['report'],
  ]) {
    test(`${argv.join(' ')} runs`, async () => {
      const r = await runCli([argv[0], runDir, ...argv.slice(1)]);
      assert.equal(r.code, 0, r.err.join('\n'));
    });
  }
});

describe('errors of conditional runs', () => {
  const table = join(root, 'table.csv');
  before(() => {
    const r = new Rng('conditional-table');
    const rows = ['a,b,c,d,y'];
    for (let i = 0; i < 80; i++) {
      const c = r.nextNormal();
      const y = i % 3;
      rows.push([...[c + 0.1 * r.nextNormal(), 2 * c + 0.1 * r.nextNormal(), c, r.nextNormal() + y].map((v) => v.toFixed(4)), y].join(','));
    }
    writeFileSync(table, rows.join('\n') + '\n');
  });

  test('--condition label on an unlabelled table, both flags, an unknown column, a class outside the classes', async () => {
    assert.match(
      await failure(['train', '--data', table, '--condition', 'label', '--out', join(root, 'e1'), '--epochs', '1'], 1),
      /--condition label: .*table.csv is a table without labels; name its column of integer class labels with --label-column/,
    );
    assert.match(
      await failure(['train', '--data', table, '--condition', 'label', '--condition-columns', 'c', '--out', join(root, 'e2'), '--epochs', '1'], 1),
      /--condition-columns c and --condition label: .*give one of them, not both/,
    );
    assert.match(
      await failure(['train', '--data', table, '--condition-columns', 'nope', '--out', join(root, 'e3'), '--epochs', '1'], 1),
      /--condition-columns nope: .* has no numeric column 'nope'; its columns are a, b, c, d, y/,
    );
    assert.match(await failure(['sample', runDir, '--condition', '12'], 1), /^vaekit: --condition 12: expected a class in \[0, 9\]/);
    assert.match(await failure(['sample', runDir, '--condition', 'c=1'], 1), /--condition c=1: expected a class in \[0, 9\]/);
    assert.match(
      await failure(['train', '--data', 'mnist', '--condition-columns', 'c', '--out', join(root, 'e4')], 1),
      /--condition-columns: condition columns apply to tables/,
    );
  });

  test('a table with --condition-columns trains, records the columns, samples under a condition and reloads', async () => {
    const out = join(root, 'table-run');
    const t = await runCli(['train', '--data', table, '--label-column', 'y', '--condition-columns', 'c', '--epochs', '2', '--batch-size', '16', '--out', out]);
    assert.equal(t.code, 0, t.err.join('\n'));
    const cfg = (await readRunConfig(out)) as VaeRunConfig;
    assert.deepEqual(cfg.data.columns, ['a', 'b', 'd']);
    assert.equal(cfg.data.condition?.kind, 'columns');
    assert.deepEqual(cfg.model.conditionDim, 1);
    const cond = cfg.data.condition as { standardization: { columns: string[]; numExamples: number } };
    assert.deepEqual([cond.standardization.columns, cond.standardization.numExamples], [['c'], 64]);
    const s = await runCli(['sample', out, '--condition', 'c=1.5', '--n', '3']);
    assert.equal(s.code, 0, s.err.join('\n'));
    const lines = readFileSync(join(out, 'samples-condition-0.csv'), 'utf8').trim().split('\n');
    assert.deepEqual([lines[0], lines.length], ['c,a,b,d', 4]);
    assert.ok(
      lines.slice(1).every((l) => l.startsWith('1.5,')),
      lines.join('\n'),
    );
    // a grows with c: under c = 1.5 the samples' a is far above its mean under c = −1.5.
    const low = await runCli(['sample', out, '--condition', 'c=-1.5', '--n', '3', '--out', join(root, 'low.csv')]);
    assert.equal(low.code, 0, low.err.join('\n'));
    const a = (rows: string[]) => rows.slice(1).reduce((m, l) => m + Number(l.split(',')[1]), 0) / (rows.length - 1);
    assert.ok(a(lines) > a(readFileSync(join(root, 'low.csv'), 'utf8').trim().split('\n')), 'the condition moves the samples');
    const def = await runCli(['sample', out, '--n', '4']);
    assert.equal(def.code, 0, def.err.join('\n'));
    assert.match(def.out.join('\n'), /each sample's drawn from the 64 training rows/);
    assert.match(await failure(['sample', out, '--grid'], 1), /--grid: one row per class needs a run conditioned on the class label/);
    for (const cmd of [['evaluate', '--samples', '10'], ['reconstruct'], ['score'], ['info'], ['traverse'], ['map']]) {
      const r = await runCli([cmd[0], out, ...cmd.slice(1)]);
      assert.equal(r.code, 0, `${cmd.join(' ')}: ${r.err.join('\n')}`);
    }
  });
});
