/**
 * Adam as one JavaScript loop per variable over float32 arrays, for the CPU backends (wasm, cpu).
 *
 * tfjs's Adam dispatches about 15 kernels per variable per step, each a full pass over the
 * variable; on wasm that is ~7 ms of a ~40 ms MNIST step. Here each step reads a variable and its
 * gradient once, updates m, v and the value in one pass, and writes the value back: the same
 * float32 arithmetic in the same order (every operation rounded to float32 with Math.fround, which
 * for +, −, ×, ÷ and √ gives the correctly rounded float32 result), so its steps equal tfjs's Adam
 * bit for bit. Its slots save and load in tfjs Adam's format, so checkpoints do not depend on
 * which of the two trained them. On a GPU backend keep tfjs's Adam (this one reads tensors back).
 *
 * Tiny moments are flushed to zero every {@link SLOT_FLUSH_EVERY} steps, as `flushTinySlots` does
 * for tfjs's Adam (denormals are ~100× slower on wasm).
 * @see Kingma & Ba (2015), Algorithm 1; tfjs-core/src/optimizers/adam_optimizer.ts
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerWeights } from './optimizer.js';
import { SLOT_FLUSH_EVERY, SLOT_FLUSH_THRESHOLD } from './slot-flush.js';

type NamedTensor = OptimizerWeights[number];

const f = Math.fround;

interface Slot {
  name: string;
  shape: number[];
  m: Float32Array;
  v: Float32Array;
}

export class FusedAdam extends tf.Optimizer {
  static get className(): string {
    return 'Adam';
  }
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly oneMinusBeta1: number;
  private readonly oneMinusBeta2: number;
  private readonly epsilon: number;
  private readonly negLearningRate: number;
  /** β₁ᵗ and β₂ᵗ as float32 running products, exactly as tfjs's Adam keeps them. */
  private powBeta1: number;
  private powBeta2: number;
  private slots: Slot[] = [];

  constructor(
    readonly learningRate: number,
    beta1 = 0.9,
    beta2 = 0.999,
    epsilon = 1e-8,
  ) {
    super();
    this.beta1 = f(beta1);
    this.beta2 = f(beta2);
    this.oneMinusBeta1 = f(1 - beta1);
    this.oneMinusBeta2 = f(1 - beta2);
    this.epsilon = f(epsilon);
    this.negLearningRate = f(-learningRate);
    this.powBeta1 = this.beta1;
    this.powBeta2 = this.beta2;
  }

  /** One Adam step for the variables named in `variableGradients` (gradients [shape of each variable]). */
  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: Array<[string, tf.Tensor]> = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    const c1 = f(1 - this.powBeta1);
    const c2 = f(1 - this.powBeta2);
    const registered = tf.engine().registeredVariables;
    const flush = (this.iterations + 1) % SLOT_FLUSH_EVERY === 0;
    entries.forEach(([name, gradient], i) => {
      const variable = registered[name];
      if (!this.slots[i]) this.slots[i] = { name, shape: variable.shape, m: new Float32Array(variable.size), v: new Float32Array(variable.size) };
      if (gradient == null) return;
      const { m, v } = this.slots[i];
      const g = gradient.dataSync() as Float32Array;
      const w = variable.dataSync() as Float32Array;
      const out = new Float32Array(w.length);
      const { beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, negLearningRate } = this;
      for (let k = 0; k < w.length; k++) {
        const gk = g[k];
        const mk = f(f(m[k] * beta1) + f(gk * oneMinusBeta1));
        const vk = f(f(v[k] * beta2) + f(f(gk * gk) * oneMinusBeta2));
        const mHat = f(mk / c1);
        const vHat = f(vk / c2);
        out[k] = f(f(f(mHat / f(f(Math.sqrt(vHat)) + epsilon)) * negLearningRate) + w[k]);
        m[k] = flush && Math.abs(mk) < SLOT_FLUSH_THRESHOLD ? 0 : mk;
        v[k] = flush && Math.abs(vk) < SLOT_FLUSH_THRESHOLD ? 0 : vk;
      }
      tf.tidy(() => variable.assign(tf.tensor(out, variable.shape, 'float32')));
    });
    this.powBeta1 = f(this.powBeta1 * this.beta1);
    this.powBeta2 = f(this.powBeta2 * this.beta2);
    this.incrementIterations();
  }

  /** tfjs Adam's format: iterations, then `<variable>/m` for each variable, then `<variable>/v`. Caller disposes. */
  override async getWeights(): Promise<NamedTensor[]> {
    const firsts = this.slots.map((s) => ({ name: `${s.name}/m`, tensor: tf.tensor(s.m.slice(), s.shape) }));
    const seconds = this.slots.map((s) => ({ name: `${s.name}/v`, tensor: tf.tensor(s.v.slice(), s.shape) }));
    return [await this.saveIterations(), ...firsts, ...seconds];
  }

  /**
   * Loads slots saved by tfjs's Adam or by this class (same order: iterations, m's, v's). The
   * variables are those named in the slot names (`<variable>/m`); the bias-correction products are
   * redone in float32, step by step, so the next step equals that of an optimizer that never stopped.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const n = rest.length / 2;
    this.slots = rest.slice(0, n).map((w, i) => ({
      name: w.name.replace(/\/m$/, ''),
      shape: w.tensor.shape,
      m: Float32Array.from(w.tensor.dataSync()),
      v: Float32Array.from(rest[n + i].tensor.dataSync()),
    }));
    let p1 = this.beta1;
    let p2 = this.beta2;
    for (let i = 0; i < this.iterations; i++) {
      p1 = f(p1 * this.beta1);
      p2 = f(p2 * this.beta2);
    }
    this.powBeta1 = p1;
    this.powBeta2 = p2;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  override dispose(): void {
    this.slots = [];
  }
}
