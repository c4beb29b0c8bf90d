/**
 * The run-kind registry: what each kind of run ('vae-run', 'linear-run') does for each command on a
 * run folder (train, evaluate, score, reconstruct, sample, describe), and the commands themselves,
 * which open the folder, dispatch on its kind and write what they produce. The CLI and library
 * users call these; no command branches on the kind of model.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, renderMessage, setting, type SettingNamer } from '../../errors.js';
import { predict } from '../../evaluation/calibration.js';
import { anomalyMetrics, anomalyTruth } from '../../evaluation/roc.js';
import { writeFileAtomic } from '../formats/atomic.js';
import { csvText } from '../formats/csv.js';
import { readRunConfig, resolveRunConfig, RUN_CONFIG_FILE, type PartialRunConfig, type RunConfig, type RunKind } from './config.js';
import { isLinearRun, noRunHere, vaeModelFolder } from './folder.js';
import {
  describeLinearRun,
  evaluateLinearRun,
  reconstructLinearRun,
  sampleLinearRun,
  scoreLinearRun,
  trainLinearRun,
  type LinearRunMetrics,
} from './linear-run.js';
import {
  evaluationFile,
  evaluationJson,
  type EvaluateRunOptions,
  type Evaluation,
  type ReconstructOptions,
  type RunDescription,
  type RunReconstructions,
  type RunScores,
  type SampleResult,
  type SampleRunOptions,
  type ScoreRunOptions,
} from './results.js';
import { trainVaeRun, type RunCallbacks, type RunSummary, type TrainRunOptions } from './vae-train.js';
import { configOfModelFolder, describeVaeRun, evaluateVaeRun, reconstructVaeRun, sampleVaeRun, scoreVaeRun } from './vae-run.js';

/** What training a run returns, by kind. */
export type TrainRunResult = ({ kind: 'vae-run' } & RunSummary) | ({ kind: 'linear-run'; out: string } & LinearRunMetrics);

/** One kind of run: each command on it. */
interface RunKindOps<C extends RunConfig> {
  train(config: C, opts: TrainRunOptions, cb: RunCallbacks): Promise<TrainRunResult>;
  evaluate(dir: string, config: C, opts: EvaluateRunOptions): Promise<Evaluation>;
  score(dir: string, config: C, opts: ScoreRunOptions): Promise<RunScores>;
  reconstruct(dir: string, config: C, opts: ReconstructOptions): Promise<RunReconstructions>;
  sample(dir: string, config: C, opts: SampleRunOptions): Promise<SampleResult>;
  describe(dir: string, config: C): Promise<RunDescription>;
}

const RUN_KIND_OPS: { [K in RunKind]: RunKindOps<Extract<RunConfig, { kind: K }>> } = {
  'vae-run': {
    train: async (c, opts, cb) => ({ kind: 'vae-run', ...(await trainVaeRun(c, opts, cb)) }),
    evaluate: evaluateVaeRun,
    score: scoreVaeRun,
    reconstruct: reconstructVaeRun,
    sample: sampleVaeRun,
    describe: describeVaeRun,
  },
  'linear-run': {
    train: async (c, opts, cb) => {
      if (opts.resume)
        throw new ConfigError(
          `${setting('resume')}: a linear model is fitted in one go and has no checkpoint to resume; fit it again with ${setting('overwrite')}`,
        );
      return { kind: 'linear-run', out: c.out, ...(await trainLinearRun(c, opts, cb)) };
    },
    evaluate: evaluateLinearRun,
    score: scoreLinearRun,
    reconstruct: reconstructLinearRun,
    sample: sampleLinearRun,
    describe: describeLinearRun,
  },
};

function opsOf<C extends RunConfig>(config: C): RunKindOps<C> {
  return RUN_KIND_OPS[config.kind] as unknown as RunKindOps<C>;
}

/** A saved run: its folder and its (migrated, resolved) configuration. */
export interface SavedRun {
  dir: string;
  config: RunConfig;
}

/**
 * Opens a saved run: a run folder (its config.json, of any version), or a bare VAE model folder
 * (RUN/vaekit.json or RUN/model/vaekit.json without a config.json: its configuration from the model's description).
 * @throws CheckpointError when RUN holds no run, or its files are unreadable
 */
export async function readRun(dir: string): Promise<SavedRun> {
  if (existsSync(join(dir, RUN_CONFIG_FILE))) {
    const config = await readRunConfig(dir);
    if (config.kind === 'linear-run' ? !isLinearRun(dir) : !vaeModelFolder(dir)) throw noRunHere(dir);
    return { dir, config };
  }
  if (vaeModelFolder(dir)) return { dir, config: await configOfModelFolder(dir) };
  throw noRunHere(dir);
}

/** The run itself, or the run in the folder `run` (so a caller that opened it already does not read it again). */
async function opened(run: string | SavedRun): Promise<SavedRun> {
  return typeof run === 'string' ? readRun(run) : run;
}

/**
 * Trains a run of any kind into its folder: resolves the configuration (defaults and checks), then
 * trains a VAE or fits a linear model. `trainRun({ data: 'mnist', out: 'runs/mnist' })` is `vaekit train`.
 * @throws ConfigError for a bad setting or a folder that already holds a run; DataError, TrainingError
 */
export async function trainRun(config: PartialRunConfig | RunConfig, opts: TrainRunOptions = {}, cb: RunCallbacks = {}): Promise<TrainRunResult> {
  const resolved = resolveRunConfig(config);
  return opsOf(resolved).train(resolved, opts, cb);
}

/**
 * Evaluates the run in RUN (a folder, or a run `readRun` opened) on one split and writes it to `opts.out`
 * (default RUN/evaluation.json for the test split, RUN/evaluation-<split>.json for another; null: no file).
 * @throws CheckpointError for a folder without a run; DataError for unreadable data; ShapeError when D differs
 */
export async function evaluateRun(run: string | SavedRun, opts: EvaluateRunOptions = {}): Promise<Evaluation> {
  const { dir, config } = await opened(run);
  const evaluation = await opsOf(config).evaluate(dir, config, opts);
  if (opts.out !== null) await writeFileAtomic(opts.out ?? join(dir, evaluationFile(evaluation.split)), evaluationJson(evaluation));
  return evaluation;
}

/**
 * Scores every example of a split under the run in RUN (higher = more anomalous).
 * @throws CheckpointError for a folder without a run; DataError for unreadable data; ShapeError when D differs
 */
export async function scoreRun(run: string | SavedRun, opts: ScoreRunOptions = {}): Promise<RunScores> {
  const { dir, config } = await opened(run);
  const cal = opts.calibration ?? null;
  // Without a kind asked for, the calibration's kind (and its K or L) is scored.
  const byCalibration = cal && opts.score === undefined && !opts.numSamples;
  const s = await opsOf(config).score(
    dir,
    config,
    byCalibration ? { ...opts, score: cal.score as ScoreRunOptions['score'], numSamples: cal.numSamples ?? 0 } : opts,
  );
  return withAnomalyFields(s, opts);
}

/** The scores with a calibration's decisions and p-values, and what labels say of them. @throws ConfigError for a calibration of another kind */
function withAnomalyFields(s: RunScores, opts: ScoreRunOptions): RunScores {
  const cal = opts.calibration ?? null;
  if (cal && cal.score !== s.score) {
    throw new ConfigError(`${setting('score', String(s.score))}: the calibration is of '${cal.score}' scores; score by '${cal.score}' or calibrate again`);
  }
  const decisions = cal ? { threshold: cal.threshold, ...predict(cal, s.scores) } : {};
  const hasLabelSets = opts.normalLabels !== undefined || opts.anomalyLabels !== undefined;
  const truth = hasLabelSets ? anomalyTruth(s.labels, { normalLabels: opts.normalLabels, anomalyLabels: opts.anomalyLabels }) : null;
  return { ...s, ...decisions, ...(truth ? { labelMetrics: anomalyMetrics(s.scores, truth, cal ? cal.threshold : null) } : {}) };
}

/**
 * CSV `index,label,<column>[,isAnomaly,pValue]` sorted by index; an empty label for unlabelled data.
 * Windows of a series add `step,time` after `index`: the time index and time of each window's last step.
 */
export function scoresCsv(s: RunScores): string {
  const { isAnomaly, pValue, timeIndex, timeLabels } = s;
  const times = timeIndex && timeLabels;
  const header = ['index', ...(times ? ['step', 'time'] : []), 'label', s.column, ...(isAnomaly && pValue ? ['isAnomaly', 'pValue'] : [])];
  return csvText([
    header,
    ...Array.from(s.scores, (v, i) => [
      i,
      ...(times ? [timeIndex[i], timeLabels[i]] : []),
      s.labels ? s.labels[i] : '',
      v,
      ...(isAnomaly && pValue ? [isAnomaly[i], pValue[i]] : []),
    ]),
  ]);
}

/**
 * Reconstructs the test split of the run in RUN and writes the first examples beside their reconstructions.
 * @throws ConfigError for a Gaussian mixture (no reconstruction); CheckpointError for a folder without
 *   a run; DataError for unreadable data; ShapeError when the data's D differs from the model's
 */
export async function reconstructRun(run: string | SavedRun, opts: ReconstructOptions = {}): Promise<RunReconstructions> {
  const { dir, config } = await opened(run);
  return opsOf(config).reconstruct(dir, config, opts);
}

/** Draws samples from the run in RUN and writes them (a PNG grid, or CSV in raw units for a table). */
export async function sampleRun(run: string | SavedRun, opts: SampleRunOptions = {}): Promise<SampleResult> {
  const { dir, config } = await opened(run);
  return opsOf(config).sample(dir, config, opts);
}

/**
 * The run in RUN described for people and as JSON.
 * @param opts.settingNamer - how settings are named in the lines (the CLI names its flags); default their configuration paths
 */
export async function describeRun(run: string | SavedRun, opts: { settingNamer?: SettingNamer } = {}): Promise<RunDescription> {
  const { dir, config } = await opened(run);
  const d = await opsOf(config).describe(dir, config);
  return { ...d, lines: d.lines.map((l) => renderMessage(l, opts.settingNamer)) };
}
