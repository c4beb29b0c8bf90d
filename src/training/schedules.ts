/**
 * Schedules of the KL weight β: serialisable configs (saved with a run) whose value is a pure
 * function of the global step, so a resumed run weighs every step exactly as the uninterrupted run
 * did, and worker threads get the step's β with the step. A new schedule (linear warm-up, cyclical
 * annealing) is a config kind and one entry in {@link SCHEDULES}.
 */
import { check, checkKnownKeys, nonNegativeNumber, oneOf } from '../validate.js';

/** β as a function of the step, tagged by `kind`. `constant`: β = value at every step. */
export type KlSchedule = { kind: 'constant'; value: number };

/** Where the schedule is evaluated: the global step (0-based over all epochs) and the epoch's length. */
export interface ScheduleStep {
  step: number;
  stepsPerEpoch: number;
}

interface ScheduleEntry<S extends KlSchedule> {
  resolve(s: S, field: string): S;
  value(s: S, at: ScheduleStep): number;
}

const SCHEDULES: { [K in KlSchedule['kind']]: ScheduleEntry<Extract<KlSchedule, { kind: K }>> } = {
  constant: {
    resolve: (s, field) => {
      checkKnownKeys(field, s, ['kind', 'value']);
      return { kind: 'constant', value: check(`${field}.value`, s.value, nonNegativeNumber) };
    },
    value: (s) => s.value,
  },
};

/** The kinds of schedule: 'constant'. */
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

/**
 * β at a step.
 * @returns the KL weight, a number ≥ 0
 */
export function klWeight(schedule: KlSchedule, at: ScheduleStep): number {
  return (SCHEDULES[schedule.kind] as ScheduleEntry<KlSchedule>).value(schedule, at);
}
