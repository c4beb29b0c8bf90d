/**
 * How well anomaly scores separate anomalies from normal examples, given the truth: the ROC curve and
 * its area, average precision (the area under the precision–recall curve as scikit-learn computes
 * it), and precision, recall and F1 at a threshold. Anomalies are the positive class; higher scores
 * mean more unusual. Equal scores are one step of the curve, so ties count ½.
 */
import { ConfigError, DataError, setting } from '../errors.js';

/** One point of the ROC curve: flag every score ≥ threshold. */
export interface RocPoint {
  /** False-positive rate, share of normal examples flagged. */
  fpr: number;
  /** True-positive rate (recall), share of anomalies flagged. */
  tpr: number;
  /** The score the point flags from (+Infinity for the first point, nothing flagged). */
  threshold: number;
}

/** Numbers of anomalies (P) and normal examples (N); a DataError when either is 0 or the lengths differ. */
function classCounts(where: string, scores: ArrayLike<number>, isAnomaly: ArrayLike<number>): { p: number; n: number } {
  if (scores.length !== isAnomaly.length) throw new DataError(`${where}: expected as many truth values as scores (${scores.length}), got ${isAnomaly.length}`);
  let p = 0;
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new DataError(`${where}: expected scores that are numbers, got NaN at index ${i}`);
    if (isAnomaly[i]) p++;
  }
  const n = scores.length - p;
  if (p === 0 || n === 0) throw new DataError(`${where}: expected both anomalies and normal examples, got ${p} anomalies and ${n} normal examples`);
  return { p, n };
}

/** Example indices by descending score. */
function byDescendingScore(scores: ArrayLike<number>): Int32Array {
  const order = Int32Array.from({ length: scores.length }, (_, i) => i);
  return order.sort((a, b) => (scores[b] > scores[a] ? 1 : scores[b] < scores[a] ? -1 : 0)); // ±Infinity safe
}

/**
 * Walks the scores from highest to lowest, one group of equal scores at a time, calling `step` with
 * the counts of anomalies (tp) and normal examples (fp) at or above each distinct score.
 */
function sweep(scores: ArrayLike<number>, isAnomaly: ArrayLike<number>, step: (tp: number, fp: number, threshold: number) => void): void {
  const order = byDescendingScore(scores);
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length;) {
    const s = scores[order[i]];
    while (i < order.length && scores[order[i]] === s) {
      if (isAnomaly[order[i]]) tp++;
      else fp++;
      i++;
    }
    step(tp, fp, s);
  }
}

/**
 * The area under the ROC curve, as the Mann–Whitney statistic:
 *   AUC = (1 / (P·N)) Σ_{a anomalous} Σ_{m normal} ( [s_a > s_m] + ½ [s_a = s_m] )
 * the probability that a random anomaly scores above a random normal example, ties counting ½.
 * @param scores - [M], higher = more unusual
 * @param isAnomaly - truth [M], 1 for an anomaly, 0 for a normal example
 * @returns AUC in [0, 1]; 0.5 is chance
 * @throws DataError when the lengths differ, a score is NaN, or either class is empty
 * @see Hanley & McNeil 1982; Ruff et al. 2018 (one-class MNIST, AUC in %)
 */
export function rocAuc(scores: ArrayLike<number>, isAnomaly: ArrayLike<number>): number {
  const { p, n } = classCounts('rocAuc', scores, isAnomaly);
  // The trapezoidal area under the tie-grouped curve equals the Mann–Whitney statistic.
  let area = 0;
  let prevTp = 0;
  let prevFp = 0;
  sweep(scores, isAnomaly, (tp, fp) => {
    area += (fp - prevFp) * (tp + prevTp) * 0.5;
    prevTp = tp;
    prevFp = fp;
  });
  return area / (p * n);
}

/**
 * The ROC curve: one point per distinct score (flag every score ≥ it), from (0, 0) to (1, 1).
 * @returns points [distinct scores + 1], fpr and tpr non-decreasing
 * @throws DataError as {@link rocAuc}
 */
export function rocCurve(scores: ArrayLike<number>, isAnomaly: ArrayLike<number>): RocPoint[] {
  const { p, n } = classCounts('rocCurve', scores, isAnomaly);
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Infinity }];
  sweep(scores, isAnomaly, (tp, fp, threshold) => points.push({ fpr: fp / n, tpr: tp / p, threshold }));
  return points;
}

/**
 * Average precision, the area under the precision–recall curve as a step sum over the distinct scores:
 *   AP = Σ_k (R_k − R_{k−1}) · P_k,   P_k, R_k the precision and recall flagging every score ≥ the k-th highest
 * (scikit-learn's `average_precision_score`; no interpolation). A random scorer gets about P/(P + N).
 * @returns AP in (0, 1]
 * @throws DataError as {@link rocAuc}
 */
export function averagePrecision(scores: ArrayLike<number>, isAnomaly: ArrayLike<number>): number {
  const { p } = classCounts('averagePrecision', scores, isAnomaly);
  let ap = 0;
  let prevRecall = 0;
  sweep(scores, isAnomaly, (tp, fp) => {
    const recall = tp / p;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  });
  return ap;
}

/** Precision, recall and F1 of the decision score > threshold. */
export interface ThresholdMetrics {
  threshold: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** TP / (TP + FP); 0 when nothing is flagged. */
  precision: number;
  /** TP / (TP + FN). */
  recall: number;
  /** 2·precision·recall / (precision + recall); 0 when both are 0. */
  f1: number;
}

/**
 * Precision, recall and F1 when every score above `threshold` is flagged (the decision a calibration makes).
 * @throws DataError as {@link rocAuc}
 */
export function thresholdMetrics(scores: ArrayLike<number>, isAnomaly: ArrayLike<number>, threshold: number): ThresholdMetrics {
  classCounts('thresholdMetrics', scores, isAnomaly);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const flagged = scores[i] > threshold;
    if (isAnomaly[i]) {
      if (flagged) tp++;
      else fn++;
    } else if (flagged) fp++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp / (tp + fn);
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { threshold, truePositives: tp, falsePositives: fp, falseNegatives: fn, precision, recall, f1 };
}

/** Which labels are normal, or which are anomalous (exactly one of the two). */
export interface LabelSets {
  normalLabels?: readonly number[];
  anomalyLabels?: readonly number[];
}

/**
 * The truth of each example from its class label: anomalous unless its label is among
 * `normalLabels`, or anomalous when it is among `anomalyLabels`.
 * @param labels - class labels [M], or undefined for unlabelled data
 * @returns isAnomaly [M], 1 for an anomaly
 * @throws ConfigError unless exactly one of normalLabels and anomalyLabels is given
 * @throws DataError for unlabelled data, or labels that leave no normal or no anomalous example
 */
export function anomalyTruth(labels: ArrayLike<number> | undefined, sets: LabelSets): Uint8Array {
  const { normalLabels, anomalyLabels } = sets;
  if ((normalLabels === undefined) === (anomalyLabels === undefined)) {
    throw new ConfigError(`${setting('normalLabels')} or ${setting('anomalyLabels')}: expected exactly one of them, got ${normalLabels ? 'both' : 'neither'}`);
  }
  const name = normalLabels ? 'normalLabels' : 'anomalyLabels';
  const given = new Set(normalLabels ?? anomalyLabels);
  if (!labels) throw new DataError(`${setting(name)}: expected labelled data, got examples without labels`);
  const isAnomaly = Uint8Array.from(labels, (l) => (given.has(l) === Boolean(anomalyLabels) ? 1 : 0));
  const numAnomalies = isAnomaly.reduce((s, v) => s + v, 0);
  if (numAnomalies === 0 || numAnomalies === isAnomaly.length) {
    throw new DataError(
      `${setting(name, [...given].join(','))}: expected labels that leave both normal and anomalous examples, got ${numAnomalies === 0 ? 'no anomalous' : 'no normal'} example among ${isAnomaly.length}`,
    );
  }
  return isAnomaly;
}

/** What labels say of a set of scores. */
export interface AnomalyMetrics {
  numNormal: number;
  numAnomalous: number;
  rocAuc: number;
  /** PR-AUC, the average precision. */
  averagePrecision: number;
  /** At the calibration's threshold; null without one. */
  atThreshold: ThresholdMetrics | null;
  /** The ROC curve's points. */
  roc: RocPoint[];
}

/**
 * ROC-AUC, average precision, the ROC curve and (given a threshold) precision, recall and F1.
 * @param scores - [M], higher = more unusual
 * @param isAnomaly - truth [M] (see {@link anomalyTruth})
 * @param threshold - a calibration's threshold, or null
 * @throws DataError as {@link rocAuc}
 */
export function anomalyMetrics(scores: ArrayLike<number>, isAnomaly: ArrayLike<number>, threshold: number | null): AnomalyMetrics {
  const { p, n } = classCounts('anomalyMetrics', scores, isAnomaly);
  return {
    numNormal: n,
    numAnomalous: p,
    rocAuc: rocAuc(scores, isAnomaly),
    averagePrecision: averagePrecision(scores, isAnomaly),
    atThreshold: threshold === null ? null : thresholdMetrics(scores, isAnomaly, threshold),
    roc: rocCurve(scores, isAnomaly),
  };
}
