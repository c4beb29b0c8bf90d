/**
 * The one place where values are checked: rules (what a value must be, in words, and a test), and
 * `check`, which returns the value or throws a ConfigError naming the setting, what was expected and
 * what was given. Library configs (`resolve*` functions) and the CLI's flag parsers both use these
 * rules, so a value is judged, and described, the same way everywhere.
 *
 *   check('training.epochs', 0, intAtLeast(1))
 *   → ConfigError "training.epochs: expected an integer ≥ 1, got 0"
 */
import { ConfigError, setting } from './errors.js';

/** What a value must be: a description for messages ("an integer ≥ 1") and the test. */
export interface Rule<T> {
  /** The expectation in words, after "expected": 'an integer ≥ 1', 'one of wasm, cpu'. */
  readonly what: string;
  /** The same for several values, for lists: 'positive integers'. */
  readonly plural: string;
  test(v: unknown): v is T;
}

function rule<T>(what: string, plural: string, test: (v: unknown) => boolean): Rule<T> {
  return Object.freeze({ what, plural, test: test as (v: unknown) => v is T });
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** An integer a float64 holds exactly (|v| ≤ 2⁵³ − 1): a larger one was rounded when it was parsed. */
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** Any integer (a seed). */
export const integer: Rule<number> = rule('an integer', 'integers', isInt);

/** An integer ≥ min; `intAtLeast(1)` is a count that cannot be zero. */
export function intAtLeast(min: number): Rule<number> {
  return rule(`an integer ≥ ${min}`, min === 1 ? 'positive integers' : `integers ≥ ${min}`, (v) => isInt(v) && v >= min);
}

/** An integer in [min, max]. */
export function intBetween(min: number, max: number): Rule<number> {
  return rule(`an integer in [${min}, ${max}]`, `integers in [${min}, ${max}]`, (v) => isInt(v) && v >= min && v <= max);
}

/** A finite number > 0. */
export const positiveNumber: Rule<number> = rule('a positive number', 'positive numbers', (v) => isNumber(v) && v > 0);

/** A finite number ≥ 0. */
export const nonNegativeNumber: Rule<number> = rule('a number ≥ 0', 'numbers ≥ 0', (v) => isNumber(v) && v >= 0);

/** Any finite number. */
export const finiteNumber: Rule<number> = rule('a finite number', 'finite numbers', isNumber);

/** One of the given strings. */
export function oneOf<T extends string>(choices: readonly T[]): Rule<T> {
  return rule(`one of ${choices.join(', ')}`, `values among ${choices.join(', ')}`, (v) => typeof v === 'string' && (choices as readonly string[]).includes(v));
}

/** A non-empty string. */
export const nonEmptyString: Rule<string> = rule('a non-empty string', 'non-empty strings', (v) => typeof v === 'string' && v.length > 0);

/** A boolean. */
export const boolean: Rule<boolean> = rule('true or false', 'booleans', (v) => typeof v === 'boolean');

/** A non-empty array whose every element passes `element`. */
export function listOf<T>(element: Rule<T>): Rule<T[]> {
  return rule(
    `a non-empty list of ${element.plural}`,
    `lists of ${element.plural}`,
    (v) => Array.isArray(v) && v.length > 0 && v.every((e) => element.test(e)),
  );
}

/** `inner`, or null. */
export function nullable<T>(inner: Rule<T>): Rule<T | null> {
  return rule(`${inner.what} or null`, `${inner.plural} or nulls`, (v) => v === null || inner.test(v));
}

/** A value for messages: JSON where it can be written so, else its string form. */
export function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v); // JSON would write NaN and ±Infinity as null
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * The value if it passes `r`, else a ConfigError `field: expected <r.what>, got <value>`.
 * @param field - the setting's path or option name, e.g. 'training.epochs' or 'numSamples'
 * @throws ConfigError naming the field, the expectation and the value
 */
export function check<T>(field: string, value: unknown, r: Rule<T>): T {
  if (!r.test(value)) throw new ConfigError(`${setting(field)}: expected ${r.what}, got ${shown(value)}`);
  return value;
}

/** `check` when the value is given, else the default (which is not checked). */
export function checkOr<T>(field: string, value: unknown, r: Rule<T>, fallback: T): T {
  return value === undefined ? fallback : check(field, value, r);
}

/**
 * Throws a ConfigError `field: expected <what>, got <value>` unless `ok`; for conditions no rule
 * states, such as one value bounded by another.
 */
export function expectThat(ok: boolean, field: string, what: string, value: unknown): void {
  if (!ok) throw new ConfigError(`${setting(field)}: expected ${what}, got ${shown(value)}`);
}

/** Throws a ConfigError naming keys of `obj` outside `known`, e.g. a misspelt option. */
export function checkKnownKeys(where: string, obj: object, known: readonly string[]): void {
  const unknown = Object.keys(obj).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    throw new ConfigError(
      `${setting(where)}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; expected some of ${known.join(', ')}`,
    );
}
