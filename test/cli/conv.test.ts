/**
 * `vaekit train --arch conv` end to end on the default backend (wasm, with the native kernels when
 * they load): MNIST trains with the default conv network and its loss falls, the run records the
 * network, the saved model reloads to the same reconstructions, the conv options reach the config,
 * and conv on a table is one line and exit 1 with nothing written.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { takeFirst } from '../../src/data/dataset.js';
import { VAE } from '../../src/models/vae.js';
import { loadDataSource } from '../../src/node/datasets/data-source.js';
import { fsModelStore } from '../../src/node/formats/model-store.js';
import { assertAllClose } from '../helpers/assert.js';
import { errorLines, readMetrics, runCli } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-conv-'));
after(() => rmSync(root, { recursive: true, force: true }));

const convArgs = (out: string, extra: string[] = []) => [
  'train',
  '--data',
  'mnist',
  '--limit',
  '400',
  '--val',
  '100',
  '--epochs',
  '3',
  '--batch-size',
  '50',
  '--arch',
  'conv',
  '--latent',
  '4',
  '--out',
  out,
  ...extra,
];

describe('vaekit train --arch conv', () => {
  const run = join(root, 'conv');
  before(async () => {
    const r = await runCli(convArgs(run));
    assert.equal(r.code, 0, r.err.join('\n'));
  });

  test('trains on MNIST with the default conv network on the default backend, and the loss falls', () => {
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    assert.deepEqual(config.model.encoder, { kind: 'conv', channels: [32, 64], kernel: 3, hidden: [], activation: 'relu' });
    assert.deepEqual(config.model.decoder, config.model.encoder);
    assert.equal(config.compute.backend, 'wasm');
    const m = readMetrics(run);
    assert.equal(m.length, 3);
    assert.ok(m[2].trainLoss < m[0].trainLoss - 10, `train loss ${m.map((r) => r.trainLoss.toFixed(1)).join(' → ')}`);
    assert.ok(m[2].valLoss! < m[0].valLoss!, `val loss ${m.map((r) => r.valLoss!.toFixed(1)).join(' → ')}`);
    for (const f of ['reconstructions.png', 'samples.png', 'loss-curve.svg', 'model/encoder/model.json']) assert.ok(existsSync(join(run, f)), f);
  });

  test('the saved conv model reloads (standard tfjs layers) and reconstructs as the run wrote it', async () => {
    const vae = await VAE.load(join(run, 'model'), fsModelStore);
    assert.equal(vae.config.encoder.kind, 'conv');
    assert.ok(vae.encoder.layers.some((l) => l.getClassName() === 'Conv2D'));
    assert.ok(vae.decoder.layers.some((l) => l.getClassName() === 'Conv2DTranspose'));
    const again = await VAE.load(join(run, 'model'), fsModelStore);
    const x = tf.tensor2d(takeFirst(loadDataSource('mnist', { scale: 255 }).test, 5).x, [5, 784]);
    const [a, b] = [vae.reconstruct(x), again.reconstruct(x)];
    assertAllClose(b, a, { atol: 0 });
    tf.dispose([x, a, b]);
    vae.dispose();
    again.dispose();
    const info = await runCli(['info', run]);
    assert.equal(info.code, 0, info.err.join('\n'));
    assert.match(info.out.join('\n'), /conv/);
  });

  test('--channels, --kernel and --hidden shape the conv network and are recorded', async () => {
    const out = join(root, 'options');
    const r = await runCli([...convArgs(out, ['--channels', '4,8,8', '--kernel', '5', '--hidden', '16']).map((a) => (a === '3' ? '1' : a))]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.deepEqual(config.model.encoder, { kind: 'conv', channels: [4, 8, 8], kernel: 5, hidden: [16], activation: 'relu' });
    const vae = await VAE.load(join(out, 'model'), fsModelStore);
    assert.deepEqual(
      vae.encoder.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => (l.getConfig() as { filters: number; kernelSize: number[] }).filters),
      [4, 8, 8],
    );
    vae.dispose();
  });

  test('conv on a table, or a bad conv option, is one line, nothing written', async () => {
    const out = join(root, 'table');
    const r = await runCli(['train', '--data', 'boston', '--arch', 'conv', '--epochs', '1', '--out', out]);
    assert.equal(r.code, 1);
    assert.deepEqual(
      errorLines(r.err).filter((l) => l.startsWith('vaekit:')),
      ['vaekit: --arch conv: conv needs images of shape [H, W, C], got examples of shape [14]; use mlp for tables'],
    );
    assert.ok(!existsSync(out), 'the run folder was written');
    const cell = await runCli(['train', '--arch', 'conv', '--cell', 'lstm', '--epochs', '1', '--out', join(root, 'cell')]);
    assert.equal(cell.code, 1);
    assert.deepEqual(
      errorLines(cell.err).filter((l) => l.startsWith('vaekit:')),
      ['vaekit: --cell: does not apply to --arch conv (it takes --channels, --kernel, --hidden, --activation)'],
    );
    assert.ok(!existsSync(join(root, 'cell')), 'the run folder was written');
    const bad = await runCli(['train', '--arch', 'conv', '--channels', '32,0', '--out', join(root, 'bad')]);
    assert.equal(bad.code, 2);
    assert.match(errorLines(bad.err).join('\n'), /--channels: expected positive integers separated by commas, got '32,0'/);
  });
});
