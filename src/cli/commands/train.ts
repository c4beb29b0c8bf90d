/**
 * `vaekit train`: parse flags → resolve the run config (defaults < --config file < flags) → trainRun → summary;
 * with `--model pca|ppca|fa|gmm`, trainLinearRun → one summary line.
 */
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { BINARIZE_MODES } from '../../data/binarize.js';
import { ACTIVATIONS } from '../../nets/mlp.js';
import type { LikelihoodConfig } from '../../likelihoods/likelihood.js';
import { GMM_COVARIANCES, LINEAR_MODEL_KINDS, type GmmCovariance, type LinearModelKind } from '../../models/linear/index.js';
import { BACKENDS, useBackend, type BackendName } from '../../node/compute/backend.js';
import type { NativeChoice } from '../../node/compute/native-kernels.js';
import { nativeOption } from '../native-option.js';
import { BUILT_IN_DATA, dataKindOf } from '../../node/datasets/data-source.js';
import { LINEAR_RUN_DEFAULTS, LINEAR_RUN_FILES, trainLinearRun, type LinearRunConfig } from '../../node/runs/linear-run.js';
import { DATA_KIND_DEFAULTS, RUN_DEFAULTS, trainRun, type RunConfig } from '../../node/runs/train-run.js';
import { TRAIN_DEFAULTS } from '../../training/options.js';
import { UsageError, type CliIo } from '../io.js';
import { int, intList, nameList, nonNegativeNumber, oneOf, positiveNumber } from '../parse.js';

const MODELS = ['vae', ...LINEAR_MODEL_KINDS] as const;

interface TrainFlags {
  model: 'vae' | LinearModelKind;
  components: number;
  covariance: GmmCovariance;
  maxIter?: number;
  varianceFloor: number;
  data: string;
  columns?: string[] | string;
  labelColumn?: string;
  out?: string;
  config?: string;
  epochs: number;
  batchSize: number;
  lr: number;
  latent?: number;
  hidden: number[];
  activation: RunConfig['activation'];
  /** Absent: the data kind's default (DATA_KIND_DEFAULTS), as for variance, val and scale. */
  likelihood?: 'bernoulli' | 'gaussian';
  variance?: string;
  beta: number;
  binarize: RunConfig['training']['binarize'];
  val?: number;
  patience?: number;
  seed: number;
  limit?: number;
  scale?: number;
  backend: BackendName;
  native: NativeChoice;
  threads: number;
  resume?: boolean;
  force?: boolean;
}

function likelihoodOf(kind: 'bernoulli' | 'gaussian', variance: string): LikelihoodConfig {
  if (kind === 'bernoulli') return { kind };
  if (variance === 'learned' || variance === 'learned-diag') return { kind, variance };
  const v = Number(variance);
  if (!Number.isFinite(v) || v <= 0) throw new UsageError(`--variance: expected a positive number, 'learned' or 'learned-diag', got '${variance}'`);
  return { kind, variance: v };
}

/**
 * A saved run's config.json as flag values, so `--config runs/mnist/config.json` repeats that run's
 * data, model and training (the output folder and backend are not taken from it).
 */
function flagsFromRunConfig(c: RunConfig): Record<string, unknown> {
  const t: Partial<RunConfig['training']> = c.training ?? {};
  const lik = c.likelihood;
  const flags: Record<string, unknown> = {
    data: c.data,
    columns: c.columns ?? undefined,
    labelColumn: c.labelColumn ?? undefined,
    scale: c.scale,
    val: c.val,
    limit: c.limit ?? undefined,
    latent: c.latentDim,
    hidden: c.hidden,
    activation: c.activation,
    likelihood: lik?.kind,
    variance: lik?.kind === 'gaussian' ? String(lik.variance) : undefined,
    epochs: t.epochs,
    batchSize: t.batchSize,
    lr: t.learningRate,
    beta: t.beta,
    seed: t.seed,
    patience: t.patience ?? undefined,
    binarize: t.binarize,
  };
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
}

/** The data options both families share, resolved: per-kind defaults filled in, columns as a list. */
function dataOptions(flags: TrainFlags) {
  const kind = dataKindOf(flags.data);
  const columns = typeof flags.columns === 'string' ? nameList('--columns')(flags.columns) : flags.columns ?? null;
  const defaults = DATA_KIND_DEFAULTS[kind];
  return { kind, columns, labelColumn: flags.labelColumn ?? null, scale: flags.scale ?? defaults.scale, latentDim: flags.latent ?? defaults.latentDim };
}

/** One line on the units of a table run's figures; empty for images. */
function unitsNote(logJacobian: number | null | undefined, what: string): string[] {
  if (logJacobian === null || logJacobian === undefined) return [];
  return [
    `units: ${what} are nats per example of the standardised table; for the raw table add −Σ log std = ${logJacobian.toFixed(4)} ` +
      'to a log-likelihood or ELBO (subtract it from a −ELBO)',
  ];
}

const perKind = (image: unknown, table: unknown) => `[images: ${image}; tables: ${table}]`;

export function trainCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('train')
    .description('train a VAE (or a linear model: --model pca|ppca|fa|gmm) on a dataset and write a run folder')
    .option('--model <kind>', `model: ${MODELS.join(', ')}`, oneOf('--model', MODELS), 'vae')
    .option(
      '--data <name|dir|file>',
      `dataset: ${BUILT_IN_DATA.map((n) => `'${n}'`).join(' or ')} (built in), a folder of MNIST-format IDX files, or a numeric CSV file with a header row`,
      RUN_DEFAULTS.data,
    )
    .option('--columns <list>', 'tables: feature columns by name, e.g. crim,rm,medv (default: every numeric column but the label)', nameList('--columns'))
    .option('--label-column <name>', 'tables: a column of integer class labels, kept as labels and not as a feature')
    .option('--out <dir>', 'run folder (default runs/<data>)')
    .option('--config <file>', "JSON file of options (the flags' camelCase names), or a run's config.json; flags override it")
    .option('--epochs <n>', 'passes over the training set', int('--epochs', 1), TRAIN_DEFAULTS.epochs)
    .option('--batch-size <n>', 'examples per step', int('--batch-size', 1), TRAIN_DEFAULTS.batchSize)
    .option('--lr <x>', 'Adam learning rate', positiveNumber('--lr'), TRAIN_DEFAULTS.learningRate)
    .option('--latent <n>', `latent size Z ${perKind(DATA_KIND_DEFAULTS.image.latentDim, DATA_KIND_DEFAULTS.table.latentDim)}`, int('--latent', 1))
    .option('--hidden <list>', 'hidden layer widths, e.g. 400 or 200,200', intList('--hidden'), RUN_DEFAULTS.hidden)
    .option('--activation <name>', `hidden activation (${ACTIVATIONS.join(', ')})`, oneOf('--activation', ACTIVATIONS), RUN_DEFAULTS.activation)
    .option(
      '--likelihood <kind>',
      `decoder likelihood: bernoulli (logits) or gaussian ${perKind(DATA_KIND_DEFAULTS.image.likelihood.kind, DATA_KIND_DEFAULTS.table.likelihood.kind)}`,
      oneOf('--likelihood', ['bernoulli', 'gaussian'] as const),
    )
    .option('--variance <v|learned|learned-diag>', `Gaussian decoder variance σ²: a number, 'learned' (one σ²) or 'learned-diag' (one per dimension) ${perKind(1, 'learned')}`)
    .option('--beta <x>', 'KL weight β (1 = the ELBO)', nonNegativeNumber('--beta'), 1)
    .option('--binarize <mode>', `input binarisation (${BINARIZE_MODES.join(', ')})`, oneOf('--binarize', BINARIZE_MODES), TRAIN_DEFAULTS.binarize)
    .option('--val <n>', `validation examples held out of the training set (0 = none) ${perKind(DATA_KIND_DEFAULTS.image.val, DATA_KIND_DEFAULTS.table.val)}`, int('--val', 0))
    .option('--patience <n>', 'early stopping: epochs without a better validation loss', int('--patience', 1))
    .option('--seed <n>', 'seed of initialisation, shuffling and sampling', int('--seed', 0), TRAIN_DEFAULTS.seed)
    .option('--limit <n>', 'use only the first n training and test examples', int('--limit', 1))
    .option(
      '--scale <x>',
      `divide raw values by this (255: bytes to [0, 1]; tables are then standardised per column) ${perKind(DATA_KIND_DEFAULTS.image.scale, DATA_KIND_DEFAULTS.table.scale)}`,
      positiveNumber('--scale'),
    )
    .option('--backend <name>', `compute backend (${BACKENDS.join(', ')})`, oneOf('--backend', BACKENDS), 'wasm')
    .addOption(nativeOption())
    .option('--threads <n>', 'VAE: threads per training step (this one and n − 1 gradient workers on shards of each batch; wasm, cpu)', int('--threads', 1), 1)
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--force', 'overwrite a run already in --out')
    .option('--components <k>', 'gmm: number of mixture components K', int('--components', 1), LINEAR_RUN_DEFAULTS.numComponents)
    .option('--covariance <form>', `gmm: covariance form (${GMM_COVARIANCES.join(', ')})`, oneOf('--covariance', GMM_COVARIANCES), LINEAR_RUN_DEFAULTS.covariance)
    .option('--max-iter <n>', "ppca/fa/gmm: most EM iterations (default: the model's, 1000 or 500)", int('--max-iter', 1))
    .option(
      '--variance-floor <x>',
      'ppca/fa/gmm: floor on noise/component variances as a fraction of the mean data variance (1e-2 keeps pixels constant in training from dominating test log-likelihoods; the library default 1e-6 fits full MNIST tighter)',
      positiveNumber('--variance-floor'),
      LINEAR_RUN_DEFAULTS.varianceFloor,
    )
    .action(async (flags: TrainFlags, cmd: Command) => {
      // Precedence: defaults < --config file < flags given on the command line.
      if (flags.config) {
        let fromFile: Record<string, unknown>;
        try {
          fromFile = JSON.parse(readFileSync(flags.config, 'utf8'));
        } catch (e) {
          throw new UsageError(`--config ${flags.config}: ${(e as Error).message}`);
        }
        if (typeof fromFile.training === 'object' && fromFile.training !== null) fromFile = flagsFromRunConfig(fromFile as unknown as RunConfig);
        const known = new Set(cmd.options.map((o) => o.attributeName()));
        for (const [k, v] of Object.entries(fromFile)) {
          if (!known.has(k)) throw new UsageError(`--config ${flags.config}: unknown option '${k}'`);
          if (cmd.getOptionValueSource(k) !== 'cli') {
            cmd.setOptionValueWithSource(k, v, 'config');
            (flags as unknown as Record<string, unknown>)[k] = v;
          }
        }
      }
      if (flags.model !== 'vae') {
        await trainLinear(flags, io);
        done(0);
        return;
      }
      const backend = await useBackend(flags.backend, { native: flags.native });
      const out = flags.out ?? `runs/${basename(flags.data)}`;
      const { kind, ...data } = dataOptions(flags);
      const defaults = DATA_KIND_DEFAULTS[kind];
      const defaultVariance = defaults.likelihood.kind === 'gaussian' ? defaults.likelihood.variance : 1;
      const cfg: RunConfig = {
        data: flags.data,
        out,
        ...data,
        val: flags.val ?? defaults.val,
        limit: flags.limit ?? null,
        hidden: flags.hidden,
        activation: flags.activation,
        likelihood: likelihoodOf(flags.likelihood ?? defaults.likelihood.kind, String(flags.variance ?? defaultVariance)),
        backend,
        threads: flags.threads,
        training: {
          ...TRAIN_DEFAULTS,
          epochs: flags.epochs,
          batchSize: flags.batchSize,
          learningRate: flags.lr,
          beta: flags.beta,
          seed: flags.seed,
          patience: flags.patience ?? null,
          binarize: flags.binarize,
        },
      };

      let stopRequested = false;
      const onSigint = () => {
        if (stopRequested) process.exit(130); // a second Ctrl-C: leave now (the last checkpoint is intact)
        stopRequested = true;
        io.err('\nCtrl-C: finishing this step and saving a checkpoint (Ctrl-C again to quit at once)');
      };
      process.on('SIGINT', onSigint);
      let bar: cliProgress.SingleBar | null = null;
      try {
        const fromCli = (k: string) => cmd.getOptionValueSource(k) === 'cli' || cmd.getOptionValueSource(k) === 'config';
        const resumeChanges = { epochs: fromCli('epochs') ? flags.epochs : undefined, patience: fromCli('patience') ? flags.patience ?? null : undefined };
        const summary = await trainRun(cfg, { resume: flags.resume, resumeChanges, overwrite: flags.force }, {
          log: (l) => io.err(l),
          onEpochStart: (epoch, steps) => {
            if (!io.progressStream) return;
            bar = new cliProgress.SingleBar(
              { stream: io.progressStream, format: `epoch ${epoch} [{bar}] {percentage}% | {value}/{total} steps | loss {loss} | {eps} ex/s | eta {eta}s`, hideCursor: true, clearOnComplete: true },
              cliProgress.Presets.shades_classic,
            );
            bar.start(steps, 0, { loss: '-', eps: '-' });
          },
          onStep: (s) => bar?.update(s.step, { loss: s.loss.toFixed(2), eps: s.examplesPerSecond.toFixed(0) }),
          onEpochEnd: (m) => {
            bar?.stop();
            bar = null;
            const f = (x: number | null) => (x === null ? '-' : x.toFixed(2));
            io.out(
              `epoch ${m.epoch}: train ${f(m.trainLoss)} (rec ${f(m.reconstruction)}, kl ${f(m.kl)}) val ${f(m.valLoss)} test ${f(m.testLoss)} nats | ` +
                `${m.seconds.toFixed(1)} s, ${m.examplesPerSecond.toFixed(0)} ex/s`,
            );
          },
          shouldStop: () => stopRequested,
        });
        const f = (x: number | null) => (x === null ? '-' : x.toFixed(2));
        io.out(
          `done: ${summary.epochs} epochs${summary.stoppedEarly ? ' (early stop)' : ''}${summary.interrupted ? ' (interrupted)' : ''}; ` +
            `best epoch ${summary.bestEpoch ?? '-'}: test −ELBO ${f(summary.testLoss)} nats/example, val ${f(summary.valLoss)}; ` +
            `training ${summary.trainSeconds.toFixed(1)} s, ${summary.examplesPerSecond.toFixed(0)} examples/s`,
        );
        for (const l of unitsNote(summary.logJacobian, '−ELBO figures')) io.out(l);
        io.out(`run folder: ${out} (${summary.files.join(', ')})`);
        done(summary.interrupted ? 130 : 0);
      } finally {
        (bar as cliProgress.SingleBar | null)?.stop();
        process.off('SIGINT', onSigint);
      }
    });
}

/** `train --model pca|ppca|fa|gmm`: fit, write the run folder, print one summary line. */
async function trainLinear(flags: TrainFlags, io: CliIo): Promise<void> {
  const model = flags.model as LinearModelKind;
  const { kind: _kind, ...data } = dataOptions(flags);
  const cfg: LinearRunConfig = {
    model,
    data: flags.data,
    out: flags.out ?? `runs/${basename(flags.data)}-${model}`,
    ...data,
    limit: flags.limit ?? null,
    numComponents: flags.components,
    covariance: flags.covariance,
    seed: flags.seed,
    maxIter: flags.maxIter ?? LINEAR_RUN_DEFAULTS.maxIter,
    varianceFloor: flags.varianceFloor,
  };
  const m = await trainLinearRun(cfg, { overwrite: flags.force }, { log: (l) => io.err(l) });
  const f = (x: number | null) => (x === null ? '-' : x.toFixed(2));
  const figures =
    m.trainLogLikelihood !== null
      ? `log-likelihood train ${f(m.trainLogLikelihood)}, test ${f(m.testLogLikelihood)} nats/example`
      : `reconstruction error train ${f(m.trainReconstructionError)}, test ${f(m.testReconstructionError)} per example; explained variance ${f(m.explainedVarianceRatio)}`;
  const em = m.emIterations !== null ? `; ${m.emIterations} EM iterations${m.converged ? ' (converged)' : ''}` : '';
  io.out(`done: ${model}: ${figures}; fit ${m.fitSeconds.toFixed(1)} s${em}`);
  if (m.trainLogLikelihood !== null) for (const l of unitsNote(m.logJacobian, 'log-likelihoods')) io.out(l);
  io.out(`run folder: ${cfg.out} (${Object.values(LINEAR_RUN_FILES).join(', ')})`);
}
