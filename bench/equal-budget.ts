/**
 * Models against each other at an equal wall-clock budget on dynamically binarised MNIST: each run
 * trains through the CLI and is stopped (Ctrl-C: a checkpoint, the last epoch's model) after
 * --minutes, with the importance-sampled log p(x) of the first --epoch-limit test images after every
 * epoch (the curve); then each is evaluated with K = --eval-samples on the first --eval-limit test
 * images (all by default); prints one markdown table and writes the curves as SVG. Prints figures;
 * asserts nothing. Two sets:
 *
 *   npm run protocol:iwae   (--set iwae) the VAE against the IWAE k = 5 and k = 50 on Burda, Grosse &
 *                           Salakhutdinov 2016's architecture (784-200-200-50, tanh, batch 20, Adam 1e-3)
 *   npm run protocol:hvae   (--set hvae) the same protocol for the VAE with two stochastic layers (models/hvae.ts:
 *                           784-200-200-100-100-100-50, tanh; batch 20, Adam 1e-3), VAE and IWAE k = 5 (Burda et al.'s
 *                           second architecture; active units are the top layer's, 50)
 *   npm run protocol:arch   (--set arch) the MLP VAE (784-400-20), the conv VAE (src/nets/conv.ts,
 *                           the Keras example's size) and the conditional conv VAE (--condition label,
 *                           log p(x|y)), vaekit's defaults otherwise (batch 128, Adam 1e-3, Z = 20)
 *
 *   npm run protocol:iwae -- [--minutes 60] [--sequential] [--dir runs/<set>] [--eval-samples 5000] [--eval-limit N]
 *                            [--epoch-samples 200] [--epoch-limit 500] [--skip-train] [--plot docs/img/<set>.svg]
 *
 * By default a set's runs train at the same time (each on one OpenBLAS thread), so each gets the
 * same share of the machine for the same wall-clock time; --sequential trains them one after the other.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../src/node/formats/atomic.js';
import { renderSpecToSvg } from '../src/node/formats/plot.js';
import type { EpochMetrics } from '../src/training/state.js';

const { values: a } = parseArgs({
  options: {
    set: { type: 'string', default: 'iwae' },
    minutes: { type: 'string', default: '60' },
    sequential: { type: 'boolean', default: false },
    dir: { type: 'string' },
    'eval-samples': { type: 'string', default: '5000' },
    'eval-limit': { type: 'string' },
    'epoch-samples': { type: 'string', default: '200' },
    'epoch-limit': { type: 'string', default: '500' },
    'skip-train': { type: 'boolean', default: false },
    plot: { type: 'string' },
  },
});

/** One run of a set: its folder name, its label in the table, its own train flags, and a literature figure. */
interface ProtocolRun {
  name: string;
  label: string;
  args: string[];
  latentDim: number;
  literature: string;
}

/** Per set: the flags every run shares, and the runs. */
const SETS: Record<string, { plot: string; literatureTitle: string; common: string[]; runs: ProtocolRun[] }> = {
  iwae: {
    plot: 'docs/img/iwae-vs-vae.svg',
    literatureTitle: 'Burda et al. (3,280 passes)',
    common: ['--batch-size', '20', '--hidden', '200,200', '--activation', 'tanh', '--latent', '50'],
    runs: [
      { name: 'vae-k1', label: 'VAE (k = 1)', args: ['--objective', 'elbo', '--samples', '1'], latentDim: 50, literature: '−86.76' },
      { name: 'iwae-k5', label: 'IWAE (k = 5)', args: ['--objective', 'iwae', '--samples', '5'], latentDim: 50, literature: '−85.54' },
      { name: 'iwae-k50', label: 'IWAE (k = 50)', args: ['--objective', 'iwae', '--samples', '50'], latentDim: 50, literature: '−84.78' },
    ],
  },
  hvae: {
    plot: 'docs/img/hvae-vs-vae.svg',
    literatureTitle: 'Burda et al. (3,280 passes)',
    common: ['--batch-size', '20', '--model', 'hvae'],
    runs: [
      { name: 'hvae-vae-k1', label: 'two-layer VAE (k = 1)', args: ['--objective', 'elbo', '--samples', '1'], latentDim: 50, literature: '−85.33' },
      { name: 'hvae-iwae-k5', label: 'two-layer IWAE (k = 5)', args: ['--objective', 'iwae', '--samples', '5'], latentDim: 50, literature: '−83.89' },
    ],
  },
  arch: {
    plot: 'docs/img/conv-vs-mlp.svg',
    literatureTitle: 'literature (long training)',
    common: ['--latent', '20'],
    runs: [
      { name: 'mlp', label: 'MLP VAE 784-400-20', args: ['--arch', 'mlp'], latentDim: 20, literature: '−86 to −87 (MLP VAEs)' },
      { name: 'conv', label: 'conv VAE (32, 64 channels)', args: ['--arch', 'conv'], latentDim: 20, literature: '−81 to −84 (conv VAEs)' },
      {
        name: 'conv-cvae',
        label: 'conditional conv VAE, log p(x|y)',
        args: ['--arch', 'conv', '--condition', 'label'],
        latentDim: 20,
        literature: '−82.3 vs −86.4 (CVAE vs VAE, IWAE training)',
      },
    ],
  },
};
const SET = SETS[a.set!];
if (!SET) throw new Error(`--set: expected one of ${Object.keys(SETS).join(', ')}, got '${a.set}'`);
const RUNS = SET.runs;

const CLI = ['--import', 'tsx', resolve('src/cli/main.ts')];

/** Runs the CLI; with `seconds`, sends Ctrl-C (SIGINT) then and waits for the checkpoint. */
function cli(args: string[], opts: { seconds?: number; log?: string; env?: Record<string, string> } = {}): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    const lines: string[] = [];
    const keep = (d: Buffer) => {
      for (const l of d.toString().split('\n')) if (l.trim()) lines.push(l);
      if (opts.log) process.stdout.write(d.toString().replace(/^(?=.)/gm, `[${opts.log}] `));
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = opts.seconds ? setTimeout(() => child.kill('SIGINT'), opts.seconds * 1000) : null;
    child.on('error', fail);
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      done(code ?? 1);
    });
  });
}

async function trainAll(dir: string, seconds: number): Promise<void> {
  const common = ['--data', 'mnist', '--val', '0', '--epochs', '100000', '--binarize', 'dynamic', ...SET.common];
  const more = ['--eval-loglik', a['epoch-samples']!, '--eval-limit', a['epoch-limit']!, '--force'];
  const one = (r: ProtocolRun) =>
    cli(['train', ...common, ...more, ...r.args, '--out', join(dir, r.name)], {
      seconds,
      log: r.name,
      env: { OPENBLAS_NUM_THREADS: a.sequential ? '2' : '1' },
    });
  if (a.sequential) for (const r of RUNS) await one(r);
  else await Promise.all(RUNS.map(one));
}

const readMetrics = (run: string): EpochMetrics[] =>
  readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

async function main() {
  const dir = resolve(a.dir ?? join('runs', a.set!));
  const evalLimit = a['eval-limit'] ? ['--limit', a['eval-limit']] : [];
  const seconds = Number(a.minutes) * 60;
  if (!a['skip-train']) await trainAll(dir, seconds);
  for (const r of RUNS) {
    const run = join(dir, r.name);
    const e = join(run, 'evaluation.json');
    const done = existsSync(e) ? JSON.parse(readFileSync(e, 'utf8')) : null;
    const expectExamples = a['eval-limit'] ? Number(a['eval-limit']) : 10000;
    if (done?.logLikelihoodEstimate?.numSamples === Number(a['eval-samples']) && done.numExamples === expectExamples) continue;
    const code = await cli(['evaluate', run, '--samples', a['eval-samples']!, ...evalLimit], { log: `${r.name} evaluate` });
    if (code !== 0) throw new Error(`evaluate ${run} exited ${code}`);
  }
  const rows: string[] = [
    `| model | epochs in ${a.minutes} min | training time | test log p(x), K = ${a['eval-samples']}${a['eval-limit'] ? `, first ${a['eval-limit']} test images` : ''} | IWAE bound at its k | test ELBO | active units | ${SET.literatureTitle} |`,
    '|---|---|---|---|---|---|---|---|',
  ];
  const curve: { model: string; minutes: number; logLikelihood: number }[] = [];
  for (const r of RUNS) {
    const run = join(dir, r.name);
    const m = readMetrics(run);
    const e = JSON.parse(readFileSync(join(run, 'evaluation.json'), 'utf8'));
    let wall = 0;
    for (const row of m) {
      wall += row.seconds + row.evalSeconds;
      if (row.logLikelihood) curve.push({ model: r.label, minutes: wall / 60, logLikelihood: row.logLikelihood.value });
    }
    const train = m.reduce((s, row) => s + row.seconds, 0);
    const ll = e.logLikelihoodEstimate;
    rows.push(
      `| ${r.label} | ${m.length} | ${(train / 60).toFixed(1)} min | **${ll.value.toFixed(2)}** ± ${ll.standardError.toFixed(2)} | ${e.iwaeBound.value.toFixed(2)} (k = ${e.iwaeBound.numSamples}) | ${e.elbo.mean.toFixed(2)} | ${e.latent.activeUnits}/${r.latentDim} | ${r.literature} |`,
    );
  }
  console.log(rows.join('\n'));
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Test log p(x) over training (K = ${a['epoch-samples']}, first ${a['epoch-limit']} test images), equal wall-clock budget`,
    width: 520,
    height: 320,
    data: { values: curve },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'minutes', type: 'quantitative', title: 'wall-clock minutes (training and per-epoch evaluation)' },
      y: { field: 'logLikelihood', type: 'quantitative', title: 'log p(x), nats per example', scale: { zero: false } },
      color: { field: 'model', type: 'nominal', title: null, legend: { orient: 'bottom-right', labelLimit: 300 } },
    },
  };
  const plot = a.plot ?? SET.plot;
  await writeFileAtomic(resolve(plot), await renderSpecToSvg(spec));
  console.log(`wrote ${plot}`);
}

main().catch((e) => {
  console.error(`protocol:${a.set}: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
