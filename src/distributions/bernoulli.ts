/**
 * Bernoulli observations parameterised by logits l (p = sigmoid(l)).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * log Bernoulli(x; sigmoid(logits)) summed over the last axis, in the stable form
 *   log p(x) = −Σ_d [ max(l_d, 0) − l_d·x_d + log1p(exp(−|l_d|)) ]
 * which equals x·log σ(l) + (1 − x)·log(1 − σ(l)) wherever that is finite, stays finite for any
 * finite logit, and accepts x in [0, 1] (continuous "probabilities", as the PyTorch reference does).
 * @param x - observations [..., D] in [0, 1]
 * @param logits - decoder logits, broadcastable to x
 * @returns log-likelihood [...], nats; caller disposes
 * @see Kingma & Welling 2014, appendix C.1 (the Bernoulli MLP decoder; −log p is the binary cross-entropy)
 */
export function bernoulliLogProb(x: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  if (sameShape(x.shape, logits.shape)) return bernoulliLogProbFused(x, logits);
  return logProbValue(x, logits);
}

/** The value: the one-pass kernel where the backend has it, else the stable form's elementwise kernels. */
function logProbValue(x: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  if (fusedKernelApplies(x, logits)) return tf.engine().runKernel(BERNOULLI_LOG_PROB_KERNEL, { x, logits }, {}) as tf.Tensor;
  return tf.tidy(() => tf.neg(tf.sum(negLogTerms(x, logits), -1)));
}

/**
 * Name of an optional one-pass kernel for {@link bernoulliLogProb}: inputs x [..., D] and logits
 * [..., D] where x, without its leading 1s, equals the trailing axes of logits (x's rows repeat
 * over logits' leading axes, as K importance samples share one image); output logits.shape[:-1].
 * No backend has it built in; vaekit's native addon registers it on Node's wasm backend
 * (src/node/native-kernels.ts). Where it is registered it replaces the ~9 elementwise kernels of
 * the stable form; its gradient is registered here, so it stays differentiable (IWAE training).
 */
export const BERNOULLI_LOG_PROB_KERNEL = 'VaekitBernoulliLogProb';

function fusedKernelApplies(x: tf.Tensor, logits: tf.Tensor): boolean {
  if (x.dtype !== 'float32' || logits.dtype !== 'float32' || logits.rank < 1) return false;
  if (tf.getKernel(BERNOULLI_LOG_PROB_KERNEL, tf.getBackend()) == null) return false;
  let lead = 0;
  while (lead < x.rank - 1 && x.shape[lead] === 1) lead++;
  const core = x.shape.slice(lead);
  if (core.length > logits.rank) return false;
  return sameShape(core, logits.shape.slice(logits.rank - core.length));
}

tf.registerGradient({
  kernelName: BERNOULLI_LOG_PROB_KERNEL,
  inputsToSave: ['x', 'logits'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [x, logits] = saved;
    const g = tf.expandDims(dy as tf.Tensor, -1); // [..., 1]
    return {
      // ∂/∂l = x − σ(l); ∂/∂x = l, summed over the axes along which x repeats.
      logits: () => tf.mul(g, tf.sub(x, tf.sigmoid(logits))),
      x: () => {
        const full = tf.mul(g, logits);
        return tf.reshape(tf.sum(tf.reshape(full, [-1, x.size]), 0), x.shape);
      },
    };
  },
});

/** max(l, 0) − l·x + log1p(exp(−|l|)) elementwise [..., D]: −log p per dimension. */
function negLogTerms(x: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  return tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

/**
 * The same value with its gradient written out: ∂ log p / ∂l = x − σ(l), ∂ log p / ∂x = l (times the
 * upstream gradient per row). Three kernels on the backward pass instead of the dozen that
 * differentiating the stable form op by op dispatches. For x and logits of one shape (training).
 */
const bernoulliLogProbFused = tf.customGrad(((x: tf.Tensor, logits: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, logits]);
  const value = logProbValue(x, logits);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ls] = saved;
      const g = tf.expandDims(dy, -1); // [..., 1]
      return [tf.mul(g, ls), tf.mul(g, tf.sub(xs, tf.sigmoid(ls)))];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor, logits: tf.Tensor) => tf.Tensor;
