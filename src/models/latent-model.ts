/**
 * The model contract: what the objectives, the trainer, the gradient engines, checkpoints, the
 * evaluators, pictures and the latent tools need of a latent variable model with an amortised
 * Gaussian posterior q(z|x, c), the prior p(z) = N(0, I), and a decoder feeding a likelihood
 * p(x|z, c). They all type against this interface, not against a class; the VAE implements it, and
 * so will its conditional, convolutional and recurrent forms (the networks change, the contract does not).
 *
 * Conditions: a conditional model (conditionDim C > 0) is given c [B, C] (a one-hot class or a
 * numeric condition) with every x and z; an unconditional one (C = 0) is given none.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Likelihood } from '../likelihoods/likelihood.js';
import type { ModelDescription, VaeArtifacts } from './description.js';

/** q(z|x) = N(mean, diag exp(logVar)), per example. */
export type Posterior = {
  /** [B, Z] */
  mean: tf.Tensor2D;
  /** [B, Z] */
  logVar: tf.Tensor2D;
};

export interface LatentVariableModel {
  /** The model's kind in the model registry (src/models/index.ts), e.g. 'vae'. */
  readonly kind: string;
  /** D, the flattened size of one example. */
  readonly dataDim: number;
  /** Shape of one example, e.g. [28, 28, 1]; Π inputShape = D. */
  readonly inputShape: readonly number[];
  /** Z, the latent size. */
  readonly latentDim: number;
  /** C, the size of the condition c; 0 for an unconditional model. */
  readonly conditionDim: number;
  /** The decoder's observation model p(x|z). */
  readonly likelihood: Likelihood;
  /** The saved networks: x (and c) → [mean, logVar]; z (and c) → likelihood parameters. */
  readonly encoder: tf.LayersModel;
  readonly decoder: tf.LayersModel;

  /**
   * q(z|x, c).
   * @param x - [B, D] or [B, ...inputShape]
   * @param c - conditions [B, C]; required when conditionDim > 0, absent otherwise
   * @returns mean [B, Z] and logVar [B, Z]; caller disposes
   * @throws ShapeError for a wrong shape or a missing or unexpected condition
   */
  encode(x: tf.Tensor, c?: tf.Tensor2D): Posterior;
  /**
   * The decoder: likelihood parameters of p(x|z, c) (Bernoulli logits or Gaussian means).
   * @param z - [N, Z]
   * @param c - conditions [N, C] when conditionDim > 0
   * @returns [N, D]; caller disposes
   */
  decode(z: tf.Tensor2D, c?: tf.Tensor2D): tf.Tensor2D;
  /** Every trainable variable (networks, then a learned likelihood variance), in a fixed order. */
  trainableVariables(): tf.Variable[];

  /** How raw data became the model's input, where it was trained, and its final figures. */
  preprocessing?: ModelDescription['preprocessing'];
  provenance?: ModelDescription['provenance'];
  metrics?: ModelDescription['metrics'];
  /** The self-description saved beside the networks (learned likelihood values read asynchronously). */
  describe(): Promise<ModelDescription>;
  /** The networks in the standard tfjs format, and the description. */
  toArtifacts(): Promise<VaeArtifacts>;
  /** Frees every tensor the model holds. */
  dispose(): void;
}
