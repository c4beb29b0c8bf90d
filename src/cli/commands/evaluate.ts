/** `vaekit evaluate RUN`: parse → evaluateRun (writes RUN/evaluation.json) → a one-row table. */
import { Command } from 'commander';
import { join } from 'node:path';
import { BACKENDS, useBackend, type BackendName } from '../../node/compute/backend.js';
import type { NativeChoice } from '../../node/compute/native-kernels.js';
import { workerThreadsFor } from '../../node/parallel/start-worker.js';
import { evaluateRun } from '../../node/runs/kinds.js';
import { EVALUATE_DEFAULT_SAMPLES, EVALUATION_FILE } from '../../node/runs/results.js';
import { SPLITS, type Split } from '../../node/runs/run-data.js';
import { int, nativeOption, oneOf } from '../flags.js';
import type { CliIo } from '../io.js';

const f = (x: number | null | undefined, digits = 2) => (x === null || x === undefined ? '-' : x.toFixed(digits));

export function evaluateCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('evaluate')
    .description(
      'evaluate a run on a data split: exact log-likelihood (linear density models), or ELBO and importance-sampled log p(x) (VAE), nats per example',
    )
    .argument('<run>', 'a run folder')
    .option('--data <name|dir>', "data source (default: the run's own)")
    .option('--split <split>', `which split (${SPLITS.join(', ')})`, oneOf('--split', SPLITS), 'test')
    .option('--samples <K>', 'VAE: importance samples per example for log p(x) (0: ELBO only)', int('--samples', 0), EVALUATE_DEFAULT_SAMPLES)
    .option('--seed <n>', 'VAE: seed of the importance samples', int('--seed', 0), 0)
    .option('--threads <n>', 'VAE: threads for the estimate (worker threads, wasm/cpu backends); default: one per core, at most 4', int('--threads', 1))
    .option('--backend <name>', `compute backend for a VAE (${BACKENDS.join(', ')})`, oneOf('--backend', BACKENDS), 'wasm')
    .addOption(nativeOption())
    .action(
      async (run: string, o: { data?: string; split: Split; samples: number; seed: number; threads?: number; backend: BackendName; native: NativeChoice }) => {
        await useBackend(o.backend, { native: o.native });
        let last = 0;
        const e = await evaluateRun(run, {
          split: o.split,
          data: o.data,
          numSamples: o.samples,
          seed: o.seed,
          ...workerThreadsFor(o.backend, o.threads),
          onProgress: (n, total) => {
            const now = performance.now();
            if (now - last > 30_000 || n === total) {
              last = now;
              io.err(`log p(x), K = ${o.samples}: ${n}/${total} examples`);
            }
          },
        });
        const est = e.logLikelihoodEstimate;
        const header = [
          'model',
          'split',
          'examples',
          'log p(x) exact',
          `log p(x) IS${est ? ` (K=${est.numSamples})` : ''}`,
          '± se',
          'bits/dim',
          'ELBO',
          'recon. error',
        ];
        const row = [
          e.model,
          e.split,
          String(e.numExamples),
          f(e.logLikelihood?.mean),
          f(est?.value),
          f(est?.standardError),
          f(e.bitsPerDim, 4),
          f(e.elbo?.mean),
          f(e.reconstructionError),
        ];
        const widths = header.map((h, i) => Math.max(h.length, row[i].length));
        io.out(header.map((h, i) => h.padEnd(widths[i])).join('  '));
        io.out(row.map((c, i) => c.padEnd(widths[i])).join('  '));
        io.out(`wrote ${join(run, EVALUATION_FILE)} (nats per example; dataset ${e.dataset})`);
        done(0);
      },
    );
}
