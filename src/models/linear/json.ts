/**
 * Reading saved linear models back: the tag and version check every `fromJSON` starts with, and
 * typed readers for their fields. Every failure is a CheckpointError `where: expected …, got …`.
 * Numbers are saved as plain JSON numbers, which round-trip float64 values exactly.
 */
import { CheckpointError } from '../../errors.js';
import { LINEAR_MODEL_VERSION, type LinearModelKind } from './linear-model.js';

/** A saved object after its tag and version were checked. */
export type JsonRecord = Record<string, unknown>;

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return JSON.stringify(v) ?? String(v);
}

/**
 * Checks that `json` is an object tagged `kind` with format `version` 1.
 * @returns the object, for the field readers below
 * @throws CheckpointError when it is not an object, or the kind or version differ
 */
export function checkTag(json: unknown, kind: LinearModelKind): JsonRecord {
  const where = `linear model '${kind}'`;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CheckpointError(`${where}: expected a JSON object, got ${describe(json)}`);
  }
  const rec = json as JsonRecord;
  if (rec.kind !== kind) throw new CheckpointError(`${where}: expected kind '${kind}', got ${describe(rec.kind)}`);
  if (rec.version !== LINEAR_MODEL_VERSION) {
    throw new CheckpointError(`${where}: expected format version ${LINEAR_MODEL_VERSION}, got ${describe(rec.version)}`);
  }
  return rec;
}

/** An integer field >= min. @throws CheckpointError */
export function readInt(rec: JsonRecord, field: string, min: number): number {
  const v = rec[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new CheckpointError(`linear model '${String(rec.kind)}': expected ${field} to be an integer >= ${min}, got ${describe(v)}`);
  }
  return v;
}

/** A finite number field, > 0 when `positive`. @throws CheckpointError */
export function readNumber(rec: JsonRecord, field: string, positive = false): number {
  const v = rec[field];
  if (typeof v !== 'number' || !Number.isFinite(v) || (positive && v <= 0)) {
    throw new CheckpointError(`linear model '${String(rec.kind)}': expected ${field} to be a ${positive ? 'positive ' : ''}finite number, got ${describe(v)}`);
  }
  return v;
}

/** A string field from `choices`. @throws CheckpointError */
export function readChoice<T extends string>(rec: JsonRecord, field: string, choices: readonly T[]): T {
  const v = rec[field];
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new CheckpointError(`linear model '${String(rec.kind)}': expected ${field} to be one of ${choices.join(', ')}, got ${describe(v)}`);
  }
  return v as T;
}

/**
 * An array field of `length` finite numbers (all > 0 when `positive`), as a Float64Array.
 * @throws CheckpointError for a wrong type, length or value
 */
export function readArray(rec: JsonRecord, field: string, length: number, positive = false): Float64Array {
  const v = rec[field];
  const where = `linear model '${String(rec.kind)}'`;
  if (!Array.isArray(v) || v.length !== length) {
    throw new CheckpointError(`${where}: expected ${field} to be an array of ${length} numbers, got ${describe(v)}`);
  }
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const e: unknown = v[i];
    if (typeof e !== 'number' || !Number.isFinite(e) || (positive && e <= 0)) {
      throw new CheckpointError(`${where}: expected ${field}[${i}] to be a ${positive ? 'positive ' : ''}finite number, got ${describe(e)}`);
    }
    out[i] = e;
  }
  return out;
}

/** The optional EM report of a saved model (`history`, `converged`). @throws CheckpointError */
export function readEmReport(rec: JsonRecord): { history: number[]; converged: boolean } | undefined {
  if (rec.history === undefined) return undefined;
  const h = rec.history;
  if (!Array.isArray(h) || !h.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new CheckpointError(`linear model '${String(rec.kind)}': expected history to be an array of finite numbers, got ${describe(h)}`);
  }
  if (typeof rec.converged !== 'boolean') {
    throw new CheckpointError(`linear model '${String(rec.kind)}': expected converged to be a boolean, got ${describe(rec.converged)}`);
  }
  return { history: [...(h as number[])], converged: rec.converged };
}
