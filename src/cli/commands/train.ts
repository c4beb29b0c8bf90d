/**
 * `vaekit train`: parse flags into a partial run configuration (defaults < --config file < flags),
 * then trainRun, which resolves it (src/node/runs/config.ts) and trains a VAE or fits a linear model;
 * print the epochs and a summary.
 */
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend } from '../../node/compute/backend.js';
import type { NativeChoice } from '../../node/compute/native-kernels.js';
import {
  defaultOut,
  isRunConfigV1,
  migrateRunConfig,
  readRunConfig,
  RUN_CONFIG_FILE,
  RUN_DEFAULTS,
  type PartialRunConfig,
  type VaeRunConfig,
} from '../../node/runs/config.js';
import { LINEAR_RUN_FILES } from '../../node/runs/folder.js';
import { trainRun, type TrainRunResult } from '../../node/runs/kinds.js';
import type { RunCallbacks } from '../../node/runs/vae-train.js';
import { UsageError, type CliIo } from '../io.js';
import { attributeName, checkConfigValue, flagName, flagNamer, nativeOption, readConfigJson, setPath, TRAIN_FLAGS } from '../flags.js';

interface TrainCommandFlags {
  config?: string;
  native: NativeChoice;
  resume?: boolean;
  force?: boolean;
  [attribute: string]: unknown;
}

/** The top-level sections of a run configuration: a --config file with any of them is one (nested). */
const SECTIONS = ['kind', 'version', 'model', 'training', 'compute'];

/**
 * A --config file as a partial run configuration: a run's config.json (of any version) or a nested
 * partial one as it is; otherwise flat options named as the flags' camelCase names.
 * @throws UsageError for unreadable JSON or an unknown option
 */
function configFile(path: string): { partial: PartialRunConfig; given: Set<string> } {
  const json = readConfigJson(path) as Record<string, unknown>;
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new UsageError(`--config ${path}: expected a JSON object, got ${JSON.stringify(json)}`);
  const nested = SECTIONS.some((k) => k in json) || typeof json.data === 'object';
  if (nested) {
    const partial = migrateRunConfig(json, path);
    if (json.kind !== undefined || isRunConfigV1(json)) {
      // A run's own config.json repeats that run: its data, model and training, not its folder or compute.
      delete partial.out;
      delete partial.compute;
    }
    const given = new Set(TRAIN_FLAGS.filter((f) => hasPath(partial, f.path)).map(attributeName));
    return { partial, given };
  }
  const byAttribute = new Map(TRAIN_FLAGS.map((f) => [attributeName(f), f]));
  const partial: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) {
    const f = byAttribute.get(k);
    if (!f) throw new UsageError(`--config ${path}: unknown option '${k}'`);
    checkConfigValue(path, k, f, v);
    setPath(partial, f.path, v);
  }
  return { partial, given: new Set(Object.keys(json)) };
}

function hasPath(o: unknown, path: string): boolean {
  let x = o as Record<string, unknown> | undefined;
  for (const k of path.split('.')) {
    if (typeof x !== 'object' || x === null || !(k in x)) return false;
    x = x[k] as Record<string, unknown>;
  }
  return true;
}

/** The value at a dotted path of a nested object; undefined where the path stops. */
function getPath(o: unknown, path: string): unknown {
  let x = o;
  for (const k of path.split('.')) {
    if (typeof x !== 'object' || x === null) return undefined;
    x = (x as Record<string, unknown>)[k];
  }
  return x;
}

/**
 * The flags a resumed run honours (src/node/runs/vae-train.ts resumedConfig): the run folder, a new epoch
 * budget or patience, and how it computes (--native too). Every other setting is the saved run's.
 */
const RESUME_FLAGS = ['--out', '--epochs', '--patience', '--threads', '--backend'];
const RESUME_NOTE = 'a resumed run keeps its settings (only --epochs, --patience, --threads, --backend, --native may change)';

/** A two-layer model's hidden widths as --hidden gives them (one width per layer), or as they are when a layer's widths differ. */
function hvaeHiddenFlag(hidden: number[][]): unknown {
  return hidden.every((ws) => ws.length === 2 && ws[0] === ws[1]) ? hidden.map((ws) => ws[0]) : hidden;
}

/** Where a saved run holds a flag's setting, for the flags whose path the resolved configuration rewrites. */
const SAVED_SETTING: Readonly<Record<string, (c: VaeRunConfig) => unknown>> = {
  // A two-layer model keeps each stochastic layer's widths; --hidden gives one width per layer.
  'model.hidden': (c) => (c.model.kind === 'hvae' ? hvaeHiddenFlag(c.model.hidden) : getPath(c, 'model.encoder.hidden')),
  'model.activation': (c) => (c.model.kind === 'hvae' ? c.model.activation : getPath(c, 'model.encoder.activation')),
  'training.beta': (c) => (c.training.beta.kind === 'constant' ? c.training.beta.value : c.training.beta.end),
  'training.betaStart': (c) => getPath(c, 'training.beta.start'),
  'training.klWarmup': (c) => (c.training.beta.kind === 'linear' ? c.training.beta.epochs : undefined),
  'training.klCycles': (c) => getPath(c, 'training.beta.cycles'),
  'training.klRatio': (c) => getPath(c, 'training.beta.ratio'),
};
const savedSetting = (c: VaeRunConfig, path: string) => (SAVED_SETTING[path] ?? ((x: VaeRunConfig) => getPath(x, path)))(c);

/** A setting as a flag on the command line: '--latent 20', '--hidden 200,200', or 'no --kl-warmup' for one not set. */
function flagText(flag: string, value: unknown): string {
  if (value === undefined || value === null) return `no ${flag}`;
  return `${flag} ${Array.isArray(value) ? value.join(',') : String(value)}`;
}

/**
 * On --resume: the flags given on the command line that would change the saved run's settings, which
 * the resumed run would ignore (it continues the saved run).
 * @param fromFlags - the partial configuration of the flags given on the command line
 * @throws UsageError naming each such flag with its saved and given values
 */
async function checkResumeFlags(partial: PartialRunConfig, fromFlags: Record<string, unknown>): Promise<void> {
  const source = typeof partial.data === 'string' ? partial.data : (partial.data?.source ?? RUN_DEFAULTS.source);
  const out = partial.out ?? defaultOut(source, 'vae');
  // No run there (or not a VAE's): training reports that itself.
  if (!existsSync(join(out, RUN_CONFIG_FILE))) return;
  const saved = await readRunConfig(out);
  if (saved.kind !== 'vae-run') return;
  const changed = TRAIN_FLAGS.filter((f) => !RESUME_FLAGS.includes(flagName(f)) && hasPath(fromFlags, f.path)).filter(
    (f) => JSON.stringify(getPath(fromFlags, f.path) ?? null) !== JSON.stringify(savedSetting(saved, f.path) ?? null),
  );
  if (changed.length === 0) return;
  const was = changed.map((f) => flagText(flagName(f), savedSetting(saved, f.path))).join(', ');
  const now = changed.map((f) => flagText(flagName(f), getPath(fromFlags, f.path))).join(', ');
  throw new UsageError(`--resume: the run was trained with ${was}; this command gives ${now}; ${RESUME_NOTE}`);
}

/** Deep merge of plain objects: `over`'s values win; arrays and other values replace. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(v) && isObject(b) ? merge(b, v) : v;
  }
  return out;
}
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The MLP shorthand (--hidden, --activation) over a configuration that names its networks: applied to both. */
function applyShorthand(partial: PartialRunConfig): void {
  const m = partial.model;
  if (!m || !m.encoder || (m.hidden === undefined && m.activation === undefined)) return;
  for (const net of [m.encoder, m.decoder]) {
    if (!net) continue;
    if (m.hidden !== undefined) (net as { hidden?: unknown[] }).hidden = [...m.hidden];
    if (m.activation !== undefined) (net as { activation?: string }).activation = m.activation;
  }
  delete m.hidden;
  delete m.activation;
}

/** @throws UsageError for a flag given to the other family of models (e.g. --epochs with --model fa) */
function checkApplies(model: string, given: Set<string>): void {
  const family = model === 'vae' || model === 'hvae' ? 'vae' : 'linear';
  for (const f of TRAIN_FLAGS) {
    if (f.applies !== 'both' && f.applies !== family && given.has(attributeName(f))) {
      throw new UsageError(`${flagName(f)}: applies to ${f.applies === 'vae' ? 'VAE runs' : 'linear models (--model pca|ppca|fa|gmm)'}, not --model ${model}`);
    }
  }
}

/** One line on the units of a table run's figures; empty for images. */
function unitsNote(logJacobian: number | null | undefined, what: string): string[] {
  if (logJacobian === null || logJacobian === undefined) return [];
  return [
    `units: ${what} are nats per example of the standardised table; for the raw table add −Σ log std = ${logJacobian.toFixed(4)} ` +
      'to a log-likelihood or ELBO (subtract it from a −ELBO)',
  ];
}

const f2 = (x: number | null) => (x === null ? '-' : x.toFixed(2));

/** The summary lines of a finished run. */
function summaryLines(r: TrainRunResult): string[] {
  if (r.kind === 'linear-run') {
    const figures =
      r.trainLogLikelihood !== null
        ? `log-likelihood train ${f2(r.trainLogLikelihood)}, test ${f2(r.testLogLikelihood)} nats/example`
        : `reconstruction error train ${f2(r.trainReconstructionError)}, test ${f2(r.testReconstructionError)} per example; explained variance ${f2(r.explainedVarianceRatio)}`;
    const em = r.emIterations !== null ? `; ${r.emIterations} EM iterations${r.converged ? ' (converged)' : ''}` : '';
    return [
      `done: ${r.model}: ${figures}; fit ${r.fitSeconds.toFixed(1)} s${em}`,
      ...(r.trainLogLikelihood !== null ? unitsNote(r.logJacobian, 'log-likelihoods') : []),
      `run folder: ${r.out} (${Object.values(LINEAR_RUN_FILES).join(', ')})`,
    ];
  }
  return [
    `done: ${r.epochs} epochs${r.stoppedEarly ? ' (early stop)' : ''}${r.interrupted ? ' (interrupted)' : ''}; ` +
      `best epoch ${r.bestEpoch ?? '-'}: test −ELBO ${f2(r.testLoss)} nats/example, val ${f2(r.valLoss)}; ` +
      `training ${r.trainSeconds.toFixed(1)} s, ${r.examplesPerSecond.toFixed(0)} examples/s`,
    ...unitsNote(r.logJacobian, '−ELBO figures'),
    `run folder: ${r.out} (${r.files.join(', ')})`,
  ];
}

/** Progress, epoch lines and Ctrl-C handling of a training run on the terminal. */
function terminalCallbacks(io: CliIo, isStopRequested: () => boolean): RunCallbacks & { close(): void } {
  let bar: cliProgress.SingleBar | null = null;
  return {
    log: (l) => io.err(l),
    settingNamer: flagNamer,
    onEpochStart: (epoch, steps) => {
      if (!io.progressStream) return;
      bar = new cliProgress.SingleBar(
        {
          stream: io.progressStream,
          format: `epoch ${epoch} [{bar}] {percentage}% | {value}/{total} steps | loss {loss} | {eps} ex/s | eta {eta}s`,
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(steps, 0, { loss: '-', eps: '-' });
    },
    onStep: (s) => bar?.update(s.step, { loss: s.loss.toFixed(2), eps: s.examplesPerSecond.toFixed(0) }),
    onEpochEnd: (m) => {
      bar?.stop();
      bar = null;
      const units = m.activeUnits !== null && m.klPerDimension ? ` | active ${m.activeUnits}/${m.klPerDimension.length}` : '';
      const beta = m.beta !== 1 ? ` β ${m.beta.toPrecision(3)}` : '';
      const ll = m.logLikelihood
        ? ` | log p(x) ${f2(m.logLikelihood.value)} ± ${f2(m.logLikelihood.standardError)} (K=${m.logLikelihood.numSamples}, ${m.logLikelihood.numExamples} ${m.logLikelihood.split})`
        : '';
      // Terms of an objective beyond the ELBO's two (the β-TCVAE's mi, tc, dimKl).
      const more = Object.entries(m.terms)
        .filter(([n]) => n !== 'reconstruction' && n !== 'kl')
        .map(([n, v]) => `, ${n} ${f2(v)}`)
        .join('');
      io.out(
        `epoch ${m.epoch}: train ${f2(m.trainLoss)} (rec ${f2(m.reconstruction)}, kl ${f2(m.kl)}${more}${beta}) val ${f2(m.valLoss)} test ${f2(m.testLoss)} nats${units}${ll} | ` +
          `${m.seconds.toFixed(1)} s, ${m.examplesPerSecond.toFixed(0)} ex/s`,
      );
    },
    shouldStop: isStopRequested,
    close: () => (bar as cliProgress.SingleBar | null)?.stop(),
  };
}

/** Milliseconds within which a repeated signal counts as the same one (a Ctrl-C relayed by a launcher). */
const SIGNAL_REPEAT_MS = 1000;

/** The signals that stop a training run with a checkpoint. */
type StopSignal = 'SIGINT' | 'SIGTERM';

/** Exit codes after a stop by a signal: 128 + its number, as a shell reports a process the signal killed. */
const SIGNAL_EXIT_CODE: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

export function trainCommand(io: CliIo, done: (code: number) => void): Command {
  const cmd = new Command('train').description('train a VAE (or fit a linear model: --model pca|ppca|fa|gmm) on a dataset and write a run folder');
  for (const f of TRAIN_FLAGS) cmd.addOption(f.parse ? new Option(f.flags, f.description).argParser(f.parse) : new Option(f.flags, f.description));
  return cmd
    .option('--config <file>', "JSON file of options (the flags' camelCase names), or a run's config.json; flags override it")
    .addOption(nativeOption())
    .option(
      '--resume',
      'continue the run in --out from its checkpoint, with its saved settings; only --epochs (a longer run), --patience, --threads, --backend and --native may change, and other flags must repeat the saved values',
    )
    .option('--force', 'overwrite a run already in --out')
    .action(async (flags: TrainCommandFlags, command: Command) => {
      // Precedence: defaults (resolveRunConfig) < --config file < flags given on the command line.
      const file = flags.config ? configFile(flags.config) : { partial: {}, given: new Set<string>() };
      const fromFlags: Record<string, unknown> = {};
      const given = new Set(file.given);
      for (const f of TRAIN_FLAGS) {
        const a = attributeName(f);
        if (command.getOptionValueSource(a) === 'cli') {
          setPath(fromFlags, f.path, flags[a]);
          given.add(a);
        }
      }
      // merge shares the flags' nested objects, which applyShorthand then rewrites: merge a copy.
      const partial = merge(file.partial as Record<string, unknown>, structuredClone(fromFlags)) as PartialRunConfig;
      applyShorthand(partial);
      const model = partial.model?.kind ?? 'vae';
      checkApplies(model, given);
      const isVae = model === 'vae' || model === 'hvae';
      if (!isVae && flags.resume) throw new UsageError(`--resume: applies to VAE runs, not --model ${model} (a linear model is fitted in one go)`);
      if (flags.resume) await checkResumeFlags(partial, fromFlags);
      if (isVae) partial.compute = { ...partial.compute, backend: (await useBackend(partial.compute?.backend ?? 'wasm', { native: flags.native })) as 'wasm' };
      // Ctrl-C (SIGINT) and SIGTERM (a scheduler, `kill`) both finish the step, save a checkpoint and exit 128 + signal.
      let stopSignal: StopSignal | null = null;
      let firstSignalAt = 0;
      const onSignal = (signal: StopSignal) => {
        // A second signal leaves now (the last checkpoint is intact). Launchers (npx, tsx) relay one
        // Ctrl-C to their child as well, so a repeat within a second is the same keypress.
        if (stopSignal && performance.now() - firstSignalAt > SIGNAL_REPEAT_MS) process.exit(SIGNAL_EXIT_CODE[stopSignal]);
        if (stopSignal) return;
        firstSignalAt = performance.now();
        stopSignal = signal;
        const name = signal === 'SIGINT' ? 'Ctrl-C' : signal;
        io.err(`\n${name}: finishing this step and saving a checkpoint (${name} again to quit at once)`);
      };
      const onSigint = () => onSignal('SIGINT');
      const onSigterm = () => onSignal('SIGTERM');
      const removeHandlers = () => {
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigterm);
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigterm);
      const callbacks = terminalCallbacks(io, () => stopSignal !== null);
      try {
        const resumeChanges = {
          epochs: given.has('epochs') ? partial.training?.epochs : undefined,
          patience: given.has('patience') ? (partial.training?.patience ?? null) : undefined,
        };
        const result = await trainRun(partial, { resume: flags.resume, resumeChanges, overwrite: flags.force }, callbacks);
        for (const l of summaryLines(result)) io.out(l);
        done(result.kind === 'vae-run' && result.interrupted ? SIGNAL_EXIT_CODE[stopSignal ?? 'SIGINT'] : 0);
      } finally {
        callbacks.close();
        // A launcher's relayed copy of the signal may arrive after the run has stopped: keep swallowing it for the
        // rest of the window, or Node's default action would kill the process before it exits with 130 or 143.
        if (stopSignal) setTimeout(removeHandlers, SIGNAL_REPEAT_MS).unref();
        else removeHandlers();
      }
    });
}
