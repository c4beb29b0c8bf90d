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
import { check, expectThat, intAtLeast, oneOf } from '../validate.js';
import { dense, denseStack, inputsWithCondition } from './layers.js';
import { checkNetFields, type NetDims } from './net.js';

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
  checkNetFields(field, c, 'mlp', ['kind', 'hidden', 'activation']);
  expectThat(c.hidden === undefined || Array.isArray(c.hidden), at('hidden'), 'a list of integers ≥ 1 (hidden layer widths)', c.hidden);
  const hidden = [...(c.hidden ?? MLP_DEFAULTS.hidden)].map((h, i) => check(`${at('hidden')}[${i}]`, h, intAtLeast(1)));
  return { kind: 'mlp', hidden, activation: check(at('activation'), c.activation ?? MLP_DEFAULTS.activation, oneOf(ACTIVATIONS)) };
}

/**
 * Encoder network x → (mean, logVar) of q(z|x) = N(mean, diag exp(logVar)).
 * @returns a LayersModel: x [B, D] (and c [B, C]) → [mean [B, Z], logVar [B, Z]]
 * @see Kingma & Welling 2014, appendix C.2 (an MLP encoder that outputs μ and log σ²)
 */
export function mlpEncoder(config: MlpConfig, dims: NetDims, rng: Rng): tf.LayersModel {
  const input = inputsWithCondition('x', dims.dataDim, dims.conditionDim);
  const joined = input.join(input.main, dims.dataDim); // [B, D + C]
  const { h, width: fanIn } = denseStack(joined.h, joined.width, config.hidden, config.activation, 'encoder_hidden', rng); // [B, H_last]
  const mean = dense(dims.latentDim, fanIn, 'linear', 'encoder_mean', rng).apply(h) as tf.SymbolicTensor;
  const logVar = dense(dims.latentDim, fanIn, 'linear', 'encoder_logvar', rng).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input.list, outputs: [mean, logVar], name: 'encoder' });
}

/**
 * Decoder network z → likelihood parameters (logits or Gaussian means), one per data dimension.
 * @returns a LayersModel: z [B, Z] (and c [B, C]) → [B, D]
 */
export function mlpDecoder(config: MlpConfig, dims: NetDims, rng: Rng): tf.LayersModel {
  const input = inputsWithCondition('z', dims.latentDim, dims.conditionDim);
  const joined = input.join(input.main, dims.latentDim); // [B, Z + C]
  const { h, width: fanIn } = denseStack(joined.h, joined.width, [...config.hidden].reverse(), config.activation, 'decoder_hidden', rng); // [B, H_first]
  const out = dense(dims.dataDim, fanIn, 'linear', 'decoder_output', rng).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input.list, outputs: out, name: 'decoder' });
}
