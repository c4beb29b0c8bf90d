import * as tf from '@tensorflow/tfjs';
import { LOG_2PI } from '../math/constants.js';
import { ConfigError } from '../errors.js';
import { normalObservationNoise } from '../math/noise.js';
import type { Likelihood, LikelihoodConfig } from './likelihood.js';

/**
 * Gaussian decoder p(x|z) = N(x; f(z), σ² I) with one σ² shared by all D dimensions, fixed or
 * learned, or N(x; f(z), diag σ²) with one learned σ²_d per dimension ('learned-diag', the decoder
 * counterpart of factor analysis's diagonal noise). Normalising constant included:
 *   log p(x|z) = −½ Σ_d [ log 2π + log σ²_d + (x_d − f_d(z))² / σ²_d ]
 * With σ² = 1 this is −½‖x − f(z)‖² + const, the "MSE" decoder; with σ² learned it is (up to ½ and
 * constants) the loss D·log σ² + ‖x − f(z)‖²/σ² of a calibrated decoder.
 * @see Kingma & Welling 2014, appendix C.2 (the Gaussian MLP decoder); Rybkin, Daniilidis & Levine 2021 (a learned decoder variance, σ-VAE)
 */
export class GaussianLikelihood implements Likelihood {
  readonly kind = 'gaussian' as const;
  /** log σ²: a scalar, or [D] for 'learned-diag'. */
  private readonly logVar: tf.Variable;
  private readonly mode: 'fixed' | 'learned' | 'learned-diag';

  /**
   * @param config - the likelihood config; 'learned-diag' needs `dataDim`
   * @throws ConfigError for a non-positive variance, or 'learned-diag' without a dimension / with a logVar of another length
   */
  constructor(config: { variance: number | 'learned' | 'learned-diag'; logVar?: number | number[] }, dataDim?: number) {
    let init: tf.Tensor;
    if (config.variance === 'learned-diag') {
      this.mode = 'learned-diag';
      const d = Array.isArray(config.logVar) ? config.logVar.length : dataDim;
      if (!d || !Number.isInteger(d)) throw new ConfigError(`likelihood.variance 'learned-diag': needs the data dimension, got ${d}`);
      if (dataDim !== undefined && d !== dataDim) throw new ConfigError(`likelihood.logVar: expected ${dataDim} values, one per data dimension, got ${d}`);
      init = Array.isArray(config.logVar) ? tf.tensor1d(config.logVar) : tf.zeros([d]);
    } else if (config.variance === 'learned') {
      this.mode = 'learned';
      init = tf.scalar(typeof config.logVar === 'number' ? config.logVar : 0);
    } else {
      this.mode = 'fixed';
      if (!(config.variance > 0) || !Number.isFinite(config.variance)) {
        throw new ConfigError(`likelihood.variance: expected a positive number, 'learned' or 'learned-diag', got ${config.variance}`);
      }
      init = tf.scalar(Math.log(config.variance));
    }
    this.logVar = tf.variable(init, this.mode !== 'fixed', undefined, 'float32');
    init.dispose();
  }

  logProb(x: tf.Tensor, mean: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const d = x.shape[x.shape.length - 1];
      if (this.mode === 'learned-diag') {
        const terms = tf.add(tf.mul(tf.square(tf.sub(x, mean)), tf.exp(tf.neg(this.logVar))), tf.add(this.logVar, LOG_2PI)); // [..., D]
        return tf.mul(tf.sum(terms, -1), -0.5);
      }
      const sse = tf.sum(tf.square(tf.sub(x, mean)), -1); // [...]
      const c = tf.mul(tf.add(this.logVar, LOG_2PI), d); // scalar
      return tf.mul(tf.add(tf.mul(sse, tf.exp(tf.neg(this.logVar))), c), -0.5);
    });
  }
  mean(params: tf.Tensor): tf.Tensor {
    return tf.clone(params);
  }
  sample(params: tf.Tensor, seed: number): tf.Tensor {
    return tf.tidy(() => tf.add(params, tf.mul(normalObservationNoise(params.shape, seed), tf.exp(tf.mul(this.logVar, 0.5)))));
  }
  variables(): tf.Variable[] {
    return this.mode === 'fixed' ? [] : [this.logVar];
  }
  /** Current σ² (a number; for 'learned-diag' the mean of the σ²_d). */
  async variance(): Promise<number> {
    const v = await this.variances();
    return v.reduce((s, x) => s + x, 0) / v.length;
  }
  /** Current σ²_d per dimension [D] ('learned-diag'), or the shared σ² once. */
  async variances(): Promise<number[]> {
    return Array.from(await this.logVar.data(), (lv) => Math.exp(lv));
  }
  async toConfig(): Promise<LikelihoodConfig> {
    const logVar = Array.from(await this.logVar.data());
    if (this.mode === 'learned-diag') return { kind: 'gaussian', variance: 'learned-diag', logVar };
    return this.mode === 'learned' ? { kind: 'gaussian', variance: 'learned', logVar: logVar[0] } : { kind: 'gaussian', variance: Math.exp(logVar[0]) };
  }
  dispose(): void {
    this.logVar.dispose();
  }
}
