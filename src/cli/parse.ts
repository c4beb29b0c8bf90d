/** Flag value parsers shared by the commands: each names the flag and the bad value. */
import { UsageError } from './io.js';

export function int(flag: string, min = 0) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || n < min) throw new UsageError(`${flag}: expected an integer ≥ ${min}, got '${v}'`);
    return n;
  };
}

export function positiveNumber(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag}: expected a positive number, got '${v}'`);
    return n;
  };
}

export function nonNegativeNumber(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag}: expected a number ≥ 0, got '${v}'`);
    return n;
  };
}

export function intList(flag: string) {
  return (v: string): number[] => {
    const parts = v.split(',').map((s) => s.trim());
    if (parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1)) throw new UsageError(`${flag}: expected positive integers separated by commas, got '${v}'`);
    return parts.map(Number);
  };
}

export function oneOf<T extends string>(flag: string, values: readonly T[]) {
  return (v: string): T => {
    if (!values.includes(v as T)) throw new UsageError(`${flag}: expected one of ${values.join(', ')}, got '${v}'`);
    return v as T;
  };
}

/** A comma-separated list of non-empty names, e.g. CSV columns 'crim,rm,medv'. */
export function nameList(flag: string) {
  return (v: string): string[] => {
    const parts = v.split(',').map((s) => s.trim());
    if (parts.some((p) => p === '')) throw new UsageError(`${flag}: expected names separated by commas, got '${v}'`);
    return parts;
  };
}
