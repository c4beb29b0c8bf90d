import * as tf from '@tensorflow/tfjs';
import { LOG_2PI } from '../math/constants.js';
import { ConfigError } from '../errors.js';
import { tfSeed } from '../math/rng.js';
import type { Likelihood, LikelihoodConfig } from './likelihood.js';

/**
 * Gaussian decoder p(x|z) = N(x; f(z), σ² I) with one σ² shared by all D dimensions, either fixed
 * or learned. Normalising constant included:
 *   log p(x|z) = −½ [ D·(log 2π + log σ²) + ‖x − f(z)‖² / σ² ]
 * With σ² = 1 this is −½‖x − f(z)‖² + const, the "MSE" decoder of seed 001; with σ² learned it is
 * the loss D·log σ² + ‖x − f(z)‖²/σ² of seed 002.
 * @see seed 001 (Gaussian decoder N(μ_x, I) = MSE); seed 002 (learned decoder variance)
 */
export class GaussianLikelihood implements Likelihood {
  readonly kind = 'gaussian' as const;
  private readonly logVar: tf.Variable;
  private readonly learned: boolean;

  constructor(config: { variance: number | 'learned'; logVar?: number }) {
    this.learned = config.variance === 'learned';
    let init: number;
    if (config.variance === 'learned') {
      init = config.logVar ?? 0;
    } else {
      if (!(config.variance > 0) || !Number.isFinite(config.variance)) {
        throw new ConfigError(`likelihood.variance: expected a positive number or 'learned', got ${config.variance}`);
      }
      init = Math.log(config.variance);
    }
    this.logVar = tf.tidy(() => tf.variable(tf.scalar(init), this.learned, undefined, 'float32'));
  }

  logProb(x: tf.Tensor, mean: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const d = x.shape[x.shape.length - 1];
      const sse = tf.sum(tf.square(tf.sub(x, mean)), -1); // [...]
      const c = tf.mul(tf.add(this.logVar, LOG_2PI), d); // scalar
      return tf.mul(tf.add(tf.mul(sse, tf.exp(tf.neg(this.logVar))), c), -0.5);
    });
  }
  mean(params: tf.Tensor): tf.Tensor {
    return tf.clone(params);
  }
  sample(params: tf.Tensor, seed: number): tf.Tensor {
    return tf.tidy(() => tf.add(params, tf.mul(tf.randomNormal(params.shape, 0, 1, 'float32', tfSeed(seed, 'gaussian-sample')), tf.exp(tf.mul(this.logVar, 0.5)))));
  }
  variables(): tf.Variable[] {
    return this.learned ? [this.logVar] : [];
  }
  /** Current σ² (a number). */
  variance(): number {
    return Math.exp(this.logVar.dataSync()[0]);
  }
  toConfig(): LikelihoodConfig {
    return this.learned
      ? { kind: 'gaussian', variance: 'learned', logVar: this.logVar.dataSync()[0] }
      : { kind: 'gaussian', variance: Math.exp(this.logVar.dataSync()[0]) };
  }
  dispose(): void {
    this.logVar.dispose();
  }
}
