/**
 * Building blocks every network builder shares: PyTorch-style initialisation of dense and
 * convolutional layers, and the inputs of a network with an optional condition c. Standard tfjs
 * layers only, so a saved network loads in a browser with `tf.loadLayersModel` and no custom classes.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../math/rng.js';
import type { Activation } from './mlp.js';

type Initializer = ReturnType<typeof tf.initializers.randomUniform>;

/**
 * Weights and biases ~ U(−1/√fanIn, 1/√fanIn), PyTorch's nn.Linear / nn.Conv2d default, so vaekit
 * and the PyTorch reference start from the same distribution (fanIn = k·k·C_in for a convolution).
 */
export function uniformInit(fanIn: number, rng: Rng): { kernelInitializer: Initializer; biasInitializer: Initializer } {
  const bound = 1 / Math.sqrt(fanIn);
  return {
    kernelInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng.nextSeed() }),
    biasInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: rng.nextSeed() }),
  };
}

/** A dense layer of `units` on an input of width `fanIn`, initialised by {@link uniformInit}. */
export function dense(units: number, fanIn: number, activation: Activation, name: string, rng: Rng): tf.layers.Layer {
  return tf.layers.dense({ units, activation, name, ...uniformInit(fanIn, rng) });
}

/**
 * Dense layers of the given widths on h, each named `${prefix}_${i}`: h [B, fanIn] → [B, widths.at(-1)]
 * (h itself for no width).
 * @returns the output and its width
 */
export function denseStack(
  h: tf.SymbolicTensor,
  fanIn: number,
  widths: readonly number[],
  activation: Activation,
  prefix: string,
  rng: Rng,
): { h: tf.SymbolicTensor; width: number } {
  for (const [i, units] of widths.entries()) {
    h = dense(units, fanIn, activation, `${prefix}_${i}`, rng).apply(h) as tf.SymbolicTensor; // [B, units]
    fanIn = units;
  }
  return { h, width: fanIn };
}

/**
 * The network's inputs: `main` [B, size], and the condition c [B, C] when C > 0.
 * @returns the input list (main first), and `join(h)`: h [B, n] with c concatenated → [B, n + C]
 *   (h itself when C = 0), for any h computed from main
 */
export function inputsWithCondition(
  name: string,
  size: number,
  conditionDim: number,
): { list: tf.SymbolicTensor[]; main: tf.SymbolicTensor; join: (h: tf.SymbolicTensor, width: number) => { h: tf.SymbolicTensor; width: number } } {
  const main = tf.input({ shape: [size], name });
  if (conditionDim === 0) return { list: [main], main, join: (h, width) => ({ h, width }) };
  const c = tf.input({ shape: [conditionDim], name: 'c' });
  return {
    list: [main, c],
    main,
    join: (h, width) => ({ h: tf.layers.concatenate({ name: `${name}_c` }).apply([h, c]) as tf.SymbolicTensor, width: width + conditionDim }), // [B, n + C]
  };
}
