/**
 * `vaekit encode` and the `--method map` option of `reconstruct` and `attribute`, in process, on a tiny
 * MNIST run (Z = 4): the CSV of codes against the run's encoder computed here, the printed gain
 * against the CSV, MAP codes never worse than the encoder means, and bad flags as one-line usage errors.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { takeFirst } from '../../src/data/dataset.js';
import { loadModel } from '../../src/models/index.js';
import type { LatentVariableModel } from '../../src/models/latent-model.js';
import { loadDataSource } from '../../src/node/datasets/data-source.js';
import { fsModelStore } from '../../src/node/formats/model-store.js';
import { assertAllClose } from '../helpers/assert.js';
import { errorLines, runCli, tinyTrainArgs } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-encode-'));
after(() => rmSync(root, { recursive: true, force: true }));

const mnistRun = join(root, 'mnist');
const linearRun = join(root, 'pca');
const Z = 4;
const N = 600;

let model: LatentVariableModel;

before(async () => {
  for (const argv of [tinyTrainArgs(mnistRun, 1), ['train', '--model', 'pca', '--data', 'mnist', '--limit', '200', '--latent', '2', '--out', linearRun]]) {
    const r = await runCli(argv);
    assert.equal(r.code, 0, r.err.join('\n'));
  }
  model = await loadModel(join(mnistRun, 'model'), fsModelStore);
});
after(() => model?.dispose());

/** A CSV written by encode: its header and rows of numbers. */
function readCsv(file: string): { header: string[]; rows: number[][] } {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  return { header: head.split(','), rows: lines.map((l) => l.split(',').map(Number)) };
}

const column = (csv: { header: string[]; rows: number[][] }, name: string) => csv.rows.map((r) => r[csv.header.indexOf(name)]);
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

describe('vaekit encode', () => {
  test('--method mean writes the encoder means of the test split and J there', async () => {
    const r = await runCli(['encode', mnistRun]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const file = join(mnistRun, 'latents-test-mean.csv');
    assert.match(r.out[0], new RegExp(`^wrote the encoder means of ${N} test examples \\(Z = ${Z}\\) of mnist to .*latents-test-mean\\.csv$`));
    const csv = readCsv(file);
    assert.deepEqual(csv.header, [
      'index',
      'label',
      'logJointBefore',
      'logJointAfter',
      'gain',
      'logLikelihoodBefore',
      'logLikelihoodAfter',
      'z1',
      'z2',
      'z3',
      'z4',
    ]);
    assert.equal(csv.rows.length, N);
    const test600 = takeFirst(loadDataSource('mnist', { scale: 255 }).test, N);
    const means = await tf.tidy(() => model.encode(tf.tensor2d(test600.x, [N, test600.dataDim])).mean).data();
    assertAllClose(
      csv.rows.flatMap((row) => row.slice(7)),
      means,
      { rtol: 1e-5, atol: 1e-6 },
    );
    assert.deepEqual(column(csv, 'label'), Array.from(test600.labels!));
    assert.deepEqual(column(csv, 'gain'), new Array(N).fill(0));
    assert.match(
      r.out[1],
      new RegExp(`^log p\\(x\\|z\\) \\+ log p\\(z\\) at the encoder mean: ${mean(column(csv, 'logJointBefore')).toFixed(2)} nats/example`),
    );
  });

  test('--method map writes codes whose J is never below the encoder mean’s, and prints the mean and median gain of the CSV', async () => {
    const r = await runCli(['encode', mnistRun, '--method', 'map', '--map-steps', '30', '--map-lr', '0.05']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const map = readCsv(join(mnistRun, 'latents-test-map.csv'));
    const byMean = readCsv(join(mnistRun, 'latents-test-mean.csv'));
    assert.equal(map.rows.length, N);
    assert.deepEqual(column(map, 'logJointBefore'), column(byMean, 'logJointBefore'), 'J at the encoder mean, the same by either method');
    const gains = column(map, 'gain');
    assert.ok(
      gains.every((g) => g >= 0),
      'no example loses',
    );
    assert.ok(mean(gains) > 0.1, `a mean gain of ${mean(gains)} nats`);
    const sorted = [...gains].sort((a, b) => a - b);
    const median = (sorted[N / 2 - 1] + sorted[N / 2]) / 2;
    const line = r.out.find((l) => l.startsWith('log p(x|z) + log p(z):'));
    assert.ok(line, r.out.join('\n'));
    assert.match(line, /\(30 Adam steps, learning rate 0\.05\)/);
    assert.match(line, new RegExp(`gain mean ${mean(gains).toFixed(3)}, median ${median.toFixed(3)} nats`));
    assert.match(line, new RegExp(`→ ${mean(column(map, 'logJointAfter')).toFixed(2)} at the MAP code`));
  });

  test('--n and --out write the first n examples where asked', async () => {
    const out = join(root, 'first-50.csv');
    const r = await runCli(['encode', mnistRun, '--method', 'map', '--map-steps', '5', '--n', '50', '--split', 'train', '--out', out]);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.equal(readCsv(out).rows.length, 50);
    assert.match(r.out[0], /of 50 train examples/);
  });

  for (const [argv, message] of [
    [['--method', 'mode'], /^vaekit: --method: expected one of mean, map, got 'mode'$/],
    [['--map-steps', '10'], /^vaekit: --map-steps: expected with --method map only, got --method mean$/],
    [['--method', 'map', '--map-steps', '-1'], /^vaekit: --map-steps: expected an integer ≥ 0, got '-1'$/],
    [['--method', 'map', '--map-lr', '0'], /^vaekit: --map-lr: expected a positive number, got '0'$/],
    [['--n', '0'], /^vaekit: --n: expected an integer ≥ 1, got '0'$/],
    [['--split', 'val'], /^vaekit: --split: expected one of test, train, all, got 'val'$/],
  ] as const) {
    test(`${argv.join(' ')} is a one-line usage error, exit 2`, async () => {
      const r = await runCli(['encode', mnistRun, ...argv]);
      assert.equal(r.code, 2);
      const lines = errorLines(r.err);
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0], message);
    });
  }

  test('a linear run is refused in one line, exit 1', async () => {
    const r = await runCli(['encode', linearRun]);
    assert.equal(r.code, 1);
    assert.deepEqual(errorLines(r.err).length, 1);
    assert.match(r.err[0], /encode: .* is a linear 'pca' run; encode is for VAE runs/);
  });
});

describe('--method map of reconstruct and attribute', () => {
  test('reconstruct --method map decodes the MAP codes and prints their gain over the encoder means', async () => {
    const out = join(root, 'rec-map.png');
    const r = await runCli(['reconstruct', mnistRun, '--method', 'map', '--map-steps', '20', '--out', out]);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.ok(existsSync(out));
    assert.ok(
      r.out.some((l) => /^reconstruction: vae, x̂ = E\[x \| z = ẑ\(x\)\], the decoder mean at the posterior mode \(20 Adam steps/.test(l)),
      r.out.join('\n'),
    );
    const line = r.out.find((l) => l.startsWith('MAP codes (first 600)'));
    assert.ok(line, r.out.join('\n'));
    const [, before, after] = /log p\(x\|z\) \+ log p\(z\) (-?[\d.]+) at the encoder mean → (-?[\d.]+) nats/.exec(line)!;
    assert.ok(Number(after) >= Number(before), line);
    const plain = await runCli(['reconstruct', mnistRun, '--out', join(root, 'rec-mean.png')]);
    assert.equal(plain.code, 0);
    assert.ok(!plain.out.some((l) => l.startsWith('MAP codes')));
  });

  test('reconstruct --method map refuses a linear run, and --map-lr without it, in one line, exit 2', async () => {
    const linear = await runCli(['reconstruct', linearRun, '--method', 'map']);
    assert.equal(linear.code, 2);
    assert.deepEqual(errorLines(linear.err), [
      "vaekit: --method map: expected a VAE run (the mode is found through the decoder network), got a linear 'pca' run",
    ]);
    const lr = await runCli(['reconstruct', mnistRun, '--map-lr', '0.1']);
    assert.equal(lr.code, 2);
    assert.deepEqual(errorLines(lr.err), ['vaekit: --map-lr: expected with --method map only, got --method mean']);
  });

  test('attribute --method map averages MAP codes and edits the MAP code', async () => {
    const out = join(root, 'attribute-map.png');
    const r = await runCli([
      'attribute',
      mnistRun,
      '--from-label',
      '1',
      '--to-label',
      '7',
      '--index',
      '0',
      '--method',
      'map',
      '--map-steps',
      '10',
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.ok(existsSync(out));
    assert.match(r.out[0], /^attribute vector: mean MAP code of label 7 \(\d+ training examples\) − mean MAP code of label 1/);
    assert.match(r.out[1], /decoder means at ẑ\(x\) \+ α·v/);
  });
});
