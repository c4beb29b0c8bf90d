/**
 * `vaekit sample RUN`: decoder means for z ~ N(0, I), as an image grid (and optionally CSV), or for a
 * table as CSV in raw units under the column names; for a linear run, draws from the fitted model.
 * `--prior gmm` draws z instead from a Gaussian mixture fitted to the training examples' latent means
 * (ex-post density estimation, Ghosh et al. 2020), saved in RUN/latent-prior-gmm.json and reused
 * while the model, data and options are unchanged. A conditional run: `--condition 7` (a class) or
 * `--condition age=40,sex=1` (condition columns, raw units) for every sample; `--grid` (the default of
 * a run conditioned on the class label) one row per class. `--out` and `--csv` name files: a folder
 * given for either, or one that cannot be written, is an error before any sampling.
 */
import { Command } from 'commander';
import { LATENT_MIXTURE_DEFAULTS } from '../../latent/aggregated-posterior.js';
import { GMM_COVARIANCES, type GmmCovariance } from '../../models/linear/gmm.js';
import type { BackendName } from '../../node/compute/backend.js';
import { sampleRun } from '../../node/runs/kinds.js';
import { LATENT_PRIOR_FILE } from '../../node/runs/latent-prior.js';
import { checkWritableFile, SAMPLE_PRIORS, type SamplePrior } from '../../node/runs/results.js';
import { CLASS_GRID_DEFAULT_PER_ROW } from '../../node/runs/conditional-samples.js';
import type { ConditionValue } from '../../node/runs/conditions.js';
import { conditionOption } from '../condition-flag.js';
import { backendOption, int, oneOf, positiveNumberFlag } from '../flags.js';
import { UsageError, type CliIo } from '../io.js';
import { openRunOnBackend } from '../open-run.js';

interface SampleFlags {
  n?: number;
  condition?: ConditionValue;
  grid?: boolean;
  seed: number;
  temperature: number;
  out?: string;
  csv?: string;
  backend: BackendName;
  prior: SamplePrior;
  components?: number;
  covariance?: GmmCovariance;
}

/** Flags that belong to one prior only. @throws UsageError naming the flag */
function checkPriorFlags(o: SampleFlags, cmd: Command): void {
  if (o.prior !== 'gmm') {
    for (const [key, flag] of [
      ['components', '--components'],
      ['covariance', '--covariance'],
    ] as const) {
      if (o[key] !== undefined) throw new UsageError(`${flag}: only with --prior gmm (the prior is ${o.prior})`);
    }
  } else if (cmd.getOptionValueSource('temperature') === 'cli') {
    throw new UsageError(`--temperature: only with --prior normal (a fitted mixture is sampled as it is)`);
  }
}

export function sampleCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('sample')
    .description('generate from the prior: decoder means E[x|z] for z ~ N(0, I) (or a fitted mixture, --prior gmm); samples x ~ p(x) for a linear run')
    .argument('<run>', 'a run folder (or a model folder)')
    .option('--n <n>', `number of samples [64]; a class grid: samples per row [${CLASS_GRID_DEFAULT_PER_ROW}]`, int('--n', 1))
    .addOption(conditionOption('every sample'))
    .option('--grid', 'a run conditioned on the class label: one row per class, the same z in every column (the default without --condition)')
    .option('--seed <n>', 'seed of z', int('--seed', 0), 0)
    .option('--temperature <t>', 'standard deviation of z (1 = the prior)', positiveNumberFlag('--temperature'), 1)
    .option(
      '--prior <name>',
      `prior of z (VAE runs): normal = N(0, I); gmm = a Gaussian mixture fitted to the training examples' latent means, saved as RUN/${LATENT_PRIOR_FILE}`,
      oneOf('--prior', SAMPLE_PRIORS),
      'normal',
    )
    .option('--components <k>', `--prior gmm: mixture components K [${LATENT_MIXTURE_DEFAULTS.numComponents}]`, int('--components', 1))
    .option(
      '--covariance <kind>',
      `--prior gmm: ${GMM_COVARIANCES.join(' or ')} covariances [${LATENT_MIXTURE_DEFAULTS.covariance}]`,
      oneOf('--covariance', GMM_COVARIANCES),
    )
    .option('--out <file>', 'file to write, not a folder (default RUN/samples-<seed>.png, RUN/samples-gmm-<seed>.png with --prior gmm, or .csv for a table)')
    .option('--csv <file>', 'images: also write the samples as CSV, one example per row')
    .addOption(backendOption())
    .action(async (run: string, o: SampleFlags, cmd: Command) => {
      checkPriorFlags(o, cmd);
      const saved = await openRunOnBackend(run, o);
      if (o.out) await checkWritableFile(o.out, '--out');
      if (o.csv) await checkWritableFile(o.csv, '--csv');
      const r = await sampleRun(saved, {
        numSamples: o.n,
        seed: o.seed,
        temperature: o.temperature,
        prior: o.prior,
        numComponents: o.components,
        covariance: o.covariance,
        out: o.out,
        csv: o.csv,
        condition: o.condition,
        grid: o.grid,
        log: (l) => io.err(l),
      });
      for (const note of r.notes) io.out(note);
      for (const file of r.files)
        io.out(`wrote ${r.numSamples} samples to ${file}${file.endsWith('.csv') && r.isRawUnits ? ' (raw units, a header of column names)' : ''}`);
      done(0);
    });
}
