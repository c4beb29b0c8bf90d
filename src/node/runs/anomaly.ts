/**
 * Anomaly detection on a saved run, of any kind: `calibrateRun` chooses a threshold on scores of the
 * run's training data (a contamination) or of data known to be normal (a false-positive rate) and
 * writes RUN/calibration.json; `readCalibration` reads it back for `scoreRun`; `writeLabelMetrics`
 * writes what labels say of a run's scores (JSON) and its ROC curve (SVG).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError, ConfigError, setting } from '../../errors.js';
import { calibrate, parseCalibration, type Calibration } from '../../evaluation/calibration.js';
import type { LabelSets } from '../../evaluation/roc.js';
import { rocCurveSpec } from '../../render/roc-curve.js';
import { writeFileAtomic } from '../formats/atomic.js';
import { renderSpecToSvg } from '../formats/plot.js';
import { VAEKIT_VERSION } from '../version.js';
import { readRun, scoreRun, type SavedRun } from './kinds.js';
import { CALIBRATION_FILE, type RunScores, type ScoreRunOptions } from './results.js';
import type { Split } from './run-data.js';

/** Options of {@link calibrateRun}: exactly one of contamination and fpr, and how to score. */
export interface CalibrateRunOptions extends Pick<ScoreRunOptions, 'score' | 'numSamples' | 'seed' | 'numThreads' | 'backend' | 'onProgress'> {
  /** Share of the run's training data taken as anomalous, in (0, 0.5]: the threshold is that upper quantile of the training scores. */
  contamination?: number;
  /** False-positive rate on `data`, in (0, 1): the threshold flags that share of it. Needs `data`. */
  fpr?: number;
  /** Normal data (a source as `vaekit score --data` takes); with contamination, default the run's own. */
  data?: string;
  /** Split of the data. Default 'train' for the run's own data, 'all' for other data. */
  split?: Split;
  /** File to write. Default RUN/calibration.json. */
  out?: string;
}

/** What {@link calibrateRun} did. */
export interface CalibrateRunResult {
  calibration: Calibration;
  /** The file written. */
  file: string;
  /** The scores it was chosen on. */
  scores: RunScores;
}

/**
 * Scores normal data under the run in RUN and writes the threshold and the scores to
 * RUN/calibration.json (atomically): with `contamination` α the run's training split, with `fpr` α
 * the `data` given; the threshold is the (1 − α) quantile of those scores (src/evaluation/calibration.ts).
 * @throws ConfigError for a bad rate, fpr without data, or a score the run cannot give; CheckpointError for a folder without a run; DataError for unreadable data
 */
export async function calibrateRun(run: string | SavedRun, opts: CalibrateRunOptions): Promise<CalibrateRunResult> {
  const saved = typeof run === 'string' ? await readRun(run) : run;
  if (opts.fpr !== undefined && opts.data === undefined) {
    throw new ConfigError(`${setting('fpr')}: expected ${setting('data.source')} naming normal data to flag that share of, got none`);
  }
  // Check the rate before scoring (which can take minutes).
  calibrate([0], { contamination: opts.contamination, fpr: opts.fpr });
  const split = opts.split ?? (opts.data === undefined ? 'train' : 'all');
  const { score, numSamples, seed, numThreads, backend, onProgress } = opts;
  const s = await scoreRun(saved, { split, data: opts.data, score, numSamples, seed, numThreads, backend, onProgress });
  const calibration = calibrate(s.scores, {
    contamination: opts.contamination,
    fpr: opts.fpr,
    score: s.score,
    numSamples: s.numSamples ?? null,
    seed: s.seed ?? null,
    source: { model: s.model, dataset: s.dataset, split: s.split, vaekitVersion: VAEKIT_VERSION, calibratedAt: new Date().toISOString() },
  });
  const file = opts.out ?? join(saved.dir, CALIBRATION_FILE);
  await writeFileAtomic(file, JSON.stringify(calibration) + '\n');
  return { calibration, file, scores: s };
}

/**
 * Reads a calibration file.
 * @throws CheckpointError when it is missing, unreadable, or not a calibration of a known version
 */
export async function readCalibration(file: string): Promise<Calibration> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    const what = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'unreadable JSON';
    throw new CheckpointError(`${setting('calibration', file)}: expected a calibration file (vaekit calibrate RUN writes one), got ${what}`, { cause });
  }
  return parseCalibration(json, file);
}

/** RUN/calibration.json when the run has one, else null. @throws CheckpointError for a corrupt file */
export async function readRunCalibration(dir: string): Promise<Calibration | null> {
  const file = join(dir, CALIBRATION_FILE);
  return existsSync(file) ? readCalibration(file) : null;
}

/** The JSON file {@link writeLabelMetrics} writes. */
export interface LabelMetricsJson {
  version: 1;
  model: string;
  dataset: string;
  split: Split;
  score: string | null;
  column: string;
  numExamples: number;
  numNormal: number;
  numAnomalous: number;
  normalLabels: number[] | null;
  anomalyLabels: number[] | null;
  rocAuc: number;
  /** PR-AUC. */
  averagePrecision: number;
  /** At the calibration's threshold (score > threshold is flagged); null without a calibration. */
  threshold: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  vaekitVersion: string;
}

/**
 * Writes what labels say of scores (`scoreRun` with label sets): `<stem>-metrics.json` and the ROC curve `<stem>-roc.svg`.
 * @param stem - path without extension, e.g. RUN/scores-test
 * @returns the files written
 * @throws ConfigError when the scores carry no label metrics
 */
export async function writeLabelMetrics(stem: string, s: RunScores, sets: LabelSets): Promise<{ json: string; svg: string; metrics: LabelMetricsJson }> {
  const m = s.labelMetrics;
  if (!m) throw new ConfigError(`${setting('normalLabels')}: expected scores with label metrics, got none`);
  const t = m.atThreshold;
  const metrics: LabelMetricsJson = {
    version: 1,
    model: s.model,
    dataset: s.dataset,
    split: s.split,
    score: s.score ?? null,
    column: s.column,
    numExamples: s.scores.length,
    numNormal: m.numNormal,
    numAnomalous: m.numAnomalous,
    normalLabels: sets.normalLabels ? [...sets.normalLabels] : null,
    anomalyLabels: sets.anomalyLabels ? [...sets.anomalyLabels] : null,
    rocAuc: m.rocAuc,
    averagePrecision: m.averagePrecision,
    threshold: t ? t.threshold : null,
    precision: t ? t.precision : null,
    recall: t ? t.recall : null,
    f1: t ? t.f1 : null,
    vaekitVersion: VAEKIT_VERSION,
  };
  const json = `${stem}-metrics.json`;
  const svg = `${stem}-roc.svg`;
  await writeFileAtomic(json, JSON.stringify(metrics, null, 2) + '\n');
  await writeFileAtomic(svg, await renderSpecToSvg(rocCurveSpec(m.roc, { title: `ROC curve, ${s.column} (${s.dataset}, ${s.split})`, auc: m.rocAuc })));
  return { json, svg, metrics };
}
