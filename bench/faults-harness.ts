/**
 * The kill -9 harness shared by `npm run faults` (bench/faults.ts) and its reduced version in the
 * test suite (test/faults/kill-resume.test.ts): runs the real CLI in child processes, SIGKILLs them at
 * random moments or when a file of a given name appears in the run folder, and checks what is left.
 *
 *   runCliChild(args, plan)   one child `node --import tsx src/cli/main.ts …args`, killed as `plan` says
 *   checkRunFolder(run)       every artifact of a run folder read with the library's own readers
 *   leftovers(run)            temporary files, `.old` folders and locks anywhere under the folder
 *   trainChain(…)             one training run killed and resumed until it finishes, compared with a reference
 *   commandChain(…)           one command (evaluate, score, …) killed mid-way and rerun
 *
 * A kill that lands after the child has exited counts as no fault (never a failure), so the checks do
 * not depend on timing; only a child still running after `timeoutMs` does (a hang).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { loadModel } from '../src/models/index.js';
import { readCheckpoint } from '../src/node/formats/checkpoint.js';
import { fsModelStore } from '../src/node/formats/model-store.js';
import { readMetricsFile, RUN_FILES, vaeModelFolder } from '../src/node/runs/folder.js';
import type { EpochMetrics } from '../src/training/state.js';
import { LOSS_FIELDS } from '../test/cli/cli-helpers.js';

/** The repository root (the children run `src/cli/main.ts` from it). */
export const REPO = fileURLToPath(new URL('../', import.meta.url));
const MAIN = join(REPO, 'src', 'cli', 'main.ts');

/** `.NAME.PID.HEX12.tmp` (src/node/formats/atomic.ts) and the lock's own temporary and set-aside files. */
export const TEMP_FILE = /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/;
const LEFTOVER = (name: string) => TEMP_FILE.test(name) || name.endsWith('.old') || name === '.lock' || name.startsWith('.lock.');

/** A seeded uniform stream in [0, 1) (mulberry32): the harness's choices repeat with `--seed`. */
export function harnessRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** When to kill a child: never, `afterMs` after it starts, or `delayMs` after the `nth` file named `pattern` appears in `dir`. */
export type KillPlan = { kind: 'none' } | { kind: 'time'; afterMs: number } | { kind: 'file'; pattern: RegExp; nth: number; delayMs: number; label: string };

/** Where a kill landed, judged from the folder's files and the child's last lines at that moment. */
export type Phase =
  'startup' | 'mid-step' | 'mid-evaluation' | 'checkpoint write' | 'model save' | 'other write' | 'pictures' | 'command work' | 'output write';

/** What the child printed and the clock, for {@link classifyTrainKill}. */
export interface ChildTrace {
  stdout: string[];
  stderr: string[];
  /** ms after start at which each stdout/stderr line arrived, parallel to the arrays. */
  stdoutAt: number[];
  stderrAt: number[];
}

export interface ChildResult extends ChildTrace {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The SIGKILL reached a running child (a kill after its exit is no fault). */
  isKilled: boolean;
  /** Still running after the timeout (then killed). */
  isHung: boolean;
  /** The names in the watched folder (and its model/ folder) at the moment of the kill that were not there at the start. */
  namesAtKill: string[];
  /** ms from spawn to the kill (or to the exit). */
  killMs: number;
  ms: number;
}

/** Names in `dir` and `dir/model`, a snapshot for classifying a kill. */
function snapshot(dir: string | undefined): string[] {
  if (!dir) return [];
  const list = (d: string) => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  };
  return [...list(dir), ...list(join(dir, RUN_FILES.model)).map((n) => `model/${n}`)];
}

/**
 * Runs `vaekit …args` in a child process and kills it (SIGKILL) as `plan` says.
 * @param opts.watchDir - the folder whose files a 'file' plan watches (made by the caller)
 * @param opts.timeoutMs - a child still running after this long is a hang (killed, reported)
 */
export function runCliChild(args: string[], plan: KillPlan, opts: { watchDir?: string; timeoutMs: number }): Promise<ChildResult> {
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const atStart = new Set(snapshot(opts.watchDir)); // what earlier (killed) processes left is not this child's phase
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const trace: ChildTrace = { stdout: [], stderr: [], stdoutAt: [], stderrAt: [] };
  const collect = (stream: NodeJS.ReadableStream, lines: string[], at: number[]) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) {
        lines.push(p);
        at.push(now());
      }
    });
    stream.on('end', () => {
      if (rest !== '') {
        lines.push(rest);
        at.push(now());
      }
    });
  };
  collect(child.stdout, trace.stdout, trace.stdoutAt);
  collect(child.stderr, trace.stderr, trace.stderrAt);

  let hasExited = false;
  let wasSent = false;
  let namesAtKill: string[] = [];
  let killMs = -1;
  let isHung = false;
  const kill = () => {
    if (hasExited || wasSent) return;
    namesAtKill = snapshot(opts.watchDir).filter((n) => !atStart.has(n));
    killMs = now();
    wasSent = true;
    child.kill('SIGKILL');
  };
  const timers: NodeJS.Timeout[] = [];
  let watcher: FSWatcher | null = null;
  if (plan.kind === 'time') timers.push(setTimeout(kill, plan.afterMs));
  if (plan.kind === 'file' && opts.watchDir) {
    const seen = new Set<string>(); // a file's creation and its writes are several events
    const onName = (name: string | null) => {
      if (name == null || !plan.pattern.test(name) || seen.has(name)) return;
      seen.add(name);
      if (seen.size !== plan.nth) return;
      if (plan.delayMs <= 0) kill();
      else timers.push(setTimeout(kill, plan.delayMs));
    };
    watcher = watch(opts.watchDir, (_event, name) => onName(name == null ? null : String(name)));
  }
  timers.push(
    setTimeout(() => {
      if (hasExited) return;
      isHung = true;
      kill();
    }, opts.timeoutMs),
  );
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      hasExited = true;
      for (const t of timers) clearTimeout(t);
      watcher?.close();
      const ms = now();
      resolve({
        ...trace,
        code,
        signal,
        isKilled: wasSent && signal === 'SIGKILL',
        isHung,
        namesAtKill,
        killMs: killMs < 0 ? ms : killMs,
        ms,
      });
    });
    child.on('exit', () => {
      hasExited = true; // no kill after this (the pid may be reused)
    });
  });
}

/** The phase a file name in the folder shows is being written; null for a name that is not a temporary. */
function phaseOfName(name: string): Phase | null {
  if (name === 'model.old' || /^\.model\.\d+\.[0-9a-f]{12}\.tmp$/.test(name)) return 'model save';
  if (!TEMP_FILE.test(name)) return null;
  if (name.startsWith(`.${RUN_FILES.checkpoint}.`)) return 'checkpoint write';
  if (/^\.(reconstructions|samples)\.(png|csv)\./.test(name)) return 'pictures';
  if (name.startsWith('.lock.')) return 'startup';
  return 'other write';
}

/** What a training run looks like in time, measured on the uninterrupted reference run. */
export interface TrainProfile {
  epochs: number;
  stepsPerEpoch: number;
  /** Training seconds of each epoch (metrics.jsonl's `seconds`): the steps, without the evaluation. */
  trainSeconds: number[];
}

/**
 * Classifies a kill of `vaekit train`: by the temporary files on disk at that moment (checkpoint,
 * model, pictures, other writes), else by the child's last lines: before the compute line = startup;
 * after the last epoch's line = pictures; within an epoch, the first `trainSeconds` of it (the
 * reference's, scaled for a resumed part epoch) = mid-step, the rest = mid-evaluation (an estimate).
 */
export function classifyTrainKill(r: ChildResult, profile: TrainProfile): Phase {
  for (const order of ['checkpoint write', 'model save', 'pictures', 'other write', 'startup'] as const) {
    if (r.namesAtKill.some((n) => phaseOfName(n) === order)) return order;
  }
  const before = (lines: string[], at: number[]) => lines.filter((_, i) => at[i] <= r.killMs);
  const err = before(r.stderr, r.stderrAt);
  const outAt = r.stdoutAt.filter((t) => t <= r.killMs);
  const startIdx = r.stderr.findIndex((l) => l.startsWith('native kernels') || l.startsWith('threads:'));
  if (startIdx < 0 || r.stderrAt[startIdx] > r.killMs) return 'startup';
  const epochLines = before(r.stdout, r.stdoutAt).filter((l) => /^epoch \d+:/.test(l));
  const lastEpoch = epochLines.length > 0 ? Number(/^epoch (\d+):/.exec(epochLines.at(-1) ?? '')?.[1]) : null;
  const resumed = err.map((l) => /^resuming .* at epoch (\d+), step (\d+)/.exec(l)).find((m) => m != null);
  const firstEpoch = resumed ? Number(resumed[1]) : 1;
  const current = lastEpoch === null ? firstEpoch : lastEpoch + 1;
  if (current > profile.epochs) return 'pictures';
  const windowStart = lastEpoch === null ? r.stderrAt[startIdx] : (outAt.at(-1) ?? 0);
  const doneSteps = lastEpoch === null && resumed ? Number(resumed[2]) : 0;
  const trainMs = (profile.trainSeconds[current - 1] ?? 0) * 1000 * (1 - doneSteps / profile.stepsPerEpoch);
  return r.killMs - windowStart < trainMs ? 'mid-step' : 'mid-evaluation';
}

/** The state of one artifact of a run folder after a kill. */
export type ArtifactState = 'ok' | 'missing' | `unreadable: ${string}`;

/** Reads `path` as what its name says it is; throws when it is not (a half-written file). */
export function checkOutputFile(path: string, expectedRows?: number): void {
  const bytes = readFileSync(path);
  if (path.endsWith('.json')) JSON.parse(bytes.toString('utf8'));
  else if (path.endsWith('.jsonl'))
    bytes
      .toString('utf8')
      .trim()
      .split('\n')
      .forEach((l) => JSON.parse(l));
  else if (path.endsWith('.png')) PNG.sync.read(bytes);
  else if (path.endsWith('.svg')) {
    if (!bytes.toString('utf8').trimEnd().endsWith('</svg>')) throw new Error('no closing </svg>');
  } else if (path.endsWith('.csv')) {
    const text = bytes.toString('utf8');
    if (!text.endsWith('\n')) throw new Error('no final newline');
    const lines = text.trimEnd().split('\n');
    if (expectedRows !== undefined && lines.length - 1 !== expectedRows) throw new Error(`expected ${expectedRows} rows, got ${lines.length - 1}`);
    const width = lines[0].split(',').length;
    const bad = lines.findIndex((l) => l.split(',').length !== width);
    if (bad >= 0) throw new Error(`line ${bad + 1} has a different number of cells`);
  }
}

/** A JSON value without its clock fields (`seconds`, `…At` time stamps), which differ between two runs of a command. */
function withoutClock(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutClock);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => k !== 'seconds' && !/At$/.test(k))
      .map(([k, x]) => [k, withoutClock(x)]),
  );
}

/** The first path at which two JSON values differ, for a failure message; null when equal. */
function firstDifference(a: unknown, b: unknown, at = ''): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object')
    return `${at || '(root)'}: ${JSON.stringify(a)?.slice(0, 80)} vs ${JSON.stringify(b)?.slice(0, 80)}`;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
    if (d !== null) return d;
  }
  return null;
}

/** How two outputs differ (clock fields aside), for a failure message. */
function outputDifference(name: string, a: Buffer, b: Buffer): string {
  if (!name.endsWith('.json')) return `${a.length} vs ${b.length} bytes`;
  try {
    return firstDifference(withoutClock(JSON.parse(a.toString('utf8'))), withoutClock(JSON.parse(b.toString('utf8')))) ?? 'clock fields only';
  } catch (e) {
    return String(e);
  }
}

/** True when two outputs named `name` hold the same result: bytes, or for JSON the same values but the clock fields. */
export function sameOutput(name: string, a: Buffer, b: Buffer): boolean {
  if (a.equals(b)) return true;
  if (!name.endsWith('.json')) return false;
  try {
    return isDeepStrictEqual(withoutClock(JSON.parse(a.toString('utf8'))), withoutClock(JSON.parse(b.toString('utf8'))));
  } catch {
    return false;
  }
}

/** The lines of a failed child that say why: its first error line and its last line. */
const whyFailed = (r: ChildTrace) => {
  const lines = r.stderr.filter((l) => l.trim() !== '' && !l.startsWith('config:'));
  const first = lines.find((l) => /error|Error|vaekit:/.test(l));
  return [...new Set([first, lines.at(-1)].filter((l) => l !== undefined))].join(' | ').slice(0, 300);
};

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 200);

/**
 * Every artifact of a VAE run folder, read with the library's readers: the checkpoint
 * (readCheckpoint: magic, version, length, CRC-32), the model (loadModel through the folder's
 * `.old` fallback: every file, checksums), metrics.jsonl, and the JSON, SVG, PNG and CSV files.
 */
export async function checkRunFolder(run: string): Promise<Map<string, ArtifactState>> {
  const states = new Map<string, ArtifactState>();
  const ckpt = join(run, RUN_FILES.checkpoint);
  if (!existsSync(ckpt)) states.set(RUN_FILES.checkpoint, 'missing');
  else {
    try {
      const c = await readCheckpoint(ckpt);
      tf.dispose(c.optimizerWeights().map((w) => w.tensor));
      (await c.restoreModel()).dispose();
      states.set(RUN_FILES.checkpoint, 'ok');
    } catch (e) {
      states.set(RUN_FILES.checkpoint, `unreadable: ${errorText(e)}`);
    }
  }
  if (vaeModelFolder(run) === null) states.set(RUN_FILES.model, 'missing');
  else {
    try {
      (await loadModel(join(run, RUN_FILES.model), fsModelStore)).dispose();
      states.set(RUN_FILES.model, 'ok');
    } catch (e) {
      states.set(RUN_FILES.model, `unreadable: ${errorText(e)}`);
    }
  }
  if (!existsSync(join(run, RUN_FILES.metrics))) states.set(RUN_FILES.metrics, 'missing');
  else {
    try {
      await readMetricsFile(run);
      states.set(RUN_FILES.metrics, 'ok');
    } catch (e) {
      states.set(RUN_FILES.metrics, `unreadable: ${errorText(e)}`);
    }
  }
  const names = existsSync(run) ? readdirSync(run) : [];
  for (const name of names) {
    if (name.startsWith('.') || states.has(name) || !/\.(json|svg|png|csv)$/.test(name)) continue;
    try {
      checkOutputFile(join(run, name));
      states.set(name, 'ok');
    } catch (e) {
      states.set(name, `unreadable: ${errorText(e)}`);
    }
  }
  return states;
}

/** Temporary files, `.old` folders and lock files anywhere under `dir` (paths relative to it). */
export function leftovers(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (LEFTOVER(name)) found.push(join(rel, name));
      else if (statSync(path).isDirectory()) walk(path, join(rel, name));
    }
  };
  if (existsSync(dir)) walk(dir, '');
  return found;
}

/**
 * Differences between two runs' metrics: loss fields (and the per-epoch log p(x)) to `rtol` relative.
 * @returns one line per difference; [] when they agree
 */
export function compareMetrics(actual: EpochMetrics[], expected: EpochMetrics[], rtol = 1e-6): string[] {
  if (actual.length !== expected.length) return [`expected ${expected.length} epochs in metrics.jsonl, got ${actual.length}`];
  const diffs: string[] = [];
  const close = (a: number | null | undefined, b: number | null | undefined) =>
    a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= rtol * Math.max(Math.abs(a), Math.abs(b)));
  actual.forEach((m, i) => {
    const e = expected[i];
    for (const k of LOSS_FIELDS) if (!close(m[k], e[k])) diffs.push(`epoch ${i + 1} ${k}: expected ${e[k]}, got ${m[k]}`);
    if (!close(m.logLikelihood?.value, e.logLikelihood?.value))
      diffs.push(`epoch ${i + 1} logLikelihood: expected ${e.logLikelihood?.value}, got ${m.logLikelihood?.value}`);
  });
  return diffs;
}

/** The outcome of one kind of fault, a row of the printed table. */
export interface ScenarioTally {
  scenario: string;
  faults: number;
  survived: number;
  /** Runs (or reruns) that finished and matched the uninterrupted one. */
  resumedExactly: number;
  runs: number;
  tempFilesLeft: number;
  bytesLost: number;
  hangs: number;
  phases: Map<Phase, number>;
  /** What went wrong, one line each. */
  failures: string[];
}

export function newTally(scenario: string): ScenarioTally {
  return { scenario, faults: 0, survived: 0, resumedExactly: 0, runs: 0, tempFilesLeft: 0, bytesLost: 0, hangs: 0, phases: new Map(), failures: [] };
}

/** True when nothing failed. */
export const isClean = (t: ScenarioTally) =>
  t.failures.length === 0 && t.survived === t.faults && t.resumedExactly === t.runs && t.tempFilesLeft === 0 && t.bytesLost === 0 && t.hangs === 0;

/** A training run's flags (without `--out` and `--resume`). */
export interface TrainSetup {
  args: string[];
  profile: TrainProfile;
  /** The finished uninterrupted run: metrics and the picture files to compare with. */
  reference: { run: string; metrics: EpochMetrics[] };
  timeoutMs: number;
}

/** Runs the uninterrupted reference run into `run` and measures its profile. @throws Error when it fails */
export async function referenceRun(
  args: string[],
  run: string,
  stepsPerEpoch: number,
  timeoutMs: number,
): Promise<TrainSetup & { ms: number; trainStartMs: number }> {
  rmSync(run, { recursive: true, force: true });
  const r = await runCliChild([...args, '--out', run], { kind: 'none' }, { timeoutMs });
  if (r.code !== 0) throw new Error(`reference run failed (exit ${r.code}): ${whyFailed(r)}`);
  const metrics = await readMetricsFile(run);
  const startIdx = r.stderr.findIndex((l) => l.startsWith('native kernels') || l.startsWith('threads:'));
  return {
    args,
    profile: { epochs: metrics.length, stepsPerEpoch, trainSeconds: metrics.map((m) => m.seconds) },
    reference: { run, metrics },
    timeoutMs,
    ms: r.ms,
    trainStartMs: startIdx >= 0 ? r.stderrAt[startIdx] : 0,
  };
}

/**
 * One training run killed and resumed until it finishes: `nextPlan(k, run)` gives the k-th start's kill
 * plan (k = 0, 1, …; { kind: 'none' } to let it finish). After each kill the folder is checked; a file
 * that was readable and is no longer counts as bytes lost. The finished run must match the reference
 * (metrics to 1e-6 relative, the pictures byte for byte) and leave no temporary file, `.old` or lock.
 */
export async function trainChain(
  setup: TrainSetup,
  run: string,
  nextPlan: (k: number, run: string) => KillPlan | Promise<KillPlan>,
  tally: ScenarioTally,
  maxStarts = 40,
): Promise<void> {
  rmSync(run, { recursive: true, force: true });
  mkdirSync(run, { recursive: true });
  tally.runs++;
  const wasReadable = new Set<string>();
  for (let k = 0; k < maxStarts; k++) {
    const isResume = existsSync(join(run, RUN_FILES.checkpoint));
    const plan = await nextPlan(k, run);
    const r = await runCliChild([...setup.args, '--out', run, ...(isResume ? ['--resume'] : [])], plan, { watchDir: run, timeoutMs: setup.timeoutMs });
    if (r.isHung) {
      tally.hangs++;
      tally.failures.push(`${run}: start ${k + 1} did not exit within ${setup.timeoutMs} ms; last line: ${r.stderr.at(-1) ?? ''}`);
      return;
    }
    if (r.isKilled) {
      tally.faults++;
      const phase = classifyTrainKill(r, setup.profile);
      tally.phases.set(phase, (tally.phases.get(phase) ?? 0) + 1);
      const states = await checkRunFolder(run);
      let isFine = true;
      for (const [name, state] of states) {
        if (state === 'ok') wasReadable.add(name);
        else if (state.startsWith('unreadable')) {
          isFine = false;
          tally.failures.push(`${run}: after a kill (${phase}, ${Math.round(r.killMs)} ms): ${name} ${state}`);
        }
        if (state !== 'ok' && wasReadable.has(name)) {
          tally.bytesLost++;
          isFine = false;
          tally.failures.push(`${run}: after a kill (${phase}): ${name}, readable before, is now ${state}`);
        }
      }
      if (isFine) tally.survived++;
      continue;
    }
    if (r.code !== 0) {
      tally.failures.push(`${run}: start ${k + 1}${isResume ? ' (--resume)' : ''} exited ${r.code}: ${whyFailed(r)}`);
      return;
    }
    // Finished: compare with the reference run.
    const diffs = compareMetrics(await readMetricsFile(run), setup.reference.metrics);
    for (const name of readdirSync(setup.reference.run).filter((n) => n.endsWith('.png') || n.endsWith('.csv'))) {
      const ours = join(run, name);
      if (!existsSync(ours)) diffs.push(`${name} missing`);
      else if (!readFileSync(ours).equals(readFileSync(join(setup.reference.run, name)))) diffs.push(`${name} differs from the reference's`);
    }
    if (diffs.length === 0) tally.resumedExactly++;
    else tally.failures.push(`${run}: finished run differs from the reference: ${diffs.slice(0, 3).join('; ')}`);
    const left = leftovers(run);
    tally.tempFilesLeft += left.length;
    if (left.length > 0) tally.failures.push(`${run}: left after the finished run: ${left.join(', ')}`);
    return;
  }
  tally.failures.push(`${run}: not finished after ${maxStarts} starts`);
}

/** A command to kill mid-way: its arguments and the output file it writes. */
export interface CommandSetup {
  name: string;
  /** The arguments given the run folder. */
  args: (run: string) => string[];
  /** The output file in the run folder. */
  output: string;
  /** Rows a complete CSV output has (header not counted). */
  rows?: number;
  timeoutMs: number;
}

/**
 * One command on a copy of a finished run: an uninterrupted run gives the expected output (and its
 * duration, from which `plans` makes the kill plans); then each plan kills a run of it; whatever output exists after a kill must be complete (and equal the
 * expected); a rerun must finish and give the same file, with no temporary file left in the folder.
 */
export async function commandChain(cmd: CommandSetup, run: string, plans: (uninterruptedMs: number) => KillPlan[], tally: ScenarioTally): Promise<void> {
  const out = join(run, cmd.output);
  rmSync(out, { force: true });
  const first = await runCliChild(cmd.args(run), { kind: 'none' }, { timeoutMs: cmd.timeoutMs });
  if (first.code !== 0) {
    tally.failures.push(`${cmd.name}: the uninterrupted run exited ${first.code}: ${whyFailed(first)}`);
    return;
  }
  const expected = readFileSync(out);
  for (const [i, plan] of plans(first.ms).entries()) {
    if (i % 2 === 0) rmSync(out, { force: true }); // half the kills with a previous complete output in place
    const hadOutput = existsSync(out);
    const r = await runCliChild(cmd.args(run), plan, { watchDir: run, timeoutMs: cmd.timeoutMs });
    if (r.isHung) {
      tally.hangs++;
      tally.failures.push(`${cmd.name}: did not exit within ${cmd.timeoutMs} ms`);
      continue;
    }
    if (r.isKilled) {
      tally.faults++;
      const phase: Phase = r.namesAtKill.some((n) => TEMP_FILE.test(n) && n.startsWith(`.${cmd.output}.`)) ? 'output write' : 'command work';
      tally.phases.set(phase, (tally.phases.get(phase) ?? 0) + 1);
      let isFine = true;
      if (existsSync(out)) {
        try {
          checkOutputFile(out, cmd.rows);
          if (!sameOutput(cmd.output, readFileSync(out), expected)) {
            throw new Error(`complete but different from the uninterrupted run (${outputDifference(cmd.output, readFileSync(out), expected)})`);
          }
        } catch (e) {
          isFine = false;
          if (hadOutput) tally.bytesLost++;
          tally.failures.push(`${cmd.name}: after a kill (${phase}): ${cmd.output} ${errorText(e)}`);
        }
      } else if (hadOutput) {
        isFine = false;
        tally.bytesLost++;
        tally.failures.push(`${cmd.name}: after a kill (${phase}): the previous ${cmd.output} is gone`);
      }
      if (isFine) tally.survived++;
    } else if (r.code !== 0) tally.failures.push(`${cmd.name}: exited ${r.code}: ${whyFailed(r)}`);
    // The rerun.
    tally.runs++;
    const again = await runCliChild(cmd.args(run), { kind: 'none' }, { timeoutMs: cmd.timeoutMs });
    if (again.isHung) {
      tally.hangs++;
      tally.failures.push(`${cmd.name}: the rerun did not exit within ${cmd.timeoutMs} ms`);
      continue;
    }
    if (again.code !== 0) tally.failures.push(`${cmd.name}: the rerun exited ${again.code}: ${whyFailed(again)}`);
    else if (!sameOutput(cmd.output, readFileSync(out), expected))
      tally.failures.push(`${cmd.name}: the rerun's ${cmd.output} differs from the uninterrupted run's`);
    else tally.resumedExactly++;
    const left = leftovers(run);
    tally.tempFilesLeft += left.length;
    if (left.length > 0) tally.failures.push(`${cmd.name}: left after the rerun: ${left.join(', ')}`);
  }
}

/** The table `npm run faults` prints: one row per scenario, then the phases the kills hit. */
export function formatTable(tallies: ScenarioTally[]): string {
  const head = ['scenario', 'faults injected', 'survived', 'resumed exactly', 'temp files left', 'bytes lost', 'hangs'];
  const rows = tallies.map((t) => [
    t.scenario,
    String(t.faults),
    String(t.survived),
    `${t.resumedExactly}/${t.runs}`,
    String(t.tempFilesLeft),
    String(t.bytesLost),
    String(t.hangs),
  ]);
  const total = tallies.reduce(
    (s, t) => ({
      f: s.f + t.faults,
      s: s.s + t.survived,
      r: s.r + t.resumedExactly,
      n: s.n + t.runs,
      tl: s.tl + t.tempFilesLeft,
      b: s.b + t.bytesLost,
      h: s.h + t.hangs,
    }),
    { f: 0, s: 0, r: 0, n: 0, tl: 0, b: 0, h: 0 },
  );
  rows.push(['total', String(total.f), String(total.s), `${total.r}/${total.n}`, String(total.tl), String(total.b), String(total.h)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i === 0 ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|')}|`;
  const lines = [line(head), sep, ...rows.map(line)];
  lines.push('', 'kills by phase:');
  for (const t of tallies) {
    const parts = [...t.phases].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p} ${n}`);
    lines.push(`  ${t.scenario}: ${parts.join(', ') || 'none'}`);
  }
  return lines.join('\n');
}
