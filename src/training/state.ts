/**
 * What a training run records: one metrics row per epoch (a line of metrics.jsonl) and the state that
 * continues a run exactly (saved in checkpoints), with readers for both formats vaekit has written.
 */
import { CheckpointError } from '../errors.js';

/** The format version of a metrics row; rows of version 1 (vaekit 0.1) had no `version` and no `terms`. */
export const METRICS_VERSION = 2;

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

/** A metrics row as vaekit 0.1 wrote it (no version, no terms). */
type MetricsV1 = Omit<EpochMetrics, 'version' | 'terms'> & { version?: undefined; terms?: undefined };

/**
 * A metrics row of any version as the current one: a version-1 row gains `version` and `terms`
 * ({ reconstruction, kl }, the ELBO's, which was the only objective then).
 */
export function migrateMetrics(row: EpochMetrics | MetricsV1): EpochMetrics {
  if (row.version === METRICS_VERSION) return row as EpochMetrics;
  if (row.version !== undefined)
    throw new CheckpointError(
      `metrics: expected a row of version ${METRICS_VERSION} (or an unversioned one of vaekit 0.1), got version ${JSON.stringify(row.version)}`,
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
  };
}

/**
 * A trainer state of any version as the current one: vaekit 0.1 kept the unfinished epoch's sums as
 * [loss·n, reconstruction·n, kl·n, examples, seconds] and its history as version-1 metrics rows.
 */
export function migrateTrainerState(s: Omit<TrainerState, 'partial'> & { partial: EpochSums | number[] }): TrainerState {
  const p = s.partial;
  const partial: EpochSums = Array.isArray(p) ? { examples: p[3], seconds: p[4], loss: p[0], terms: { reconstruction: p[1], kl: p[2] } } : p;
  return { ...s, partial, history: s.history.map(migrateMetrics) };
}
