/**
 * `vaekit info RUN`: what a saved run or model is, how it was trained, and how well it did; for a
 * VAE run (or model folder) and for a linear run (pca, ppca, fa, gmm) alike.
 */
import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Standardizer, type StandardizerJSON } from '../../data/standardize.js';
import { isDensityModel, type LinearModel, type LinearModelByKind, type LinearModelKind } from '../../models/linear/index.js';
import { isLinearRun, LINEAR_RUN_DEFAULTS, readLinearRun, readLinearRunMetrics } from '../../node/runs/linear-run.js';
import { readModelDescription } from '../../node/formats/model-store.js';
import { RUN_FILES } from '../../node/runs/train-run.js';
import type { CliIo } from '../io.js';
import { modelDirOf } from './saved-model.js';

/** One line of the description: the label padded to a column, then the text. */
const field = (label: string, text: string) => `${`${label}:`.padEnd(Math.max(14, label.length + 2))}${text}`;

/** Columns listed by name before the rest are counted. */
const MAX_COLUMNS_LISTED = 30;

/** The table standardisation: its columns, the rows it was fitted on, and log-Jacobian to raw units. */
function describeStandardization(json: StandardizerJSON): string {
  const s = Standardizer.fromJSON(json);
  const names = s.columns ?? [];
  const listed = names.slice(0, MAX_COLUMNS_LISTED).join(', ') + (names.length > MAX_COLUMNS_LISTED ? `, … (${names.length - MAX_COLUMNS_LISTED} more)` : '');
  return (
    `z-scores of ${s.dataDim} columns${names.length ? ` (${listed})` : ''}, fitted on ${s.numExamples} training rows; ` +
    `logJacobian ${s.logJacobian.toFixed(4)} nats (add it to a log-likelihood of the standardised data for raw units)`
  );
}

/** Each linear kind's one-line description of the fitted model (a registry, not an if-chain). */
const MODEL_LINE: { readonly [K in LinearModelKind]: (m: LinearModelByKind[K]) => string } = {
  pca: (m) => `PCA, ${m.latentDim} principal components (latent dim Z = ${m.latentDim}), no density`,
  ppca: (m) => `probabilistic PCA, latent dim Z = ${m.latentDim}, noise variance σ² = ${m.noiseVariance.toPrecision(4)}`,
  fa: (m) => {
    const psi = m.noiseVariance;
    return `factor analysis, latent dim Z = ${m.latentDim} factors, noise variances ψ in [${Math.min(...psi).toPrecision(3)}, ${Math.max(...psi).toPrecision(3)}]`;
  },
  gmm: (m) => `Gaussian mixture, ${m.numComponents} components, ${m.covariance} covariances`,
};

const fixed = (x: number | null | undefined, digits = 2) => (x == null ? '-' : x.toFixed(digits));

/** The description of a linear run folder (RUN/config.json, model.json, metrics.json). */
async function linearRunLines(run: string): Promise<{ lines: string[]; json: object }> {
  const { config: c, model } = await readLinearRun(run);
  const m = await readLinearRunMetrics(run);
  const lines = [field('run', `${run} (linear model: config.json, model.json${m ? ', metrics.json' : ''})`)];
  lines.push(field('model', (MODEL_LINE[model.kind] as (m: LinearModel) => string)(model)));
  const counts = m ? `; ${m.numTrain} train, ${m.numTest} test examples` : '';
  const shape = c.exampleShape ? `, example shape [${c.exampleShape.join(', ')}]` : '';
  lines.push(field('data', `${m?.dataset ?? c.data}, dataDim ${model.dataDim}${shape}${counts}${c.limit !== null ? ` (--limit ${c.limit})` : ''}, values / ${c.scale}`));
  if (c.standardization) lines.push(field('standardised', describeStandardization(c.standardization)));
  const fit: string[] = [];
  if (m && m.emIterations !== null) {
    fit.push(`EM, ${m.emIterations} iterations, ${m.converged ? 'converged' : 'not converged (stopped at the iteration limit; raise --max-iter)'}`);
  } else {
    fit.push('closed form (eigendecomposition)');
  }
  if (isDensityModel(model)) fit.push(`variance floor ${c.varianceFloor ?? LINEAR_RUN_DEFAULTS.varianceFloor} × the mean training variance`);
  fit.push(`seed ${c.seed}`);
  if (m) fit.push(`${m.fitSeconds.toFixed(2)} s`);
  lines.push(field('fit', fit.join('; ')));
  if (m && isDensityModel(model)) {
    const units = c.standardization ? ' of the standardised table (add logJacobian for raw units)' : '';
    lines.push(field('log p(x)', `train ${fixed(m.trainLogLikelihood)}, test ${fixed(m.testLogLikelihood)} nats per example${units}`));
  }
  if (m && m.explainedVarianceRatio !== null) lines.push(field('explained', `${(100 * m.explainedVarianceRatio).toFixed(2)}% of the training variance`));
  if (m && (m.trainReconstructionError !== null || m.testReconstructionError !== null)) {
    lines.push(field('squared error', `train ${fixed(m.trainReconstructionError, 3)}, test ${fixed(m.testReconstructionError, 3)} per example (‖x − x̂‖²)`));
  }
  if (m) lines.push(field('vaekit', m.vaekitVersion));
  return { lines, json: { config: c, metrics: m } };
}

export function infoCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('info')
    .description('describe a saved run: model, data, standardisation, training or fit, metrics')
    .argument('<run>', 'a run folder (VAE or linear), or a VAE model folder')
    .option('--json', 'print the model description (a linear run: its config and metrics) as JSON')
    .action(async (run: string, o: { json?: boolean }) => {
      if (isLinearRun(run)) {
        const { lines, json } = await linearRunLines(run);
        io.out(o.json ? JSON.stringify(json, null, 2) : lines.join('\n'));
        return done(0);
      }
      const dir = modelDirOf(run);
      const d = await readModelDescription(existsSync(join(dir, 'vaekit.json')) ? dir : `${dir}.old`);
      if (o.json) {
        io.out(JSON.stringify(d, null, 2));
        return done(0);
      }
      const c = d.config;
      const dims = [c.dataDim, ...c.encoder.hidden, c.latentDim].join('-');
      const lik = c.likelihood.kind === 'bernoulli' ? 'Bernoulli (logits)' : `Gaussian, ${gaussianVarianceText(c.likelihood)}`;
      io.out(`model:        ${dir} (${d.format} v${d.version})`);
      io.out(`architecture: VAE, MLP ${dims} (decoder mirrored), ${c.encoder.activation}, input shape [${c.inputShape.join(', ')}]`);
      io.out(`likelihood:   ${lik}; prior N(0, I); latent size ${c.latentDim}`);
      if (d.preprocessing) io.out(`preprocessing: values / ${d.preprocessing.scale}, binarize ${d.preprocessing.binarize}`);
      if (d.preprocessing?.standardization) io.out(field('standardised', describeStandardization(d.preprocessing.standardization)));
      const p = d.provenance ?? {};
      if (Object.keys(p).length) {
        io.out(`data:         ${p.dataset} (${p.numTrain} train, ${p.numVal} validation, ${p.numTest} test)`);
        io.out(`training:     ${p.epochsTrained} epochs, best epoch ${p.bestEpoch}, seed ${p.seed}, backend ${p.backend}, vaekit ${p.vaekitVersion}, saved ${p.savedAt}`);
      }
      if (d.metrics) {
        const f = (x: number | null | undefined) => (x == null ? '-' : x.toFixed(2));
        const units = d.preprocessing?.standardization ? ' of the standardised table; subtract logJacobian for raw units' : '';
        io.out(`metrics:      epoch ${d.metrics.epoch}: train ${f(d.metrics.trainLoss)}, val ${f(d.metrics.valLoss)}, test ${f(d.metrics.testLoss)} (−ELBO, nats per example${units})`);
      }
      const metricsPath = join(run, RUN_FILES.metrics);
      if (existsSync(metricsPath)) {
        const n = readFileSync(metricsPath, 'utf8').trim().split('\n').length;
        io.out(`history:      ${n} epochs in ${metricsPath}`);
      }
      done(0);
    });
}

/** 'σ² 0.25', 'σ² learned (0.0123)' or 'σ²_d learned per dimension (784; median 0.0123, range …)'. */
function gaussianVarianceText(l: { variance: number | 'learned' | 'learned-diag'; logVar?: number | number[] }): string {
  if (l.variance === 'learned-diag') {
    const v = (Array.isArray(l.logVar) ? l.logVar : []).map(Math.exp).sort((a, b) => a - b);
    if (v.length === 0) return 'σ²_d learned per dimension';
    return `σ²_d learned per dimension (${v.length}; median ${v[Math.floor(v.length / 2)].toPrecision(4)}, range ${v[0].toPrecision(3)}–${v[v.length - 1].toPrecision(3)})`;
  }
  if (l.variance === 'learned') return `σ² learned (${Math.exp(typeof l.logVar === 'number' ? l.logVar : 0).toPrecision(4)})`;
  return `σ² ${l.variance}`;
}
