/**
 * `vaekit reconstruct RUN`: test examples beside their reconstructions (a PNG for images, CSV in raw
 * units for a table) and the squared reconstruction error: a VAE's E[x | z = μ(x)] with the test
 * −ELBO; PCA's projection; PPCA's and factor analysis's posterior mean mapped back.
 */
import { Command } from 'commander';
import type { BackendName } from '../../node/compute/backend.js';
import { reconstructRun } from '../../node/runs/kinds.js';
import { checkWritableFile, RECONSTRUCT_DEFAULTS } from '../../node/runs/results.js';
import { backendOption, int } from '../flags.js';
import type { CliIo } from '../io.js';
import { openRunOnBackend } from '../open-run.js';

export function reconstructCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('reconstruct')
    .description('reconstruct test examples (VAE, pca, ppca, fa); writes them beside their reconstructions and prints the squared error')
    .argument('<run>', 'a run folder (or a VAE model folder)')
    .option('--data <name|dir|file>', "data source (default: the run's own); a table is read with the run's columns and standardisation")
    .option('--n <n>', 'examples to write', int('--n', 1), RECONSTRUCT_DEFAULTS.numShown)
    .option('--out <file>', 'file to write, not a folder (default RUN/reconstructions-test.png, or .csv for a table)')
    .addOption(backendOption())
    .action(async (run: string, o: { data?: string; n: number; out?: string; backend: BackendName }) => {
      // Linear models are plain float64 JavaScript and need no backend; a missing run fails here, before one starts.
      const saved = await openRunOnBackend(run, o);
      if (o.out) await checkWritableFile(o.out, '--out');
      const r = await reconstructRun(saved, { data: o.data, numShown: o.n, out: o.out });
      io.out(
        `wrote ${r.numShown} reconstructions to ${r.file}${r.format === 'csv' ? ' (examples and reconstructions in raw units, a header of column names)' : ''}`,
      );
      const elbo = r.elbo
        ? `−ELBO ${r.elbo.loss.toFixed(2)} nats/example (reconstruction ${r.elbo.reconstructionLoss.toFixed(2)}, KL ${r.elbo.kl.toFixed(2)}); `
        : '';
      const over = r.numErrorExamples < r.numExamples ? `, first ${r.numErrorExamples}` : '';
      io.out(
        `test (${r.numExamples} examples): ${elbo}squared error ‖x − x̂‖² ${r.squaredError.toFixed(3)} per example, ` +
          `${(r.squaredError / r.dataDim).toPrecision(4)} per dimension (${r.isStandardized ? 'standardised units' : 'data units'}${over})`,
      );
      io.out(`reconstruction: ${r.model}, ${r.reconstruction}; data ${r.dataset}`);
      done(0);
    });
}
