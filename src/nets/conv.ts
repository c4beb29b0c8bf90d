/**
 * Convolutional encoder and transposed-convolutional decoder for images [H, W, C] (channels-last),
 * of the size of the Keras VAE example by default: two stride-2 3×3 convolutions of 32 and 64
 * channels; the decoder mirrors them with stride-2 transposed convolutions. Standard tfjs layers only
 * (conv2d, conv2dTranspose, cropping2D, reshape, dense), so a saved network loads in a browser with
 * `tf.loadLayersModel`.
 *
 * Shapes for MNIST with the defaults (B batch, Z latent):
 *   encoder  x [B, 784] → [B, 28, 28, 1] → conv 3×3 s2 → [B, 14, 14, 32] → conv 3×3 s2 → [B, 7, 7, 64]
 *            → flatten [B, 3136] (→ dense layers `hidden`) → mean [B, Z], logVar [B, Z]
 *   decoder  z [B, Z] (→ dense layers `hidden`, reversed) → dense [B, 3136] → [B, 7, 7, 64]
 *            → convT 3×3 s2 → [B, 14, 14, 32] → convT 3×3 s2 → [B, 28, 28, 1] → flatten [B, 784]
 * 'same' padding: each stride-2 layer maps a side n to ⌈n/2⌉, so any H × W works; the decoder's
 * output (a multiple of 2^L) is cropped to H × W at the bottom and right.
 *
 * A conditional network (C > 0) concatenates c [B, C] to the flattened features (encoder) and to z
 * (decoder), Sohn, Lee & Yan 2015.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, setting } from '../errors.js';
import type { Rng } from '../math/rng.js';
import { check, expectThat, intAtLeast, oneOf } from '../validate.js';
import { dense, denseStack, inputsWithCondition, uniformInit } from './layers.js';
import { ACTIVATIONS, type Activation } from './mlp.js';
import { checkNetFields, type NetDims } from './net.js';

export interface ConvConfig {
  kind: 'conv';
  /** Channels of the stride-2 convolutions, input side first; the decoder's transposed convolutions mirror them. */
  channels: number[];
  /** Kernel size k of every (transposed) convolution, k × k. */
  kernel: number;
  /** Widths of dense layers between the flattened features and the latent (none by default). */
  hidden: number[];
  /** Activation of every hidden layer (not the outputs). */
  activation: Activation;
}

/** Defaults of a conv network: the Keras VAE example's convolutions (3×3, stride 2, 32 and 64 channels), ReLU, no dense layer. */
export const CONV_DEFAULTS: Readonly<ConvConfig> = Object.freeze({
  kind: 'conv',
  channels: Object.freeze([32, 64]) as number[],
  kernel: 3,
  hidden: Object.freeze([]) as unknown as number[],
  activation: 'relu',
});

/**
 * Validates a conv config and fills its defaults.
 * @param field - where it sits, for messages (e.g. 'model.encoder')
 * @throws ConfigError naming the bad field and value
 */
export function resolveConvConfig(c: Partial<ConvConfig>, field: string): ConvConfig {
  const at = (name: string) => (field ? `${field}.${name}` : name);
  checkNetFields(field, c, 'conv', ['kind', 'channels', 'kernel', 'hidden', 'activation']);
  const list = (name: 'channels' | 'hidden', what: string) => {
    expectThat(c[name] === undefined || Array.isArray(c[name]), at(name), what, c[name]);
    return [...(c[name] ?? CONV_DEFAULTS[name])].map((v, i) => check(`${at(name)}[${i}]`, v, intAtLeast(1)));
  };
  const channels = list('channels', 'a list of integers ≥ 1 (channels of the convolutions)');
  expectThat(channels.length > 0, at('channels'), 'at least one convolution', c.channels);
  return {
    kind: 'conv',
    channels,
    kernel: check(at('kernel'), c.kernel ?? CONV_DEFAULTS.kernel, intAtLeast(1)),
    hidden: list('hidden', 'a list of integers ≥ 1 (dense layer widths)'),
    activation: check(at('activation'), c.activation ?? CONV_DEFAULTS.activation, oneOf(ACTIVATIONS)),
  };
}

/** The image shape [H, W, C] of the data. @throws ConfigError when the examples are not images */
function imageShape(dims: NetDims): [number, number, number] {
  const s = dims.inputShape;
  if (s.length !== 3) {
    throw new ConfigError(
      `${setting('model.encoder.kind', 'conv')}: conv needs images of shape [H, W, C], got examples of shape [${s.join(', ')}]; use mlp for tables`,
    );
  }
  return [s[0], s[1], s[2]];
}

/** The feature map's side after L stride-2 'same' convolutions: ⌈n / 2⌉, L times. */
function reducedSide(n: number, numLayers: number): number {
  for (let i = 0; i < numLayers; i++) n = Math.ceil(n / 2);
  return n;
}

/**
 * Encoder network x → (mean, logVar) of q(z|x, c).
 * @returns a LayersModel: x [B, D] (and c [B, C]) → [mean [B, Z], logVar [B, Z]]
 * @throws ConfigError when the examples are not images [H, W, C]
 */
export function convEncoder(config: ConvConfig, dims: NetDims, rng: Rng): tf.LayersModel {
  const [height, width, depth] = imageShape(dims);
  const input = inputsWithCondition('x', dims.dataDim, dims.conditionDim);
  let h = tf.layers.reshape({ targetShape: [height, width, depth], name: 'encoder_image' }).apply(input.main) as tf.SymbolicTensor; // [B, H, W, C]
  let inChannels = depth;
  config.channels.forEach((filters, i) => {
    h = tf.layers
      .conv2d({
        filters,
        kernelSize: config.kernel,
        strides: 2,
        padding: 'same',
        activation: config.activation,
        name: `encoder_conv_${i}`,
        ...uniformInit(config.kernel * config.kernel * inChannels, rng),
      })
      .apply(h) as tf.SymbolicTensor; // [B, ⌈H/2^(i+1)⌉, ⌈W/2^(i+1)⌉, filters]
    inChannels = filters;
  });
  const numLayers = config.channels.length;
  const flatSize = reducedSide(height, numLayers) * reducedSide(width, numLayers) * inChannels;
  h = tf.layers.flatten({ name: 'encoder_flatten' }).apply(h) as tf.SymbolicTensor; // [B, flatSize]
  const features = input.join(h, flatSize); // [B, flatSize + C]
  const { h: joined, width: fanIn } = denseStack(features.h, features.width, config.hidden, config.activation, 'encoder_hidden', rng);
  const mean = dense(dims.latentDim, fanIn, 'linear', 'encoder_mean', rng).apply(joined) as tf.SymbolicTensor;
  const logVar = dense(dims.latentDim, fanIn, 'linear', 'encoder_logvar', rng).apply(joined) as tf.SymbolicTensor;
  return tf.model({ inputs: input.list, outputs: [mean, logVar], name: 'encoder' });
}

/**
 * Decoder network z → likelihood parameters of p(x|z, c), one per pixel and channel.
 * @returns a LayersModel: z [B, Z] (and c [B, C]) → [B, D]
 * @throws ConfigError when the examples are not images [H, W, C]
 */
export function convDecoder(config: ConvConfig, dims: NetDims, rng: Rng): tf.LayersModel {
  const [height, width, depth] = imageShape(dims);
  const numLayers = config.channels.length;
  const [h0, w0] = [reducedSide(height, numLayers), reducedSide(width, numLayers)];
  const top = config.channels[numLayers - 1];
  const input = inputsWithCondition('z', dims.latentDim, dims.conditionDim);
  const joined = input.join(input.main, dims.latentDim); // [B, Z + C]
  const stack = denseStack(joined.h, joined.width, [...config.hidden].reverse(), config.activation, 'decoder_hidden', rng);
  let h = dense(h0 * w0 * top, stack.width, config.activation, 'decoder_project', rng).apply(stack.h) as tf.SymbolicTensor; // [B, h0·w0·top]
  h = tf.layers.reshape({ targetShape: [h0, w0, top], name: 'decoder_image' }).apply(h) as tf.SymbolicTensor; // [B, h0, w0, top]
  let inChannels = top;
  for (let i = numLayers - 1; i >= 0; i--) {
    const isLast = i === 0;
    const filters = isLast ? depth : config.channels[i - 1];
    h = tf.layers
      .conv2dTranspose({
        filters,
        kernelSize: config.kernel,
        strides: 2,
        padding: 'same',
        activation: isLast ? 'linear' : config.activation,
        name: isLast ? 'decoder_output' : `decoder_deconv_${numLayers - 1 - i}`,
        // fan_in = k·k·(input channels), as for a convolution; PyTorch's ConvTranspose2d takes k·k·(output channels)
        ...uniformInit(config.kernel * config.kernel * inChannels, rng),
      })
      .apply(h) as tf.SymbolicTensor; // [B, h0·2^(L−i), w0·2^(L−i), filters]
    inChannels = filters;
  }
  const [outH, outW] = [h0 * 2 ** numLayers, w0 * 2 ** numLayers];
  if (outH !== height || outW !== width) {
    h = tf.layers
      .cropping2D({
        cropping: [
          [0, outH - height],
          [0, outW - width],
        ],
        name: 'decoder_crop',
      })
      .apply(h) as tf.SymbolicTensor; // [B, H, W, C]
  }
  const out = tf.layers.flatten({ name: 'decoder_flatten' }).apply(h) as tf.SymbolicTensor; // [B, D]
  return tf.model({ inputs: input.list, outputs: out, name: 'decoder' });
}
