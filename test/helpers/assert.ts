/**
 * Test helpers: numpy-style closeness with a shape check first, and a tensor-leak check.
 * Unlike tfjs's own helper, NaN and ±Inf are never "close" to anything unless `equalNan` is set.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, DataError } from '../../src/errors.js';

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  equalNan?: boolean;
  message?: string;
}

type Numeric = number | ArrayLike<number> | tf.Tensor | number[][];

function toFlat(v: Numeric): { shape: number[]; values: Float64Array } {
  if (v instanceof tf.Tensor) return { shape: v.shape, values: Float64Array.from(v.dataSync()) };
  if (typeof v === 'number') return { shape: [], values: Float64Array.of(v) };
  if (Array.isArray(v) && v.length > 0 && Array.isArray(v[0])) {
    const rows = v as number[][];
    return { shape: [rows.length, rows[0].length], values: Float64Array.from(rows.flat()) };
  }
  const a = v as ArrayLike<number>;
  return { shape: [a.length], values: Float64Array.from(a) };
}

/** |actual − expected| ≤ atol + rtol·|expected| elementwise (numpy.allclose), shapes equal first. */
export function assertAllClose(actual: Numeric, expected: Numeric, opts: CloseOptions = {}): void {
  const { rtol = 1e-5, atol = 1e-8, equalNan = false, message = '' } = opts;
  const a = toFlat(actual);
  const e = toFlat(expected);
  const sizeA = a.values.length;
  const sizeE = e.values.length;
  if (!(actual instanceof tf.Tensor && expected instanceof tf.Tensor)) {
    assert.equal(sizeA, sizeE, `${message} size: expected ${sizeE}, got ${sizeA}`);
  } else {
    assert.deepEqual(a.shape, e.shape, `${message} shape: expected [${e.shape}], got [${a.shape}]`);
  }
  for (let i = 0; i < sizeA; i++) {
    const x = a.values[i];
    const y = e.values[i];
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (equalNan && Number.isNaN(x) && Number.isNaN(y)) continue;
      assert.fail(`${message} element ${i}: expected ${y}, got ${x} (NaN is never close)`);
    }
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (x === y && equalNan) continue;
      assert.fail(`${message} element ${i}: expected ${y}, got ${x} (non-finite)`);
    }
    const tol = atol + rtol * Math.abs(y);
    if (Math.abs(x - y) > tol) {
      assert.fail(`${message} element ${i}: expected ${y}, got ${x} (|diff| ${Math.abs(x - y)} > tol ${tol})`);
    }
  }
}

/** Runs `fn` and fails if it leaves more tensors alive than it found (its return value excluded). */
export async function assertNoTensorLeak<T>(fn: () => T | Promise<T>, message = 'tensor leak'): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  const returned = countTensors(out);
  const after = tf.memory().numTensors;
  assert.equal(after - returned, before, `${message}: ${after - returned - before} tensors leaked`);
  return out;
}

function countTensors(v: unknown): number {
  if (v instanceof tf.Tensor) return 1;
  if (Array.isArray(v)) return v.reduce((s: number, x) => s + countTensors(x), 0);
  if (v && typeof v === 'object') return Object.values(v).reduce((s: number, x) => s + countTensors(x), 0);
  return 0;
}

/** Asserts that `fn` throws a DataError whose message matches every pattern. */
export function assertDataError(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected a DataError, got ${String(err)}`);
    for (const p of patterns) assert.match(err.message, p);
    return true;
  });
}

/**
 * Asserts that `p` (a promise, or a function that throws) fails with a CheckpointError whose message
 * matches every pattern.
 */
export async function assertCheckpointError(p: Promise<unknown> | (() => unknown), ...patterns: RegExp[]): Promise<void> {
  const check = (e: unknown) => {
    assert.ok(e instanceof CheckpointError, `expected a CheckpointError, got ${String(e)}`);
    for (const re of patterns) assert.match(e.message, re);
    return true;
  };
  if (typeof p === 'function') assert.throws(p, check);
  else await assert.rejects(p, check);
}
