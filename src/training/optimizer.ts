/**
 * The optimizer: Adam with PyTorch's defaults, and a restore that continues bit-for-bit.
 */
import * as tf from '@tensorflow/tfjs';

/** Adam's slots as tfjs names them: iterations, then first and second moments per variable. */
export type OptimizerWeights = Awaited<ReturnType<tf.Optimizer['getWeights']>>;

/** One variable's share of an Adam step: its value, gradient and two moment slots (same shape). */
export interface AdamSlot {
  value: tf.Variable;
  gradient: tf.Tensor;
  firstMoment: tf.Variable;
  secondMoment: tf.Variable;
}

/**
 * The float32 constants of one Adam step, rounded as tfjs's AdamOptimizer rounds them:
 * β₁, 1−β₁, β₂, 1−β₂, 1−β₁ᵗ, 1−β₂ᵗ, ε and −learning rate.
 */
export interface AdamScalars {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
  epsilon: number;
  negLearningRate: number;
}

/**
 * Applies one Adam step to every slot in place, with tfjs's arithmetic, and returns true; or
 * returns false, having written nothing, when it cannot (then tfjs's own ops run). Registered by
 * an environment that has a faster route (vaekit's native addon on Node: src/node/native-kernels.ts).
 */
export type InPlaceAdamUpdate = (slots: AdamSlot[], scalars: AdamScalars) => boolean;

let inPlaceAdamUpdate: InPlaceAdamUpdate | null = null;

/**
 * Sets every element of magnitude below `threshold` (a float32 value) of each slot to +0 in place,
 * as `tf.where(tf.less(tf.abs(v), threshold), tf.zerosLike(v), v)` would, and returns true; or
 * returns false, having written nothing, when it cannot (then tfjs's ops run). Registered by an
 * environment with a faster route (the native addon on Node: src/node/compute/native-kernels.ts).
 */
export type InPlaceSlotFlush = (slots: tf.Variable[], threshold: number) => boolean;

let inPlaceSlotFlush: InPlaceSlotFlush | null = null;

/** Sets (or clears, with null) the in-place flush that {@link flushTinySlots} tries first. */
export function setInPlaceSlotFlush(flush: InPlaceSlotFlush | null): void {
  inPlaceSlotFlush = flush;
}

/** Sets (or clears, with null) the in-place Adam update that {@link makeOptimizer}'s optimizers try first. */
export function setInPlaceAdamUpdate(update: InPlaceAdamUpdate | null): void {
  inPlaceAdamUpdate = update;
}

interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
}

/**
 * tfjs's AdamOptimizer, whose step goes through the registered in-place update when there is one
 * (one pass over each variable instead of ~15 elementwise kernels). Slots, names, serialisation,
 * getWeights/setWeights and the numbers are tfjs's: the update must reproduce them bit for bit.
 */
type VariableGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

/**
 * β^(t+1) as tfjs's Adam holds it after t steps: β in float32, multiplied by β in float32 after
 * every step (a running product, not pow(β, t + 1), which differs in the last bit at some t).
 */
function accumulatedPower(beta: number, iterations: number): number {
  const b = Math.fround(beta);
  let p = b;
  for (let i = 0; i < iterations; i++) p = Math.fround(p * b);
  return p;
}

class VaekitAdam extends tf.AdamOptimizer {
  /** β₁^(t+1), β₂^(t+1) of step t = `iterations`, mirrored in JavaScript so a step never reads the device. */
  private acc = { iterations: 0, beta1: Math.fround(this.beta1), beta2: Math.fround(this.beta2) };

  /** The accumulated powers at the current step, advanced from the mirror's step (or recomputed after a restore). */
  private accumulated(): { beta1: number; beta2: number } {
    const t = this.iterations;
    if (t < this.acc.iterations) this.acc = { iterations: t, beta1: accumulatedPower(this.beta1, t), beta2: accumulatedPower(this.beta2, t) };
    while (this.acc.iterations < t) {
      this.acc.beta1 = Math.fround(this.acc.beta1 * Math.fround(this.beta1));
      this.acc.beta2 = Math.fround(this.acc.beta2 * Math.fround(this.beta2));
      this.acc.iterations++;
    }
    return this.acc;
  }

  /**
   * tfjs's setWeights, then β₁ᵗ and β₂ᵗ set to the running products a never-stopped optimizer holds
   * (tfjs recomputes them with one pow(), off by one ulp at some t), so the next steps are bit-identical.
   */
  override async setWeights(weightValues: OptimizerWeights): Promise<void> {
    await super.setWeights(weightValues);
    const self = this as unknown as AdamInternals;
    const t = this.iterations;
    this.acc = { iterations: t, beta1: accumulatedPower(this.beta1, t), beta2: accumulatedPower(this.beta2, t) };
    tf.tidy(() => {
      self.accBeta1.assign(tf.scalar(this.acc.beta1));
      self.accBeta2.assign(tf.scalar(this.acc.beta2));
    });
  }

  override applyGradients(variableGradients: VariableGradients): void {
    const update = inPlaceAdamUpdate;
    if (update == null) return super.applyGradients(variableGradients);
    const self = this as unknown as AdamInternals;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const slots: AdamSlot[] = [];
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      // The slots as tfjs creates them (same names and order), so checkpoints read the same.
      self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      const gradient: tf.Tensor | undefined = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (gradient == null) return;
      slots.push({ value, gradient, firstMoment: self.accumulatedFirstMoment[i]!.variable, secondMoment: self.accumulatedSecondMoment[i]!.variable });
    });
    const acc = this.accumulated();
    const scalars: AdamScalars = {
      beta1: Math.fround(this.beta1),
      oneMinusBeta1: Math.fround(1 - this.beta1),
      beta2: Math.fround(this.beta2),
      oneMinusBeta2: Math.fround(1 - this.beta2),
      oneMinusAccBeta1: Math.fround(1 - acc.beta1),
      oneMinusAccBeta2: Math.fround(1 - acc.beta2),
      epsilon: Math.fround(this.epsilon),
      negLearningRate: Math.fround(-this.learningRate),
    };
    if (!update(slots, scalars)) return super.applyGradients(variableGradients);
    tf.tidy(() => {
      self.accBeta1.assign(tf.mul(self.accBeta1, this.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}

/**
 * Adam with PyTorch's defaults (β₁ 0.9, β₂ 0.999, ε 1e-8): tfjs's AdamOptimizer, stepping through the
 * registered in-place update when there is one ({@link setInPlaceAdamUpdate}). Caller disposes.
 */
export function makeOptimizer(learningRate: number): tf.Optimizer {
  return new VaekitAdam(learningRate, 0.9, 0.999, 1e-8);
}

/**
 * Loads saved slots into an optimizer so that the next steps equal, bit for bit, those of an
 * optimizer that never stopped ({@link makeOptimizer}'s Adam restores β₁ᵗ and β₂ᵗ as running products;
 * test/core/training.test.ts guards it).
 */
export async function restoreOptimizer(optimizer: tf.Optimizer, weights: OptimizerWeights): Promise<void> {
  await optimizer.setWeights(weights);
}

/** Adam slots below this magnitude are flushed to zero by {@link flushTinySlots}. */
export const SLOT_FLUSH_THRESHOLD = 1e-30;

/** Steps between two flushes; fewer than the ~175 steps Adam's β₁ decay needs to take 1e-30 down to a denormal. */
export const SLOT_FLUSH_EVERY = 20;

/**
 * Sets Adam's moment estimates of magnitude below 1e-30 to exactly zero.
 *
 * Why: a weight whose gradient stays zero (a dead ReLU unit, an input pixel that is always 0 in a
 * batch) has its first moment m decay by β₁ = 0.9 every step, into float32's denormal range
 * (< 1.18e-38) within a few hundred steps. WebAssembly on x86 has no flush-to-zero mode, and
 * arithmetic on denormals is about 100× slower: after 3 MNIST epochs a quarter of the encoder's
 * first-layer m entries were denormal and epochs ran about 30% slower than the first. A slot below
 * 1e-30 moves its weight by at most lr·1e-30/ε ≈ 1e-25, so flushing it changes no result that
 * float32 can show; doing it on a fixed schedule of the optimizer's step count keeps runs
 * deterministic and resumes exact.
 * (Reaches into AdamOptimizer's accumulated moments; a no-op for other optimizers. Goes through the
 * registered in-place flush when there is one: on the canonical MNIST model tfjs's five kernels over
 * every slot took about 12 ms, 0.6 ms a training step averaged over the 20; the native pass about 0.5 ms.)
 */
export function flushTinySlots(optimizer: tf.Optimizer, threshold = SLOT_FLUSH_THRESHOLD): void {
  const adam = optimizer as unknown as {
    accumulatedFirstMoment?: Array<{ variable: tf.Variable }>;
    accumulatedSecondMoment?: Array<{ variable: tf.Variable }>;
  };
  const slots = [...(adam.accumulatedFirstMoment ?? []), ...(adam.accumulatedSecondMoment ?? [])].filter((s) => s != null);
  const variables = slots.map((s) => s.variable);
  if (inPlaceSlotFlush?.(variables, Math.fround(threshold))) return;
  tf.tidy(() => {
    for (const variable of variables) {
      variable.assign(tf.where(tf.less(tf.abs(variable), threshold), tf.zerosLike(variable), variable));
    }
  });
}
