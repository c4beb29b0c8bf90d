/**
 * Schedules of the KL weight β: serialisable configs (saved with a run) whose value is a pure
 * function of the global step, so a resumed run weighs every step exactly as the uninterrupted run
 * did, and worker threads get the step's β with the step. A new schedule (linear warm-up, cyclical
 * annealing) is a config kind and one entry in {@link SCHEDULES}.
 */
import { ConfigError, setting } from '../errors.js';
import { check, checkKnownKeys, checkOr, intAtLeast, nonNegativeNumber, oneOf, positiveNumber } from '../validate.js';

/**
 * β as a function of the step, tagged by `kind`.
 * - `constant`: β = value at every step.
 * - `linear`: KL warm-up, β rising linearly from `start` to `end` over the first `epochs` epochs, then
 *   `end` (Bowman et al. 2016; Sønderby et al. 2016; start 0.1 as in He et al. 2019).
 * - `cyclical`: cyclical annealing (Fu et al. 2019): the `epochs` of training cut into `cycles`
 *   cycles; in each, β rises linearly from `start` to `end` over the first `ratio` of the cycle and
 *   stays at `end` for the rest. Steps past `epochs` continue the cycles.
 */
export type KlSchedule =
  | { kind: 'constant'; value: number }
  | { kind: 'linear'; start: number; end: number; epochs: number }
  | { kind: 'cyclical'; start: number; end: number; cycles: number; ratio: number; epochs: number };

/** Defaults of the schedules' settings (the papers' values). */
export const SCHEDULE_DEFAULTS = Object.freeze({
  /** He et al. 2019 warm β up from 0.1. */
  warmupStart: 0.1,
  /** Fu et al. 2019: M = 4 cycles, R = 0.5, from 0. */
  cycles: 4,
  ratio: 0.5,
  cyclicalStart: 0,
});

/** Where the schedule is evaluated: the global step (0-based over all epochs) and the epoch's length. */
export interface ScheduleStep {
  step: number;
  stepsPerEpoch: number;
}

interface ScheduleEntry<S extends KlSchedule> {
  resolve(s: S, field: string): S;
  value(s: S, at: ScheduleStep): number;
}

/** The fraction t ∈ [0, 1] of a ramp of `length` steps done at `step` (the first step is t = 0). */
const ramp = (step: number, length: number) => (length <= 0 ? 1 : Math.min(1, step / length));

const SCHEDULES: { [K in KlSchedule['kind']]: ScheduleEntry<Extract<KlSchedule, { kind: K }>> } = {
  constant: {
    resolve: (s, field) => {
      checkKnownKeys(field, s, ['kind', 'value']);
      return { kind: 'constant', value: check(`${field}.value`, s.value, nonNegativeNumber) };
    },
    value: (s) => s.value,
  },
  linear: {
    resolve: (s, field) => {
      checkKnownKeys(field, s, ['kind', 'start', 'end', 'epochs']);
      return {
        kind: 'linear',
        start: checkOr(`${field}.start`, s.start, nonNegativeNumber, SCHEDULE_DEFAULTS.warmupStart),
        end: checkOr(`${field}.end`, s.end, nonNegativeNumber, 1),
        epochs: check(`${field}.epochs`, s.epochs, positiveNumber),
      };
    },
    value: (s, at) => s.start + (s.end - s.start) * ramp(at.step, s.epochs * at.stepsPerEpoch),
  },
  cyclical: {
    resolve: (s, field) => {
      checkKnownKeys(field, s, ['kind', 'start', 'end', 'cycles', 'ratio', 'epochs']);
      const ratio = checkOr(`${field}.ratio`, s.ratio, positiveNumber, SCHEDULE_DEFAULTS.ratio);
      if (ratio > 1) throw new ConfigError(`${setting(`${field}.ratio`, ratio)}: expected the share of each cycle spent rising, a number in (0, 1]`);
      return {
        kind: 'cyclical',
        start: checkOr(`${field}.start`, s.start, nonNegativeNumber, SCHEDULE_DEFAULTS.cyclicalStart),
        end: checkOr(`${field}.end`, s.end, nonNegativeNumber, 1),
        cycles: checkOr(`${field}.cycles`, s.cycles, intAtLeast(1), SCHEDULE_DEFAULTS.cycles),
        ratio,
        epochs: check(`${field}.epochs`, s.epochs, positiveNumber),
      };
    },
    value: (s, at) => {
      const cycle = (s.epochs * at.stepsPerEpoch) / s.cycles; // steps per cycle, T / M
      const tau = cycle <= 0 ? 1 : (at.step % cycle) / cycle; // position in the cycle, [0, 1)
      return s.start + (s.end - s.start) * Math.min(1, tau / s.ratio);
    },
  },
};

/** The kinds of schedule: 'constant', 'linear', 'cyclical'. */
export const SCHEDULE_KINDS = Object.keys(SCHEDULES) as KlSchedule['kind'][];

/**
 * A schedule from its config, or from a number (a constant β).
 * @param field - where it sits, for messages (e.g. 'training.beta')
 * @throws ConfigError naming the bad field and value
 */
export function resolveKlSchedule(beta: number | KlSchedule, field = 'beta'): KlSchedule {
  if (typeof beta !== 'object' || beta === null) return { kind: 'constant', value: check(field, beta, nonNegativeNumber) };
  const kind = check(`${field}.kind`, beta.kind, oneOf(SCHEDULE_KINDS));
  return (SCHEDULES[kind] as ScheduleEntry<KlSchedule>).resolve(beta, field);
}

/** The schedule shorthand of the training options (what the CLI's --kl-warmup, --beta-start, --kl-cycles, --kl-ratio set). */
export interface KlScheduleShorthand {
  /** Linear warm-up over this many epochs (from `betaStart`, default 0.1, to β). */
  klWarmup?: number;
  /** Where a warm-up or each annealing cycle starts (default 0.1 for a warm-up, 0 for cycles). */
  betaStart?: number;
  /** Cyclical annealing with this many cycles over the run's epochs (default 4 when `klRatio` is given). */
  klCycles?: number;
  /** The share of each cycle over which β rises (default 0.5). */
  klRatio?: number;
}

/**
 * The schedule that β and the shorthand describe: a constant β, a warm-up to β, or cycles up to β.
 * @param beta - a number (β, the final value) or a full schedule (then no shorthand may be given)
 * @param epochs - the run's epochs, the length of a cyclical schedule
 * @param at - names a setting for messages ('training.klWarmup')
 * @throws ConfigError for a shorthand with a full schedule, a warm-up with cycles, or betaStart alone
 */
export function scheduleFromShorthand(beta: number | KlSchedule | undefined, s: KlScheduleShorthand, epochs: number, at: (name: string) => string): KlSchedule {
  const given = (Object.keys(s) as (keyof KlScheduleShorthand)[]).filter((k) => s[k] !== undefined);
  if (given.length === 0) return resolveKlSchedule(beta ?? 1, at('beta'));
  if (typeof beta === 'object' && beta !== null) {
    throw new ConfigError(`${setting(at(given[0]))}: give either a β schedule in ${setting(at('beta'))} or the shorthand, not both`);
  }
  const end = check(at('beta'), beta ?? 1, nonNegativeNumber);
  const isCyclical = s.klCycles !== undefined || s.klRatio !== undefined;
  if (isCyclical && s.klWarmup !== undefined) {
    throw new ConfigError(`${setting(at('klWarmup'))} and ${setting(at('klCycles'))}: choose a linear warm-up or cyclical annealing, not both`);
  }
  if (!isCyclical && s.klWarmup === undefined) {
    throw new ConfigError(
      `${setting(at('betaStart'))}: applies to a KL warm-up (${setting(at('klWarmup'))}) or cyclical annealing (${setting(at('klCycles'))})`,
    );
  }
  if (isCyclical) {
    return resolveKlSchedule(
      {
        kind: 'cyclical',
        start: s.betaStart ?? SCHEDULE_DEFAULTS.cyclicalStart,
        end,
        cycles: s.klCycles ?? SCHEDULE_DEFAULTS.cycles,
        ratio: s.klRatio ?? SCHEDULE_DEFAULTS.ratio,
        epochs,
      },
      at('beta'),
    );
  }
  return resolveKlSchedule({ kind: 'linear', start: s.betaStart ?? SCHEDULE_DEFAULTS.warmupStart, end, epochs: s.klWarmup as number }, at('beta'));
}

/**
 * β at a step.
 * @returns the KL weight, a number ≥ 0
 */
export function klWeight(schedule: KlSchedule, at: ScheduleStep): number {
  return (SCHEDULES[schedule.kind] as ScheduleEntry<KlSchedule>).value(schedule, at);
}
