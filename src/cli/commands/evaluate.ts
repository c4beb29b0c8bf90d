/**
 * `vaekit evaluate RUN`: parse → check that the output file can be written (before the long
 * estimate) → evaluateRun → a one-row table → the file (RUN/evaluation.json for the test split,
 * RUN/evaluation-<split>.json for another, or --out), written after the table is printed; on data
 * with ground-truth factors (dsprites) also the mutual information gap (MIG) and its per-factor gaps.
 */
import { Command } from 'commander';
import { join } from 'node:path';
import { useBackend, type BackendName } from '../../node/compute/backend.js';
import { writeFileAtomic } from '../../node/formats/atomic.js';
import type { NativeChoice } from '../../node/compute/native-kernels.js';
import { workerThreadsFor } from '../../node/parallel/start-worker.js';
import { evaluateRun, readRun } from '../../node/runs/kinds.js';
import { checkWritableFile, EVALUATE_DEFAULT_SAMPLES, EVALUATION_FILE, evaluationFile, evaluationJson } from '../../node/runs/results.js';
import { SPLITS, type Split } from '../../node/runs/run-data.js';
import { backendOption, int, nativeOption, oneOf } from '../flags.js';
import type { CliIo } from '../io.js';
import { withProgress } from '../progress.js';

const f = (x: number | null | undefined, digits = 2) => (x === null || x === undefined ? '-' : x.toFixed(digits));

export function evaluateCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('evaluate')
    .description(
      'evaluate a run on a data split: exact log-likelihood (linear density models), or ELBO and importance-sampled log p(x) (VAE), nats per example',
    )
    .argument('<run>', 'a run folder')
    .option('--data <name|dir|file>', "data source (default: the run's own); a table is read with the run's columns and standardisation")
    .option('--split <split>', `which split (${SPLITS.join(', ')})`, oneOf('--split', SPLITS), 'test')
    .option(
      '--out <file>',
      `JSON file to write (default RUN/${EVALUATION_FILE} for the test split, which report and explorer read; RUN/evaluation-<split>.json for another)`,
    )
    .option('--limit <n>', "only the first n examples of the split (after the run's own --limit)", int('--limit', 1))
    .option('--samples <K>', 'VAE: importance samples per example for log p(x) (0: ELBO only)', int('--samples', 0), EVALUATE_DEFAULT_SAMPLES)
    .option('--seed <n>', 'VAE: seed of the importance samples', int('--seed', 0), 0)
    .option('--iwae-samples <K>', 'VAE: K of the IWAE bound reported beside log p(x) [the K the run trained with]', int('--iwae-samples', 1))
    .option(
      '--threads <n>',
      'VAE: threads for the estimate (worker threads, wasm/cpu backends); default: 1 with the native kernels, else one per core, at most 4',
      int('--threads', 1),
    )
    .addOption(backendOption())
    .addOption(nativeOption())
    .action(
      async (
        run: string,
        o: {
          data?: string;
          split: Split;
          out?: string;
          limit?: number;
          samples: number;
          seed: number;
          iwaeSamples?: number;
          threads?: number;
          backend: BackendName;
          native: NativeChoice;
        },
      ) => {
        await useBackend(o.backend, { native: o.native });
        const saved = await readRun(run);
        const file = o.out ?? join(run, evaluationFile(o.split));
        await checkWritableFile(file, o.out ? '--out' : 'evaluate');
        const e = await withProgress(io, `log p(x), K = ${o.samples}`, (onProgress) =>
          evaluateRun(saved, {
            split: o.split,
            out: null, // written below, after the table
            data: o.data,
            limit: o.limit,
            numSamples: o.samples,
            seed: o.seed,
            iwaeSamples: o.iwaeSamples,
            ...workerThreadsFor(o.backend, o.threads),
            onProgress,
          }),
        );
        const est = e.logLikelihoodEstimate;
        // A conditional VAE's figures are of log p(x|y), y each example's own condition.
        const px = e.condition ? 'log p(x|y)' : 'log p(x)';
        const header = [
          'model',
          'split',
          'examples',
          `${px} exact`,
          `${px} IS${est ? ` (K=${est.numSamples})` : ''}`,
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
        if (e.condition)
          io.out(
            `conditional VAE: log p(x|y), ELBO and IWAE bound given each example's own ${e.condition.kind === 'label' ? `class label (${e.condition.numClasses} classes)` : `condition columns (${e.condition.columns.join(', ')})`}`,
          );
        if (e.iwaeBound) io.out(`IWAE bound (K=${e.iwaeBound.numSamples}): ${f(e.iwaeBound.value)} ± ${f(e.iwaeBound.standardError)}`);
        if (e.latent) {
          const kl = e.latent.klPerDimension;
          const top = kl
            .map((v, u) => [u, v] as const)
            .sort((a, b) => b[1] - a[1])
            .map(([u, v]) => `z${u} ${v.toFixed(2)}`);
          io.out(`active units: ${e.latent.activeUnits}/${kl.length} (Var_x E_q[z_u] > ${e.latent.threshold}); KL per dimension, nats: ${top.join(', ')}`);
        }
        if (e.mig) {
          const m = e.mig;
          const gaps = m.factors.map((name, k) => `${name} ${m.gaps[k].toFixed(3)} (z${m.topLatents[k][0]})`);
          io.out(
            `MIG: ${m.value.toFixed(3)} ± ${m.standardError.toFixed(3)} (mutual information gap, Chen et al. 2018; S = ${m.numSamples}); per factor: ${gaps.join(', ')}`,
          );
        }
        await writeFileAtomic(file, evaluationJson(e));
        io.out(`wrote ${file} (${e.split} split; nats per example; dataset ${e.dataset})`);
        done(0);
      },
    );
}
