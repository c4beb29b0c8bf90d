/**
 * A conditional run's condition c [C] as the class picker edits it: the one-hot of a class label
 * (condition kind 'label'), or condition columns given in raw units and z-scored as the model saw
 * them in training (kind 'columns'; src/models/description.ts ConditionDescription):
 *   c_j = (raw_j / scale − mean_j) / std_j,   raw_j = (c_j · std_j + mean_j) · scale
 */
import { modelUnits, rawUnits, type ZScoreStats } from 'vaekit';

/**
 * The one-hot of class k among n classes.
 * @returns [n] with 1 at k
 * @throws Error when k is not an integer in 0 … n − 1
 */
export function oneHot(k: number, n: number): Float32Array {
  if (!Number.isInteger(k) || k < 0 || k >= n) throw new Error(`oneHot: expected a class in 0 … ${n - 1}, got ${k}`);
  const c = new Float32Array(n);
  c[k] = 1;
  return c;
}

/** The index of the largest value (the class of a one-hot; the first of ties); -1 for an empty vector. */
export function argMax(v: ArrayLike<number>): number {
  let best = -1;
  for (let i = 0; i < v.length; i++) if (best < 0 || v[i] > v[best]) best = i;
  return best;
}

/**
 * Condition columns in model units from raw values: c_j = (raw_j / scale − mean_j) / std_j
 * (vaekit's `modelUnits`, as the CLI's `--condition col=v`).
 * @param raw - [C] in the data's raw units
 * @param standardization - the condition columns' z-score transform (mean, std [C])
 * @param scale - raw values were divided by this before standardisation
 * @returns c [C]
 */
export function conditionFromRaw(raw: ArrayLike<number>, standardization: ZScoreStats, scale: number): Float32Array {
  return Float32Array.from(modelUnits(raw, standardization, scale));
}

/** Raw values of condition columns in model units: raw_j = (c_j · std_j + mean_j) · scale (vaekit's `rawUnits`); the inverse of {@link conditionFromRaw}. */
export function rawFromCondition(c: ArrayLike<number>, standardization: ZScoreStats, scale: number): Float64Array {
  return rawUnits(c, standardization, scale);
}
