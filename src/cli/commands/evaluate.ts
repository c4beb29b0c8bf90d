/** `vaekit evaluate RUN`: parse → evaluateRun (writes RUN/evaluation.json) → a one-row table. */
import { Command } from 'commander';
import { join } from 'node:path';
import { useBackend, BACKENDS, type BackendName } from '../../node/backend.js';
import { EVALUATION_FILE, evaluateRun } from '../../node/evaluate-run.js';
import { SPLITS, type Split } from '../../node/run-split.js';
import type { CliIo } from '../io.js';
import { oneOf } from '../parse.js';

const f = (x: number | null | undefined, digits = 2) => (x === null || x === undefined ? '-' : x.toFixed(digits));

export function evaluateCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('evaluate')
    .description('evaluate a run on a data split: exact log-likelihood (linear density models) or ELBO (VAE), nats per example')
    .argument('<run>', 'a run folder')
    .option('--data <name|dir>', "data source (default: the run's own)")
    .option('--split <split>', `which split (${SPLITS.join(', ')})`, oneOf('--split', SPLITS), 'test')
    .option('--backend <name>', `compute backend for a VAE (${BACKENDS.join(', ')})`, oneOf('--backend', BACKENDS), 'wasm')
    .action(async (run: string, o: { data?: string; split: Split; backend: BackendName }) => {
      await useBackend(o.backend);
      const e = await evaluateRun(run, { split: o.split, data: o.data });
      const header = ['model', 'split', 'examples', 'log p(x) exact', 'bits/dim', 'ELBO', 'recon. error'];
      const row = [e.model, e.split, String(e.numExamples), f(e.logLikelihood?.mean), f(e.bitsPerDim, 4), f(e.elbo?.mean), f(e.reconstructionError)];
      const widths = header.map((h, i) => Math.max(h.length, row[i].length));
      io.out(header.map((h, i) => h.padEnd(widths[i])).join('  '));
      io.out(row.map((c, i) => c.padEnd(widths[i])).join('  '));
      io.out(`wrote ${join(run, EVALUATION_FILE)} (nats per example; dataset ${e.dataset})`);
      done(0);
    });
}
