/**
 * The commands on a saved VAE run (a run folder, or a bare model folder): evaluate, score,
 * reconstruct, sample and describe. Registered as the 'vae-run' kind in src/node/runs/kinds.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gatherBatch } from '../../data/batch.js';
import { isImageShape, takeFirst, type Dataset } from '../../data/dataset.js';
import { Standardizer } from '../../data/standardize.js';
import { CheckpointError, ConfigError, setting } from '../../errors.js';
import { ANOMALY_SCORES, resolveAnomalyScoreOptions, scoreExamples } from '../../evaluation/anomaly-scores.js';
import { evaluateElbo } from '../../evaluation/elbo-eval.js';
import { latentStatistics } from '../../evaluation/latent-stats.js';
import { mutualInformationGap } from '../../evaluation/mig.js';
import { estimateLogLikelihood } from '../../evaluation/log-likelihood.js';
import { check, intAtLeast } from '../../validate.js';
import { sampleWithMixturePrior } from '../../latent/aggregated-posterior.js';
import type { ModelDescription } from '../../models/description.js';
import type { VaeConfig } from '../../models/vae-config.js';
import { reconstruct, sampleFromPrior } from '../../models/generate.js';
import { loadModel } from '../../models/index.js';
import type { LatentVariableModel } from '../../models/latent-model.js';
import type { NetConfig } from '../../nets/index.js';
import { imageGrid, type ImageShape } from '../../render/grid.js';
import { writeFileAtomic } from '../formats/atomic.js';
import { csvText } from '../formats/csv.js';
import { fsModelStore, readModelDescription } from '../formats/model-store.js';
import { writePngFile } from '../formats/png.js';
import { estimateLogLikelihoodParallel } from '../parallel/loglik-parallel.js';
import { VAEKIT_VERSION } from '../version.js';
import { resolveRunConfig, RUN_CONFIG_FILE, type PartialModelConfig, type VaeRunConfig } from './config.js';
import { noRunHere, readMetricsFile, RUN_FILES, vaeModelFolder } from './folder.js';
import { latentPriorOfRun } from './latent-prior.js';
import { renderSamples } from './pictures.js';
import { loadRunSplit, tableLayoutOf } from './run-data.js';
import {
  EVALUATE_DEFAULT_SAMPLES,
  EVALUATION_VERSION,
  RECONSTRUCT_DEFAULTS,
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
import { meanSquaredError, testSplit, writePairs } from './reconstruction.js';
import { describeStandardization, field, fixed, objectiveText } from './describe-text.js';
import { tableCsv, writeVaeSamplesCsv } from './table-csv.js';
import { conditionOfDescription, conditionText } from './conditions.js';
import { CLASS_GRID_DEFAULT_PER_ROW, isClassGrid, priorLatents, writeConditionedSamples } from './conditional-samples.js';

/** The folder holding a VAE run's model. @throws CheckpointError when there is none */
function modelFolder(dir: string): string {
  const folder = vaeModelFolder(dir);
  if (!folder) throw noRunHere(dir);
  return folder;
}

/** Runs `f` with the run's model, disposing it after. */
async function withModel<T>(dir: string, f: (model: LatentVariableModel, folder: string) => Promise<T>): Promise<T> {
  const folder = modelFolder(dir);
  const model = await loadModel(folder, fsModelStore);
  try {
    return await f(model, folder);
  } finally {
    model.dispose();
  }
}

/**
 * Per-example figures of a model (scores, log-likelihoods) that must be finite: NaN or ±∞ means
 * damaged weights or a diverged model, never data to write.
 * @param folder - the model folder, named in the message
 * @param perExample - one or more arrays of figures [N]; example n counts once if any is non-finite
 * @param summary - figures over all examples (the ELBO's mean), also required finite
 * @throws CheckpointError "folder: non-finite values from the model (n of N examples): …"
 */
function requireFinite(folder: string, perExample: ArrayLike<number>[], summary: number[] = []): void {
  const n = perExample[0]?.length ?? 0;
  let bad = 0;
  for (let i = 0; i < n; i++) if (perExample.some((a) => !Number.isFinite(a[i]))) bad++;
  if (bad === 0 && summary.every(Number.isFinite)) return;
  const count = bad > 0 ? `${bad} of ${n} examples` : 'the ELBO over all examples';
  throw new CheckpointError(`${folder}: non-finite values from the model (${count}): the model's weights are damaged or it diverged`);
}

/**
 * The run configuration of a bare model folder (a vaekit.json and its networks, no config.json):
 * its data as its description records it (default MNIST), no validation split, no binarisation.
 */
export async function configOfModelFolder(dir: string): Promise<VaeRunConfig> {
  const d = await readModelDescription(modelFolder(dir));
  const p = d.preprocessing;
  const dataset = d.provenance?.dataset;
  const st = p?.standardization ?? null;
  const { kind: _k, inputShape, dataDim: _d, seed, ...model } = d.config;
  const condition = conditionOfDescription(p?.condition);
  return resolveRunConfig(
    {
      out: dir,
      data: {
        source: typeof dataset === 'string' ? dataset : 'mnist',
        scale: p?.scale ?? 255,
        val: 0,
        columns: st?.columns ?? null,
        exampleShape: inputShape,
        standardization: st,
        ...(condition ? { condition } : {}),
      },
      model: { ...model, kind: d.config.kind } as PartialModelConfig,
      training: { seed },
    },
    { dataKind: () => (st ? 'table' : 'image') },
  ) as VaeRunConfig;
}

/** The K an objective trained with (undefined for one without samples, the β-TCVAE's one). */
const samplesOf = (o: VaeRunConfig['training']['objective']) => ('numSamples' in o ? o.numSamples : undefined);

/** Evaluates a VAE run: the ELBO (one sample, seed 0) and the importance-sampled log p(x). */
export async function evaluateVaeRun(dir: string, cfg: VaeRunConfig, opts: EvaluateRunOptions): Promise<Evaluation> {
  const split = opts.split ?? 'test';
  return withModel(dir, async (model, folder) => {
    const { name, ds, factors } = loadRunSplit(cfg, split, opts.data, opts.limit);
    const s = await evaluateElbo(model, ds, { seed: 0 });
    const latent = await latentStatistics(model, ds);
    const mig = factors ? await migOf(model, ds, factors, opts.seed ?? 0) : null;
    const k = opts.numSamples ?? EVALUATE_DEFAULT_SAMPLES;
    const seed = opts.seed ?? 0;
    const threads = opts.numThreads ?? 1;
    const kIwae = check('iwaeSamples', opts.iwaeSamples ?? samplesOf(cfg.training.objective) ?? 1, intAtLeast(1));
    const bound = await estimateLogLikelihood(model, ds, { numSamples: kIwae, seed: seed + 1 });
    requireFinite(folder, [bound.perExample], [s.loss, s.reconstructionLoss, s.kl]);
    const t0 = performance.now();
    // One thread runs in place; more split the examples over worker threads (the same numbers).
    const is =
      k === 0
        ? null
        : await estimateLogLikelihoodParallel(model, ds, { numSamples: k, seed, onProgress: opts.onProgress, numThreads: threads, backend: opts.backend });
    const seconds = (performance.now() - t0) / 1000;
    if (is) requireFinite(folder, [is.perExample]);
    return {
      version: EVALUATION_VERSION,
      model: cfg.model.kind,
      dataset: name,
      split,
      numExamples: ds.numExamples,
      dataDim: ds.dataDim,
      logLikelihood: null,
      bitsPerDim: is ? -is.value / (ds.dataDim * Math.LN2) : null,
      elbo: { mean: -s.loss, reconstruction: -s.reconstructionLoss, kl: s.kl, exact: false },
      logLikelihoodEstimate: is && {
        numSamples: k,
        threads,
        value: is.value,
        standardError: is.standardError,
        monteCarloStandardError: is.monteCarloStandardError,
        meanEffectiveSampleSize: is.meanEffectiveSampleSize,
        seed,
        seconds,
      },
      latent: { klPerDimension: latent.klPerDimension, meanVariance: latent.meanVariance, activeUnits: latent.activeUnits, threshold: latent.threshold },
      iwaeBound: { numSamples: kIwae, value: bound.value, standardError: bound.standardError, seed: seed + 1 },
      reconstructionError: null,
      condition: evaluationCondition(cfg),
      ...(mig ? { mig } : {}),
      note: cfg.data.condition
        ? `a conditional VAE: every figure is conditional on each example's own condition y (${conditionText(cfg.data.condition)}): the ELBO bounds log p(x|y), and logLikelihoodEstimate is the importance-sampled log p(x|y) = log E_q(z|x,y)[p(x|z,y) p(z) / q(z|x,y)], biased low for finite K; it is not comparable as log p(x) with an unconditional model without adding log p(y)`
        : 'ELBO (one sample) is a lower bound on log p(x); logLikelihoodEstimate is the importance-sampled estimate (Prince, Understanding Deep Learning, eq. 17.28), biased low for finite K',
      vaekitVersion: VAEKIT_VERSION,
      evaluatedAt: new Date().toISOString(),
    };
  });
}

/**
 * The mutual information gap of the model's encoder on `ds` (src/evaluation/mig.ts), its posteriors
 * encoded in chunks of 1000 examples, each under its own condition.
 * @param factors - each example's factor values [N, K], aligned with ds
 */
async function migOf(
  model: LatentVariableModel,
  ds: Dataset,
  factors: { names: string[]; values: Int32Array },
  seed: number,
): Promise<NonNullable<Evaluation['mig']>> {
  const t0 = performance.now();
  const { numExamples: n, dataDim: d } = ds;
  const z = model.latentDim;
  const mean = new Float32Array(n * z); // [N, Z]
  const logVar = new Float32Array(n * z); // [N, Z]
  for (let start = 0; start < n; start += 1000) {
    const b = Math.min(1000, n - start);
    const batch = gatherBatch(ds, null, start, start + b, { conditionDim: model.conditionDim });
    const q = tf.tidy(() => {
      const { mean: m, logVar: v } = model.encode(tf.tensor2d(batch.x, [b, d]), batch.c && tf.tensor2d(batch.c, [b, model.conditionDim])); // [B, Z]
      return tf.stack([m, v]); // [2, B, Z]
    });
    try {
      const v = (await q.data()) as Float32Array;
      mean.set(v.subarray(0, b * z), start * z);
      logVar.set(v.subarray(b * z), start * z);
    } finally {
      q.dispose();
    }
  }
  const r = mutualInformationGap({ mean, logVar, latentDim: z, factors: factors.values, numFactors: factors.names.length }, { seed });
  return {
    value: r.mig,
    standardError: r.standardError,
    factors: factors.names,
    gaps: r.gaps,
    topLatents: r.topLatents,
    mutualInformation: r.mutualInformation,
    factorEntropy: r.factorEntropy,
    numSamples: r.numSamples,
    seed: r.seed,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** evaluation.json's `condition`: what a conditional run's figures are conditional on, or null. */
function evaluationCondition(cfg: VaeRunConfig): Evaluation['condition'] {
  const c = cfg.data.condition;
  if (!c) return null;
  return c.kind === 'label' ? { kind: 'label', numClasses: c.numClasses! } : { kind: 'columns', columns: [...c.columns] };
}

/**
 * Scores every example by `opts.score` (src/evaluation/anomaly-scores.ts): default −ELBO, or with
 * numSamples K > 0 the importance-sampled −log p̂(x) (on worker threads with numThreads > 1).
 */
export async function scoreVaeRun(dir: string, cfg: VaeRunConfig, opts: ScoreRunOptions): Promise<RunScores> {
  const split = opts.split ?? 'test';
  const k = opts.numSamples ?? 0;
  const o = resolveAnomalyScoreOptions({ score: opts.score ?? (k > 0 ? 'nll' : 'negelbo'), numSamples: k > 0 ? k : undefined, seed: opts.seed });
  return withModel(dir, async (model, folder) => {
    const { name, ds } = loadRunSplit(cfg, split, opts.data);
    const labels = { ...(ds.labels ? { labels: ds.labels } : {}), ...(ds.timeIndex ? { timeIndex: ds.timeIndex, timeLabels: ds.timeLabels } : {}) };
    const common = { model: 'vae', dataset: name, split, score: o.score, numSamples: o.numSamples, seed: o.seed, column: ANOMALY_SCORES[o.score].column };
    if (o.score === 'nll') {
      const est = await estimateLogLikelihoodParallel(model, ds, {
        numSamples: o.numSamples ?? 1,
        seed: o.seed,
        numThreads: opts.numThreads ?? 1,
        backend: opts.backend,
        onProgress: opts.onProgress,
      });
      requireFinite(folder, [est.perExample]);
      return { ...common, scores: est.perExample.map((v) => -v), ...labels };
    }
    const scores = await scoreExamples(model, ds, { ...o, numSamples: o.numSamples ?? undefined, onProgress: opts.onProgress });
    requireFinite(folder, [scores]);
    return { ...common, scores, ...labels };
  });
}

const VAE_RECONSTRUCTION = 'x̂ = E[x | z = μ(x)], the decoder mean at the encoder mean';

/** The first test examples beside x̂ = E[x | z = μ(x)], the squared error, and the test −ELBO. */
export async function reconstructVaeRun<E extends object = object>(
  dir: string,
  cfg: VaeRunConfig,
  opts: ReconstructOptions,
  codes: ReconstructionCodes<E> = encoderMeanCodes as ReconstructionCodes<E>,
): Promise<RunReconstructions & E> {
  const numShown = opts.numShown ?? RECONSTRUCT_DEFAULTS.numShown;
  return withModel(dir, async (model) => {
    const { name, ds } = testSplit(cfg, opts.data);
    const m = Math.min(numShown, ds.numExamples);
    const e = Math.min(RECONSTRUCT_DEFAULTS.vaeErrorExamples, ds.numExamples);
    const first = takeFirst(ds, Math.max(m, e));
    const c = gatherBatch(first, null, 0, first.numExamples, { conditionDim: model.conditionDim }).c; // [max(m, e), C]: each example's own condition
    const { rec, reconstruction, extra } = await codes(model, first, c); // rec [max(m, e), D]
    const written = await writePairs(ds, rec, m, model.inputShape, cfg.data.standardization, dir, opts.out, tableLayoutOf(cfg.data), cfg.data.scale);
    const elbo = await evaluateElbo(model, ds, { seed: 0 });
    return {
      model: 'vae',
      dataset: name,
      reconstruction,
      ...written,
      numShown: m,
      numExamples: ds.numExamples,
      squaredError: meanSquaredError(first.x.subarray(0, e * ds.dataDim), rec.subarray(0, e * ds.dataDim), e),
      numErrorExamples: e,
      dataDim: ds.dataDim,
      isStandardized: Boolean(cfg.data.standardization),
      elbo: { loss: elbo.loss, reconstructionLoss: elbo.reconstructionLoss, kl: elbo.kl },
      ...extra,
    } as RunReconstructions & E;
  });
}

/**
 * How a reconstruction finds its codes for the examples of `first` (conditions c [n, C] when the model
 * has them): the reconstructions x̂ [n, D], a line on what x̂ is, and what joins the result.
 */
export type ReconstructionCodes<E> = (
  model: LatentVariableModel,
  first: Dataset,
  c: Float32Array | undefined,
) => Promise<{ rec: Float32Array; reconstruction: string; extra: E }>;

/** The default: x̂ = E[x | z = μ(x)], the decoder mean at the encoder mean. */
const encoderMeanCodes: ReconstructionCodes<object> = async (model, first, c) => {
  const recT = tf.tidy(() =>
    reconstruct(model, tf.tensor2d(first.x, [first.numExamples, first.dataDim]), c && tf.tensor2d(c, [first.numExamples, model.conditionDim])),
  ); // [n, D]
  const rec = (await recT.data()) as Float32Array;
  recT.dispose();
  return { rec, reconstruction: VAE_RECONSTRUCTION, extra: {} };
};

/**
 * Samples of a VAE run: decoder means E[x|z] for z ~ N(0, temperature² I), or (prior 'gmm') z from
 * a Gaussian mixture fitted to the training examples' latent means, saved in the run folder and
 * reused while the model, data and options are unchanged (ex-post density estimation, Ghosh et al. 2020).
 * Images: a PNG grid (and optionally CSV); tables: CSV in raw units under the column names.
 */
export async function sampleVaeRun(dir: string, cfg: VaeRunConfig, opts: SampleRunOptions): Promise<SampleResult> {
  const seed = opts.seed ?? 0;
  const prior = opts.prior ?? 'normal';
  const condition = cfg.data.condition;
  return withModel(dir, async (model) => {
    const isConditioned = model.conditionDim > 0 || opts.condition !== undefined || opts.grid;
    const isGrid = model.conditionDim > 0 && isClassGrid(condition, opts);
    const n = opts.numSamples ?? (isGrid ? CLASS_GRID_DEFAULT_PER_ROW : 64);
    const notes: string[] = [];
    let values: Float32Array;
    let z: Float32Array | null = null; // [n, Z], for a conditional model
    if (prior === 'gmm') {
      if (!existsSync(join(dir, RUN_FILES.config))) {
        throw new ConfigError(
          `${setting('prior', 'gmm')}: expected a run folder holding ${RUN_FILES.config} (the mixture is fitted on the run's training data), got ${dir}`,
        );
      }
      const fitted = await latentPriorOfRun(
        dir,
        model,
        cfg,
        { numComponents: opts.numComponents, covariance: opts.covariance },
        {
          log: opts.log,
          onIteration: ({ iteration, meanLogLikelihood }) => {
            if (iteration > 0 && iteration % 10 === 0)
              opts.log?.(`EM iteration ${iteration}: mean log-likelihood of the training latent means ${meanLogLikelihood.toFixed(3)} nats`);
          },
        },
      );
      const m = fitted.mixture;
      const em = m.report ? `, ${m.report.history.length - 1} EM iterations${m.report.converged ? '' : ' (not converged)'}` : '';
      notes.push(
        `latent prior: ${m.numComponents}-component ${m.covariance}-covariance Gaussian mixture on the latent means of ` +
          `${fitted.numTrainExamples} training examples (Z = ${m.dataDim})${em}, ${fitted.reused ? 'reused from' : 'saved to'} ${fitted.path}`,
      );
      if (fitted.test) {
        const t = fitted.test;
        notes.push(
          `test latent means (${t.numExamples}): mean log-density, nats per example (exact): ` +
            `mixture ${t.mixtureLogLikelihood.toFixed(3)}, N(0, I) ${t.standardNormalLogLikelihood.toFixed(3)}`,
        );
      }
      if (isConditioned) z = Float32Array.from(m.sample(n, seed)); // [n, Z], the draws of sampleWithMixturePrior
      const s = isConditioned ? null : sampleWithMixturePrior(model, m, n, { seed }); // [n, D]
      values = s ? ((await s.data()) as Float32Array) : new Float32Array(0);
      s?.dispose();
    } else if (isConditioned) {
      z = await priorLatents(model, n, seed, opts.temperature ?? 1); // [n, Z], the draws of sampleFromPrior
      values = new Float32Array(0);
    } else {
      const s = sampleFromPrior(model, n, { seed, temperature: opts.temperature ?? 1 }); // [n, D]
      values = (await s.data()) as Float32Array;
      s.dispose();
    }
    const isImage = isImageShape(model.inputShape);
    const tag = isGrid ? 'grid-' : typeof opts.condition === 'number' ? `class${opts.condition}-` : opts.condition ? 'condition-' : '';
    const stem = prior === 'gmm' ? `samples-gmm-${tag}${seed}` : `samples-${tag}${seed}`;
    const out = opts.out ?? join(dir, `${stem}.${isImage ? 'png' : 'csv'}`);
    const st = cfg.data.standardization;
    if (z) {
      const s = await writeConditionedSamples(
        model,
        condition,
        z,
        n,
        seed,
        { condition: opts.condition, grid: opts.grid, trainingConditions: () => loadRunSplit(cfg, 'train').ds, scale: cfg.data.scale },
        { file: out, csv: opts.csv, standardizer: st ? Standardizer.fromJSON(st) : null, scale: cfg.data.scale },
      );
      if (s.note) notes.push(s.note);
      return { numSamples: s.numRows, files: s.files, isRawUnits: !isImage && Boolean(st), notes };
    }
    const files: string[] = [];
    if (isImage) {
      if (prior === 'normal') await renderSamples(model, n, out, seed, opts.temperature ?? 1);
      else await writePngFile(out, imageGrid(values, n, model.inputShape as ImageShape, { cols: Math.ceil(Math.sqrt(n)) }));
      files.push(out);
      if (opts.csv) {
        await writeFileAtomic(opts.csv, csvText(Array.from({ length: n }, (_, i) => Array.from(values.subarray(i * model.dataDim, (i + 1) * model.dataDim)))));
        files.push(opts.csv);
      }
      return { numSamples: n, files, isRawUnits: false, notes };
    }
    const standardizer = st ? Standardizer.fromJSON(st) : null;
    const file = opts.csv ?? out;
    if (prior === 'normal') await writeVaeSamplesCsv(model, n, file, standardizer, seed, opts.temperature ?? 1, cfg.data.scale);
    else await writeFileAtomic(file, tableCsv(values, model.dataDim, standardizer, [], undefined, null, cfg.data.scale));
    return { numSamples: n, files: [file], isRawUnits: Boolean(st), notes };
  });
}

/** An encoder or decoder network in words: 'MLP 784-400-20, relu'. */
function networkText(net: NetConfig, from: number, to: number): string {
  if (net.kind === 'rnn') return `recurrent ${net.cell.toUpperCase()} [${net.hidden.join(', ')}] over the window's steps, ${from} → ${to}, ${net.activation}`;
  return `MLP ${[from, ...net.hidden, to].join('-')}, ${net.activation}`;
}

/** 'σ² 0.25', 'σ² learned (0.0123)' or 'σ²_d learned per dimension (784; median 0.0123, range …)'. */
/** 'mixed: 3 numeric columns Gaussian, σ² learned (0.41); categorical gender (2), race (3)'. */
function mixedText(l: Extract<ModelDescription['config']['likelihood'], { kind: 'mixed' }>): string {
  const cols = l.columns ?? [];
  const numeric = cols.filter((c) => c.kind === 'numeric').length;
  const cats = cols.flatMap((c) => (c.kind === 'categorical' ? [`${c.name} (${c.categories.length})`] : []));
  return `mixed: ${numeric} numeric column${numeric === 1 ? '' : 's'} Gaussian, ${gaussianVarianceText(l)}; categorical ${cats.join(', ') || 'none'} (softmax over each one-hot block)`;
}

function gaussianVarianceText(l: { variance: number | 'learned' | 'learned-diag'; logVar?: number | number[] }): string {
  if (l.variance === 'learned-diag') {
    const v = (Array.isArray(l.logVar) ? l.logVar : []).map(Math.exp).sort((a, b) => a - b);
    if (v.length === 0) return 'σ²_d learned per dimension';
    return `σ²_d learned per dimension (${v.length}; median ${v[Math.floor(v.length / 2)].toPrecision(4)}, range ${v[0].toPrecision(3)}–${v[v.length - 1].toPrecision(3)})`;
  }
  if (l.variance === 'learned') return `σ² learned (${Math.exp(typeof l.logVar === 'number' ? l.logVar : 0).toPrecision(4)})`;
  return `σ² ${l.variance}`;
}

/** A one-layer VAE's networks in words: the encoder, and the decoder when it is not the encoder mirrored. */
function vaeArchText(c: VaeConfig): string {
  const mirrored = JSON.stringify(c.decoder) === JSON.stringify(c.encoder);
  return mirrored
    ? `${networkText(c.encoder, c.dataDim, c.latentDim).replace(/, /, ' (decoder mirrored), ')}`
    : `encoder ${networkText(c.encoder, c.dataDim, c.latentDim)}; decoder ${networkText({ ...c.decoder, hidden: [...c.decoder.hidden].reverse() }, c.latentDim, c.dataDim)}`;
}

/** A VAE run described from its model's vaekit.json (no weights are loaded) and its metrics.jsonl. */
export async function describeVaeRun(dir: string, cfg: VaeRunConfig): Promise<RunDescription> {
  const folder = modelFolder(dir);
  const d: ModelDescription = await readModelDescription(folder);
  const c = d.config;
  const arch =
    c.kind === 'hvae'
      ? `two stochastic layers, x → ${[...c.hidden[0], c.latentDims[0]].join('-')} (z₁) → ${[...c.hidden[1], c.latentDims[1]].join('-')} (z₂), ${c.activation}, p(z₁|z₂) and p(x|z₁) mirrored`
      : vaeArchText(c);
  const lik =
    c.likelihood.kind === 'bernoulli'
      ? 'Bernoulli (logits)'
      : c.likelihood.kind === 'mixed'
        ? mixedText(c.likelihood)
        : `Gaussian, ${gaussianVarianceText(c.likelihood)}`;
  const lines = [
    `model:        ${folder} (${d.format} v${d.version})`,
    `architecture: ${c.kind === 'hvae' ? 'two-layer VAE' : 'VAE'}, ${arch}, input shape [${c.inputShape.join(', ')}]${c.conditionDim ? `, condition size ${c.conditionDim}` : ''}`,
    `likelihood:   ${lik}; prior N(0, I); latent size ${c.latentDim}`,
  ];
  if (d.preprocessing) lines.push(`preprocessing: values / ${d.preprocessing.scale}, binarize ${d.preprocessing.binarize}`);
  if (d.preprocessing?.standardization) lines.push(field('standardised', describeStandardization(d.preprocessing.standardization)));
  if (c.conditionDim > 0)
    lines.push(field('condition', `${conditionText(cfg.data.condition)}, C = ${c.conditionDim}: q(z|x, c) and p(x|z, c) (a conditional VAE)`));
  const p = d.provenance ?? {};
  if (Object.keys(p).length) {
    lines.push(`data:         ${p.dataset} (${p.numTrain} train, ${p.numVal} validation, ${p.numTest} test)`);
    if (cfg.data.classes) lines.push(field('classes', `${cfg.data.classes.length}: ${cfg.data.classes.map((n, k) => `${k} ${n}`).join(', ')}`));
    lines.push(
      `training:     ${p.epochsTrained} epochs, best epoch ${p.bestEpoch}, seed ${p.seed}, backend ${p.backend}, vaekit ${p.vaekitVersion}, saved ${p.savedAt}`,
    );
  }
  if (d.metrics) {
    const units = d.preprocessing?.standardization ? ' of the standardised table; subtract logJacobian for raw units' : '';
    lines.push(
      `metrics:      epoch ${d.metrics.epoch}: train ${fixed(d.metrics.trainLoss)}, val ${fixed(d.metrics.valLoss)}, test ${fixed(d.metrics.testLoss)} (−ELBO, nats per example${units})`,
    );
  }
  // A bare model folder's configuration is made up from its description: it records no training.
  if (existsSync(join(dir, RUN_CONFIG_FILE))) lines.push(field('objective', objectiveText(cfg.training)));
  const metricsPath = join(dir, RUN_FILES.metrics);
  if (existsSync(metricsPath)) {
    const history = await readMetricsFile(dir);
    const last = history.at(-1);
    lines.push(`history:      ${history.length} epochs in ${metricsPath}`);
    if (last?.activeUnits != null && last.klPerDimension) {
      const kl = last.klPerDimension.reduce((s, k) => s + k, 0);
      lines.push(field('latent', `${last.activeUnits}/${last.klPerDimension.length} units active after epoch ${last.epoch}, KL ${fixed(kl)} nats`));
    }
  }
  return { lines, json: d };
}
