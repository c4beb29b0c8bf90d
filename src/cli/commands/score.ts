/** `vaekit score RUN`: parse → scoreRun → CSV of per-example anomaly scores → the 5 highest. */
import { Command } from 'commander';
import { join } from 'node:path';
import { writeFileAtomic } from '../../node/atomic.js';
import { useBackend, BACKENDS, type BackendName } from '../../node/backend.js';
import { SPLITS, type Split } from '../../node/run-split.js';
import { scoreRun, scoresCsv } from '../../node/score-run.js';
import type { CliIo } from '../io.js';
import { oneOf } from '../parse.js';

export function scoreCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('score')
    .description('anomaly score per example: −log p(x) (nll, nats), PCA squared error, or VAE −ELBO (negElbo, nats)')
    .argument('<run>', 'a run folder')
    .option('--data <name|dir|file>', "data source (default: the run's own); a table is read with the run's columns and standardisation")
    .option('--split <split>', `which split (${SPLITS.join(', ')}; all = a table's every row in file order)`, oneOf('--split', SPLITS), 'test')
    .option('--out <file>', 'CSV file to write (default RUN/scores-<split>.csv)')
    .option('--backend <name>', `compute backend for a VAE (${BACKENDS.join(', ')})`, oneOf('--backend', BACKENDS), 'wasm')
    .action(async (run: string, o: { data?: string; split: Split; out?: string; backend: BackendName }) => {
      await useBackend(o.backend);
      const s = await scoreRun(run, { split: o.split, data: o.data });
      const out = o.out ?? join(run, `scores-${s.split}.csv`);
      await writeFileAtomic(out, scoresCsv(s));
      const top = Array.from(s.scores.keys()).sort((a, b) => s.scores[b] - s.scores[a]).slice(0, 5);
      io.out(`wrote ${s.scores.length} ${s.column} scores (${s.model}, ${s.split}) to ${out}`);
      io.out(`highest: ${top.map((i) => `#${i} (${s.scores[i].toFixed(2)})`).join(', ')}`);
      done(0);
    });
}
