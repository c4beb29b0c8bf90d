/**
 * MLP encoder and decoder networks, built from standard tfjs layers only, so a saved network
 * loads in a browser with `tf.loadLayersModel` and no custom classes.
 *
 * Initialisation matches PyTorch's nn.Linear (weights and biases ~ U(−1/√fan_in, 1/√fan_in)),
 * so vaekit and the PyTorch reference start from the same distribution.
 *
 * A conditional network (conditionDim C > 0) takes the condition c [B, C] as a second input,
 * concatenated to x (encoder) or z (decoder) before the first layer (Sohn, Lee & Yan 2015).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../math/rng.js';
import { check, checkKnownKeys, expectThat, intAtLeast, oneOf } from '../validate.js';
import type { NetDims } from './net.js';

export const ACTIVATIONS = ['relu', 'elu', 'tanh', 'sigmoid', 'selu', 'softplus', 'swish', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface MlpConfig {
  kind: 'mlp';
  /** Hidden layer widths, input side first; the decoder uses them reversed. */
  hidden: number[];
  activation: Activation;
}

/** Defaults of an MLP network: one hidden layer of 400 ReLU units (the canonical MNIST VAE). */
export const MLP_DEFAULTS: Readonly<MlpConfig> = Object.freeze({ kind: 'mlp', hidden: Object.freeze([400]) as number[], activation: 'relu' });

/**
 * Validates an MLP config and fills its defaults.
 * @param field - where it sits, for messages (e.g. 'model.encoder')
 * @throws ConfigError naming the bad field and value
 */
export function resolveMlpConfig(c: Partial<MlpConfig>, field: string): MlpConfig {
  const at = (name: string) => (field ? `${field}.${name}` : name);
  checkKnownKeys(field || 'network', c, ['kind', 'hidden', 'activation']);
  expectThat(c.hidden === undefined || Array.isArray(c.hidden), at('hidden'), 'a list of integers ≥ 1 (hidden layer widths)', c.hidden);
  const hidden = [...(c.hidden ?? MLP_DEFAULTS.hidden)].map((h, i) => check(`${at('hidden')}[${i}]`, h, intAtLeast(1)));
  return { kind: 'mlp', hidden, activation: check(at('activation'), c.activation ?? MLP_DEFAULTS.activation, oneOf(ACTIVATIONS)) };
}

function dense(units: number, fanIn: number, activation: Activation, name: string, rng: Rng): tf.layers.Layer {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.layers.dense({
    units,
    activation,
    name,
    kernelInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng.nextSeed() }),
    biasInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng.nextSeed() }),
  });
}

/** The network's inputs: `main` [B, size], and the condition c [B, C] concatenated to it when C > 0. */
function inputs(name: string, size: number, conditionDim: number): { list: tf.SymbolicTensor[]; joined: tf.SymbolicTensor; width: number } {
  const main = tf.input({ shape: [size], name });
  if (conditionDim === 0) return { list: [main], joined: main, width: size };
  const c = tf.input({ shape: [conditionDim], name: 'c' });
  const joined = tf.layers.concatenate({ name: `${name}_c` }).apply([main, c]) as tf.SymbolicTensor; // [B, size + C]
  return { list: [main, c], joined, width: size + conditionDim };
}

/**
 * Encoder network x → (mean, logVar) of q(z|x) = N(mean, diag exp(logVar)).
 * @returns a LayersModel: x [B, D] (and c [B, C]) → [mean [B, Z], logVar [B, Z]]
 * @see Kingma & Welling 2014, appendix C.2 (an MLP encoder that outputs μ and log σ²)
 */
export function mlpEncoder(config: MlpConfig, dims: NetDims, rng: Rng): tf.LayersModel {
  const { list, joined, width } = inputs('x', dims.dataDim, dims.conditionDim);
  let h = joined;
  let fanIn = width;
  config.hidden.forEach((units, i) => {
    h = dense(units, fanIn, config.activation, `encoder_hidden_${i}`, rng).apply(h) as tf.SymbolicTensor;
    fanIn = units;
  });
  const mean = dense(dims.latentDim, fanIn, 'linear', 'encoder_mean', rng).apply(h) as tf.SymbolicTensor;
  const logVar = dense(dims.latentDim, fanIn, 'linear', 'encoder_logvar', rng).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: list, outputs: [mean, logVar], name: 'encoder' });
}

/**
 * Decoder network z → likelihood parameters (logits or Gaussian means), one per data dimension.
 * @returns a LayersModel: z [B, Z] (and c [B, C]) → [B, D]
 */
export function mlpDecoder(config: MlpConfig, dims: NetDims, rng: Rng): tf.LayersModel {
  const { list, joined, width } = inputs('z', dims.latentDim, dims.conditionDim);
  let h = joined;
  let fanIn = width;
  [...config.hidden].reverse().forEach((units, i) => {
    h = dense(units, fanIn, config.activation, `decoder_hidden_${i}`, rng).apply(h) as tf.SymbolicTensor;
    fanIn = units;
  });
  const out = dense(dims.dataDim, fanIn, 'linear', 'decoder_output', rng).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: list, outputs: out, name: 'decoder' });
}
