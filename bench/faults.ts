/**
 * npm run faults — kill -9 at random and at targeted moments, then check that nothing was lost.
 *
 *   training: an uninterrupted reference run of a small MNIST subset with --val, then runs that are
 *     SIGKILLed (at random times, or when a checkpoint, model, picture or other temporary file appears
 *     in the run folder, or when the model folder is swapped) and resumed with --resume, the resume
 *     itself killed again, until they finish. After every kill the checkpoint and the model folder
 *     must be readable with the library's readers and every file readable before still readable;
 *     each finished run's metrics.jsonl must equal the reference's to 1e-6 relative (loss fields and
 *     the per-epoch log p(x)) and its pictures byte for byte; no temporary file, `.old` folder or lock
 *     may remain anywhere in the run folder.
 *   evaluate, score, sample, reconstruct, calibrate: each killed mid-way on a finished run, several
 *     times: an output that exists after a kill must be complete (JSON parses, a CSV has every row, a
 *     PNG decodes) and equal the uninterrupted run's (JSON: clock fields aside); a rerun finishes and
 *     gives the same file, and leaves no temporary file.
 *
 * Prints a table (scenario | faults injected | survived | resumed exactly | temp files left | bytes lost
 * | hangs) and the kills by phase; exits 1 when any check fails. The phases mid-step and mid-evaluation
 * are estimated from the time within the epoch (the reference run's training seconds); the others are
 * read from the files on disk at the moment of the kill.
 *
 *   npm run faults -- [--kills 100] [--command-kills 6] [--seed 1] [--quick] [--keep DIR]
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { useBackend } from '../src/node/compute/backend.js';
import { readCheckpoint } from '../src/node/formats/checkpoint.js';
import { RUN_FILES } from '../src/node/runs/folder.js';
import {
  commandChain,
  formatTable,
  harnessRng,
  isClean,
  newTally,
  referenceRun,
  trainChain,
  type CommandSetup,
  type KillPlan,
  type ScenarioTally,
} from './faults-harness.js';

const { values } = parseArgs({
  options: {
    kills: { type: 'string' },
    'command-kills': { type: 'string' },
    seed: { type: 'string', default: '1' },
    quick: { type: 'boolean', default: false },
    keep: { type: 'string' },
  },
});
const isQuick = values.quick;
const totalKills = Number(values.kills ?? (isQuick ? 20 : 100));
const commandKills = Number(values['command-kills'] ?? (isQuick ? 2 : 6));
const rng = harnessRng(Number(values.seed));
const KILLS_PER_RUN = 10;
const TIMEOUT_MS = 180_000;

await useBackend('cpu'); // the harness's own reads of checkpoints and models (useBackend also keeps the cpu backend's banner quiet)

// A small MNIST subset with validation and a per-epoch log p(x), so evaluation takes a share of each epoch.
const [limit, val, epochs] = isQuick ? [1200, 200, 3] : [6000, 600, 4];
const trainArgs = [
  'train',
  '--data',
  'mnist',
  '--limit',
  String(limit),
  '--val',
  String(val),
  '--epochs',
  String(epochs),
  '--hidden',
  isQuick ? '32' : '64',
  '--latent',
  '4',
  '--eval-loglik',
  '10',
  '--eval-limit',
  '500',
  '--backend',
  'wasm',
  '--seed',
  '1',
];
const stepsPerEpoch = Math.ceil((limit - val) / 128);

const root = values.keep ?? mkdtempSync(join(tmpdir(), 'vaekit-faults-'));
const t0 = performance.now();
const setup = await referenceRun(trainArgs, join(root, 'reference'), stepsPerEpoch, TIMEOUT_MS);
console.log(
  `reference run: ${epochs} epochs of ${limit - val} MNIST examples (val ${val}), ${(setup.ms / 1000).toFixed(1)} s, training from ${(setup.trainStartMs / 1000).toFixed(1)} s`,
);

const tempOf = (name: string) => new RegExp(`^\\.${name.replace(/\./g, '\\.')}\\.\\d+\\.[0-9a-f]{12}\\.tmp$`);
const between = (a: number, b: number) => a + rng() * (b - a);
const smallDelay = () => (rng() < 0.5 ? 0 : rng() * 3);

/** Epochs the next start of `run` has left to train (all when it has no checkpoint yet). */
async function epochsLeft(run: string): Promise<number> {
  const ckpt = join(run, RUN_FILES.checkpoint);
  if (!existsSync(ckpt)) return epochs;
  return epochs - (await readCheckpoint(ckpt)).state.epoch;
}

/**
 * A kill plan for a training start: random times over the run, or the appearance of a file of one
 * phase; among them the last epoch's metrics write, which comes after its checkpoint's rename.
 */
async function trainPlan(run: string): Promise<KillPlan> {
  const u = rng();
  const nth = 1 + Math.floor(rng() * 2);
  if (u < 0.42) return { kind: 'time', afterMs: between(0.6 * setup.trainStartMs, 1.05 * setup.ms) };
  if (u < 0.56) return { kind: 'file', pattern: tempOf('checkpoint.vkc'), nth, delayMs: smallDelay(), label: 'checkpoint' };
  if (u < 0.68) return { kind: 'file', pattern: tempOf('model'), nth, delayMs: between(0, 4), label: 'model' };
  if (u < 0.76) return { kind: 'file', pattern: /^model\.old$/, nth: 1, delayMs: 0, label: 'model swap' };
  if (u < 0.86)
    return { kind: 'file', pattern: /^\.(reconstructions|samples)\.png\.\d+\.[0-9a-f]{12}\.tmp$/, nth: 1, delayMs: smallDelay(), label: 'pictures' };
  if (u < 0.93) return { kind: 'file', pattern: tempOf('metrics.jsonl'), nth: Math.max(1, await epochsLeft(run)), delayMs: 0, label: 'last metrics' };
  return {
    kind: 'file',
    pattern: /^\.(metrics\.jsonl|loss-curve\.svg|summary\.json|config\.json)\.\d+\.[0-9a-f]{12}\.tmp$/,
    nth,
    delayMs: smallDelay(),
    label: 'other',
  };
}

const training = newTally('train (kill -9, --resume)');
for (let i = 0; training.faults < totalKills && i < Math.ceil((10 * totalKills) / KILLS_PER_RUN); i++) {
  let planned = 0;
  await trainChain(setup, join(root, `run-${i}`), (_k, run) => (planned++ < KILLS_PER_RUN ? trainPlan(run) : { kind: 'none' }), training);
  process.stdout.write(`\rtraining: run ${i + 1}, ${training.faults} kills`);
}
process.stdout.write('\n');

// The commands, each on its own copy of the finished reference run.
const ref = setup.reference.run;
const numTest = limit;
const commands: CommandSetup[] = [
  { name: 'evaluate', args: (r) => ['evaluate', r, '--samples', '20'], output: 'evaluation.json', timeoutMs: TIMEOUT_MS },
  { name: 'score', args: (r) => ['score', r], output: 'scores-test.csv', rows: numTest, timeoutMs: TIMEOUT_MS },
  { name: 'sample', args: (r) => ['sample', r, '--out', join(r, 'fault-samples.png')], output: 'fault-samples.png', timeoutMs: TIMEOUT_MS },
  {
    name: 'reconstruct',
    args: (r) => ['reconstruct', r, '--out', join(r, 'fault-reconstructions.png')],
    output: 'fault-reconstructions.png',
    timeoutMs: TIMEOUT_MS,
  },
  { name: 'calibrate', args: (r) => ['calibrate', r, '--contamination', '0.05'], output: 'calibration.json', timeoutMs: TIMEOUT_MS },
];
const tallies: ScenarioTally[] = [training];
for (const cmd of commands) {
  const run = join(root, `cmd-${cmd.name}`);
  rmSync(run, { recursive: true, force: true });
  cpSync(ref, run, { recursive: true });
  const tally = newTally(`${cmd.name} (kill -9, rerun)`);
  // Half at random times over the command's uninterrupted duration, half when its output's temporary file appears.
  const plans = (ms: number): KillPlan[] =>
    Array.from({ length: commandKills }, (_, k) =>
      k % 2 === 0
        ? { kind: 'time', afterMs: between(0.4 * ms, 0.98 * ms) }
        : { kind: 'file', pattern: tempOf(cmd.output), nth: 1, delayMs: smallDelay(), label: cmd.output },
    );
  await commandChain(cmd, run, plans, tally);
  tallies.push(tally);
  process.stdout.write(`\r${cmd.name}: ${tally.faults} kills        \n`);
}

const seconds = (performance.now() - t0) / 1000;
console.log('');
console.log(formatTable(tallies));
console.log(`\nwall time ${seconds.toFixed(0)} s; seed ${values.seed}; folders in ${root}${values.keep ? '' : ' (removed)'}`);
const failures = tallies.flatMap((t) => t.failures);
for (const f of failures.slice(0, 40)) console.log(`FAIL ${f}`);
if (failures.length > 40) console.log(`… and ${failures.length - 40} more`);
if (!values.keep) rmSync(root, { recursive: true, force: true });
process.exitCode = tallies.every(isClean) ? 0 : 1;
