/**
 * The `--condition` flag of the commands on a conditional run (sample, traverse, map): a class
 * (`--condition 7`, a run conditioned on the class label) or the condition columns' values in raw
 * units (`--condition age=40,sex=1`, a run conditioned on table columns). The run checks the value
 * against its condition (src/node/runs/conditions.ts).
 */
import { Option } from 'commander';
import type { ConditionValue } from '../node/runs/conditions.js';
import { UsageError } from './io.js';

/**
 * Parses a condition: an integer class, or name=value pairs separated by commas.
 * @throws UsageError naming --condition and the text
 */
export function parseCondition(raw: string): ConditionValue {
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const pairs = text.split(',').map((p) => p.split('='));
  const values: Record<string, number> = {};
  for (const p of pairs) {
    const name = p[0]?.trim() ?? '';
    const value = p.length === 2 && p[1].trim() !== '' ? Number(p[1]) : NaN;
    if (p.length !== 2 || name === '' || !Number.isFinite(value) || name in values) {
      throw new UsageError(`--condition: expected a class (an integer ≥ 0) or column values name=value separated by commas, got '${raw}'`);
    }
    values[name] = value;
  }
  return values;
}

/** The `--condition` option, described for `what` (e.g. 'every sample'). */
export function conditionOption(what: string): Option {
  return new Option(
    '--condition <class|name=value,…>',
    `a conditional run: the condition of ${what}, a class (e.g. 7) or the condition columns' values in raw units (e.g. age=40,sex=1)`,
  ).argParser(parseCondition);
}
