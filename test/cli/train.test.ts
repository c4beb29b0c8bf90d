/**
 * `vaekit train`, `sample`, `reconstruct` and `info` run in-process through `run(argv, io)` on a
 * tiny MNIST run (500 train, 100 validation, 600 test examples; MLP 784-32-4; wasm backend).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { run } from '../../src/cli/main.js';
import { VAE } from '../../src/models/vae.js';
import { readCheckpoint } from '../../src/node/formats/checkpoint.js';
import { loadDataSource } from '../../src/node/datasets/data-source.js';
import { fsModelStore } from '../../src/node/formats/model-store.js';
import { decodePng } from '../../src/node/formats/png.js';
import { CONFIG_ECHO, errorLines, gridSide, gridTile, lossFields, readMetrics, runCli, tinyTrainArgs, toBytes, type CliResult } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The run every test in this file reads: 2 epochs straight. */
const runDir = join(root, 'run-a');
let trained: CliResult;

before(async () => {
  trained = await runCli(tinyTrainArgs(runDir, 2));
});

function assertBytesWithin1(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length);
  const worst = actual.reduce((m, a, i) => Math.max(m, Math.abs(a - expected[i])), 0);
  assert.ok(worst <= 1, `${what}: pixels differ by up to ${worst} levels from the model's output`);
}

const readPng = (path: string) => decodePng(readFileSync(path));

describe('vaekit train (in process)', () => {
  test('exits 0 and writes every file of a run folder, leaving no temporary files', () => {
    assert.equal(trained.code, 0, `stderr: ${trained.err.join('\n')}`);
    for (const f of [
      'config.json',
      'metrics.jsonl',
      'checkpoint.vkc',
      'model/vaekit.json',
      'model/encoder/model.json',
      'model/encoder/weights.bin',
      'model/decoder/model.json',
      'model/decoder/weights.bin',
      'reconstructions.png',
      'samples.png',
      'loss-curve.svg',
      'summary.json',
    ]) {
      assert.ok(existsSync(join(runDir, f)), `${f} is missing from the run folder`);
    }
    const leftovers = [...readdirSync(runDir), ...readdirSync(join(runDir, 'model'))].filter((f) => f.endsWith('.tmp') || f.endsWith('.old'));
    assert.deepEqual(leftovers, []);
  });

  test('writes one metrics line per epoch with finite losses, and trainLoss = reconstruction + kl (β = 1)', () => {
    const m = readMetrics(runDir);
    assert.deepEqual(
      m.map((e) => e.epoch),
      [1, 2],
    );
    for (const e of m) {
      for (const k of ['trainLoss', 'valLoss', 'testLoss', 'reconstruction', 'kl', 'examplesPerSecond', 'seconds'] as const) {
        const v = e[k];
        assert.ok(typeof v === 'number' && Number.isFinite(v), `epoch ${e.epoch}: ${k} is ${v}`);
      }
      assert.equal(e.beta, 1);
      const sum = e.reconstruction! + e.kl!;
      assert.ok(Math.abs(e.trainLoss - sum) <= 1e-5 * Math.abs(sum), `epoch ${e.epoch}: trainLoss ${e.trainLoss} ≠ rec + kl ${sum}`);
      assert.ok(e.kl! >= 0, `epoch ${e.epoch}: kl ${e.kl} < 0`);
      // −ELBO of 784 Bernoulli pixels is between 0 and 784·ln 2 (the loss of logits 0) plus KL at the start.
      assert.ok(e.trainLoss > 0 && e.trainLoss < 784 * Math.LN2 + 10, `epoch ${e.epoch}: trainLoss ${e.trainLoss}`);
      assert.ok(e.examplesPerSecond > 0 && e.seconds > 0);
    }
    assert.ok(m[1].trainLoss < m[0].trainLoss, 'the second epoch did not lower the training loss');
  });

  test('saves the resolved configuration, the same one it echoes on stderr', () => {
    const saved = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
    assert.deepEqual([saved.kind, saved.version], ['vae-run', 2]);
    assert.equal(saved.data.source, 'mnist');
    assert.equal(saved.data.limit, 600);
    assert.equal(saved.data.val, 100);
    assert.equal(saved.model.latentDim, 4);
    assert.deepEqual(saved.model.encoder.hidden, [32]);
    assert.deepEqual(saved.model.decoder, saved.model.encoder);
    assert.equal(saved.compute.backend, 'wasm');
    assert.equal(saved.training.epochs, 2);
    const echo = trained.err.find((l) => CONFIG_ECHO.test(l));
    assert.ok(echo, 'no resolved-config line on stderr');
    assert.deepEqual(JSON.parse(echo.replace(/^config: /, '')), saved);
  });

  test('prints one line per epoch and a summary on stdout', () => {
    assert.match(trained.out[0], /^epoch 1: train \d+\.\d\d \(rec \d+\.\d\d, kl \d+\.\d\d\) val \d+\.\d\d test \d+\.\d\d nats/);
    assert.match(trained.out[1], /^epoch 2: /);
    assert.match(trained.out[2], /^done: 2 epochs; best epoch 2: test −ELBO \d+\.\d\d nats\/example/);
    const m = readMetrics(runDir);
    assert.ok(trained.out[1].includes(`train ${m[1].trainLoss.toFixed(2)}`), `stdout ${trained.out[1]} disagrees with metrics.jsonl`);
  });

  test('writes summary.json with the best epoch and that epoch’s losses from metrics.jsonl', () => {
    const s = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    const m = readMetrics(runDir);
    const bestVal = Math.min(...m.map((e) => e.valLoss as number));
    const best = m.find((e) => e.valLoss === bestVal)!;
    assert.equal(s.epochs, 2);
    assert.equal(s.bestEpoch, best.epoch);
    assert.equal(s.testLoss, best.testLoss);
    assert.equal(s.valLoss, best.valLoss);
    assert.equal(s.interrupted, false);
    assert.equal(s.stoppedEarly, false);
  });

  test('saves the best model with its metrics, and a checkpoint at the end of the last epoch', async () => {
    const d = JSON.parse(readFileSync(join(runDir, 'model', 'vaekit.json'), 'utf8'));
    const s = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    assert.equal(d.metrics.epoch, s.bestEpoch);
    assert.equal(d.metrics.testLoss, s.testLoss);
    assert.equal(d.provenance.epochsTrained, s.bestEpoch);
    const ckpt = await readCheckpoint(join(runDir, 'checkpoint.vkc'));
    assert.equal(ckpt.state.epoch, 2);
    assert.equal(ckpt.state.step, 0);
    assert.deepEqual(lossFields(ckpt.state.history), lossFields(readMetrics(runDir)));
  });

  test('writes PNG pictures of the grid sizes their layout implies, and an SVG loss curve', () => {
    const rec = readPng(join(runDir, 'reconstructions.png'));
    // 32 (original, reconstruction) pairs, 8 pairs a row: 16 columns × 4 rows of 28×28 tiles.
    assert.deepEqual([rec.width, rec.height, rec.channels], [gridSide(16), gridSide(4), 1]);
    const smp = readPng(join(runDir, 'samples.png'));
    assert.deepEqual([smp.width, smp.height, smp.channels], [gridSide(8), gridSide(8), 1]); // 64 samples, 8 × 8
    const svg = readFileSync(join(runDir, 'loss-curve.svg'), 'utf8');
    assert.match(svg, /^<svg[\s>]/);
    assert.match(svg, /<\/svg>\s*$/);
  });

  test('refuses to train into a folder that already holds a run, suggests --resume, and leaves the run untouched', async () => {
    const before = readFileSync(join(runDir, 'metrics.jsonl'));
    const ckptBefore = readFileSync(join(runDir, 'checkpoint.vkc'));
    const r = await runCli(tinyTrainArgs(runDir, 1));
    assert.equal(r.code, 1);
    const lines = errorLines(r.err);
    assert.equal(lines.length, 1, `expected one error line, got:\n${lines.join('\n')}`);
    assert.match(lines[0], /--resume/);
    assert.ok(lines[0].includes(runDir), `the message does not name the folder: ${lines[0]}`);
    assert.deepEqual(readFileSync(join(runDir, 'metrics.jsonl')), before);
    assert.deepEqual(readFileSync(join(runDir, 'checkpoint.vkc')), ckptBefore);
  });

  test('--force retrains from scratch and reproduces the same losses (same seed, same backend)', async () => {
    const dir = join(root, 'forced');
    assert.equal((await runCli(tinyTrainArgs(dir, 1, ['--seed', '7']))).code, 0);
    const r = await runCli(tinyTrainArgs(dir, 2, ['--force']));
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.deepEqual(lossFields(readMetrics(dir)), lossFields(readMetrics(runDir)));
  });

  test('a --config file sets options, and flags given on the command line override it', async () => {
    const dir = join(root, 'configured');
    const cfgFile = join(root, 'options.json');
    writeFileSync(cfgFile, JSON.stringify({ latent: 3, epochs: 1, batchSize: 50 }));
    const r = await runCli([
      'train',
      '--config',
      cfgFile,
      '--data',
      'mnist',
      '--limit',
      '600',
      '--val',
      '100',
      '--hidden',
      '32',
      '--latent',
      '4',
      '--out',
      dir,
      '--backend',
      'wasm',
    ]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const saved = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(saved.model.latentDim, 4, '--latent 4 on the command line should override latent 3 from the file');
    assert.equal(saved.training.epochs, 1, 'epochs from the file should apply when --epochs is not given');
    assert.equal(saved.training.batchSize, 50);
    assert.equal(readMetrics(dir).length, 1);
  });

  test('--threads 2 trains on a gradient worker too: the losses of one thread within float32 rounding, threads recorded', async () => {
    const dir = join(root, 'threads');
    const r = await runCli(tinyTrainArgs(dir, 2, ['--threads', '2']));
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.ok(
      r.err.some((l) => /^threads: 2 \(this one and 1 gradient worker/.test(l)),
      r.err.join('\n'),
    );
    assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).compute.threads, 2);
    const a = readMetrics(runDir);
    const b = readMetrics(dir);
    assert.equal(b.length, a.length);
    b.forEach((m, i) => {
      for (const k of ['trainLoss', 'valLoss', 'testLoss'] as const) {
        assert.ok(Math.abs(m[k]! - a[i][k]!) <= 1e-4 * Math.abs(a[i][k]!), `epoch ${i + 1} ${k}: ${m[k]} vs ${a[i][k]}`);
      }
    });
  });

  test("--config with a run's config.json repeats that run: same data, model and training, same losses", async () => {
    const dir = join(root, 'repeated');
    const r = await runCli(['train', '--config', join(runDir, 'config.json'), '--out', dir, '--backend', 'wasm']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const a = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.deepEqual({ ...b, out: a.out }, a);
    assert.deepEqual(lossFields(readMetrics(dir)), lossFields(readMetrics(runDir)));
  });
});

describe('vaekit sample / reconstruct / info on a trained run', () => {
  test('sample RUN --n 16 writes a 4 × 4 grid of 28 × 28 images to RUN/samples-0.png', async () => {
    const r = await runCli(['sample', runDir, '--n', '16', '--backend', 'wasm']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const file = join(runDir, 'samples-0.png');
    assert.deepEqual(r.out, [`wrote 16 samples to ${file}`]);
    const img = readPng(file);
    assert.deepEqual([img.width, img.height, img.channels], [gridSide(4), gridSide(4), 1]);
  });

  test('sample --seed 5 draws the decoder means E[x|z] of VAE.sample with that seed', async () => {
    const file = join(root, 'samples-5.png');
    const r = await runCli(['sample', runDir, '--n', '16', '--seed', '5', '--out', file, '--backend', 'wasm']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const img = readPng(file);
    const vae = await VAE.load(join(runDir, 'model'), fsModelStore);
    try {
      const s = vae.sample(16, { seed: 5 });
      const v = s.dataSync();
      s.dispose();
      assertBytesWithin1(gridTile(img, 0, 0), toBytes(v.subarray(0, 784)), 'sample 0');
      assertBytesWithin1(gridTile(img, 3, 3), toBytes(v.subarray(15 * 784, 16 * 784)), 'sample 15');
    } finally {
      vae.dispose();
    }
  });

  test('sample with the default seed 0 writes the same picture every time', async () => {
    const pictures: Buffer[] = [];
    for (const name of ['seed0-a.png', 'seed0-b.png']) {
      const file = join(root, name);
      assert.equal((await runCli(['sample', runDir, '--n', '4', '--seed', '0', '--out', file, '--backend', 'wasm'])).code, 0);
      pictures.push(readFileSync(file));
    }
    assert.ok(pictures[0].equals(pictures[1]), 'two pictures drawn with --seed 0 differ');
  });

  test('sample --csv writes one row of D values in [0, 1] per sample beside the PNG', async () => {
    const png = join(root, 's.png');
    const csv = join(root, 's.csv');
    const r = await runCli(['sample', runDir, '--n', '5', '--seed', '3', '--out', png, '--csv', csv, '--backend', 'wasm']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.deepEqual(r.out, [`wrote 5 samples to ${png}`, `wrote 5 samples to ${csv}`]);
    const rows = readFileSync(csv, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(',').map(Number));
    assert.equal(rows.length, 5);
    for (const row of rows) {
      assert.equal(row.length, 784);
      assert.ok(
        row.every((x) => x >= 0 && x <= 1),
        'a Bernoulli mean outside [0, 1]',
      );
    }
  });

  test('reconstruct RUN --n 8 writes test images beside their reconstructions and prints the test −ELBO', async () => {
    const r = await runCli(['reconstruct', runDir, '--n', '8', '--backend', 'wasm']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const file = join(runDir, 'reconstructions-test.png');
    assert.equal(r.out[0], `wrote 8 reconstructions to ${file}`);
    const m = /−ELBO (\d+\.\d\d) nats\/example \(reconstruction (\d+\.\d\d), KL (\d+\.\d\d)\)/.exec(r.out[1]);
    assert.ok(m, `unexpected summary line: ${r.out[1]}`);
    assert.ok(Math.abs(Number(m[1]) - Number(m[2]) - Number(m[3])) <= 0.011, '−ELBO ≠ reconstruction + KL');
    const img = readPng(file);
    assert.deepEqual([img.width, img.height, img.channels], [gridSide(16), gridSide(1), 1]); // 8 pairs in one row
    const raw = loadDataSource('mnist', { scale: 1 }).test.x.subarray(0, 784); // bytes 0..255
    assert.deepEqual(gridTile(img, 0, 0), Array.from(raw), 'the first tile is not MNIST test image 0');
    const vae = await VAE.load(join(runDir, 'model'), fsModelStore);
    try {
      const rec = tf.tidy(() =>
        vae.reconstruct(
          tf.tensor2d(
            Float32Array.from(raw, (p) => p / 255),
            [1, 784],
          ),
        ),
      );
      assertBytesWithin1(gridTile(img, 0, 1), toBytes(rec.dataSync()), 'reconstruction 0');
      rec.dispose();
    } finally {
      vae.dispose();
    }
  });

  test('info RUN prints the architecture 784-32-4, the likelihood, the data and the metrics', async () => {
    const r = await runCli(['info', runDir]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const text = r.out.join('\n');
    assert.match(text, /^architecture: VAE, MLP 784-32-4 \(decoder mirrored\), relu, input shape \[28, 28, 1\]$/m);
    assert.match(text, /^likelihood: +Bernoulli \(logits\); prior N\(0, I\); latent size 4$/m);
    assert.match(text, /^data: +mnist \(500 train, 100 validation, 600 test\)$/m);
    const s = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    assert.match(text, new RegExp(`^metrics: +epoch ${s.bestEpoch}: .*test ${s.testLoss.toFixed(2)} `, 'm'));
    assert.match(text, /^history: +2 epochs in /m);
  });

  test('info RUN --json prints the model description of vaekit.json as JSON', async () => {
    const r = await runCli(['info', runDir, '--json']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const d = JSON.parse(r.out.join('\n'));
    assert.deepEqual(d, JSON.parse(readFileSync(join(runDir, 'model', 'vaekit.json'), 'utf8')));
    assert.equal(d.format, 'vaekit-model');
    assert.equal(d.version, 1);
    assert.equal(d.config.latentDim, 4);
    assert.deepEqual(d.config.encoder.hidden, [32]);
  });

  test('sample, reconstruct and info on a folder without a run exit 1 with one line naming it', async () => {
    const empty = mkdtempSync(join(root, 'empty-'));
    for (const argv of [
      ['sample', empty],
      ['reconstruct', empty],
      ['info', empty],
    ]) {
      const r = await runCli([...argv, ...(argv[0] === 'info' ? [] : ['--backend', 'cpu'])]);
      assert.equal(r.code, 1, `${argv[0]}: exit code`);
      assert.equal(r.err.length, 1, `${argv[0]}: ${r.err.join('\n')}`);
      assert.ok(r.err[0].includes(empty), `${argv[0]}: ${r.err[0]}`);
      assert.match(r.err[0], /no saved model here/);
    }
  });
});

describe('vaekit train --resume', () => {
  test('training 1 epoch and resuming to 2 gives metrics bit-identical to 2 epochs straight', async () => {
    const dir = join(root, 'run-b');
    assert.equal((await runCli(tinyTrainArgs(dir, 1))).code, 0);
    const r = await runCli(['train', '--out', dir, '--resume', '--epochs', '2', '--backend', 'wasm']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.ok(
      r.err.some((l) => /^resuming .* at epoch 2, step 0/.test(l)),
      r.err.join('\n'),
    );
    assert.deepEqual(lossFields(readMetrics(dir)), lossFields(readMetrics(runDir)));
  });

  test('a Ctrl-C exits 130 after saving a checkpoint and tells the user to continue with --resume', async () => {
    const dir = join(root, 'run-c');
    // SIGINT as the terminal sends it, delivered the moment epoch 1 is reported.
    const listenersBefore = process.listenerCount('SIGINT');
    const err: string[] = [];
    const code = await run(tinyTrainArgs(dir, 3), {
      out: (l) => {
        if (l.startsWith('epoch 1:')) process.emit('SIGINT');
      },
      err: (l) => err.push(l),
      progressStream: null,
    });
    assert.equal(code, 130);
    assert.ok(
      err.some((l) => /--resume/.test(l)),
      err.join('\n'),
    );
    // The handler outlives the run by the repeat window (a launcher's relayed copy of the Ctrl-C), then goes.
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(process.listenerCount('SIGINT'), listenersBefore, 'the SIGINT handler was left installed');
    const ckpt = await readCheckpoint(join(dir, 'checkpoint.vkc'));
    assert.equal(ckpt.state.history.length, ckpt.state.epoch);
    assert.ok(ckpt.state.epoch >= 1 && ckpt.state.epoch < 3, `checkpoint at epoch ${ckpt.state.epoch}`);
    assert.deepEqual(lossFields(ckpt.state.history), lossFields(readMetrics(runDir)).slice(0, ckpt.state.epoch));
  });

  test('resuming with only --out and --resume, as the Ctrl-C message says, keeps the epoch budget and patience the run started with', async () => {
    const dir = join(root, 'run-d');
    const first = await runCli(tinyTrainArgs(dir, 1, ['--patience', '3']));
    assert.equal(first.code, 0, first.err.join('\n'));
    const r = await runCli(['train', '--out', dir, '--resume', '--backend', 'wasm']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const saved = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(saved.training.patience, 3, 'patience');
    assert.equal(saved.training.epochs, 1, 'epochs');
    assert.equal(readMetrics(dir).length, 1, 'the run was already complete: resuming should train no further epoch');
  });
});
