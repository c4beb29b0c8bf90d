/**
 * `vaekit train --model pca|ppca|fa|gmm`, `evaluate`, `sample` and `score` in-process on 300 MNIST
 * examples (Z = 4, K = 3), each figure checked against the library computing it directly; and a tiny
 * VAE run evaluated and scored through the same commands.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { takeFirst, type Dataset } from '../../src/data/dataset.js';
import { evaluateElbo } from '../../src/evaluation/elbo-eval.js';
import { estimateLogLikelihood } from '../../src/evaluation/log-likelihood.js';
import { isDensityModel, linearModelFromJSON, PCA, type LinearModel } from '../../src/models/linear/index.js';
import { VAE } from '../../src/models/vae.js';
import { loadDataSource } from '../../src/node/datasets/data-source.js';
import { fsModelStore } from '../../src/node/formats/model-store.js';
import { decodePng } from '../../src/node/formats/png.js';
import { assertAllClose } from '../helpers/assert.js';
import { errorLines, runCli, tinyTrainArgs } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-linear-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

const LIMIT = 300;
const KINDS = ['pca', 'ppca', 'fa', 'gmm'] as const;
const runOf = (kind: string) => join(root, kind);
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const loadModel = (run: string): LinearModel => linearModelFromJSON(readJson(join(run, 'model.json')));

let test300: Dataset;
before(() => {
  test300 = takeFirst(loadDataSource('mnist', { scale: 255 }).test, LIMIT);
});

/** Parses a scores CSV into its header and rows of [index, label, score]. */
function readScores(path: string): { header: string; rows: number[][] } {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  return { header, rows: lines.map((l) => l.split(',').map(Number)) };
}

describe('vaekit train --model <linear kind>', () => {
  for (const kind of KINDS) {
    test(`--model ${kind} exits 0 and writes config, model and finite metrics`, async () => {
      const r = await runCli([
        'train',
        '--model',
        kind,
        '--data',
        'mnist',
        '--limit',
        String(LIMIT),
        '--latent',
        '4',
        '--components',
        '3',
        '--out',
        runOf(kind),
      ]);
      assert.equal(r.code, 0, r.err.join('\n'));
      assert.match(r.out.join('\n'), new RegExp(`done: ${kind}: `));
      const cfg = readJson(join(runOf(kind), 'config.json'));
      assert.deepEqual([cfg.kind, cfg.version], ['linear-run', 2]);
      assert.equal(cfg.model.kind, kind);
      assert.equal(cfg.model.varianceFloor, 1e-2);
      assert.deepEqual(cfg.data.exampleShape, [28, 28, 1]);
      const m = readJson(join(runOf(kind), 'metrics.json'));
      assert.equal(m.numTrain, LIMIT);
      assert.equal(m.numTest, LIMIT);
      assert.ok(m.fitSeconds >= 0);
      const figures =
        kind === 'pca' ? [m.trainReconstructionError, m.testReconstructionError, m.explainedVarianceRatio] : [m.trainLogLikelihood, m.testLogLikelihood];
      for (const v of figures) assert.ok(Number.isFinite(v), `${kind}: ${JSON.stringify(m)}`);
      if (kind === 'fa' || kind === 'gmm') {
        assert.equal(m.emIterations, m.history.length - 1);
        assert.equal(m.trainLogLikelihood, m.history.at(-1));
      }
      assert.equal(loadModel(runOf(kind)).kind, kind);
    });
  }

  test('refuses an existing run folder without --force, and overwrites it with --force', async () => {
    const again = ['train', '--model', 'pca', '--limit', String(LIMIT), '--latent', '4', '--out', runOf('pca')];
    const r = await runCli(again);
    assert.equal(r.code, 1);
    assert.match(errorLines(r.err).join('\n'), /already holds a run .*--force/);
    assert.equal((await runCli([...again, '--force'])).code, 0);
  });

  test('a bad --model exits 2 naming the flag', async () => {
    const r = await runCli(['train', '--model', 'lda', '--out', join(root, 'bad')]);
    assert.equal(r.code, 2);
    assert.match(errorLines(r.err).join('\n'), /--model: expected one of vae, hvae, pca, ppca, fa, gmm, got 'lda'/);
    assert.equal(existsSync(join(root, 'bad')), false);
  });
});

describe('vaekit evaluate, sample and score on linear runs', () => {
  for (const kind of ['fa', 'gmm', 'ppca'] as const) {
    test(`evaluate ${kind}: evaluation.json holds the exact test log-likelihood the library computes`, async () => {
      const r = await runCli(['evaluate', runOf(kind)]);
      assert.equal(r.code, 0, r.err.join('\n'));
      assert.match(r.out[0], /^model\s+split\s+examples\s+log p\(x\) exact/);
      const e = readJson(join(runOf(kind), 'evaluation.json'));
      assert.equal(e.model, kind);
      assert.equal(e.dataset, 'mnist');
      assert.equal(e.split, 'test');
      assert.equal(e.numExamples, LIMIT);
      assert.equal(e.logLikelihood.exact, true);
      const model = loadModel(runOf(kind));
      assert.ok(isDensityModel(model));
      const expected = model.meanLogLikelihood(test300);
      assert.ok(Math.abs(e.logLikelihood.mean - expected) <= 1e-9 * Math.abs(expected), `${e.logLikelihood.mean} vs ${expected}`);
      assert.ok(Math.abs(e.bitsPerDim - -expected / (784 * Math.LN2)) < 1e-9);
      assert.equal(e.elbo, null);
      assert.equal(e.logLikelihoodEstimate, null);
    });
  }

  test('evaluate pca reports the reconstruction error and no log-likelihood', async () => {
    assert.equal((await runCli(['evaluate', runOf('pca')])).code, 0);
    const e = readJson(join(runOf('pca'), 'evaluation.json'));
    const model = loadModel(runOf('pca')) as PCA;
    assert.equal(e.logLikelihood, null);
    assert.ok(Math.abs(e.reconstructionError - model.reconstructionError(test300)) < 1e-9 * e.reconstructionError);
  });

  test('sample writes an 8×8 PNG grid of 28-pixel tiles', async () => {
    const r = await runCli(['sample', runOf('fa'), '--n', '64', '--seed', '3']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const img = decodePng(readFileSync(join(runOf('fa'), 'samples-3.png')));
    assert.equal(img.width, 8 * 28 + 9 * 2);
    assert.equal(img.height, 8 * 28 + 9 * 2);
  });

  test('score writes one row per example whose score is −log p(x) from the library', async () => {
    const out = join(root, 'fa-scores.csv');
    const r = await runCli(['score', runOf('fa'), '--out', out]);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.match(r.out.join('\n'), /highest: #\d+ /);
    const { header, rows } = readScores(out);
    assert.equal(header, 'index,label,nll');
    assert.equal(rows.length, LIMIT);
    const ll = (loadModel(runOf('fa')) as LinearModel & { logLikelihood(ds: Dataset): Float64Array }).logLikelihood(test300);
    rows.forEach(([index, label, score], i) => {
      assert.equal(index, i);
      assert.equal(label, test300.labels![i]);
      assert.ok(Math.abs(score + ll[i]) <= 1e-9 * Math.max(1, Math.abs(ll[i])), `row ${i}: ${score} vs ${-ll[i]}`);
    });
  });

  test('score on a PCA run writes the squared reconstruction error per example', async () => {
    assert.equal((await runCli(['score', runOf('pca')])).code, 0);
    const { header, rows } = readScores(join(runOf('pca'), 'scores-test.csv'));
    assert.equal(header, 'index,label,squaredError');
    const mean = rows.reduce((s, r) => s + r[2], 0) / rows.length;
    const expected = (loadModel(runOf('pca')) as PCA).reconstructionError(test300);
    assert.ok(Math.abs(mean - expected) < 1e-9 * expected);
  });
});

describe('vaekit evaluate and score on a VAE run', () => {
  const vaeRun = join(root, 'vae');
  before(async () => {
    const r = await runCli(tinyTrainArgs(vaeRun, 1));
    assert.equal(r.code, 0, r.err.join('\n'));
  });

  test('evaluate writes the same schema: logLikelihood null, the ELBO, and the importance-sampled estimate the library computes', async () => {
    const r = await runCli(['evaluate', vaeRun, '--samples', '20', '--seed', '3']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const e = readJson(join(vaeRun, 'evaluation.json'));
    assert.equal(e.model, 'vae');
    assert.equal(e.split, 'test');
    assert.equal(e.numExamples, 600);
    assert.equal(e.logLikelihood, null);
    assert.equal(e.elbo.exact, false);
    assert.equal(e.logLikelihoodEstimate.numSamples, 20);
    assert.equal(e.logLikelihoodEstimate.seed, 3);
    const vae = await VAE.load(join(vaeRun, 'model'), fsModelStore);
    try {
      const ds = takeFirst(loadDataSource('mnist', { scale: 255 }).test, 600);
      const expected = -(await evaluateElbo(vae, ds, { seed: 0 })).loss;
      assert.ok(Math.abs(e.elbo.mean - expected) <= 1e-6 * Math.abs(expected), `${e.elbo.mean} vs ${expected}`);
      const is = await estimateLogLikelihood(vae, ds, { numSamples: 20, seed: 3 });
      assert.ok(Math.abs(e.logLikelihoodEstimate.value - is.value) <= 1e-9 * Math.abs(is.value), `${e.logLikelihoodEstimate.value} vs ${is.value}`);
      assert.ok(e.logLikelihoodEstimate.value > e.elbo.mean, `IS estimate ${e.logLikelihoodEstimate.value} above the ELBO ${e.elbo.mean}`);
      assertAllClose(e.bitsPerDim, -is.value / (784 * Math.LN2), { rtol: 1e-9 });
    } finally {
      vae.dispose();
    }
    assert.match(r.out.join('\n'), /log p\(x\) IS \(K=20\)/);
  });

  test('evaluate --limit n evaluates the first n examples of the split, as the library does', async () => {
    const r = await runCli(['evaluate', vaeRun, '--samples', '10', '--limit', '37']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const e = readJson(join(vaeRun, 'evaluation.json'));
    assert.equal(e.numExamples, 37);
    const vae = await VAE.load(join(vaeRun, 'model'), fsModelStore);
    try {
      const ds = takeFirst(loadDataSource('mnist', { scale: 255 }).test, 37);
      const is = await estimateLogLikelihood(vae, ds, { numSamples: 10, seed: 0 });
      assert.ok(Math.abs(e.logLikelihoodEstimate.value - is.value) <= 1e-9 * Math.abs(is.value), `${e.logLikelihoodEstimate.value} vs ${is.value}`);
    } finally {
      vae.dispose();
    }
    assert.equal((await runCli(['evaluate', vaeRun, '--limit', '0'])).code, 2, '--limit 0 is a usage error');
  });

  test('evaluate --samples 0 skips the estimate', async () => {
    const r = await runCli(['evaluate', vaeRun, '--samples', '0']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const e = readJson(join(vaeRun, 'evaluation.json'));
    assert.equal(e.logLikelihoodEstimate, null);
    assert.equal(e.bitsPerDim, null);
  });

  test('score --samples K writes the importance-sampled −log p(x) per example, as the library computes it', async () => {
    const out = join(vaeRun, 'scores-is.csv');
    const r = await runCli(['score', vaeRun, '--samples', '15', '--out', out]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const { header, rows } = readScores(out);
    assert.equal(header, 'index,label,nll');
    assert.equal(rows.length, 600);
    const vae = await VAE.load(join(vaeRun, 'model'), fsModelStore);
    try {
      const ds = takeFirst(loadDataSource('mnist', { scale: 255 }).test, 600);
      const est = await estimateLogLikelihood(vae, ds, { numSamples: 15, seed: 0 });
      assertAllClose(
        rows.map((row) => row[2]),
        Array.from(est.perExample, (v) => -v),
        { rtol: 1e-6 },
      );
    } finally {
      vae.dispose();
    }
  });

  test('score writes −ELBO per example whose mean is −ELBO of the evaluation', async () => {
    const r = await runCli(['score', vaeRun]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const { header, rows } = readScores(join(vaeRun, 'scores-test.csv'));
    assert.equal(header, 'index,label,negElbo');
    assert.equal(rows.length, 600);
    const mean = rows.reduce((s, r) => s + r[2], 0) / rows.length;
    const e = readJson(join(vaeRun, 'evaluation.json'));
    assert.ok(Math.abs(mean + e.elbo.mean) <= 1e-4 * Math.abs(e.elbo.mean), `${mean} vs ${-e.elbo.mean}`);
  });
});
