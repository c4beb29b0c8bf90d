/**
 * Recurrent encoder and decoder networks for windows of a time series (a recurrent VAE, as in
 * Fabius & van Amersfoort 2015 and the GRU VAEs of OmniAnomaly, Su et al. 2019), built from standard
 * tfjs layers only (Reshape, GRU / LSTM, RepeatVector, TimeDistributed, Dense, Flatten, Concatenate),
 * so a saved network loads in a browser with `tf.loadLayersModel` and no custom classes.
 *
 *   encoder  x [B, W·F] → reshape [B, W, F] → recurrent layers → last state h [B, H] → mean [B, Z], logVar [B, Z]
 *   decoder  z [B, Z] → repeat W times [B, W, Z] → recurrent layers (returning every step) [B, W, H]
 *            → the same dense layer at every step [B, W, F] → flatten [B, W·F]
 *
 * The boundary stays flat ([B, D], D = W·F; see NetDims), so likelihoods and objectives do not change.
 * A conditional network (C > 0) repeats c [B, C] over the W steps and concatenates it to every step's
 * input (encoder: [B, W, F + C]; decoder: z and c joined before the repeat, [B, W, Z + C]).
 *
 * Initialisation follows PyTorch's nn.GRU / nn.LSTM: every weight and bias ~ U(−1/√H, 1/√H), H the
 * layer's state size; the dense layers follow nn.Linear (U(−1/√fanIn, 1/√fanIn)). The gates use the
 * logistic sigmoid (tfjs defaults to a hard sigmoid; PyTorch and Keras 2 use the sigmoid).
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors.js';
import type { Rng } from '../math/rng.js';
import { check, expectThat, intAtLeast, oneOf } from '../validate.js';
import { dense, inputsWithCondition } from './layers.js';
import { ACTIVATIONS, type Activation } from './mlp.js';
import { checkNetFields, type NetDims } from './net.js';

/** Recurrent cells: a gated recurrent unit (Cho et al. 2014) or a long short-term memory (Hochreiter & Schmidhuber 1997). */
export const RNN_CELLS = ['gru', 'lstm'] as const;
export type RnnCell = (typeof RNN_CELLS)[number];

export interface RnnConfig {
  kind: 'rnn';
  /** The recurrent cell of every layer. */
  cell: RnnCell;
  /** State sizes H of the stacked recurrent layers, input side first; the decoder uses them reversed. */
  hidden: number[];
  /** The cell's output activation (the candidate state's; the gates use the sigmoid). */
  activation: Activation;
}

/** Defaults of a recurrent network: one GRU layer of 64 units, tanh (the cell's usual activation). */
export const RNN_DEFAULTS: Readonly<RnnConfig> = Object.freeze({
  kind: 'rnn',
  cell: 'gru',
  hidden: Object.freeze([64]) as number[],
  activation: 'tanh',
});

/**
 * Validates a recurrent network's config and fills its defaults.
 * @param field - where it sits, for messages (e.g. 'model.encoder')
 * @throws ConfigError naming the bad field and value
 */
export function resolveRnnConfig(c: Partial<RnnConfig>, field: string): RnnConfig {
  const at = (name: string) => (field ? `${field}.${name}` : name);
  checkNetFields(field, c, 'rnn', ['kind', 'cell', 'hidden', 'activation']);
  expectThat(c.hidden === undefined || Array.isArray(c.hidden), at('hidden'), 'a list of integers ≥ 1 (recurrent state sizes)', c.hidden);
  const hidden = [...(c.hidden ?? RNN_DEFAULTS.hidden)].map((h, i) => check(`${at('hidden')}[${i}]`, h, intAtLeast(1)));
  expectThat(hidden.length > 0, at('hidden'), 'at least one recurrent layer', c.hidden);
  return {
    kind: 'rnn',
    cell: check(at('cell'), c.cell ?? RNN_DEFAULTS.cell, oneOf(RNN_CELLS)),
    hidden,
    activation: check(at('activation'), c.activation ?? RNN_DEFAULTS.activation, oneOf(ACTIVATIONS)),
  };
}

/**
 * The window's steps W and features F from the example shape [W, F].
 * @throws ConfigError for any other shape (images, table rows)
 */
function stepsAndFeatures(dims: NetDims): { numSteps: number; numFeatures: number } {
  const s = dims.inputShape;
  if (s.length !== 2) {
    throw new ConfigError(
      `model.encoder.kind 'rnn': expected examples of shape [W, F] (windows of W steps of F features of a time series: data.window), got [${s.join(', ')}]`,
    );
  }
  return { numSteps: s[0], numFeatures: s[1] };
}

/** One recurrent layer of `units`, PyTorch-initialised. */
function recurrent(config: RnnConfig, units: number, returnSequences: boolean, name: string, rng: Rng): tf.layers.Layer {
  const bound = 1 / Math.sqrt(units);
  const init = () => tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng.nextSeed() });
  const args = {
    units,
    activation: config.activation,
    recurrentActivation: 'sigmoid' as const,
    returnSequences,
    name,
    kernelInitializer: init(),
    recurrentInitializer: init(),
    biasInitializer: init(),
  };
  return config.cell === 'gru' ? tf.layers.gru(args) : tf.layers.lstm(args);
}

/** c [B, C] repeated over W steps [B, W, C] and joined to every step of h [B, W, n] → [B, W, n + C]. */
function joinPerStep(h: tf.SymbolicTensor, c: tf.SymbolicTensor, numSteps: number, name: string): tf.SymbolicTensor {
  const cSteps = tf.layers.repeatVector({ n: numSteps, name: `${name}_c_steps` }).apply(c) as tf.SymbolicTensor; // [B, W, C]
  return tf.layers.concatenate({ name: `${name}_c` }).apply([h, cSteps]) as tf.SymbolicTensor; // [B, W, n + C]
}

/**
 * Encoder network: a window x → (mean, logVar) of q(z|x) = N(mean, diag exp(logVar)), from the last
 * state of the recurrent layers.
 * @param dims - inputShape [W, F], dataDim W·F
 * @returns a LayersModel: x [B, W·F] (and c [B, C]) → [mean [B, Z], logVar [B, Z]]
 * @throws ConfigError when the examples are not [W, F]
 * @see Fabius & van Amersfoort 2015, "Variational recurrent auto-encoders"; Su et al. 2019 (OmniAnomaly)
 */
export function rnnEncoder(config: RnnConfig, dims: NetDims, rng: Rng): tf.LayersModel {
  const { numSteps, numFeatures } = stepsAndFeatures(dims);
  const input = inputsWithCondition('x', dims.dataDim, dims.conditionDim);
  let h = tf.layers.reshape({ targetShape: [numSteps, numFeatures], name: 'encoder_steps' }).apply(input.main) as tf.SymbolicTensor; // [B, W, F]
  if (dims.conditionDim > 0) h = joinPerStep(h, input.list[1], numSteps, 'encoder'); // [B, W, F + C]
  const last = config.hidden.length - 1;
  config.hidden.forEach((units, i) => {
    h = recurrent(config, units, i < last, `encoder_${config.cell}_${i}`, rng).apply(h) as tf.SymbolicTensor; // [B, W, H_i], the last [B, H]
  });
  const fanIn = config.hidden[last];
  const mean = dense(dims.latentDim, fanIn, 'linear', 'encoder_mean', rng).apply(h) as tf.SymbolicTensor; // [B, Z]
  const logVar = dense(dims.latentDim, fanIn, 'linear', 'encoder_logvar', rng).apply(h) as tf.SymbolicTensor; // [B, Z]
  return tf.model({ inputs: input.list, outputs: [mean, logVar], name: 'encoder' });
}

/**
 * Decoder network: z → the likelihood parameters of a whole window, one per step and feature.
 * @param dims - inputShape [W, F], dataDim W·F
 * @returns a LayersModel: z [B, Z] (and c [B, C]) → [B, W·F], step-major (step w's F values at w·F … w·F + F − 1)
 * @throws ConfigError when the examples are not [W, F]
 */
export function rnnDecoder(config: RnnConfig, dims: NetDims, rng: Rng): tf.LayersModel {
  const { numSteps, numFeatures } = stepsAndFeatures(dims);
  const input = inputsWithCondition('z', dims.latentDim, dims.conditionDim);
  let { h } = input.join(input.main, dims.latentDim); // [B, Z + C]
  h = tf.layers.repeatVector({ n: numSteps, name: 'decoder_steps' }).apply(h) as tf.SymbolicTensor; // [B, W, Z + C]
  const hidden = [...config.hidden].reverse();
  hidden.forEach((units, i) => {
    h = recurrent(config, units, true, `decoder_${config.cell}_${i}`, rng).apply(h) as tf.SymbolicTensor; // [B, W, H_i]
  });
  const perStep = dense(numFeatures, hidden[hidden.length - 1], 'linear', 'decoder_output', rng);
  h = tf.layers.timeDistributed({ layer: perStep, name: 'decoder_output_steps' }).apply(h) as tf.SymbolicTensor; // [B, W, F]
  const out = tf.layers.flatten({ name: 'decoder_flat' }).apply(h) as tf.SymbolicTensor; // [B, W·F]
  return tf.model({ inputs: input.list, outputs: out, name: 'decoder' });
}
