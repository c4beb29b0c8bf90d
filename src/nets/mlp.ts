/**
 * MLP encoder and decoder networks, built from standard tfjs layers only, so a saved network
 * loads in a browser with `tf.loadLayersModel` and no custom classes.
 *
 * Initialisation matches PyTorch's nn.Linear (weights and biases ~ U(−1/√fan_in, 1/√fan_in)),
 * so vaekit and the PyTorch reference start from the same distribution.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../math/rng.js';

export const ACTIVATIONS = ['relu', 'elu', 'tanh', 'sigmoid', 'selu', 'softplus', 'swish', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface MlpConfig {
  kind: 'mlp';
  /** Hidden layer widths, input side first; the decoder uses them reversed. */
  hidden: number[];
  activation: Activation;
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

/**
 * Encoder network x → (mean, logVar) of q(z|x) = N(mean, diag exp(logVar)).
 * @param dataDim - D, flattened input size
 * @returns a two-output LayersModel: [B, D] → [[B, Z], [B, Z]]
 * @see seed 001 (the encoder outputs μ and log σ²)
 */
export function mlpEncoder(dataDim: number, latentDim: number, config: MlpConfig, rng: Rng): tf.LayersModel {
  const input = tf.input({ shape: [dataDim], name: 'x' });
  let h: tf.SymbolicTensor = input;
  let fanIn = dataDim;
  config.hidden.forEach((units, i) => {
    h = dense(units, fanIn, config.activation, `encoder_hidden_${i}`, rng).apply(h) as tf.SymbolicTensor;
    fanIn = units;
  });
  const mean = dense(latentDim, fanIn, 'linear', 'encoder_mean', rng).apply(h) as tf.SymbolicTensor;
  const logVar = dense(latentDim, fanIn, 'linear', 'encoder_logvar', rng).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [mean, logVar], name: 'encoder' });
}

/**
 * Decoder network z → likelihood parameters (logits or Gaussian means), one per data dimension.
 * @returns a LayersModel: [B, Z] → [B, D]
 */
export function mlpDecoder(latentDim: number, dataDim: number, config: MlpConfig, rng: Rng): tf.LayersModel {
  const input = tf.input({ shape: [latentDim], name: 'z' });
  let h: tf.SymbolicTensor = input;
  let fanIn = latentDim;
  [...config.hidden].reverse().forEach((units, i) => {
    h = dense(units, fanIn, config.activation, `decoder_hidden_${i}`, rng).apply(h) as tf.SymbolicTensor;
    fanIn = units;
  });
  const out = dense(dataDim, fanIn, 'linear', 'decoder_output', rng).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'decoder' });
}
