/**
 * Decoder observation models p(x|z). The decoder network outputs one value per data dimension
 * (`params`, [..., D]); a likelihood turns those into a normalised log-density, a mean, and samples.
 */
import * as tf from '@tensorflow/tfjs';

/** Serialisable description of a likelihood, saved in the model's JSON. */
export type LikelihoodConfig =
  | { kind: 'bernoulli' }
  /**
   * Gaussian N(params, σ² I) with σ² fixed to `variance`, or learned (one shared σ², Rybkin et al. 2021), or
   * N(params, diag σ²) with one learned σ²_d per data dimension ('learned-diag'; `logVar` then [D]).
   */
  | { kind: 'gaussian'; variance: number | 'learned' | 'learned-diag'; logVar?: number | number[] }
  /**
   * A table's mixed-type decoder (src/likelihoods/mixed.ts): the D outputs laid out by `columns`, in
   * order; a numeric column takes one output, Gaussian with `variance` (and `logVar`, as the Gaussian's,
   * [number of numeric columns] for 'learned-diag'); a categorical column with K categories takes K
   * outputs, logits of a categorical over its one-hot block. `columns` may be left out of a run's
   * configuration: the run fills it in from its table when it starts.
   */
  | { kind: 'mixed'; variance: number | 'learned' | 'learned-diag'; logVar?: number | number[]; columns?: MixedColumn[] };

/** One column of a mixed table, in the order of the decoder's outputs. */
export type MixedColumn = { name: string; kind: 'numeric' } | { name: string; kind: 'categorical'; categories: string[] };

export interface Likelihood {
  readonly kind: LikelihoodConfig['kind'];
  /**
   * log p(x | params), summed over the last axis, normalising constants included.
   * @param x - observations [..., D]
   * @param params - decoder outputs [..., D] (logits or means)
   * @returns [...], nats; caller disposes
   */
  logProb(x: tf.Tensor, params: tf.Tensor): tf.Tensor;
  /** E[x | params] [..., D] (sigmoid of logits, or the Gaussian mean); caller disposes. */
  mean(params: tf.Tensor): tf.Tensor;
  /** One draw x ~ p(x | params) [..., D], seeded; caller disposes. */
  sample(params: tf.Tensor, seed: number): tf.Tensor;
  /** Trainable parameters of the likelihood itself (a learned σ²), empty otherwise. */
  variables(): tf.Variable[];
  /** The config with learned values filled in, for saving (read asynchronously from the backend). */
  toConfig(): Promise<LikelihoodConfig>;
  dispose(): void;
}
