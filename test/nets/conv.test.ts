/**
 * The convolutional encoder and decoder (src/nets/conv.ts): forward passes against a float64
 * convolution written here from TensorFlow's definition of 'same' padding (an independent oracle),
 * parameter counts against the PyTorch peer's conv VAE, shapes for odd image sizes and channel
 * counts, the condition, save → load, a loss that falls, and config errors. On the cpu backend.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeDataset } from '../../src/data/dataset.js';
import { ConfigError } from '../../src/errors.js';
import { VAE } from '../../src/models/vae.js';
import { CONV_DEFAULTS, resolveNetConfig } from '../../src/nets/index.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { train } from '../../src/training/trainer.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';

type Image = number[][][]; // [H][W][C]

/** 'same' padding as TensorFlow defines it: out = ⌈n/s⌉, the total padding split with the extra at the end. */
function samePadding(n: number, k: number, s: number): { out: number; before: number } {
  const out = Math.ceil(n / s);
  return { out, before: Math.floor(Math.max((out - 1) * s + k - n, 0) / 2) };
}

const relu = (v: number) => Math.max(v, 0);

/** y[oy][ox][co] = b[co] + Σ x[oy·s + ky − top][ox·s + kx − left][ci] · w[ky][kx][ci][co], float64. */
function conv2d64(x: Image, w: number[][][][], b: number[], s: number, act: (v: number) => number): Image {
  const [H, W, Ci] = [x.length, x[0].length, x[0][0].length];
  const k = w.length;
  const [r, c] = [samePadding(H, k, s), samePadding(W, k, s)];
  return Array.from({ length: r.out }, (_, oy) =>
    Array.from({ length: c.out }, (_, ox) =>
      b.map((bias, co) => {
        let sum = bias;
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const [iy, ix] = [oy * s + ky - r.before, ox * s + kx - c.before];
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            for (let ci = 0; ci < Ci; ci++) sum += x[iy][ix][ci] * w[ky][kx][ci][co];
          }
        return act(sum);
      }),
    ),
  );
}

/**
 * The transposed convolution, the adjoint of conv2d64 from an output of side n·s: each input pixel
 * scatters x[iy][ix][ci] · w[ky][kx][co][ci] to [iy·s + ky − top][ix·s + kx − left][co], float64.
 */
function conv2dTranspose64(x: Image, w: number[][][][], b: number[], s: number, act: (v: number) => number): Image {
  const [h, wd, Ci] = [x.length, x[0].length, x[0][0].length];
  const k = w.length;
  const [H, W] = [h * s, wd * s];
  const top = Math.floor(Math.max((h - 1) * s + k - H, 0) / 2);
  const left = Math.floor(Math.max((wd - 1) * s + k - W, 0) / 2);
  const y = Array.from({ length: H }, () => Array.from({ length: W }, () => [...b]));
  for (let iy = 0; iy < h; iy++)
    for (let ix = 0; ix < wd; ix++)
      for (let ky = 0; ky < k; ky++)
        for (let kx = 0; kx < k; kx++) {
          const [oy, ox] = [iy * s + ky - top, ix * s + kx - left];
          if (oy < 0 || oy >= H || ox < 0 || ox >= W) continue;
          for (let co = 0; co < b.length; co++) for (let ci = 0; ci < Ci; ci++) y[oy][ox][co] += x[iy][ix][ci] * w[ky][kx][co][ci];
        }
  return y.map((row) => row.map((px) => px.map(act)));
}

const dense64 = (h: number[], w: number[][], b: number[], act: (v: number) => number) => b.map((bias, j) => act(h.reduce((s, v, i) => s + v * w[i][j], bias)));
const flat = (img: Image) => img.flat(2);
function reshape(v: number[], H: number, W: number, C: number): Image {
  return Array.from({ length: H }, (_, y) => Array.from({ length: W }, (_, x) => v.slice((y * W + x) * C, (y * W + x + 1) * C)));
}

/** A layer's [kernel, bias] as nested float64 arrays. */
async function weightsOf(model: tf.LayersModel, name: string): Promise<[never, number[]]> {
  const [k, b] = model.getLayer(name).getWeights();
  return [(await k.array()) as never, (await b.array()) as number[]];
}

before(async () => {
  await useBackend('cpu');
});

describe('conv networks', () => {
  test('the encoder and decoder equal a float64 convolution on an odd-sized, multi-channel image with dense layers', async () => {
    const [H, W, C] = [5, 6, 2];
    const vae = new VAE({
      inputShape: [H, W, C],
      latentDim: 2,
      encoder: { kind: 'conv', channels: [3, 2], kernel: 3, hidden: [4], activation: 'relu' },
      seed: 3,
    });
    const x = tf.randomUniform([2, H * W * C], 0, 1, 'float32', 7) as tf.Tensor2D;
    const z = tf.randomNormal([2, 2], 0, 1, 'float32', 8) as tf.Tensor2D;
    const post = vae.encode(x);
    const out = vae.decode(z);
    const [xs, zs] = [(await x.array()) as number[][], (await z.array()) as number[][]];
    const [e0, e1, eh, em, ev] = await Promise.all(
      ['encoder_conv_0', 'encoder_conv_1', 'encoder_hidden_0', 'encoder_mean', 'encoder_logvar'].map((n) => weightsOf(vae.encoder, n)),
    );
    const [dh, dp, d0, d1] = await Promise.all(
      ['decoder_hidden_0', 'decoder_project', 'decoder_deconv_0', 'decoder_output'].map((n) => weightsOf(vae.decoder, n)),
    );
    const mean64: number[][] = [];
    const logVar64: number[][] = [];
    const out64: number[][] = [];
    for (let i = 0; i < 2; i++) {
      const a1 = conv2d64(reshape(xs[i], H, W, C), e0[0], e0[1], 2, relu); // [3, 3, 3]
      const a2 = conv2d64(a1, e1[0], e1[1], 2, relu); // [2, 2, 2]
      const h = dense64(flat(a2), eh[0], eh[1], relu); // [4]
      mean64.push(dense64(h, em[0], em[1], (v) => v));
      logVar64.push(dense64(h, ev[0], ev[1], (v) => v));
      const g = dense64(dense64(zs[i], dh[0], dh[1], relu), dp[0], dp[1], relu); // [2·2·2]
      const u1 = conv2dTranspose64(reshape(g, 2, 2, 2), d0[0], d0[1], 2, relu); // [4, 4, 3]
      const u2 = conv2dTranspose64(u1, d1[0], d1[1], 2, (v) => v); // [8, 8, 2]
      out64.push(flat(u2.slice(0, H).map((row) => row.slice(0, W)))); // cropped to [5, 6, 2]
    }
    assertAllClose(post.mean, mean64, { atol: 1e-5 });
    assertAllClose(post.logVar, logVar64, { atol: 1e-5 });
    assertAllClose(out, out64, { atol: 1e-5 });
    tf.dispose([x, z, post.mean, post.logVar, out]);
    vae.dispose();
  });

  test("the default network has the PyTorch peer conv VAE's parameters, layer for layer", () => {
    const vae = new VAE({ inputShape: [28, 28, 1], latentDim: 20, encoder: { kind: 'conv' } });
    // ../shared/peers/torch_vae.py ConvVAE: Conv2d(1,32,3), Conv2d(32,64,3), Linear(3136,20) ×2 | Linear(20,3136), ConvTranspose2d(64,32,3), ConvTranspose2d(32,1,3)
    const peerEncoder = 1 * 32 * 9 + 32 + (32 * 64 * 9 + 64) + 2 * (3136 * 20 + 20);
    const peerDecoder = 20 * 3136 + 3136 + (64 * 32 * 9 + 32) + (32 * 1 * 9 + 1);
    assert.deepEqual([vae.encoder.countParams(), vae.decoder.countParams()], [peerEncoder, peerDecoder]);
    assert.deepEqual(vae.config.encoder, { ...CONV_DEFAULTS, channels: [32, 64], hidden: [] });
    assert.deepEqual(vae.config.decoder, vae.config.encoder, 'the decoder mirrors the encoder config');
    vae.dispose();
  });

  test('any image size and channel count: [B, D] in and out, cropped where the sides are not multiples of 2^L', async () => {
    for (const shape of [
      [28, 28, 1],
      [27, 30, 3],
      [7, 5, 1],
      [1, 1, 2],
    ]) {
      const vae = new VAE({ inputShape: shape, latentDim: 3, encoder: { kind: 'conv', channels: [4, 8, 4] } });
      const D = shape[0] * shape[1] * shape[2];
      await assertNoTensorLeak(() => {
        const x = tf.zeros([2, ...shape]);
        const { mean, logVar } = vae.encode(x);
        const params = vae.decode(mean);
        assert.deepEqual(
          [mean.shape, logVar.shape, params.shape],
          [
            [2, 3],
            [2, 3],
            [2, D],
          ],
          `shape [${shape}]`,
        );
        tf.dispose([x, mean, logVar, params]);
      });
      vae.dispose();
    }
  });

  test('a conditional conv VAE takes c in both networks, and c changes their outputs', async () => {
    const vae = new VAE({ inputShape: [8, 8, 1], latentDim: 2, conditionDim: 3, encoder: { kind: 'conv', channels: [4] } });
    assert.deepEqual([vae.encoder.inputs.length, vae.decoder.inputs.length], [2, 2]);
    const x = tf.randomUniform([2, 64], 0, 1, 'float32', 1);
    const z = tf.randomNormal([2, 2], 0, 1, 'float32', 2) as tf.Tensor2D;
    const [c0, c1] = [tf.oneHot([0, 0], 3).toFloat() as tf.Tensor2D, tf.oneHot([2, 2], 3).toFloat() as tf.Tensor2D];
    const [p0, p1] = [vae.encode(x, c0), vae.encode(x, c1)];
    const [d0, d1] = [vae.decode(z, c0), vae.decode(z, c1)];
    assert.ok((await tf.sub(p0.mean, p1.mean).abs().max().data())[0] > 1e-4, 'the encoder ignores c');
    assert.ok((await tf.sub(d0, d1).abs().max().data())[0] > 1e-4, 'the decoder ignores c');
    tf.dispose([x, z, c0, c1, p0.mean, p0.logVar, p1.mean, p1.logVar, d0, d1]);
    vae.dispose();
  });

  test('save → load (standard tfjs layers, tf.loadLayersModel) gives the same outputs and config', async () => {
    const vae = new VAE({
      inputShape: [9, 7, 3],
      latentDim: 4,
      encoder: { kind: 'conv', channels: [4, 6], kernel: 5, hidden: [8], activation: 'elu' },
      seed: 2,
    });
    const loaded = await VAE.fromArtifacts(await vae.toArtifacts());
    assert.deepEqual(loaded.config, vae.config);
    const x = tf.randomUniform([3, 189], 0, 1, 'float32', 4);
    const [a, b] = [vae.encode(x), loaded.encode(x)];
    assertAllClose(b.mean, a.mean, { atol: 0 });
    const [da, db] = [vae.decode(a.mean), loaded.decode(a.mean)];
    assertAllClose(db, da, { atol: 0 });
    tf.dispose([x, a.mean, a.logVar, b.mean, b.logVar, da, db]);
    vae.dispose();
    loaded.dispose();
  });

  test('training lowers the loss on small images', async () => {
    // Two kinds of 8×8 image: a bright top half or a bright left half, with noise.
    const n = 64;
    const x = new Float32Array(n * 64);
    for (let i = 0; i < n; i++)
      for (let p = 0; p < 64; p++) {
        const bright = i % 2 === 0 ? p < 32 : p % 8 < 4;
        x[i * 64 + p] = bright ? 0.9 : 0.1;
      }
    const ds = makeDataset({ x, numExamples: n, dataDim: 64, exampleShape: [8, 8, 1], source: 'halves' });
    const vae = new VAE({ inputShape: [8, 8, 1], latentDim: 2, encoder: { kind: 'conv', channels: [4, 8] }, seed: 1 });
    const losses: number[] = [];
    const r = await train(
      vae,
      { train: ds },
      { options: { epochs: 8, batchSize: 16, learningRate: 1e-2, seed: 1 }, callbacks: { onEpochEnd: (m) => void losses.push(m.trainLoss) } },
    );
    r.optimizer.dispose();
    assert.ok(losses.at(-1)! < losses[0] - 1, `loss did not fall: ${losses.map((l) => l.toFixed(2)).join(', ')}`);
    vae.dispose();
  });

  test('config errors name the field; conv on tables is refused with the remedy', () => {
    const message = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.message;
      }
      assert.fail('no ConfigError');
    };
    assert.equal(
      message(() => resolveNetConfig({ kind: 'conv', channels: [32, 0] }, 'model.encoder')),
      'model.encoder.channels[1]: expected an integer ≥ 1, got 0',
    );
    assert.match(
      message(() => resolveNetConfig({ kind: 'conv', channels: [] }, 'model.encoder')),
      /model.encoder.channels: expected at least one convolution/,
    );
    assert.match(
      message(() => resolveNetConfig({ kind: 'conv', kernel: 0 }, 'model.encoder')),
      /model.encoder.kernel: expected an integer ≥ 1/,
    );
    assert.match(
      message(() => resolveNetConfig({ kind: 'conv', stride: 2 } as never, 'model.encoder')),
      /stride/,
    );
    assert.match(
      message(() => new VAE({ inputShape: [13], encoder: { kind: 'conv' } })),
      /conv needs images of shape \[H, W, C\], got examples of shape \[13\]; use mlp for tables/,
    );
    assert.deepEqual(
      new VAE({ inputShape: [8, 8, 1], encoder: { kind: 'conv' }, hidden: [16] }).config.encoder.hidden,
      [16],
      'the shorthand sets the dense widths',
    );
  });
});
