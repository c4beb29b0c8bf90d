/**
 * `reportRun`: one self-contained HTML page about a saved run (RUN/report.html), for people and for
 * tickets: its configuration, loss curves, held-out figures from RUN/evaluation.json, per-dimension KL
 * and active units, reconstructions, prior samples, a traversal, an interpolation and the latent map,
 * and the anomaly calibration and label metrics when the run has them. Pictures are computed here (in a
 * temporary folder, removed after) or read from the run folder, and inlined; nothing else is written
 * to the run folder. A table run shows tables (raw units) where an image run shows pictures. A linear
 * run shows what applies to it. The page is assembled by `reportHtml` (src/render/report.ts).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { CheckpointError, ConfigError } from '../../errors.js';
import { dimensionsByKl, latentStatistics, type LatentStatistics } from '../../evaluation/latent-stats.js';
import { loadModel } from '../../models/index.js';
import { lossCurveSpec } from '../../render/loss-curve.js';
import { reportHtml, type ReportBlock, type ReportFigure, type ReportImage, type ReportSection } from '../../render/report.js';
import type { EpochMetrics } from '../../training/state.js';
import { writeFileAtomic } from '../formats/atomic.js';
import { fsModelStore } from '../formats/model-store.js';
import { renderSpecToSvg } from '../formats/plot.js';
import { VAEKIT_VERSION } from '../version.js';
import { readRunCalibration } from './anomaly.js';
import { RUN_CONFIG_FILE, type RunConfig, type VaeRunConfig } from './config.js';
import { readMetricsFile, RUN_FILES, vaeModelFolder } from './folder.js';
import { interpolateRun, mapRun, traverseRun, type LatentToolFile } from './latent-tools.js';
import { readLinearRunMetrics } from './linear-run.js';
import { readRun, reconstructRun, sampleRun, type SavedRun } from './kinds.js';
import { EVALUATION_FILE, type Evaluation } from './results.js';
import { loadRunSplit } from './run-data.js';

/** The report's file in the run folder. */
export const REPORT_FILE = 'report.html';

/** Options of {@link reportRun}. */
export interface ReportRunOptions {
  /** The file to write. Default RUN/report.html. */
  out?: string;
  /** Test examples on the latent map. Default 2000. */
  mapExamples?: number;
}

export const REPORT_DEFAULTS = Object.freeze({
  mapExamples: 2000,
  /** The two test examples interpolated between. */
  interpolateFrom: 0,
  interpolateTo: 1,
  /** Table runs: rows shown of each CSV. */
  tableRows: 12,
});

/** What {@link reportRun} wrote. */
export interface ReportResult {
  /** The HTML file. */
  path: string;
  /** Its size in bytes. */
  bytes: number;
  /** Pictures inlined (PNG and SVG). */
  numImages: number;
  /** Section ids in page order. */
  sections: string[];
  /** Whether RUN/evaluation.json was there (its figures are in the report). */
  hasEvaluation: boolean;
  /** Sections or parts left out and why, for people. */
  notes: string[];
}

/** A number for people: at most 4 significant digits. */
const short = (v: number) => String(Number(v.toPrecision(4)));

/** A JSON file of the run, or null when absent. @throws CheckpointError when it is not JSON */
async function readJson(file: string): Promise<unknown> {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new CheckpointError(`${file}: expected JSON, got unreadable content (${(cause as Error).message})`, { cause });
  }
}

/** A PNG or SVG file as a report image. */
async function imageFile(file: string, alt: string, caption?: string): Promise<ReportImage> {
  const isSvg = file.endsWith('.svg');
  return { mimeType: isSvg ? 'image/svg+xml' : 'image/png', data: isSvg ? await readFile(file, 'utf8') : new Uint8Array(await readFile(file)), alt, caption };
}

/** A CSV file as a table block (the first `maxRows` rows; numbers as numbers). */
async function csvBlock(file: string, caption: string, maxRows: number = REPORT_DEFAULTS.tableRows): Promise<ReportBlock> {
  const rows = parseCsv(await readFile(file, 'utf8'), { skip_empty_lines: true }) as string[][];
  const [header, ...body] = rows;
  const shown = body.slice(0, maxRows).map((r) => r.map((c) => (c.trim() !== '' && Number.isFinite(Number(c)) ? Number(c) : c)));
  const more = body.length > shown.length ? ` (the first ${shown.length} of ${body.length} rows)` : '';
  return { kind: 'table', caption: caption + more, header, rows: shown };
}

/** A picture (images) or a table (tables) of a file a latent tool wrote. */
async function toolBlock(f: LatentToolFile, alt: string, caption: string, maxRows?: number): Promise<ReportBlock> {
  return f.format === 'png' ? { kind: 'image', image: await imageFile(f.file, alt, caption) } : csvBlock(f.file, `${caption} (raw units)`, maxRows);
}

/** The run's configuration as saved (config.json), or the configuration read from a bare model folder. */
async function configSection(dir: string, config: RunConfig): Promise<ReportSection> {
  const saved = await readJson(join(dir, RUN_CONFIG_FILE));
  return {
    id: 'configuration',
    title: 'Configuration',
    blocks: [
      {
        kind: 'json',
        caption: saved ? `${RUN_CONFIG_FILE}, as saved:` : `No ${RUN_CONFIG_FILE}: the configuration of the model folder:`,
        value: saved ?? config,
      },
    ],
  };
}

/** Loss curve and per-epoch table of a VAE run. */
async function trainingSection(rows: EpochMetrics[], summary: unknown): Promise<ReportSection> {
  const blocks: ReportBlock[] = [];
  if (rows.length === 0)
    return { id: 'training', title: 'Training', blocks: [{ kind: 'note', text: `No ${RUN_FILES.metrics}: no training history to show.` }] };
  const svg = await renderSpecToSvg(lossCurveSpec(rows, { title: '−ELBO per epoch (nats per example)' }));
  blocks.push({
    kind: 'image',
    image: { mimeType: 'image/svg+xml', data: svg, alt: 'loss curve', caption: 'Train, validation and test −ELBO per epoch, nats per example.' },
  });
  blocks.push({
    kind: 'table',
    caption: 'Per epoch, nats per example (reconstruction = −E_q log p(x|z); KL to N(0, I)); active units over the validation set, or the test set without one',
    header: ['epoch', 'train loss', 'reconstruction', 'KL', 'β', 'validation −ELBO', 'test −ELBO', 'active units', 'seconds'],
    columnDigits: [0, 2, 2, 2, undefined, 2, 2, 0, 1],
    rows: rows.map((r) => [r.epoch, r.trainLoss, r.reconstruction, r.kl, r.beta, r.valLoss, r.testLoss, r.activeUnits, r.seconds]) as Array<
      Array<number | null>
    >,
  });
  const s = summary as { bestEpoch?: number | null; testLoss?: number | null; trainSeconds?: number; stoppedEarly?: boolean } | null;
  if (s) {
    blocks.push({
      kind: 'figures',
      figures: [
        { key: 'summary.bestEpoch', label: 'best epoch (saved model)', value: s.bestEpoch ?? null, digits: 0 },
        { key: 'summary.testLoss', label: 'test −ELBO of the saved model', value: s.testLoss ?? null, digits: 2, unit: 'nats per example' },
        {
          key: 'summary.trainSeconds',
          label: 'training time',
          value: s.trainSeconds ?? null,
          digits: 1,
          unit: 's',
          detail: s.stoppedEarly ? 'stopped early' : undefined,
        },
      ],
    });
  }
  return { id: 'training', title: 'Training', blocks };
}

/** The held-out figures of evaluation.json, or a note saying how to get them. */
function evaluationSection(dir: string, ev: Evaluation | null): ReportSection {
  if (!ev) {
    return {
      id: 'evaluation',
      title: 'Held-out evaluation',
      blocks: [
        {
          kind: 'note',
          text: `No ${EVALUATION_FILE} in this run: run \`vaekit evaluate ${dir}\` for the held-out ELBO and log-likelihood, then report again.`,
        },
      ],
    };
  }
  const nats = 'nats per example';
  // A conditional VAE's figures are of log p(x|y), y each example's own condition.
  const px = ev.condition ? 'log p(x|y)' : 'log p(x)';
  const f: ReportFigure[] = [];
  if (ev.elbo) {
    f.push({ key: 'elbo.mean', label: 'ELBO', value: ev.elbo.mean, digits: 2, unit: nats, detail: `a lower bound on ${px}, one sample per example` });
    f.push({ key: 'elbo.negative', label: '−ELBO', value: -ev.elbo.mean, digits: 2, unit: nats });
    f.push({ key: 'elbo.reconstruction', label: 'E_q log p(x|z)', value: ev.elbo.reconstruction, digits: 2, unit: nats });
    f.push({ key: 'elbo.kl', label: 'KL(q(z|x) ‖ p(z))', value: ev.elbo.kl, digits: 2, unit: nats });
  }
  if (ev.logLikelihood) f.push({ key: 'logLikelihood.mean', label: 'log p(x), exact', value: ev.logLikelihood.mean, digits: 2, unit: nats });
  const est = ev.logLikelihoodEstimate;
  if (est) {
    f.push({
      key: 'logLikelihoodEstimate.value',
      label: `${px}, importance-sampled (K = ${est.numSamples})`,
      value: est.value,
      digits: 2,
      plusMinus: est.standardError,
      unit: nats,
      detail: '± standard error over examples',
    });
    f.push({
      key: 'logLikelihoodEstimate.meanEffectiveSampleSize',
      label: 'mean effective sample size',
      value: est.meanEffectiveSampleSize,
      digits: 1,
      detail: `of ${est.numSamples}`,
    });
  }
  if (ev.iwaeBound) {
    f.push({
      key: 'iwaeBound.value',
      label: `IWAE bound (K = ${ev.iwaeBound.numSamples})`,
      value: ev.iwaeBound.value,
      digits: 2,
      plusMinus: ev.iwaeBound.standardError,
      unit: nats,
    });
  }
  if (ev.bitsPerDim !== null) f.push({ key: 'bitsPerDim', label: 'bits per dimension', value: ev.bitsPerDim, digits: 4, detail: '−log p(x) / (D ln 2)' });
  if (ev.reconstructionError !== null)
    f.push({ key: 'reconstructionError', label: 'reconstruction error ‖x − x̂‖²', value: ev.reconstructionError, digits: 4, unit: 'per example' });
  if (ev.latent)
    f.push({ key: 'latent.activeUnits', label: 'active units', value: ev.latent.activeUnits, digits: 0, detail: `Var_x(E_q[z_u]) > ${ev.latent.threshold}` });
  const blocks: ReportBlock[] = [
    {
      kind: 'text',
      text: `${EVALUATION_FILE}: the ${ev.split} split of ${ev.dataset}, ${ev.numExamples} examples of D = ${ev.dataDim}, evaluated ${ev.evaluatedAt} by vaekit ${ev.vaekitVersion}.`,
    },
    { kind: 'figures', figures: f },
  ];
  if (!est && (ev.model === 'vae' || ev.model === 'hvae'))
    blocks.push({
      kind: 'note',
      text: `The evaluation has no importance-sampled log p(x) (it ran with 0 importance samples): run \`vaekit evaluate ${dir}\` for one.`,
    });
  if (ev.note) blocks.push({ kind: 'text', text: ev.note });
  return { id: 'evaluation', title: 'Held-out evaluation', blocks };
}

/** Per-dimension KL and active units: evaluation.json's, else computed now on the test split. */
function latentSection(ev: Evaluation | null, fresh: LatentStatistics | null): ReportSection {
  const latent = ev?.latent ?? null;
  const stats = latent ?? fresh;
  if (!stats) return { id: 'latent', title: 'Latent dimensions', blocks: [{ kind: 'note', text: 'No per-dimension statistics.' }] };
  const where = latent ? `${EVALUATION_FILE} (the ${ev!.split} split)` : `the test split, computed for this report (${fresh!.numExamples} examples)`;
  const total = stats.klPerDimension.reduce((a, b) => a + b, 0);
  const order = dimensionsByKl(stats.klPerDimension);
  return {
    id: 'latent',
    title: 'Latent dimensions',
    blocks: [
      {
        kind: 'figures',
        figures: [
          {
            key: 'dims.activeUnits',
            label: 'active units',
            value: stats.activeUnits,
            digits: 0,
            detail: `of ${stats.klPerDimension.length}; Var_x(E_q[z_u]) > ${stats.threshold}, from ${where}`,
          },
          { key: 'dims.klTotal', label: 'Σ_u KL_u', value: total, digits: 3, unit: 'nats per example' },
        ],
      },
      {
        kind: 'bars',
        bars: {
          caption: `Mean KL(q(z_u|x) ‖ N(0, 1)) per dimension u, nats per example, from ${where}; active units highlighted. A KL near 0 is a collapsed dimension.`,
          header: ['dimension u', 'KL (nats)', 'Var_x(E_q[z_u])', 'active', 'rank by KL'],
          keyPrefix: 'kl',
          digits: 3,
          rows: stats.klPerDimension.map((kl, u) => {
            const isActive = stats.meanVariance[u] > stats.threshold;
            return {
              label: `z${u}`,
              value: kl,
              extra: [short(stats.meanVariance[u]), isActive ? 'yes' : 'no', String(order.indexOf(u) + 1)],
              isHighlighted: isActive,
            };
          }),
        },
      },
    ],
  };
}

/** Calibration and label metrics found in the run folder; null when there are none. */
async function anomalySection(dir: string): Promise<{ section: ReportSection; numImages: number } | null> {
  const blocks: ReportBlock[] = [];
  let numImages = 0;
  const cal = await readRunCalibration(dir);
  if (cal) {
    blocks.push({
      kind: 'figures',
      figures: [
        {
          key: 'calibration.threshold',
          label: `threshold on '${cal.score}' scores`,
          value: cal.threshold,
          digits: 3,
          detail: 'a score above it is an anomaly',
        },
        { key: 'calibration.rate', label: cal.method === 'contamination' ? 'contamination α' : 'false-positive rate α', value: cal.rate, digits: 4 },
        { key: 'calibration.flaggedShare', label: 'share of the calibration scores flagged', value: cal.flaggedShare, digits: 4 },
        { key: 'calibration.numScores', label: 'calibration scores', value: cal.numScores, digits: 0 },
      ],
    });
  }
  const names = (await readdir(dir)).filter((n) => n.endsWith('-metrics.json')).sort();
  for (const name of names) {
    const m = (await readJson(join(dir, name))) as Record<string, unknown> | null;
    if (!m || typeof m.rocAuc !== 'number') continue;
    const num = (k: string) => (typeof m[k] === 'number' ? (m[k] as number) : null);
    blocks.push({
      kind: 'text',
      text: `${name}: '${String(m.column)}' scores of the ${String(m.split)} split of ${String(m.dataset)}, ${num('numNormal')} normal and ${num('numAnomalous')} anomalous examples.`,
    });
    const stem = name.slice(0, -'-metrics.json'.length);
    blocks.push({
      kind: 'figures',
      figures: [
        { key: `${stem}.rocAuc`, label: 'ROC-AUC', value: num('rocAuc'), digits: 4 },
        { key: `${stem}.averagePrecision`, label: 'average precision (PR-AUC)', value: num('averagePrecision'), digits: 4 },
        { key: `${stem}.precision`, label: 'precision at the threshold', value: num('precision'), digits: 4 },
        { key: `${stem}.recall`, label: 'recall at the threshold', value: num('recall'), digits: 4 },
        { key: `${stem}.f1`, label: 'F1 at the threshold', value: num('f1'), digits: 4 },
      ],
    });
    const roc = join(dir, `${stem}-roc.svg`);
    if (existsSync(roc)) {
      blocks.push({ kind: 'image', image: await imageFile(roc, `ROC curve ${stem}`, `${stem}-roc.svg`) });
      numImages++;
    }
  }
  return blocks.length === 0 ? null : { section: { id: 'anomaly', title: 'Anomaly detection', blocks }, numImages };
}

/** Per-dimension statistics on the test split (encoder only), for a run whose evaluation.json lacks them. */
async function freshLatentStatistics(dir: string, config: VaeRunConfig): Promise<LatentStatistics | null> {
  const folder = vaeModelFolder(dir);
  if (!folder) return null;
  const model = await loadModel(folder, fsModelStore);
  try {
    const { ds } = loadRunSplit(config, 'test');
    return ds.numExamples === 0 ? null : await latentStatistics(model, ds);
  } finally {
    model.dispose();
  }
}

/** Counts the images of a list of blocks. */
const imagesIn = (blocks: ReportBlock[]) => blocks.filter((b) => b.kind === 'image').length;

/** The pictures of a VAE run: reconstructions and samples from the run folder, then the latent tools' pictures made in `tmp`. */
async function vaePictureSections(dir: string, config: VaeRunConfig, tmp: string, opts: ReportRunOptions, notes: string[]): Promise<ReportSection[]> {
  const isTable = config.data.columns !== null || config.data.window != null; // tables and series write CSV, not PNG
  const model: ReportBlock[] = [];
  const pic = async (png: string, csv: string, alt: string, caption: string) => {
    const p = join(dir, isTable ? csv : png);
    if (existsSync(p)) model.push(isTable ? await csvBlock(p, `${caption} (raw units)`) : { kind: 'image', image: await imageFile(p, alt, caption) });
    else notes.push(`no ${isTable ? csv : png} in the run folder`);
  };
  await pic(RUN_FILES.reconstructions, RUN_FILES.reconstructionsCsv, 'reconstructions', 'Test examples, each beside its reconstruction E[x | z = μ(x)].');
  await pic(RUN_FILES.samples, RUN_FILES.samplesCsv, 'prior samples', 'Decoder means E[x | z] for z ~ N(0, I).');
  const latent: ReportBlock[] = [];
  const ext = isTable ? 'csv' : 'png';
  const tr = await traverseRun({ dir, config }, { out: join(tmp, `traversal.${ext}`) });
  latent.push(
    await toolBlock(
      tr,
      'latent traversal',
      `Traversal around z = 0: one row per dimension, ordered by KL (largest first), each varied over [−${tr.range}, ${tr.range}] in ${tr.numSteps} steps.`,
      tr.dims.length * tr.numSteps,
    ),
  );
  const { interpolateFrom: from, interpolateTo: to } = REPORT_DEFAULTS;
  try {
    const ip = await interpolateRun({ dir, config }, { from, to, out: join(tmp, `interpolation.${ext}`) });
    const labels = ip.labels[0] === null ? '' : ` (labels ${ip.labels[0]} and ${ip.labels[1]})`;
    latent.push(
      await toolBlock(
        ip,
        'interpolation',
        `Interpolation (${ip.method}) between the posterior means of test examples ${from} and ${to}${labels}, the examples at the ends.`,
        ip.numSteps + 2,
      ),
    );
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    notes.push(`no interpolation: ${e.message}`);
  }
  const mp = await mapRun(
    { dir, config },
    { numExamples: opts.mapExamples ?? REPORT_DEFAULTS.mapExamples, out: join(tmp, 'latent-map.svg'), manifoldOut: join(tmp, `manifold.${ext}`) },
  );
  const axes = mp.method === 'pca' ? 'their first two principal directions' : 'the latent means themselves';
  latent.push({
    kind: 'image',
    image: await imageFile(mp.file, 'latent map', `Latent means of ${mp.numExamples} test examples, ${axes}${mp.hasLabels ? ', coloured by label' : ''}.`),
  });
  if (mp.manifold) {
    if (mp.manifold.format === 'png')
      latent.push(await toolBlock(mp.manifold, 'decoded manifold', 'The decoded manifold: decoder means on a grid of codes (Z = 2).'));
    else notes.push('the decoded manifold of a table run is left out (a grid of rows; `vaekit map RUN` writes it as CSV)');
  }
  return [
    { id: 'pictures', title: isTable ? 'Reconstructions and samples' : 'Reconstructions and prior samples', blocks: model },
    { id: 'latent-space', title: 'The latent space', blocks: latent },
  ];
}

/** What applies to a linear run: its fit, and reconstructions and samples made in `tmp`. */
async function linearSections(saved: SavedRun, tmp: string, notes: string[]): Promise<ReportSection[]> {
  const { dir, config } = saved;
  const isTable = config.data.columns !== null || config.data.window != null; // tables and series write CSV, not PNG
  const ext = isTable ? 'csv' : 'png';
  const m = await readLinearRunMetrics(dir);
  const fit: ReportBlock[] = [];
  if (m) {
    fit.push({
      kind: 'figures',
      figures: [
        { key: 'fit.trainLogLikelihood', label: 'train log p(x), exact', value: m.trainLogLikelihood, digits: 2, unit: 'nats per example' },
        { key: 'fit.testLogLikelihood', label: 'test log p(x), exact', value: m.testLogLikelihood, digits: 2, unit: 'nats per example' },
        { key: 'fit.testReconstructionError', label: 'test reconstruction error', value: m.testReconstructionError, digits: 4, unit: 'per example' },
        { key: 'fit.explainedVarianceRatio', label: 'explained variance', value: m.explainedVarianceRatio, digits: 4 },
        {
          key: 'fit.emIterations',
          label: 'EM iterations',
          value: m.emIterations,
          digits: 0,
          detail: m.converged === null ? undefined : m.converged ? 'converged' : 'not converged',
        },
        { key: 'fit.fitSeconds', label: 'fit time', value: m.fitSeconds, digits: 1, unit: 's' },
      ],
    });
  } else notes.push('no metrics.json in the linear run');
  const pictures: ReportBlock[] = [];
  try {
    const r = await reconstructRun(saved, { out: join(tmp, `reconstructions.${ext}`) });
    pictures.push(
      r.format === 'png'
        ? { kind: 'image', image: await imageFile(r.file, 'reconstructions', `Test examples beside their reconstructions: ${r.reconstruction}.`) }
        : await csvBlock(r.file, `Reconstructions: ${r.reconstruction} (raw units)`),
    );
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    notes.push(`no reconstructions: ${e.message}`);
  }
  const s = await sampleRun(saved, { out: join(tmp, `samples.${ext}`) });
  const file = s.files[0];
  pictures.push(
    isTable
      ? await csvBlock(file, 'Samples x ~ p(x) (raw units)')
      : { kind: 'image', image: await imageFile(file, 'samples', 'Samples x ~ p(x) from the fitted model.') },
  );
  return [
    { id: 'fit', title: `The fitted ${config.model.kind.toUpperCase()}`, blocks: fit.length ? fit : [{ kind: 'note', text: 'No metrics.json.' }] },
    { id: 'pictures', title: 'Reconstructions and samples', blocks: pictures },
    {
      id: 'latent-space',
      title: 'The latent space',
      blocks: [
        {
          kind: 'note',
          text: 'Training curves, per-dimension KL, traversals, interpolations and the latent map are VAE sections: a linear run has none of them.',
        },
      ],
    },
  ];
}

/**
 * Writes RUN/report.html (atomically): one self-contained HTML page about the run, pictures inlined.
 * Uses RUN/evaluation.json when there is one (and says how to make it when not; the importance-sampled
 * log-likelihood is never computed here), computes the traversal, the interpolation between test
 * examples 0 and 1, the latent map and (without evaluation.json's) the per-dimension KL on the run's
 * test split in a temporary folder, and includes RUN/calibration.json and `*-metrics.json` / `*-roc.svg`
 * when present. Nothing but the report is written to the run folder.
 * @throws CheckpointError for a folder without a run or an unreadable JSON file; DataError for unreadable data
 */
export async function reportRun(run: string | SavedRun, opts: ReportRunOptions = {}): Promise<ReportResult> {
  const saved = typeof run === 'string' ? await readRun(run) : run;
  const { dir, config } = saved;
  const path = opts.out ?? join(dir, REPORT_FILE);
  const ev = (await readJson(join(dir, EVALUATION_FILE))) as Evaluation | null;
  const notes: string[] = [];
  const sections: ReportSection[] = [];
  const tmp = await mkdtemp(join(tmpdir(), 'vaekit-report-'));
  try {
    if (config.kind === 'vae-run') {
      sections.push(await trainingSection(await readMetricsFile(dir), await readJson(join(dir, RUN_FILES.summary))));
      sections.push(evaluationSection(dir, ev));
      sections.push(latentSection(ev, ev?.latent ? null : await freshLatentStatistics(dir, config)));
      sections.push(...(await vaePictureSections(dir, config, tmp, opts, notes)));
    } else {
      sections.push(evaluationSection(dir, ev));
      sections.push(...(await linearSections(saved, tmp, notes)));
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const anomaly = await anomalySection(dir);
  if (anomaly) sections.push(anomaly.section);
  if (notes.length) sections.push({ id: 'notes', title: 'Left out', blocks: notes.map((text) => ({ kind: 'note', text })) });
  sections.push(await configSection(dir, config)); // last: long, and read least
  const model =
    config.model.kind === 'vae'
      ? `VAE, Z = ${config.model.latentDim}`
      : config.model.kind === 'hvae'
        ? `two-layer VAE, Z = ${config.model.latentDims.join(', ')}`
        : `${config.model.kind.toUpperCase()}, Z = ${config.model.latentDim}`;
  const html = reportHtml({
    title: `vaekit run report: ${dir}`,
    meta: [
      ['run', dir],
      ['model', model],
      ['data', config.data.source],
      ['evaluation', ev ? `${EVALUATION_FILE} (${ev.split} split)` : `none (run vaekit evaluate ${dir})`],
      ['generated', `${new Date().toISOString()} by vaekit ${VAEKIT_VERSION}`],
    ],
    sections,
  });
  const numImages = sections.reduce((n, s) => n + imagesIn(s.blocks), 0);
  await writeFileAtomic(path, html);
  return { path, bytes: Buffer.byteLength(html), numImages, sections: sections.map((s) => s.id), hasEvaluation: ev !== null, notes };
}
