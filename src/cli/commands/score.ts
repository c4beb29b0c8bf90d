/** `vaekit score RUN`: parse → scoreRun → CSV of per-example anomaly scores → the 5 highest. */
import { Command } from 'commander';
import { join } from 'node:path';
import { BACKENDS, useBackend, type BackendName } from '../../node/compute/backend.js';
import type { NativeChoice } from '../../node/compute/native-kernels.js';
import { writeFileAtomic } from '../../node/formats/atomic.js';
import { workerThreadsFor } from '../../node/parallel/start-worker.js';
import { scoreRun, scoresCsv } from '../../node/runs/kinds.js';
import { SPLITS, type Split } from '../../node/runs/run-data.js';
import { int, nativeOption, oneOf } from '../flags.js';
import type { CliIo } from '../io.js';

export function scoreCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('score')
    .description(
      'anomaly score per example: −log p(x) (nll, nats), PCA squared error, or VAE −ELBO (negElbo, nats) or, with --samples K, the importance-sampled −log p(x) (nll)',
    )
    .argument('<run>', 'a run folder')
    .option('--data <name|dir|file>', "data source (default: the run's own); a table is read with the run's columns and standardisation")
    .option('--split <split>', `which split (${SPLITS.join(', ')}; all = a table's every row in file order)`, oneOf('--split', SPLITS), 'test')
    .option('--out <file>', 'CSV file to write (default RUN/scores-<split>.csv)')
    .option('--samples <K>', 'VAE: score by the importance-sampled −log p(x) with K samples per example (0: −ELBO)', int('--samples', 0), 0)
    .option('--threads <n>', 'VAE with --samples: threads for the estimate; default: one per core, at most 4', int('--threads', 1))
    .option('--backend <name>', `compute backend for a VAE (${BACKENDS.join(', ')})`, oneOf('--backend', BACKENDS), 'wasm')
    .addOption(nativeOption())
    .action(
      async (run: string, o: { data?: string; split: Split; out?: string; samples: number; threads?: number; backend: BackendName; native: NativeChoice }) => {
        await useBackend(o.backend, { native: o.native });
        const s = await scoreRun(run, { split: o.split, data: o.data, numSamples: o.samples, ...workerThreadsFor(o.backend, o.threads) });
        const out = o.out ?? join(run, `scores-${s.split}.csv`);
        await writeFileAtomic(out, scoresCsv(s));
        const top = Array.from(s.scores.keys())
          .sort((a, b) => s.scores[b] - s.scores[a])
          .slice(0, 5);
        io.out(`wrote ${s.scores.length} ${s.column} scores (${s.model}, ${s.split}) to ${out}`);
        io.out(`highest: ${top.map((i) => `#${i} (${s.scores[i].toFixed(2)})`).join(', ')}`);
        done(0);
      },
    );
}
