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
  /**
   * The size of the noise ε of one posterior sample: Z for one Gaussian layer (absent), Σ_l Z_l for
   * a model with several stochastic layers ({@link HierarchicalLatentModel}).
   */
  readonly noiseDim?: number;

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

/**
 * A model with two stochastic layers, z₂ → z₁ → x (Burda, Grosse & Salakhutdinov 2016, §5, the
 * second architecture): p(z₂) = N(0, I), p(z₁|z₂) and q(z₁|x), q(z₂|z₁) diagonal Gaussians, p(x|z₁)
 * the likelihood. As a {@link LatentVariableModel}, its latent is the top layer z₂ (latentDim = Z₂, the
 * one with the N(0, I) prior): `encode` passes the mean of q(z₁|x) to q(z₂|z₁), and `decode` the
 * mean of p(z₁|z₂) to p(x|z₁), so generation, traversals and maps work on z₂. The objectives
 * (objectives/hierarchical.ts) sample both layers.
 */
export interface HierarchicalLatentModel extends LatentVariableModel {
  /** [Z₁, Z₂], the sizes of the stochastic layers, bottom first; latentDim = Z₂. */
  readonly latentDims: readonly [number, number];
  /** Z₁ + Z₂: ε of one sample is [ε₁ (Z₁), ε₂ (Z₂)]. */
  readonly noiseDim: number;
  /** q(z₁|x): x [B, D] → mean, logVar [B, Z₁]; caller disposes. @throws ShapeError */
  encodeBottom(x: tf.Tensor): Posterior;
  /** q(z₂|z₁): z₁ [N, Z₁] → mean, logVar [N, Z₂]; caller disposes. */
  encodeTop(z1: tf.Tensor2D): Posterior;
  /** p(z₁|z₂): z₂ [N, Z₂] → mean, logVar [N, Z₁]; caller disposes. */
  priorBottom(z2: tf.Tensor2D): Posterior;
  /** p(x|z₁): z₁ [N, Z₁] → likelihood parameters [N, D]; caller disposes. */
  decodeBottom(z1: tf.Tensor2D): tf.Tensor2D;
}

/** Whether a model has two stochastic layers (the objectives then sample both). */
export function isHierarchical(model: LatentVariableModel): model is HierarchicalLatentModel {
  return 'latentDims' in model && typeof (model as HierarchicalLatentModel).encodeTop === 'function';
}

/** The size of ε of one posterior sample: Z, or Z₁ + Z₂ for a hierarchical model. */
export function noiseDimOf(model: LatentVariableModel): number {
  return model.noiseDim ?? model.latentDim;
}
