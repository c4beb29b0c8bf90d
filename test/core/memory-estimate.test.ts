import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../src/errors.js';
import { createModel } from '../../src/models/index.js';
import { checkModelMemory, estimateModelMemory, TRAINING_COPIES } from '../../src/models/memory.js';
import { resolveVaeConfig, type VaeOptions } from '../../src/models/vae-config.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';

after(async () => {
  await useBackend('cpu');
});

const MNIST = [28, 28, 1];

/** Asserts `fn` throws a ConfigError whose message matches every pattern and names no CLI flag. */
function assertConfigError(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    for (const p of patterns) assert.match(e.message, p);
    assert.doesNotMatch(e.message, /--[a-z]/);
    return true;
  });
}

describe('estimateModelMemory', () => {
  test('the default MNIST MLP (784-400-20): the hand count × 4 bytes × 4 copies', () => {
    const numParams =
      784 * 400 +
      400 + // encoder_hidden_0
      2 * (400 * 20 + 20) + // encoder_mean, encoder_logvar
      20 * 400 +
      400 + // decoder_hidden_0
      400 * 784 +
      784; // decoder_output
    assert.equal(numParams, 652_824);
    const e = estimateModelMemory(resolveVaeConfig({ inputShape: MNIST }));
    assert.equal(e.numParams, numParams);
    assert.equal(e.numCopies, TRAINING_COPIES);
    assert.equal(e.bytes, numParams * 4 * 4);
    assert.deepEqual(e.largest, { name: 'encoder_hidden_0/kernel', size: 784 * 400 }); // ties decoder_output's; the first wins
  });

  // The oracle: the parameter count of the networks the builders in nets/ make.
  const cases: Array<[string, VaeOptions]> = [
    ['mlp, two layers, conditional', { inputShape: [6, 2], hidden: [7, 5], latentDim: 3, conditionDim: 4 }],
    ['mlp, no hidden layer', { inputShape: [9], hidden: [], latentDim: 2 }],
    ['mlp, a decoder of its own', { inputShape: [9], hidden: [8], latentDim: 2, decoder: { kind: 'mlp', hidden: [3, 6] } }],
    [
      'conv, odd image, dense layers, conditional',
      { inputShape: [7, 5, 2], latentDim: 3, conditionDim: 2, encoder: { kind: 'conv', channels: [4, 6], kernel: 3, hidden: [11] } },
    ],
    ['conv, defaults', { inputShape: [28, 28, 1], latentDim: 8, encoder: { kind: 'conv' } }],
    ['rnn gru, two layers, conditional', { inputShape: [5, 3], latentDim: 4, conditionDim: 2, encoder: { kind: 'rnn', cell: 'gru', hidden: [6, 4] } }],
    ['rnn lstm', { inputShape: [5, 3], latentDim: 4, encoder: { kind: 'rnn', cell: 'lstm', hidden: [7] } }],
  ];
  for (const [name, options] of cases) {
    test(`${name}: equals the built networks' countParams()`, async () => {
      await useBackend('cpu');
      const vae = new VAE(options);
      try {
        assert.equal(estimateModelMemory(vae.config).numParams, vae.encoder.countParams() + vae.decoder.countParams());
      } finally {
        vae.dispose();
      }
    });
  }
});

describe('checkModelMemory', () => {
  test('wasm: --hidden 20000,20000 on MNIST throws with the figure before allocating a tensor', async () => {
    await useBackend('wasm');
    // 784·20000+20000 + 20000·20000+20000 + 2·(20000·20+20) + 20·20000+20000 + 20000·20000+20000 + 20000·784+784
    const numParams = 832_640_824;
    const before = tf.memory().numTensors;
    assertConfigError(
      () => createModel('vae', { inputShape: MNIST, hidden: [20000, 20000] }),
      /the model needs about 13\.3 GB \(832,640,824 parameters × 4 bytes × 4 copies for training\), more than the wasm backend's 4 GiB heap/,
      /model\.encoder\.hidden '20000,20000'/,
    );
    assert.equal(estimateModelMemory(resolveVaeConfig({ inputShape: MNIST, hidden: [20000, 20000] })).numParams, numParams);
    assert.equal(tf.memory().numTensors, before, 'the check allocated tensors');
  });

  test('wasm: the default config passes and builds', async () => {
    await useBackend('wasm');
    const model = createModel('vae', { inputShape: MNIST });
    model.dispose();
  });

  test('cpu: a weight matrix over the typed-array length throws, naming it; 20000,20000 passes', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    assertConfigError(
      () => createModel('vae', { inputShape: MNIST, hidden: [60000, 60000] }),
      /the model needs about 116\.8 GB \(7,297,920,824 parameters/,
      /largest tensor, encoder_hidden_1\/kernel, holds 3,600,000,000 numbers, more than the cpu backend's largest typed array/,
    );
    assert.equal(tf.memory().numTensors, before, 'the check allocated tensors');
    checkModelMemory(resolveVaeConfig({ inputShape: MNIST, hidden: [20000, 20000] }), 'cpu');
  });

  test('a separate decoder is named too; backends without a limit are not checked', () => {
    const config = resolveVaeConfig({ inputShape: MNIST, hidden: [20000, 20000], decoder: { kind: 'mlp', hidden: [10] } });
    assertConfigError(() => checkModelMemory(config, 'wasm'), /model\.encoder\.hidden '20000,20000'/, /model\.decoder\.hidden '10'/);
    checkModelMemory(config, 'webgl');
  });
});
