/**
 * What a training run records: one metrics row per epoch (a line of metrics.jsonl) and the state that
 * continues a run exactly (saved in checkpoints), with readers for both formats vaekit has written.
 */
import { CheckpointError } from '../errors.js';

/**
 * The format version of a metrics row; rows of version 1 (vaekit 0.1) had no `version` and no
 * `terms`, rows of version 2 no per-dimension KL, active units or per-epoch log-likelihood.
 */
export const METRICS_VERSION = 3;

/** The importance-sampled log p(x) of held-out examples after an epoch, nats per example. */
export interface EpochLogLikelihood {
  /** 'test' or 'val': the split the examples are the first of. */
  split: 'test' | 'val';
  /** K. */
  numSamples: number;
  /** N. */
  numExamples: number;
  /** Mean log p̂(x) over the N examples. */
  value: number;
  /** Its standard error over the examples. */
  standardError: number;
  /** Mean effective sample size of the importance weights (1…K). */
  meanEffectiveSampleSize: number;
}

/**
 * One line of metrics.jsonl. Losses are in nats per example. `trainLoss` is the objective's
 * (for the ELBO, reconstruction + β·kl with reconstruction = −E_q[log p(x|z)]); `terms` holds the
 * objective's own terms, epoch means, so another objective reports its terms without a schema change.
 * val* and test* are the −ELBO on the validation and test sets and its two terms.
 */
export interface EpochMetrics {
  /** The row's format: {@link METRICS_VERSION}. */
  version: number;
  /** 1-based epoch number. */
  epoch: number;
  /** The training objective, epoch mean over its steps. */
  trainLoss: number;
  /** −E_q[log p(x|z)], epoch mean (the ELBO's reconstruction term; null for an objective without it). */
  reconstruction: number | null;
  /** KL(q ‖ p), epoch mean (null for an objective without it). */
  kl: number | null;
  /** β at the epoch's last step. */
  beta: number;
  /** The objective's terms, epoch means, by name (the ELBO: reconstruction, kl). */
  terms: Record<string, number>;
  valLoss: number | null;
  valReconstruction: number | null;
  valKl: number | null;
  testLoss: number | null;
  testReconstruction: number | null;
  testKl: number | null;
  /** Training examples per second over the epoch (evaluation excluded). */
  examplesPerSecond: number;
  /** The epoch's training time in seconds (evaluation excluded). */
  seconds: number;
  /** Seconds spent evaluating validation and test sets. */
  evalSeconds: number;
  /**
   * Mean KL(q(z_u|x) ‖ N(0, 1)) of each latent dimension u [Z] over the validation set (the test set
   * when there is none), nats per example; null without held-out data.
   */
  klPerDimension: number[] | null;
  /** Active units over the same set: dimensions with Var_x(E_q[z_u]) > 0.01 (Burda et al. 2016). */
  activeUnits: number | null;
  /** The importance-sampled log p(x) after the epoch, when training was asked for it (`evalLogLikelihood`). */
  logLikelihood: EpochLogLikelihood | null;
}

/** Running sums over the completed steps of an unfinished epoch: each value times its batch size. */
export interface EpochSums {
  /** Examples seen. */
  examples: number;
  /** Training seconds so far. */
  seconds: number;
  /** Σ loss · b. */
  loss: number;
  /** Σ term · b, by term name. */
  terms: Record<string, number>;
}

/** Everything besides weights and optimizer slots needed to continue a run exactly. */
export interface TrainerState {
  /** Completed epochs. */
  epoch: number;
  /** Completed steps within the current (unfinished) epoch; 0 at an epoch boundary. */
  step: number;
  /** Sums over the unfinished epoch's completed steps. */
  partial: EpochSums;
  history: EpochMetrics[];
  bestValLoss: number | null;
  bestEpoch: number | null;
  epochsWithoutImprovement: number;
}

export function emptySums(): EpochSums {
  return { examples: 0, seconds: 0, loss: 0, terms: {} };
}

export function initialTrainerState(): TrainerState {
  return { epoch: 0, step: 0, partial: emptySums(), history: [], bestValLoss: null, bestEpoch: null, epochsWithoutImprovement: 0 };
}

/** The fields version 3 added to a metrics row. */
type AddedInV3 = 'klPerDimension' | 'activeUnits' | 'logLikelihood';
/** A metrics row of version 2. */
type MetricsV2 = Omit<EpochMetrics, 'version' | AddedInV3> & { version: 2 };
/** A metrics row as vaekit 0.1 wrote it (no version, no terms). */
type MetricsV1 = Omit<EpochMetrics, 'version' | 'terms' | AddedInV3> & { version?: undefined; terms?: undefined };

/**
 * A metrics row of any version as the current one: a version-1 row gains `version` and `terms`
 * ({ reconstruction, kl }, the ELBO's, which was the only objective then); version-1 and -2 rows
 * gain null per-dimension KL, active units and log-likelihood (not measured then).
 * @throws CheckpointError for a row of an unknown version
 */
export function migrateMetrics(row: EpochMetrics | MetricsV2 | MetricsV1): EpochMetrics {
  if (row.version === METRICS_VERSION) return row as EpochMetrics;
  const added = { klPerDimension: null, activeUnits: null, logLikelihood: null };
  if (row.version === 2) return { ...(row as MetricsV2), ...added, version: METRICS_VERSION };
  if (row.version !== undefined)
    throw new CheckpointError(
      `metrics: expected a row of version ${METRICS_VERSION} or 2 (or an unversioned one of vaekit 0.1), got version ${JSON.stringify(row.version)}`,
    );
  const { epoch, trainLoss, reconstruction, kl, beta, ...rest } = row as MetricsV1;
  return {
    version: METRICS_VERSION,
    epoch,
    trainLoss,
    reconstruction,
    kl,
    beta,
    terms: { reconstruction: reconstruction ?? NaN, kl: kl ?? NaN },
    ...rest,
    ...added,
  };
}

/**
 * A trainer state of any version as the current one: vaekit 0.1 kept the unfinished epoch's sums as
 * [loss·n, reconstruction·n, kl·n, examples, seconds] and its history as version-1 metrics rows.
 */
export function migrateTrainerState(
  s: Omit<TrainerState, 'partial' | 'history'> & { partial: EpochSums | number[]; history: (EpochMetrics | MetricsV2 | MetricsV1)[] },
): TrainerState {
  const p = s.partial;
  const partial: EpochSums = Array.isArray(p) ? { examples: p[3], seconds: p[4], loss: p[0], terms: { reconstruction: p[1], kl: p[2] } } : p;
  return { ...s, partial, history: s.history.map(migrateMetrics) };
}
