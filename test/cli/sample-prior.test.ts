/**
 * `vaekit sample RUN --prior gmm` in process on a tiny MNIST VAE run (500 train, 100 validation,
 * 600 test examples; MLP 784-32-4; 2 epochs): the fitted mixture saved and reused, the printed
 * held-out figures and the written samples checked against the library computing them.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { splitValidation } from '../../src/data/dataset.js';
import { encodeMeans, fitLatentMixture, sampleWithMixturePrior, standardNormalLogLikelihood } from '../../src/latent/aggregated-posterior.js';
import { GaussianMixture } from '../../src/models/linear/gmm.js';
import { linearModelFromJSON } from '../../src/models/linear/index.js';
import { VAE } from '../../src/models/vae.js';
import { LATENT_PRIOR_FILE, type LatentPriorJson } from '../../src/node/runs/latent-prior.js';
import { fsModelStore } from '../../src/node/formats/model-store.js';
import { decodePng } from '../../src/node/formats/png.js';
import { loadRunSplit } from '../../src/node/runs/run-data.js';
import { readRunConfig, type VaeRunConfig } from '../../src/node/runs/config.js';
import { assertNoTensorLeak } from '../helpers/assert.js';
import { errorLines, gridSide, gridTile, runCli, tinyTrainArgs, toBytes } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-sample-prior-'));
after(() => rmSync(root, { recursive: true, force: true }));

const runDir = join(root, 'vae');
const linearDir = join(root, 'pca');
const priorFile = join(runDir, LATENT_PRIOR_FILE);
const readPrior = () => JSON.parse(readFileSync(priorFile, 'utf8')) as LatentPriorJson;

/** The number after `label` in a line of output. */
function numberAfter(text: string, label: string): number {
  const m = new RegExp(`${label.replace(/[()]/g, '\\$&')} (-?\\d+(?:\\.\\d+)?)`).exec(text);
  assert.ok(m, `no '${label} <number>' in:\n${text}`);
  return Number(m[1]);
}

before(async () => {
  const t = await runCli(tinyTrainArgs(runDir, 2));
  assert.equal(t.code, 0, t.err.join('\n'));
  const l = await runCli(['train', '--model', 'pca', '--data', 'mnist', '--limit', '200', '--latent', '4', '--out', linearDir]);
  assert.equal(l.code, 0, l.err.join('\n'));
});

describe('vaekit sample --prior gmm', () => {
  test('fits a 3-component mixture to the training latent means, saves it, prints the test figures, and writes its samples', async () => {
    const r = await runCli(['sample', runDir, '--prior', 'gmm', '--components', '3']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const png = join(runDir, 'samples-gmm-0.png');
    assert.match(
      r.out.join('\n'),
      new RegExp(
        `3-component full-covariance Gaussian mixture on the latent means of 500 training examples \\(Z = 4\\), \\d+ EM iterations, saved to ${priorFile}`,
      ),
    );
    assert.equal(r.out.at(-1), `wrote 64 samples to ${png}`);
    assert.match(r.err.join('\n'), /saved prior: none saved/);

    // The file is the mixture's tagged JSON; it reloads as a linear model and records the fit.
    const json = readPrior();
    assert.equal(json.kind, 'gmm');
    const mixture = GaussianMixture.fromJSON(json);
    assert.equal(linearModelFromJSON(json).kind, 'gmm');
    assert.deepEqual([mixture.numComponents, mixture.dataDim, mixture.covariance], [3, 4, 'full']);
    assert.deepEqual([json.latentPrior.split, json.latentPrior.numExamples, json.latentPrior.options.numComponents], ['train', 500, 3]);

    // It is fitLatentMixture on the run's training examples proper (validation split off), and the
    // printed figures are the mixture's and N(0, I)'s mean log-densities of the test latent means.
    const cfg = (await readRunConfig(runDir)) as VaeRunConfig;
    const vae = await VAE.load(join(runDir, 'model'), fsModelStore);
    try {
      const train = splitValidation(loadRunSplit(cfg, 'train').ds, cfg.data.val, cfg.training.seed).train;
      const refit = await fitLatentMixture(vae, train, { numComponents: 3 });
      assert.deepEqual(refit.means, mixture.means);
      const testMeans = await encodeMeans(vae, loadRunSplit(cfg, 'test').ds);
      const normal = standardNormalLogLikelihood(testMeans).reduce((a, b) => a + b, 0) / testMeans.numExamples;
      const text = r.out.join('\n');
      assert.match(text, /test latent means \(600\): mean log-density, nats per example \(exact\)/);
      assert.ok(Math.abs(numberAfter(text, 'mixture') - mixture.meanLogLikelihood(testMeans)) <= 5e-4);
      assert.ok(Math.abs(numberAfter(text, 'N(0, I)') - normal) <= 5e-4);

      // An 8 × 8 grid of the decoder means of z ~ the mixture, seed 0.
      const img = decodePng(readFileSync(png));
      assert.deepEqual([img.width, img.height, img.channels], [gridSide(8), gridSide(8), 1]);
      const s = await assertNoTensorLeak(() => sampleWithMixturePrior(vae, mixture, 64, { seed: 0 }));
      const v = s.dataSync();
      s.dispose();
      for (const [k, [row, col]] of [
        [0, [0, 0]],
        [63, [7, 7]],
      ] as const) {
        const want = toBytes(v.subarray(k * 784, (k + 1) * 784));
        const got = gridTile(img, row, col);
        const worst = got.reduce((m, a, i) => Math.max(m, Math.abs(a - want[i])), 0);
        assert.ok(worst <= 1, `sample ${k}: pixels differ by up to ${worst} levels`);
      }
    } finally {
      vae.dispose();
    }
  });

  test('a second call reuses the saved mixture: the file is untouched and the samples are the same', async () => {
    const before = readFileSync(priorFile, 'utf8');
    const mtime = statSync(priorFile).mtimeMs;
    const png = readFileSync(join(runDir, 'samples-gmm-0.png'));
    const r = await runCli(['sample', runDir, '--prior', 'gmm', '--components', '3']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.match(r.out.join('\n'), new RegExp(`reused from ${priorFile}`));
    assert.match(r.err.join('\n'), /reusing the latent prior/);
    assert.equal(readFileSync(priorFile, 'utf8'), before);
    assert.equal(statSync(priorFile).mtimeMs, mtime);
    assert.deepEqual(readFileSync(join(runDir, 'samples-gmm-0.png')), png);
  });

  test('other options, or a saved mixture of another encoder, refit and overwrite it', async () => {
    const diag = await runCli(['sample', runDir, '--prior', 'gmm', '--components', '2', '--covariance', 'diag', '--n', '4', '--seed', '1']);
    assert.equal(diag.code, 0, diag.err.join('\n'));
    assert.match(diag.err.join('\n'), /saved prior: it was fitted with other options/);
    assert.deepEqual([readPrior().numComponents, readPrior().covariance], [2, 'diag']);
    assert.ok(existsSync(join(runDir, 'samples-gmm-1.png')));

    const stale = readPrior();
    stale.latentPrior.encoderSha256 = '0'.repeat(64);
    writeFileSync(priorFile, JSON.stringify(stale));
    const r = await runCli(['sample', runDir, '--prior', 'gmm', '--components', '2', '--covariance', 'diag', '--n', '4']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.match(r.err.join('\n'), /saved prior: the model changed since it was fitted/);
    assert.notEqual(readPrior().latentPrior.encoderSha256, '0'.repeat(64));
  });

  test('on a linear run it exits 1 with one line saying the prior is for VAE runs', async () => {
    const r = await runCli(['sample', linearDir, '--prior', 'gmm']);
    assert.equal(r.code, 1);
    const lines = errorLines(r.err);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(
      lines[0],
      /^vaekit: --prior gmm: .*pca is a linear 'pca' run, which samples from its own fitted model; a fitted latent prior is for VAE runs$/,
    );
    assert.equal(existsSync(join(linearDir, LATENT_PRIOR_FILE)), false);
  });

  test('mixture flags without --prior gmm, and --temperature with it, are usage errors (exit 2)', async () => {
    for (const [argv, message] of [
      [['sample', runDir, '--components', '3'], /--components: only with --prior gmm/],
      [['sample', runDir, '--covariance', 'full'], /--covariance: only with --prior gmm/],
      [['sample', runDir, '--prior', 'gmm', '--temperature', '0.5'], /--temperature: only with --prior normal/],
      [['sample', runDir, '--prior', 'vamp'], /--prior: expected one of normal, gmm, got 'vamp'/],
    ] as const) {
      const r = await runCli([...argv]);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(errorLines(r.err).join('\n'), message);
    }
  });
});
