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
  | { kind: 'gaussian'; variance: number | 'learned' | 'learned-diag'; logVar?: number | number[] };

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
