/**
 * Property-based fuzzing of the command line's flag parsers (issue 13): every parser of
 * src/cli/flags.ts, alone and inside a commander command holding every `vaekit train` flag, on
 * arbitrary text returns a valid value or throws a UsageError, a CommanderError or a VaeError;
 * never a TypeError or RangeError. No command runs: the parsers are called directly, and commander
 * only parses.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Command, CommanderError, Option } from 'commander';
import fc from 'fast-check';
import { VaeError } from '../../src/errors.js';
import {
  attributeName,
  backendOption,
  flagName,
  int,
  intList,
  labelList,
  nameList,
  nativeOption,
  nonNegativeNumberFlag,
  positiveNumberFlag,
  sizeFlag,
  TRAIN_FLAGS,
} from '../../src/cli/flags.js';
import { UsageError } from '../../src/cli/io.js';

const SEED = 13;

/** Flag values: numbers in every spelling, the non-finite ones, lists, sizes, words, and any text. */
const value = fc.oneof(
  fc.constantFrom('-1', '0', '-0', '1', '1.5', ' 3 ', '', ' ', 'NaN', 'Inf', 'Infinity', '-Infinity', '1e309', '1e-400', 'abc', '0x10', '1e3', '+2', '2.'),
  fc.constantFrom('9007199254740993', '1e21', '99999999999999999999', '1,2', '1,,2', ',', '200, 200', '32x32', '0x0', '3×4', 'learned', 'learned-diag'),
  fc.constantFrom('vae', 'mlp', 'conv', 'gaussian', 'bernoulli', 'wasm', 'auto', '__proto__', 'constructor', 'toString'),
  fc.integer().map(String),
  fc.double().map(String),
  fc.array(fc.integer({ min: -3, max: 300 }), { minLength: 1, maxLength: 4 }).map((a) => a.join(',')),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);

/** Runs `fn`; an error that is not one of the CLI's own fails the property (and is shrunk by fast-check). */
function parsedOrUsageError<T>(fn: () => T, check: (v: T) => void): void {
  let v: T;
  try {
    v = fn();
  } catch (err) {
    if (err instanceof UsageError || err instanceof CommanderError || err instanceof VaeError) return;
    throw err;
  }
  check(v);
}

/** A parsed flag value: a finite number, a non-empty word, or a non-empty list of these. */
const sound = (v: unknown): boolean =>
  (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v !== '') || (Array.isArray(v) && v.length > 0 && v.every(sound));

const isInt = (v: unknown, min: number) => typeof v === 'number' && Number.isInteger(v) && v >= min;

describe('flag parsers (fuzzed)', () => {
  test('each parser returns a value of its kind or throws a UsageError', () => {
    const parsers: Array<[string, (raw: string) => unknown, (v: unknown) => boolean]> = [
      ['int ≥ 0', int('--seed', 0), (v) => isInt(v, 0)],
      ['int ≥ 1', int('--epochs', 1), (v) => isInt(v, 1)],
      ['positive number', positiveNumberFlag('--lr'), (v) => typeof v === 'number' && Number.isFinite(v) && v > 0],
      ['number ≥ 0', nonNegativeNumberFlag('--beta'), (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0],
      ['int list', intList('--hidden'), (v) => Array.isArray(v) && v.length > 0 && v.every((e) => isInt(e, 1))],
      ['label list', labelList('--include-labels'), (v) => Array.isArray(v) && v.length > 0 && v.every((e) => isInt(e, 0))],
      ['name list', nameList('--columns'), (v) => Array.isArray(v) && v.length > 0 && v.every((e) => typeof e === 'string' && e !== '' && e.trim() === e)],
      ['size', sizeFlag('--resize'), (v) => Array.isArray(v) && v.length === 2 && v.every((e) => isInt(e, 1))],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...parsers), value, ([name, parse, valid], raw) =>
        parsedOrUsageError(
          () => parse(raw),
          (v) => assert.ok(valid(v), `${name} on '${raw}' returned ${JSON.stringify(v)}`),
        ),
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });

  test("every train flag's parser returns a finite number, a non-empty word or list, or throws a UsageError", () => {
    const withParser = TRAIN_FLAGS.filter((f) => f.parse);
    fc.assert(
      fc.property(fc.constantFrom(...withParser), value, (f, raw) =>
        parsedOrUsageError(
          () => f.parse!(raw),
          (v) => assert.ok(sound(v), `${flagName(f)} '${raw}' returned ${JSON.stringify(v)}`),
        ),
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });

  test('a train command line of any flags and values parses or throws a UsageError or CommanderError', () => {
    const names = TRAIN_FLAGS.map(flagName);
    const extra = [backendOption(), nativeOption()].filter((o) => !names.includes(o.long!));
    const flags = [...names, ...extra.map((o) => o.long!), '--unknown', '-x', '--'];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...flags), value), { maxLength: 4 }), fc.boolean(), (pairs, dangling) => {
        const cmd = new Command('train').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
        for (const f of TRAIN_FLAGS) {
          const option = new Option(f.flags, f.description);
          cmd.addOption(f.parse ? option.argParser(f.parse) : option);
        }
        for (const o of [backendOption(), nativeOption()]) if (!names.includes(o.long!)) cmd.addOption(o);
        cmd.action(() => {});
        const argv = pairs.flat();
        if (dangling && pairs.length > 0) argv.pop(); // the last flag without its value
        parsedOrUsageError(
          () => cmd.parse(argv, { from: 'user' }),
          (c) => {
            const opts = c.opts();
            for (const f of TRAIN_FLAGS.filter((f) => f.parse && opts[attributeName(f)] !== undefined)) {
              assert.ok(sound(opts[attributeName(f)]), `${flagName(f)} parsed to ${JSON.stringify(opts[attributeName(f)])}`);
            }
          },
        );
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
