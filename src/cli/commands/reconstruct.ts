/**
 * `vaekit reconstruct RUN`: test examples beside their reconstructions (a PNG for images, CSV in raw
 * units for a table) and the squared reconstruction error: a VAE's E[x | z = μ(x)] with the test
 * −ELBO; PCA's projection; PPCA's and factor analysis's posterior mean mapped back. With --method map
 * (VAE runs), E[x | z = ẑ(x)] at the posterior mode found by Adam from μ(x) (Prince §17.8.3, option ii),
 * with the gain in log p(x|z) + log p(z) over the encoder mean.
 */
import { Command } from 'commander';
import type { BackendName } from '../../node/compute/backend.js';
import { reconstructRun } from '../../node/runs/kinds.js';
import { reconstructMapRun, type MapReconstructions } from '../../node/runs/latent-tools.js';
import { checkWritableFile, RECONSTRUCT_DEFAULTS, type RunReconstructions } from '../../node/runs/results.js';
import { backendOption, int } from '../flags.js';
import { UsageError, type CliIo } from '../io.js';
import { openRunOnBackend } from '../open-run.js';
import { withProgress } from '../progress.js';
import { mapFlags, rejectMapFlagsWithoutMap, type MapFlags } from './encode.js';

interface ReconstructFlags extends MapFlags {
  data?: string;
  n: number;
  out?: string;
  backend: BackendName;
}

export function reconstructCommand(io: CliIo, done: (code: number) => void): Command {
  const command = new Command('reconstruct')
    .description('reconstruct test examples (VAE, pca, ppca, fa); writes them beside their reconstructions and prints the squared error')
    .argument('<run>', 'a run folder (or a VAE model folder)')
    .option('--data <name|dir|file>', "data source (default: the run's own); a table is read with the run's columns and standardisation")
    .option('--n <n>', 'examples to write', int('--n', 1), RECONSTRUCT_DEFAULTS.numShown)
    .option('--out <file>', 'file to write, not a folder (default RUN/reconstructions-test.png, or .csv for a table)');
  return mapFlags(command, 'VAE: the code decoded')
    .addOption(backendOption())
    .action(async (run: string, o: ReconstructFlags) => {
      rejectMapFlagsWithoutMap(o);
      // Linear models are plain float64 JavaScript and need no backend; a missing run fails here, before one starts.
      const saved = await openRunOnBackend(run, o);
      if (o.method === 'map' && saved.config.kind !== 'vae-run') {
        throw new UsageError(`--method map: expected a VAE run (the mode is found through the decoder network), got a linear '${saved.config.model.kind}' run`);
      }
      if (o.out) await checkWritableFile(o.out, '--out');
      const options = { data: o.data, numShown: o.n, out: o.out };
      const r: RunReconstructions & Partial<Pick<MapReconstructions, 'map'>> =
        o.method === 'map'
          ? await withProgress(io, 'MAP codes', (onProgress) => reconstructMapRun(saved, { ...options, steps: o.mapSteps, learningRate: o.mapLr, onProgress }))
          : await reconstructRun(saved, options);
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
      if (r.map) {
        const g = r.map;
        io.out(
          `MAP codes (first ${r.numErrorExamples}): log p(x|z) + log p(z) ${g.logJointBefore.toFixed(2)} at the encoder mean → ${g.logJointAfter.toFixed(2)} nats/example, ` +
            `gain mean ${g.meanGain.toFixed(3)}, median ${g.medianGain.toFixed(3)} nats; log p(x|z) ${g.logLikelihoodBefore.toFixed(2)} → ${g.logLikelihoodAfter.toFixed(2)}`,
        );
      }
      done(0);
    });
}
