/**
 * The command line's flags: how each one's text is parsed (with the rules of src/validate.ts, so a
 * flag is judged as its setting is), and where each `vaekit train` flag goes in the run
 * configuration (src/node/runs/config.ts), one path per flag. The same table names settings in
 * messages: the library writes `training.learningRate`, the CLI shows `--lr`.
 */
import { Option } from 'commander';
import { readFileSync } from 'node:fs';
import { BINARIZE_MODES } from '../data/binarize.js';
import { describeJsonError, type SettingNamer } from '../errors.js';
import { LIKELIHOOD_DEFAULTS, LIKELIHOOD_KINDS } from '../likelihoods/index.js';
import { GMM_COVARIANCES, LINEAR_MODEL_KINDS } from '../models/linear/index.js';
import { ACTIVATIONS, CONV_DEFAULTS, MLP_DEFAULTS, NET_KINDS, RNN_CELLS, RNN_DEFAULTS } from '../nets/index.js';
import { SERIES_DEFAULTS } from '../data/windows.js';
import { HVAE_DEFAULTS } from '../models/hvae.js';
import { OBJECTIVE_DEFAULTS, OBJECTIVE_KINDS } from '../objectives/index.js';
import { TC_ESTIMATORS } from '../objectives/tc-vae.js';
import { EPOCH_LOGLIK_DEFAULT_LIMIT, TRAIN_DEFAULTS } from '../training/options.js';
import { SCHEDULE_DEFAULTS } from '../training/schedules.js';
import { intAtLeast, nonNegativeNumber, oneOf as oneOfRule, positiveNumber, type Rule } from '../validate.js';
import { BACKENDS } from '../node/compute/backend.js';
import { NATIVE_CHOICES } from '../node/compute/native-kernels.js';
import { BUILT_IN_DATA } from '../node/datasets/data-source.js';
import { CONDITION_KINDS, DATA_KIND_DEFAULTS, RUN_DEFAULTS } from '../node/runs/config.js';
import { UsageError } from './io.js';

/** A flag's value parsed from its text by `parse` and checked by `rule`; a UsageError names the flag and the text. */
function parsed<T>(flag: string, rule: Rule<T>, parse: (raw: string) => unknown): (raw: string) => T {
  return (raw: string) => {
    const v = parse(raw.trim());
    if (!rule.test(v)) throw new UsageError(`${flag}: expected ${rule.what}, got '${raw}'`);
    return v;
  };
}

const asInt = (s: string) => (/^-?\d+$/.test(s) ? Number(s) : NaN);
const asNumber = (s: string) => (s === '' ? NaN : Number(s));

/** An integer ≥ min. */
export const int = (flag: string, min = 0) => parsed(flag, intAtLeast(min), asInt);
/** A finite number > 0. */
export const positiveNumberFlag = (flag: string) => parsed(flag, positiveNumber, asNumber);
/** A finite number ≥ 0. */
export const nonNegativeNumberFlag = (flag: string) => parsed(flag, nonNegativeNumber, asNumber);
/** A share in (0, 1], e.g. --kl-ratio 0.5. */
export const shareFlag = (flag: string) =>
  parsed<number>(
    flag,
    { what: 'a number in (0, 1]', plural: 'numbers in (0, 1]', test: (v): v is number => typeof v === 'number' && v > 0 && v <= 1 },
    asNumber,
  );
/** One of the given words. */
export const oneOf = <T extends string>(flag: string, values: readonly T[]) => parsed(flag, oneOfRule(values), (s) => s);

/** A comma-separated list of integers ≥ min, e.g. --hidden 200,200 (min 1) or class labels --include-labels 3,5 (min 0). */
export function intList(flag: string, min = 1) {
  const element = intAtLeast(min);
  return (raw: string): number[] => {
    const parts = raw.split(',').map((s) => asInt(s.trim()));
    if (!parts.every((p) => element.test(p))) throw new UsageError(`${flag}: expected ${element.plural} separated by commas, got '${raw}'`);
    return parts;
  };
}

/** A comma-separated list of class labels, integers ≥ 0. */
export const labelList = (flag: string) => intList(flag, 0);

/** A comma-separated list of non-empty names, e.g. CSV columns 'crim,rm,medv'. */
export function nameList(flag: string) {
  return (raw: string): string[] => {
    const parts = raw.split(',').map((s) => s.trim());
    if (parts.some((p) => p === '')) throw new UsageError(`${flag}: expected names separated by commas, got '${raw}'`);
    return parts;
  };
}

/** An image size 'HxW' (or 'H,W'), e.g. --resize 32x32: [H, W], two positive integers. */
export function sizeFlag(flag: string) {
  return (raw: string): number[] => {
    const m = /^\s*(\d+)\s*[x×,]\s*(\d+)\s*$/i.exec(raw);
    const size = m ? [Number(m[1]), Number(m[2])] : [];
    if (size.length !== 2 || size.some((s) => s < 1))
      throw new UsageError(`${flag}: expected HxW, two positive integers (height × width), e.g. 32x32, got '${raw}'`);
    return size;
  };
}

/** A Gaussian decoder's variance: a positive number, 'learned' or 'learned-diag'. */
function variance(raw: string): number | 'learned' | 'learned-diag' {
  if (raw === 'learned' || raw === 'learned-diag') return raw;
  const v = Number(raw);
  if (!positiveNumber.test(v)) throw new UsageError(`--variance: expected a positive number, 'learned' or 'learned-diag', got '${raw}'`);
  return v;
}

/** Which runs a train flag applies to. */
type Applies = 'vae' | 'linear' | 'both';

/** One `vaekit train` flag: its commander syntax, its place in the run configuration, its parser and help. */
export interface TrainFlag {
  /** Commander's syntax, e.g. '--epochs <n>'. */
  flags: string;
  /** The setting's path in the (partial) run configuration, e.g. 'training.epochs'. */
  path: string;
  applies: Applies;
  description: string;
  parse?: (raw: string) => unknown;
}

const perKind = (image: unknown, table: unknown) => `[images: ${image}; tables: ${table}]`;
const MODELS = ['vae', 'hvae', ...LINEAR_MODEL_KINDS] as const;
const T = TRAIN_DEFAULTS;

/** Every `vaekit train` flag that sets part of the run configuration (defaults are the configuration's). */
export const TRAIN_FLAGS: readonly TrainFlag[] = [
  {
    flags: '--model <kind>',
    path: 'model.kind',
    applies: 'both',
    description: `model: ${MODELS.join(', ')}; hvae is the VAE with two stochastic layers z₂ → z₁ → x (Burda et al. 2016) [vae]`,
    parse: oneOf('--model', MODELS),
  },
  {
    flags: '--latent-dims <z1,z2>',
    path: 'model.latentDims',
    applies: 'vae',
    description: `hvae: the two stochastic layers' sizes, bottom first [${HVAE_DEFAULTS.latentDims.join(',')}]`,
    parse: intList('--latent-dims'),
  },
  {
    flags: '--data <name|dir|file>',
    path: 'data.source',
    applies: 'both',
    description: `dataset: ${BUILT_IN_DATA.map((n) => `'${n}'`).join(' or ')} (built in), a folder of MNIST-format IDX files, a folder of PNG images (class folders give labels), or a CSV file with a header row [${RUN_DEFAULTS.source}]`,
  },
  {
    flags: '--columns <list>',
    path: 'data.columns',
    applies: 'both',
    description: 'tables: feature columns by name, e.g. crim,rm,medv (default: every numeric column but the label)',
    parse: nameList('--columns'),
  },
  {
    flags: '--label-column <name>',
    path: 'data.labelColumn',
    applies: 'both',
    description: 'tables: a column of integer class labels, kept as labels and not as a feature',
  },
  {
    flags: '--categorical <list>',
    path: 'data.categorical',
    applies: 'both',
    description:
      'tables: columns one-hot encoded as categories (text, or numeric codes such as 0/1), modelled by a categorical likelihood beside the Gaussian numeric columns (default: none; text columns named in --columns are categorical anyway)',
    parse: nameList('--categorical'),
  },
  {
    flags: '--resize <HxW>',
    path: 'data.resize',
    applies: 'both',
    description: 'PNG folders: resize every image to H×W pixels (bilinear), e.g. 32x32 (default: images must share one size)',
    parse: sizeFlag('--resize'),
  },
  {
    flags: '--time-column <name>',
    path: 'data.timeColumn',
    applies: 'both',
    description: "a CSV file is a time series: the column holding each row's time (dates YYYY-MM-DD, date-times or numbers); the rows are read in time order",
  },
  {
    flags: '--window <w>',
    path: 'data.window',
    applies: 'both',
    description: `series: steps per window, each window an example [W, F] [${SERIES_DEFAULTS.window}]`,
    parse: int('--window', 1),
  },
  {
    flags: '--stride <s>',
    path: 'data.stride',
    applies: 'both',
    description: `series: steps between training windows (test and all windows: 1, one per time step) [${SERIES_DEFAULTS.stride}]`,
    parse: int('--stride', 1),
  },
  {
    flags: '--condition <kind>',
    path: 'data.condition.kind',
    applies: 'vae',
    description:
      "a conditional VAE: 'label' conditions encoder and decoder on the class label one-hot (C = the number of classes; images, or a table's --label-column)",
    parse: oneOf('--condition', CONDITION_KINDS),
  },
  {
    flags: '--condition-columns <list>',
    path: 'data.condition.columns',
    applies: 'vae',
    description: 'tables: a conditional VAE on these numeric columns (standardised like the features, and not features themselves), e.g. age,sex',
    parse: nameList('--condition-columns'),
  },
  { flags: '--out <dir>', path: 'out', applies: 'both', description: 'run folder [runs/<data>, or runs/<data>-<model> for a linear model]' },
  { flags: '--epochs <n>', path: 'training.epochs', applies: 'vae', description: `passes over the training set [${T.epochs}]`, parse: int('--epochs', 1) },
  { flags: '--batch-size <n>', path: 'training.batchSize', applies: 'vae', description: `examples per step [${T.batchSize}]`, parse: int('--batch-size', 1) },
  {
    flags: '--lr <x>',
    path: 'training.learningRate',
    applies: 'vae',
    description: `Adam learning rate [${T.learningRate}]`,
    parse: positiveNumberFlag('--lr'),
  },
  {
    flags: '--latent <n>',
    path: 'model.latentDim',
    applies: 'both',
    description: `latent size Z ${perKind(DATA_KIND_DEFAULTS.image.latentDim, DATA_KIND_DEFAULTS.table.latentDim)}`,
    parse: int('--latent', 1),
  },
  {
    flags: '--arch <kind>',
    path: 'model.encoder.kind',
    applies: 'vae',
    description: `network architecture (${NET_KINDS.join(', ')}): mlp for tables and images, conv (strided convolutions, transposed in the decoder) for images, rnn (recurrent, --cell) for series [mlp]`,
    parse: oneOf('--arch', NET_KINDS),
  },
  {
    flags: '--channels <list>',
    path: 'model.encoder.channels',
    applies: 'vae',
    description: `conv: channels of the stride-2 convolutions, input side first (the decoder mirrors them) [${CONV_DEFAULTS.channels.join(',')}]`,
    parse: intList('--channels'),
  },
  {
    flags: '--kernel <k>',
    path: 'model.encoder.kernel',
    applies: 'vae',
    description: `conv: kernel size k (k×k) [${CONV_DEFAULTS.kernel}]`,
    parse: int('--kernel', 1),
  },
  {
    flags: '--cell <kind>',
    path: 'model.encoder.cell',
    applies: 'vae',
    description: `rnn: the recurrent cell (${RNN_CELLS.join(', ')}) [${RNN_DEFAULTS.cell}]`,
    parse: oneOf('--cell', RNN_CELLS),
  },
  {
    flags: '--hidden <list>',
    path: 'model.hidden',
    applies: 'vae',
    description: `hidden layer widths of the MLP encoder (the decoder mirrors them), e.g. 400 or 200,200; conv: dense layers after the convolutions; rnn: the recurrent state sizes [mlp ${MLP_DEFAULTS.hidden.join(',')}; conv none; rnn ${RNN_DEFAULTS.hidden.join(',')}]`,
    parse: intList('--hidden'),
  },
  {
    flags: '--activation <name>',
    path: 'model.activation',
    applies: 'vae',
    description: `hidden activation (${ACTIVATIONS.join(', ')}) [${MLP_DEFAULTS.activation}; rnn ${RNN_DEFAULTS.activation}]`,
    parse: oneOf('--activation', ACTIVATIONS),
  },
  {
    flags: '--likelihood <kind>',
    path: 'model.likelihood.kind',
    applies: 'vae',
    description: `decoder likelihood: bernoulli (logits), gaussian, or mixed (tables: Gaussian numeric columns, categorical ones; the default when a table has categorical columns) ${perKind(DATA_KIND_DEFAULTS.image.likelihood.kind, DATA_KIND_DEFAULTS.table.likelihood.kind)}`,
    parse: oneOf('--likelihood', LIKELIHOOD_KINDS),
  },
  {
    flags: '--variance <v|learned|learned-diag>',
    path: 'model.likelihood.variance',
    applies: 'vae',
    description: `Gaussian decoder variance σ²: a number, 'learned' (one σ²) or 'learned-diag' (one per dimension) ${perKind(LIKELIHOOD_DEFAULTS.gaussianVariance, 'learned')}`,
    parse: variance,
  },
  {
    flags: '--beta <x>',
    path: 'training.beta',
    applies: 'vae',
    description: `KL weight β (1 = the ELBO) [${T.beta.kind === 'constant' ? T.beta.value : T.beta.kind}]`,
    parse: nonNegativeNumberFlag('--beta'),
  },
  {
    flags: '--kl-warmup <epochs>',
    path: 'training.klWarmup',
    applies: 'vae',
    description: `KL warm-up: β rises linearly from --beta-start to --beta over this many epochs (Bowman et al. 2016) [off]`,
    parse: positiveNumberFlag('--kl-warmup'),
  },
  {
    flags: '--beta-start <x>',
    path: 'training.betaStart',
    applies: 'vae',
    description: `where a warm-up or each annealing cycle starts [warm-up ${SCHEDULE_DEFAULTS.warmupStart} as in He et al. 2019; cycles ${SCHEDULE_DEFAULTS.cyclicalStart}]`,
    parse: nonNegativeNumberFlag('--beta-start'),
  },
  {
    flags: '--kl-cycles <m>',
    path: 'training.klCycles',
    applies: 'vae',
    description: `cyclical KL annealing (Fu et al. 2019): m cycles over the run's epochs, β rising over the first --kl-ratio of each [off; ${SCHEDULE_DEFAULTS.cycles} with --kl-ratio]`,
    parse: int('--kl-cycles', 1),
  },
  {
    flags: '--kl-ratio <r>',
    path: 'training.klRatio',
    applies: 'vae',
    description: `cyclical annealing: the share of each cycle over which β rises, in (0, 1] [${SCHEDULE_DEFAULTS.ratio}]`,
    parse: shareFlag('--kl-ratio'),
  },
  {
    flags: '--free-bits <nats>',
    path: 'training.objective.freeBits',
    applies: 'vae',
    description: "free bits (Kingma et al. 2016): each latent dimension's batch-mean KL floored at this many nats in the loss; 0.25 is the paper's [off]",
    parse: nonNegativeNumberFlag('--free-bits'),
  },
  {
    flags: '--objective <kind>',
    path: 'training.objective.kind',
    applies: 'vae',
    description:
      `training objective: ${OBJECTIVE_KINDS.join(', ')}; iwae is the importance-weighted bound of Burda et al. 2016, tc-vae the β-TCVAE of ` +
      `Chen et al. 2018 (the KL split into mutual information, total correlation and dimension-wise KL; --beta weighs the total correlation) [${T.objective.kind}]`,
    parse: oneOf('--objective', OBJECTIVE_KINDS),
  },
  {
    flags: '--tc-estimator <kind>',
    path: 'training.objective.estimator',
    applies: 'vae',
    description:
      `tc-vae: how log q(z) is estimated from the batch: mws, minibatch-weighted sampling (Chen et al. 2018, eq. S6, as in their code; its logged ` +
      `terms are biased, e.g. mi = log N where q(z|x) = p(z)), or mss, minibatch stratified sampling (appendix C.2) [${OBJECTIVE_DEFAULTS['tc-vae'].estimator}]`,
    parse: oneOf('--tc-estimator', TC_ESTIMATORS),
  },
  {
    flags: '--samples <k>',
    path: 'training.objective.numSamples',
    applies: 'vae',
    description: `samples of z per example in the objective: the K-sample ELBO, or the IWAE bound's K [elbo ${OBJECTIVE_DEFAULTS.elbo.numSamples}, iwae ${OBJECTIVE_DEFAULTS.iwae.numSamples}]`,
    parse: int('--samples', 1),
  },
  {
    flags: '--eval-loglik <k>',
    path: 'training.evalLogLikelihood.numSamples',
    applies: 'vae',
    description: 'after every epoch, the importance-sampled log p(x) of the first --eval-limit test examples with k samples, in metrics.jsonl [off]',
    parse: int('--eval-loglik', 1),
  },
  {
    flags: '--eval-limit <n>',
    path: 'training.evalLogLikelihood.limit',
    applies: 'vae',
    description: `examples of the per-epoch log p(x) (--eval-loglik) [${EPOCH_LOGLIK_DEFAULT_LIMIT}]`,
    parse: int('--eval-limit', 1),
  },
  {
    flags: '--binarize <mode>',
    path: 'training.binarize',
    applies: 'vae',
    description: `input binarisation (${BINARIZE_MODES.join(', ')}) [${T.binarize}]`,
    parse: oneOf('--binarize', BINARIZE_MODES),
  },
  {
    flags: '--val <n>',
    path: 'data.val',
    applies: 'vae',
    description: `validation examples held out of the training set (0 = none) [MNIST-format images: ${DATA_KIND_DEFAULTS.image.val}, at most a tenth of --limit; tables, series, PNG folders: 0]`,
    parse: int('--val', 0),
  },
  {
    flags: '--patience <n>',
    path: 'training.patience',
    applies: 'vae',
    description: 'early stopping: epochs without a better validation loss [none]',
    parse: int('--patience', 1),
  },
  {
    flags: '--seed <n>',
    path: 'training.seed',
    applies: 'both',
    description: `seed of initialisation, shuffling and sampling [${T.seed}]`,
    parse: int('--seed', 0),
  },
  { flags: '--limit <n>', path: 'data.limit', applies: 'both', description: 'use only the first n training and test examples', parse: int('--limit', 1) },
  {
    flags: '--include-labels <list>',
    path: 'data.includeLabels',
    applies: 'both',
    description: 'train (and validate) only on examples with these labels, e.g. 3 for one-class MNIST; the test split stays whole',
    parse: labelList('--include-labels'),
  },
  {
    flags: '--exclude-labels <list>',
    path: 'data.excludeLabels',
    applies: 'both',
    description: 'train (and validate) without the examples with these labels; the test split stays whole',
    parse: labelList('--exclude-labels'),
  },
  {
    flags: '--scale <x>',
    path: 'data.scale',
    applies: 'both',
    description: `divide raw values by this (255: bytes to [0, 1]; tables are then standardised per column) ${perKind(DATA_KIND_DEFAULTS.image.scale, DATA_KIND_DEFAULTS.table.scale)}`,
    parse: positiveNumberFlag('--scale'),
  },
  {
    flags: '--backend <name>',
    path: 'compute.backend',
    applies: 'both',
    description: `compute backend (${BACKENDS.join(', ')}) [${RUN_DEFAULTS.compute.backend}]`,
    parse: oneOf('--backend', BACKENDS),
  },
  {
    flags: '--threads <n>',
    path: 'compute.threads',
    applies: 'vae',
    description: `threads per training step (this one and n − 1 gradient workers on shards of each batch; wasm, cpu) [${RUN_DEFAULTS.compute.threads}]`,
    parse: int('--threads', 1),
  },
  {
    flags: '--components <k>',
    path: 'model.numComponents',
    applies: 'linear',
    description: `gmm: number of mixture components K [${RUN_DEFAULTS.linear.numComponents}]`,
    parse: int('--components', 1),
  },
  {
    flags: '--covariance <form>',
    path: 'model.covariance',
    applies: 'linear',
    description: `gmm: covariance form (${GMM_COVARIANCES.join(', ')}) [${RUN_DEFAULTS.linear.covariance}]`,
    parse: oneOf('--covariance', GMM_COVARIANCES),
  },
  {
    flags: '--max-iter <n>',
    path: 'training.maxIter',
    applies: 'linear',
    description: "ppca/fa/gmm: most EM iterations [the model's: 1000, gmm 500]",
    parse: int('--max-iter', 1),
  },
  {
    flags: '--variance-floor <x>',
    path: 'model.varianceFloor',
    applies: 'linear',
    description: `ppca/fa/gmm: floor on noise/component variances as a fraction of the mean data variance [${RUN_DEFAULTS.linear.varianceFloor}] (keeps pixels constant in training from dominating test log-likelihoods; the library's 1e-6 fits full MNIST tighter)`,
    parse: positiveNumberFlag('--variance-floor'),
  },
];

/** The flag name of a train flag ('--epochs <n>' → '--epochs'), and commander's attribute name ('batchSize'). */
export const flagName = (f: TrainFlag) => f.flags.split(' ')[0];
export const attributeName = (f: TrainFlag) => new Option(f.flags).attributeName();

/** Settings that are options of commands rather than parts of a run configuration, by their flags. */
const COMMAND_SETTINGS: Readonly<Record<string, string>> = {
  resume: '--resume',
  overwrite: '--force',
  native: '--native',
  prior: '--prior',
  config: '--config',
  // score and calibrate (anomaly detection)
  score: '--score',
  calibration: '--calibration',
  normalLabels: '--normal-labels',
  anomalyLabels: '--anomaly-labels',
  contamination: '--contamination',
  fpr: '--fpr',
  // the latent-space commands (interpolate, traverse, attribute)
  from: '--from',
  to: '--to',
  index: '--index',
  dims: '--dims',
  fromLabel: '--from-label',
  toLabel: '--to-label',
  // a conditional run's condition (sample, traverse, map) and the class grid (sample)
  condition: '--condition',
  grid: '--grid',
  // serve and export-app (the explorer)
  host: '--host',
  port: '--port',
  numExamples: '--examples',
};

/** Configuration paths that other paths stand for in messages (a network's hidden widths are --hidden). */
const ALIASES: Readonly<Record<string, string>> = {
  'model.encoder.hidden': 'model.hidden',
  'model.encoder.activation': 'model.activation',
  'model.likelihood': 'model.likelihood.kind',
  'training.beta.value': 'training.beta',
  'training.beta.end': 'training.beta',
  'training.beta.start': 'training.betaStart',
  'training.beta.cycles': 'training.klCycles',
  'training.beta.ratio': 'training.klRatio',
  'training.beta.epochs': 'training.klWarmup',
  'training.objective': 'training.objective.kind',
  'training.evalLogLikelihood': 'training.evalLogLikelihood.numSamples',
};

const FLAG_OF_PATH = new Map<string, string>([...TRAIN_FLAGS.map((f) => [f.path, flagName(f)] as [string, string]), ...Object.entries(COMMAND_SETTINGS)]);

/**
 * Names settings in library messages as flags: 'training.learningRate' → '--lr', and with a value
 * 'data.source' '/no/such' → '--data /no/such'; a setting without a flag keeps the library's name.
 */
export const flagNamer: SettingNamer = (path, value) => {
  const flag = FLAG_OF_PATH.get(ALIASES[path] ?? path) ?? FLAG_OF_PATH.get(path.replace(/\[\d+\]$/, ''));
  if (!flag) return undefined;
  return value === undefined || value === 'true' ? flag : `${flag} ${value}`;
};

/** Sets `value` at a dotted path of a nested object, creating the objects on the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = target;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]] = value;
}

/** The `--backend` flag of the commands on a run: the compute backend of a VAE (a linear model computes on the host). */
export function backendOption(): Option {
  return new Option('--backend <name>', `compute backend for a VAE (${BACKENDS.join(', ')})`).argParser(oneOf('--backend', BACKENDS)).default('wasm');
}

/** The `--native` flag of the commands that compute with a VAE (train, evaluate, score). */
export function nativeOption(): Option {
  return new Option(
    '--native <mode>',
    `native kernels on the wasm backend: matmuls (OpenBLAS, else the addon's own GEMM), one-call MLP training steps, Adam, Bernoulli likelihood (${NATIVE_CHOICES.join(', ')}; auto: when the addon is built)`,
  )
    .argParser(oneOf('--native', NATIVE_CHOICES))
    .default('auto');
}

/**
 * The JSON of a --config file.
 * @throws UsageError in one line naming the file: no such file, a folder, unreadable, or not JSON
 *   (with the line and column where the parser stopped, when it says)
 */
export function readConfigJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'expected a file, got a folder' : `cannot read file (${code ?? (e as Error).message})`;
    throw new UsageError(`--config ${path}: ${why}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`--config ${path}: ${describeJsonError(text, e)}`);
  }
}

/**
 * Checks a flat --config file's value with its flag's own parser, as if given on the command line
 * (a list as its comma-separated text), so a bad value is a usage error naming the file and the key.
 * @param path - the --config file, for the message
 * @param key - the value's key in the file (the flag's camelCase name), e.g. 'batchSize'
 * @throws UsageError `--config FILE: key: expected …, got '…'`
 */
export function checkConfigValue(path: string, key: string, flag: TrainFlag, value: unknown): void {
  if (!flag.parse || value === null || typeof value === 'boolean') return;
  const text = Array.isArray(value) ? value.join(',') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  try {
    flag.parse(text);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    throw new UsageError(`--config ${path}: ${key}: ${e.message.replace(/^--[\w-]+: /, '')}`);
  }
}
