import * as tf from '@tensorflow/tfjs';
import { bernoulliLogProb } from '../distributions/bernoulli.js';
import type { Likelihood } from './likelihood.js';
import { tfSeed } from '../math/rng.js';

/**
 * Bernoulli decoder on logits: p(x|z) = Π_d σ(l_d)^x_d (1 − σ(l_d))^(1 − x_d).
 * @see seed 001 (Bernoulli decoder = BCE with a logistic output)
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
    return tf.tidy(() => tf.cast(tf.less(tf.randomUniform(logits.shape, 0, 1, 'float32', tfSeed(seed, 'bernoulli-sample')), tf.sigmoid(logits)), 'float32'));
  }
  variables(): tf.Variable[] {
    return [];
  }
  toConfig() {
    return { kind: 'bernoulli' as const };
  }
  dispose(): void {}
}
