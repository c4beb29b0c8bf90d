/**
 * Fault injection for the tests and `npm run faults` (after SQLite's test hooks): the environment
 * variable VAEKIT_TEST_FAULT=SITE@N makes the worker thread at SITE end its thread (process.exit)
 * at its N-th unit of work, as a thread that dies of an unforeseen cause would. Unset, it costs one
 * string comparison per step.
 *
 * Sites: `gradient-worker` (N counts steps from 1), `loglik-worker` (N = 0: after starting, before any work).
 */
export type FaultSite = 'gradient-worker' | 'loglik-worker';

/** The unit of work at which `site` should die, or undefined (no fault asked for there). */
export function injectedFault(site: FaultSite): number | undefined {
  const spec = process.env.VAEKIT_TEST_FAULT;
  if (spec == null || !spec.startsWith(`${site}@`)) return undefined;
  const n = Number(spec.slice(site.length + 1));
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}
