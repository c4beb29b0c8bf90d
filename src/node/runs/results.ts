/**
 * What the commands on a saved run return and take, for every kind of run: an evaluation
 * (evaluation.json), anomaly scores, reconstructions, samples, a description. Each kind of run
 * (src/node/runs/vae-run.ts, linear-run.ts) fills these in its own way; src/node/runs/kinds.ts
 * dispatches on the run's kind.
 */
import { randomBytes } from 'node:crypto';
import { open, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../../errors.js';
import type { GmmCovariance, LinearModelKind } from '../../models/linear/index.js';
import type { AnomalyScoreKind } from '../../evaluation/anomaly-scores.js';
import type { Calibration } from '../../evaluation/calibration.js';
import type { AnomalyMetrics } from '../../evaluation/roc.js';
import type { ConditionValue } from './conditions.js';
import type { Split } from './run-data.js';

/** RUN/evaluation.json: the evaluation on the test split, which the report and the explorer read. */
export const EVALUATION_FILE = 'evaluation.json';

/** The file in RUN an evaluation of `split` is written to: evaluation.json (test), evaluation-<split>.json (any other split). */
export function evaluationFile(split: Split): string {
  return split === 'test' ? EVALUATION_FILE : `evaluation-${split}.json`;
}

/** An evaluation as the JSON file holds it. */
export function evaluationJson(e: Evaluation): string {
  return JSON.stringify(e, null, 2) + '\n';
}
/**
 * Checks, before a long computation, that `file` can be written: it is not a folder, and its folder
 * exists and takes a new file. The test creates and removes a probe file beside `file` (named as
 * src/node/formats/atomic.ts names its temporaries), so a read-only mount, a missing folder or a
 * "folder" that is a file is caught even where permission bits are not (as root).
 * @param what - how the caller names the file in the message (the CLI: its flag, e.g. '--out')
 * @throws ConfigError naming `what` and the path
 */
export async function checkWritableFile(file: string, what: string): Promise<void> {
  const isFolder = await stat(file).then(
    (st) => st.isDirectory(),
    () => false,
  );
  if (isFolder) throw new ConfigError(`${what}: expected a file to write, got the folder ${file}`);
  const probe = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await (await open(probe, 'wx')).close();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ConfigError(`${what}: expected to be able to write ${file}, got an error creating a file in ${dirname(file)} (${reason})`, { cause });
  }
  await unlink(probe).catch(() => undefined);
}

/** Version 2 added `latent` (per-dimension KL, active units) and `iwaeBound` for a VAE. */
export const EVALUATION_VERSION = 2;

/** RUN/evaluation.json. All figures are means over the split's examples, nats per example unless stated. */
export interface Evaluation {
  version: typeof EVALUATION_VERSION;
  /** 'vae' or the linear kind ('pca', 'ppca', 'fa', 'gmm'). */
  model: string;
  dataset: string;
  split: Split;
  numExamples: number;
  /** D, values per example. */
  dataDim: number;
  /** Exact mean log p(x) (density models); null for PCA and the VAE. */
  logLikelihood: { mean: number; exact: true } | null;
  /** −log p(x) / (D · ln 2) on the scaled data, from the exact value or (VAE) the estimate; null without either. */
  bitsPerDim: number | null;
  /** VAE: mean ELBO (one reparameterised sample, seed 0), a lower bound on log p(x). */
  elbo: { mean: number; reconstruction: number; kl: number; exact: false } | null;
  /**
   * VAE: importance-sampled log p(x) with K = numSamples samples per example (mean over examples);
   * standardError over examples, monteCarloStandardError for this data, mean effective sample
   * size. A lower bound in expectation that tends to log p(x) as K grows. Null for linear models
   * (their log-likelihood is exact) and when K = 0 was asked for.
   */
  logLikelihoodEstimate: {
    numSamples: number;
    value: number;
    standardError: number;
    monteCarloStandardError: number;
    meanEffectiveSampleSize: number;
    seed: number;
    /** Threads it ran on, and its wall-clock time. */
    threads: number;
    seconds: number;
  } | null;
  /**
   * VAE: the mean KL(q(z_u|x) ‖ N(0, 1)) of each latent dimension u [Z] (nats per example, summing to
   * elbo.kl), Var_x(E_q[z_u]) [Z], and the active units, those with that variance above `threshold`
   * (0.01, Burda et al. 2016). Null for linear models.
   */
  latent: { klPerDimension: number[]; meanVariance: number[]; activeUnits: number; threshold: number } | null;
  /**
   * VAE: the IWAE bound L_K = E[log (1/K) Σ_k w_k] at K = numSamples (by default the K the run trained
   * with), mean over examples with its standard error; ELBO ≤ L_K ≤ log p(x) in expectation. Null for linear models.
   */
  iwaeBound: { numSamples: number; value: number; standardError: number; seed: number } | null;
  /** PCA: mean squared reconstruction error, squared data units per example. */
  reconstructionError: number | null;
  /**
   * A conditional VAE: what its figures are conditional on, each example's own class label or
   * condition columns; its ELBO, IWAE bound and estimate are then of log p(x|y). null for an
   * unconditional VAE; absent for linear models (and in files of vaekit before conditional runs).
   */
  condition?: { kind: 'label'; numClasses: number } | { kind: 'columns'; columns: string[] } | null;
  /**
   * VAE on data with ground-truth factors (dsprites): the mutual information gap of the encoder on
   * the split (src/evaluation/mig.ts; Chen et al. 2018), unitless in [0, 1], with its Monte Carlo
   * standard error, the gap of each factor [K], the top two latents per factor [K][2], I(z_j; v_k)
   * [Z][K] and H(v_k) [K] in nats, S sample points and their seed. Absent for data without factors.
   */
  mig?: {
    value: number;
    standardError: number;
    factors: string[];
    gaps: number[];
    topLatents: number[][];
    mutualInformation: number[][];
    factorEntropy: number[];
    numSamples: number;
    seed: number;
    seconds: number;
  };
  note?: string;
  vaekitVersion: string;
  evaluatedAt: string;
}

/** Options of an evaluation. */
export interface EvaluateRunOptions {
  split?: Split;
  /** File to write; null writes none (the caller writes it). Default RUN/{@link evaluationFile}(split). */
  out?: string | null;
  /** Another data source than the run's own (same scaling and limit). */
  data?: string;
  /** Only the first N examples of the split (after the run's own limit). Default: all. */
  limit?: number;
  /** VAE: K importance samples per example for log p(x); 0 skips the estimate. Default 1000. */
  numSamples?: number;
  /** VAE: seed of the importance samples. Default 0. */
  seed?: number;
  /** VAE: K of the IWAE bound reported beside the estimate. Default: the K the run trained with (1 for a one-sample ELBO). */
  iwaeSamples?: number;
  /** VAE: called as the estimate progresses, with (examples done, total). */
  onProgress?: (done: number, total: number) => void;
  /** VAE: threads for the estimate (worker threads with their own backend). Default 1. */
  numThreads?: number;
  /** VAE: the workers' backend. Default 'wasm'. */
  backend?: 'wasm' | 'cpu';
}

/** Default K for an evaluation of a VAE. */
export const EVALUATE_DEFAULT_SAMPLES = 1000;

/**
 * Anomaly scores of a run on one split, one per example, higher = more anomalous:
 *   density models: −log p(x_n) (nats, column `nll`);  PCA: ‖x_n − x̂_n‖² (column `squaredError`);
 *   VAE: −ELBO(x_n) (nats, column `negElbo`, an upper bound on −log p(x_n)), or with `numSamples`
 *   K > 0 the importance-sampled −log p̂(x_n) (nats, column `nll`; Prince, Understanding Deep Learning, eq. 17.28),
 *   or the kind `score` names (src/evaluation/anomaly-scores.ts). With a calibration, the decisions
 *   and p-values; with label sets, what the labels say of the scores.
 */
export interface RunScores {
  model: string;
  dataset: string;
  split: Split;
  /** The score's name, the CSV column header: 'nll' | 'squaredError' | 'negElbo' | 'reconProb'. */
  column: 'nll' | 'squaredError' | 'negElbo' | 'reconProb' | 'reconProbLast' | 'squaredErrorLast';
  /** The kind of score ('nll', 'negelbo', 'recon-prob', 'recon-error'); its samples per example (null: deterministic) and seed. */
  score?: AnomalyScoreKind;
  numSamples?: number | null;
  seed?: number | null;
  /** One score per example [N], float64. */
  scores: Float64Array;
  labels?: Int32Array;
  /** Windows of a series: the time index (row of the series) and time of each window's last step [N], the step the score is of. */
  timeIndex?: Int32Array;
  timeLabels?: string[];
  /** With a calibration: its threshold, and per example score > threshold [N] and the p-value [N]. */
  threshold?: number;
  isAnomaly?: Uint8Array;
  pValue?: Float64Array;
  /** With normalLabels or anomalyLabels: ROC-AUC, average precision, F1 at the threshold, the ROC curve. */
  labelMetrics?: AnomalyMetrics;
}

/** Options of scoring. */
export interface ScoreRunOptions {
  split?: Split;
  data?: string;
  /** VAE: K importance samples per example for −log p̂(x); 0 (default) scores −ELBO. With `score`: its K or L (0: the kind's default). */
  numSamples?: number;
  /** VAE with numSamples > 0: threads for the estimate, and the workers' backend. */
  /** Called as scoring progresses, with (examples done, total). */
  onProgress?: (done: number, total: number) => void;
  numThreads?: number;
  backend?: 'wasm' | 'cpu';
  /**
   * The kind of score. VAE: any of ANOMALY_SCORE_KINDS; default 'nll' with numSamples > 0, else the
   * calibration's kind, else 'negelbo'. Linear: 'nll' (density models) or 'recon-error' (PCA, PPCA, FA).
   */
  score?: AnomalyScoreKind;
  /** Seed of a noisy score. Default 0. */
  seed?: number;
  /** A calibration of this kind of score (e.g. RUN/calibration.json): adds isAnomaly and pValue. */
  calibration?: Calibration | null;
  /** Labels counted normal (every other label anomalous), or labels counted anomalous: adds labelMetrics. One of the two. */
  normalLabels?: number[];
  anomalyLabels?: number[];
}

/** The calibration file in a run folder (src/evaluation/calibration.ts's JSON). */
export const CALIBRATION_FILE = 'calibration.json';

/** Options of {@link RunReconstructions}. */
export interface ReconstructOptions {
  /** Data source (default: the run's own), read with the run's columns and standardisation. */
  data?: string;
  /** Examples written to the file (the first of the test split). Default 32. */
  numShown?: number;
  /** File to write. Default RUN/reconstructions-test.png (images) or RUN/reconstructions-test.csv (tables). */
  out?: string;
}

export const RECONSTRUCT_DEFAULTS = Object.freeze({
  numShown: 32,
  /** A VAE's squared error is over this many test examples at most (a tfjs forward pass each). */
  vaeErrorExamples: 1000,
});

/** What a reconstruction did. Squared errors in squared data units (standardised units for a table). */
export interface RunReconstructions {
  model: 'vae' | LinearModelKind;
  dataset: string;
  /** How x̂ is formed, for people: e.g. 'x̂ = μ + W E[z|x], the posterior mean of z mapped back'. */
  reconstruction: string;
  /** The file written: a PNG (images) or CSV in raw units (tables). */
  file: string;
  format: 'png' | 'csv';
  /** Examples in the file. */
  numShown: number;
  /** Examples in the test split (after the run's limit). */
  numExamples: number;
  /** (1/N) Σ_n ‖x_n − x̂_n‖² over the first `numErrorExamples` test examples, squared data units per example. */
  squaredError: number;
  numErrorExamples: number;
  /** D, so squaredError / dataDim is the mean per dimension. */
  dataDim: number;
  /** True for a standardised table: the errors are in standardised units, the file in raw units. */
  isStandardized: boolean;
  /** VAE only: the test −ELBO and its terms, nats per example (first-draw ε, seed 0). */
  elbo: { loss: number; reconstructionLoss: number; kl: number } | null;
}

/** The prior z is drawn from: the model's N(0, I), or a mixture fitted to the training latent means (VAE runs). */
export const SAMPLE_PRIORS = ['normal', 'gmm'] as const;
export type SamplePrior = (typeof SAMPLE_PRIORS)[number];

/** Options of sampling. */
export interface SampleRunOptions {
  /** Number of samples. Default 64. */
  numSamples?: number;
  seed?: number;
  /** VAE, normal prior: the standard deviation of z (1 = the prior). */
  temperature?: number;
  prior?: SamplePrior;
  /** The gmm prior's components and covariance form (default the fitted prior's: 10, full). */
  numComponents?: number;
  covariance?: GmmCovariance;
  /** File to write (default RUN/samples-<seed>.png, RUN/samples-gmm-<seed>.png, or .csv for a table). */
  out?: string;
  /** Images: also write the samples as CSV, one example per row. */
  csv?: string;
  /** One line of human information (a prior reused or fitted, EM progress). */
  log?: (line: string) => void;
  /**
   * A conditional run: the condition of every sample, a class (label runs) or the condition columns'
   * values in raw units (columns runs). Default: a class grid (label runs), or each sample's
   * condition drawn from the training rows (columns runs).
   */
  condition?: ConditionValue;
  /** A run conditioned on the class label: one row per class, the same latents in every row, numSamples per row (default 8). */
  grid?: boolean;
}

/** What sampling wrote, and what it found along the way. */
export interface SampleResult {
  numSamples: number;
  /** The files written. */
  files: string[];
  /** True when the files are in a table's raw units (the standardisation inverted). */
  isRawUnits: boolean;
  /** With the gmm prior: lines about the fitted prior (for people). */
  notes: string[];
}

/** A run described for people (`vaekit info`) and as JSON (`--json`). */
export interface RunDescription {
  lines: string[];
  json: object;
}
