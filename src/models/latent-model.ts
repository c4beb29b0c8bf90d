import type * as tf from '@tensorflow/tfjs';
import type { Likelihood } from '../likelihoods/likelihood.js';

/**
 * What the objectives need of a model with an amortised Gaussian posterior q(z|x), a standard
 * normal prior, and a decoder feeding a likelihood. The VAE implements it; objectives are
 * functions over it, so the reparameterization lives in one place.
 */
export interface LatentVariableModel {
  readonly latentDim: number;
  readonly dataDim: number;
  readonly likelihood: Likelihood;
  /** q(z|x): x [B, D] → mean [B, Z], logVar [B, Z]; caller disposes. */
  encode(x: tf.Tensor2D): { mean: tf.Tensor2D; logVar: tf.Tensor2D };
  /** Decoder: z [N, Z] → likelihood parameters [N, D] (logits or means); caller disposes. */
  decode(z: tf.Tensor2D): tf.Tensor2D;
}
