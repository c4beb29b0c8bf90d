/**
 * npm run protocol:iwae — the VAE against the IWAE at an equal wall-clock budget, on Burda, Grosse &
 * Salakhutdinov 2016's architecture (784-200-200-50, tanh, Bernoulli decoder, dynamically binarised
 * MNIST, batch 20, Adam 1e-3): trains VAE (k = 1), IWAE k = 5 and IWAE k = 50 through the CLI, each
 * stopped (Ctrl-C: a checkpoint, the last epoch's model) after --minutes, with the importance-sampled
 * log p(x) of the first --epoch-limit test images after every epoch (the curve); then evaluates each
 * with K = --eval-samples over the whole test set, prints one markdown table and writes the curves as
 * SVG. Prints figures; asserts nothing.
 *
 *   npm run protocol:iwae -- [--minutes 60] [--sequential] [--dir runs/iwae-vs-vae] [--eval-samples 5000]
 *                            [--epoch-samples 200] [--epoch-limit 500] [--skip-train] [--plot docs/img/iwae-vs-vae.svg]
 *
 * By default the three runs train at the same time (each on one OpenBLAS thread), so each gets the
 * same share of the machine for the same hour; --sequential trains them one after the other.
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
    minutes: { type: 'string', default: '60' },
    sequential: { type: 'boolean', default: false },
    dir: { type: 'string', default: 'runs/iwae-vs-vae' },
    'eval-samples': { type: 'string', default: '5000' },
    'epoch-samples': { type: 'string', default: '200' },
    'epoch-limit': { type: 'string', default: '500' },
    'skip-train': { type: 'boolean', default: false },
    plot: { type: 'string', default: 'docs/img/iwae-vs-vae.svg' },
  },
});

const RUNS = [
  { name: 'vae-k1', label: 'VAE (k = 1)', objective: 'elbo', k: 1, paper: -86.76 },
  { name: 'iwae-k5', label: 'IWAE (k = 5)', objective: 'iwae', k: 5, paper: -85.54 },
  { name: 'iwae-k50', label: 'IWAE (k = 50)', objective: 'iwae', k: 50, paper: -84.78 },
] as const;

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
  const common = ['--data', 'mnist', '--val', '0', '--epochs', '100000', '--batch-size', '20', '--hidden', '200,200', '--activation', 'tanh'];
  const more = ['--latent', '50', '--binarize', 'dynamic', '--eval-loglik', a['epoch-samples']!, '--eval-limit', a['epoch-limit']!, '--force'];
  const one = (r: (typeof RUNS)[number]) =>
    cli([...['train', ...common, ...more], '--objective', r.objective, '--samples', String(r.k), '--out', join(dir, r.name)], {
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
  const dir = resolve(a.dir!);
  const seconds = Number(a.minutes) * 60;
  if (!a['skip-train']) await trainAll(dir, seconds);
  for (const r of RUNS) {
    const run = join(dir, r.name);
    const e = join(run, 'evaluation.json');
    if (existsSync(e) && JSON.parse(readFileSync(e, 'utf8')).logLikelihoodEstimate?.numSamples === Number(a['eval-samples'])) continue;
    const code = await cli(['evaluate', run, '--samples', a['eval-samples']!], { log: `${r.name} evaluate` });
    if (code !== 0) throw new Error(`evaluate ${run} exited ${code}`);
  }
  const rows: string[] = [
    `| model | epochs in ${a.minutes} min | training time | test log p(x), K = ${a['eval-samples']} | IWAE bound at its k | test ELBO | active units | Burda et al. (3,280 passes) |`,
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
      `| ${r.label} | ${m.length} | ${(train / 60).toFixed(1)} min | **${ll.value.toFixed(2)}** ± ${ll.standardError.toFixed(2)} | ${e.iwaeBound.value.toFixed(2)} (k = ${e.iwaeBound.numSamples}) | ${e.elbo.mean.toFixed(2)} | ${e.latent.activeUnits}/50 | ${r.paper} |`,
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
  if (a.plot) {
    await writeFileAtomic(resolve(a.plot), await renderSpecToSvg(spec));
    console.log(`wrote ${a.plot}`);
  }
}

main().catch((e) => {
  console.error(`protocol:iwae: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
