import * as tf from '@tensorflow/tfjs';
import { bernoulliLogProb } from '../distributions/bernoulli.js';
import type { Likelihood, LikelihoodConfig } from './likelihood.js';
import { uniformObservationNoise } from '../math/noise.js';

/**
 * Bernoulli decoder on logits: p(x|z) = Π_d σ(l_d)^x_d (1 − σ(l_d))^(1 − x_d).
 * @see Kingma & Welling 2014, appendix C.1 (the Bernoulli MLP decoder)
 */
export class BernoulliLikelihood implements Likelihood {
  readonly kind = 'bernoulli' as const;
  logProb(x: tf.Tensor, logits: tf.Tensor): tf.Tensor {
    return bernoulliLogProb(x, logits);
  }
  mean(logits: tf.Tensor): tf.Tensor {
    return tf.sigmoid(logits);
  }
  sample(logits: tf.Tensor, seed: number): tf.Tensor {
    return tf.tidy(() => tf.cast(tf.less(uniformObservationNoise(logits.shape, seed), tf.sigmoid(logits)), 'float32'));
  }
  variables(): tf.Variable[] {
    return [];
  }
  async toConfig(): Promise<LikelihoodConfig> {
    return { kind: 'bernoulli' };
  }
  dispose(): void {}
}
