/**
 * `vaekit sample RUN`: decoder means for z ~ N(0, I), as an image grid (and optionally CSV), or for a
 * table as CSV in raw units under the column names; for a linear run, draws from the fitted model
 * (an image grid, or CSV for a table). `--prior gmm` draws z instead from a Gaussian mixture fitted
 * to the training examples' latent means (ex-post density estimation, Ghosh et al. 2020), saved in
 * RUN/latent-prior-gmm.json and reused while the model, data and options are unchanged.
 */
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isImageShape } from '../../data/dataset.js';
import { Standardizer } from '../../data/standardize.js';
import { ConfigError } from '../../errors.js';
import { LATENT_MIXTURE_DEFAULTS, sampleWithMixturePrior } from '../../latent/aggregated-posterior.js';
import { GMM_COVARIANCES, type GmmCovariance } from '../../models/linear/gmm.js';
import type { VAE } from '../../models/vae.js';
import { writeFileAtomic } from '../../node/formats/atomic.js';
import { useBackend, BACKENDS, type BackendName } from '../../node/compute/backend.js';
import { LATENT_PRIOR_FILE, latentPriorOfRun } from '../../node/runs/latent-prior.js';
import { isLinearRun, readLinearRun } from '../../node/runs/linear-run.js';
import { writeLinearSamples } from '../../node/runs/linear-samples.js';
import { renderSamples } from '../../node/runs/pictures.js';
import { writePngFile } from '../../node/formats/png.js';
import { tableCsv, writeVaeSamplesCsv } from '../../node/runs/table-csv.js';
import { readRunConfig, RUN_FILES } from '../../node/runs/train-run.js';
import { imageGrid, type ImageShape } from '../../render/grid.js';
import { UsageError, type CliIo } from '../io.js';
import { int, oneOf, positiveNumber } from '../parse.js';
import { loadRunModel } from './saved-model.js';

/** The prior z is drawn from: the model's N(0, I), or a mixture fitted to the training latent means. */
export const SAMPLE_PRIORS = ['normal', 'gmm'] as const;
export type SamplePrior = (typeof SAMPLE_PRIORS)[number];

interface SampleFlags {
  n: number;
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
    for (const [key, flag] of [['components', '--components'], ['covariance', '--covariance']] as const) {
      if (o[key] !== undefined) throw new UsageError(`${flag}: only with --prior gmm (the prior is ${o.prior})`);
    }
  } else if (cmd.getOptionValueSource('temperature') === 'cli') {
    throw new UsageError(`--temperature: only with --prior normal (a fitted mixture is sampled as it is)`);
  }
}

/**
 * Draws n samples under the run's fitted latent mixture (fitting it first when needed), prints the
 * fit on the test latent means, and writes the samples as the normal prior's path does.
 */
async function sampleWithGmm(run: string, vae: VAE, o: SampleFlags, io: CliIo): Promise<void> {
  const cfgPath = join(run, RUN_FILES.config);
  if (!existsSync(cfgPath)) {
    throw new ConfigError(`--prior gmm: expected a run folder holding ${RUN_FILES.config} (the mixture is fitted on the run's training data), got ${run}`);
  }
  const cfg = await readRunConfig(run);
  const prior = await latentPriorOfRun(run, vae, cfg, { numComponents: o.components, covariance: o.covariance }, {
    log: (l) => io.err(l),
    onIteration: ({ iteration, meanLogLikelihood }) => {
      if (iteration > 0 && iteration % 10 === 0) io.err(`EM iteration ${iteration}: mean log-likelihood of the training latent means ${meanLogLikelihood.toFixed(3)} nats`);
    },
  });
  const m = prior.mixture;
  const em = m.report ? `, ${m.report.history.length - 1} EM iterations${m.report.converged ? '' : ' (not converged)'}` : '';
  io.out(
    `latent prior: ${m.numComponents}-component ${m.covariance}-covariance Gaussian mixture on the latent means of ` +
      `${prior.numTrainExamples} training examples (Z = ${m.dataDim})${em}, ${prior.reused ? 'reused from' : 'saved to'} ${prior.path}`,
  );
  if (prior.test) {
    const t = prior.test;
    io.out(
      `test latent means (${t.numExamples}): mean log-density, nats per example (exact): ` +
        `mixture ${t.mixtureLogLikelihood.toFixed(3)}, N(0, I) ${t.standardNormalLogLikelihood.toFixed(3)}`,
    );
  }
  const s = sampleWithMixturePrior(vae, m, o.n, { seed: o.seed }); // [n, D]
  const v = (await s.data()) as Float32Array;
  s.dispose();
  const isImage = isImageShape(vae.config.inputShape);
  const out = o.out ?? join(run, `samples-gmm-${o.seed}.${isImage ? 'png' : 'csv'}`);
  if (isImage) {
    await writePngFile(out, imageGrid(v, o.n, vae.config.inputShape as ImageShape, { cols: Math.ceil(Math.sqrt(o.n)) }));
    io.out(`wrote ${o.n} samples to ${out}`);
    if (o.csv) {
      const d = vae.dataDim;
      const rows = Array.from({ length: o.n }, (_, i) => Array.from(v.subarray(i * d, (i + 1) * d)).join(',')); // as the normal prior's --csv
      await writeFileAtomic(o.csv, rows.join('\n') + '\n');
      io.out(`wrote ${o.n} samples to ${o.csv}`);
    }
  } else {
    const st = vae.preprocessing?.standardization;
    await writeFileAtomic(o.csv ?? out, tableCsv(v, vae.dataDim, st ? Standardizer.fromJSON(st) : null));
    io.out(`wrote ${o.n} samples to ${o.csv ?? out}${st ? ' (raw units, a header of column names)' : ''}`);
  }
}

export function sampleCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('sample')
    .description('generate from the prior: decoder means E[x|z] for z ~ N(0, I) (or a fitted mixture, --prior gmm); samples x ~ p(x) for a linear run')
    .argument('<run>', 'a run folder (or a model folder)')
    .option('--n <n>', 'number of samples', int('--n', 1), 64)
    .option('--seed <n>', 'seed of z', int('--seed', 0), 0)
    .option('--temperature <t>', 'standard deviation of z (1 = the prior)', positiveNumber('--temperature'), 1)
    .option(
      '--prior <name>',
      `prior of z (VAE runs): normal = N(0, I); gmm = a Gaussian mixture fitted to the training examples' latent means, saved as RUN/${LATENT_PRIOR_FILE}`,
      oneOf('--prior', SAMPLE_PRIORS),
      'normal',
    )
    .option('--components <k>', `--prior gmm: mixture components K [${LATENT_MIXTURE_DEFAULTS.numComponents}]`, int('--components', 1))
    .option('--covariance <kind>', `--prior gmm: ${GMM_COVARIANCES.join(' or ')} covariances [${LATENT_MIXTURE_DEFAULTS.covariance}]`, oneOf('--covariance', GMM_COVARIANCES))
    .option('--out <file>', 'file to write (default RUN/samples-<seed>.png, RUN/samples-gmm-<seed>.png with --prior gmm, or .csv for a table)')
    .option('--csv <file>', 'images: also write the samples as CSV, one example per row')
    .option('--backend <name>', `compute backend (${BACKENDS.join(', ')})`, oneOf('--backend', BACKENDS), 'wasm')
    .action(async (run: string, o: SampleFlags, cmd: Command) => {
      checkPriorFlags(o, cmd);
      if (isLinearRun(run)) {
        const { config, model } = await readLinearRun(run);
        if (o.prior !== 'normal') {
          throw new ConfigError(`--prior ${o.prior}: ${run} is a linear '${model.kind}' run, which samples from its own fitted model; a fitted latent prior is for VAE runs`);
        }
        const standardizer = config.standardization ? Standardizer.fromJSON(config.standardization) : null;
        const written = await writeLinearSamples(model, config.exampleShape, o.n, o.seed, o.out ?? join(run, `samples-${o.seed}.png`), standardizer);
        io.out(`wrote ${o.n} samples to ${written}${standardizer ? ' (raw units)' : ''}`);
        done(0);
        return;
      }
      await useBackend(o.backend);
      const vae = await loadRunModel(run);
      try {
        if (o.prior === 'gmm') {
          await sampleWithGmm(run, vae, o, io);
          done(0);
          return;
        }
        const isImage = isImageShape(vae.config.inputShape);
        const out = o.out ?? join(run, `samples-${o.seed}.${isImage ? 'png' : 'csv'}`);
        if (isImage) {
          await renderSamples(vae, o.n, out, o.seed, o.temperature);
          io.out(`wrote ${o.n} samples to ${out}`);
        }
        if (isImage && o.csv) {
          const s = vae.sample(o.n, { seed: o.seed, temperature: o.temperature });
          const v = s.arraySync();
          s.dispose();
          await writeFileAtomic(o.csv, v.map((row) => row.join(',')).join('\n') + '\n');
          io.out(`wrote ${o.n} samples to ${o.csv}`);
        }
        if (!isImage) {
          const s = vae.preprocessing?.standardization;
          await writeVaeSamplesCsv(vae, o.n, o.csv ?? out, s ? Standardizer.fromJSON(s) : null, o.seed, o.temperature);
          io.out(`wrote ${o.n} samples to ${o.csv ?? out}${s ? ' (raw units, a header of column names)' : ''}`);
        }
        done(0);
      } finally {
        vae.dispose();
      }
    });
}
