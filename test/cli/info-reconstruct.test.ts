/**
 * `vaekit info` and `vaekit reconstruct` on every run kind, in process: linear runs (pca, ppca, fa,
 * gmm) on 200 MNIST examples (Z = 4, K = 3), and a factor-analysis and a VAE run on the Boston table.
 * Each printed figure and each written reconstruction is checked against the library computing it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { takeFirst, type Dataset } from '../../src/data/dataset.js';
import { evaluateElbo } from '../../src/evaluation/elbo-eval.js';
import { hasReconstruction, LinearGaussianModel, linearModelFromJSON, PCA, type LinearModel, type ReconstructingModel } from '../../src/models/linear/index.js';
import { VAE } from '../../src/models/vae.js';
import { loadDataSource } from '../../src/node/datasets/data-source.js';
import { fsModelStore } from '../../src/node/formats/model-store.js';
import { decodePng } from '../../src/node/formats/png.js';
import { assertAllClose } from '../helpers/assert.js';
import { errorLines, gridSide, gridTile, runCli, toBytes } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-info-reconstruct-'));
after(() => rmSync(root, { recursive: true, force: true }));

const LIMIT = 200;
const KINDS = ['pca', 'ppca', 'fa', 'gmm'] as const;
const BOSTON_COLUMNS = 'crim,zn,indus,chas,nox,rm,age,dis,rad,tax,ptratio,b,lstat,medv';
const runOf = (kind: string) => join(root, kind);
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const loadModel = (run: string): LinearModel => linearModelFromJSON(readJson(join(run, 'model.json')));
const reconstructing = (run: string): ReconstructingModel => {
  const m = loadModel(run);
  assert.ok(hasReconstruction(m), `${m.kind} has no reconstruction`);
  return m;
};

/**
 * x̂ for examples [N, 784] from the models' other methods, not `reconstruct`: PCA μ + Uᵀ z with
 * z = project(x); PPCA and FA μ + W E[z|x] with E[z|x] from `posterior`.
 */
function expectedReconstruction(model: ReconstructingModel, ds: Dataset): Float64Array {
  const d = ds.dataDim;
  let basis: (i: number, c: number) => number; // U (PCA) or W, [D, Z]
  let coords: Float64Array; // [N, Z]
  if (model instanceof PCA) {
    basis = (i, c) => model.components[c * d + i];
    coords = model.project(ds.x);
  } else if (model instanceof LinearGaussianModel) {
    basis = (i, c) => model.loading[i * model.latentDim + c];
    coords = model.posterior(ds).mean;
  } else {
    assert.fail(`no oracle for ${model.kind}`);
  }
  const z = coords.length / ds.numExamples;
  const out = new Float64Array(ds.numExamples * d); // [N, D]
  for (let n = 0; n < ds.numExamples; n++) {
    for (let i = 0; i < d; i++) {
      let v = model.mean[i];
      for (let c = 0; c < z; c++) v += basis(i, c) * coords[n * z + c];
      out[n * d + i] = v;
    }
  }
  return out;
}

/** The number after `label` in a line of output. */
function numberAfter(text: string, label: string): number {
  const m = new RegExp(`${label} (-?\\d+(?:\\.\\d+)?)`).exec(text);
  assert.ok(m, `no '${label} <number>' in:\n${text}`);
  return Number(m[1]);
}

/** A CSV file as its header and rows of cells. */
function readCsv(path: string): { header: string; rows: string[][] } {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  return { header, rows: lines.map((l) => l.split(',')) };
}

let mnistTest: Dataset;
before(async () => {
  mnistTest = takeFirst(loadDataSource('mnist', { scale: 255 }).test, LIMIT);
  for (const kind of KINDS) {
    const r = await runCli(['train', '--model', kind, '--data', 'mnist', '--limit', String(LIMIT), '--latent', '4', '--components', '3', '--out', runOf(kind)]);
    assert.equal(r.code, 0, r.err.join('\n'));
  }
});

describe('vaekit info on linear runs', () => {
  for (const kind of KINDS) {
    test(`info ${kind} prints the model, the data, the fit and the figures of metrics.json`, async () => {
      const r = await runCli(['info', runOf(kind)]);
      assert.equal(r.code, 0, r.err.join('\n'));
      const text = r.out.join('\n');
      const m = readJson(join(runOf(kind), 'metrics.json'));
      assert.match(text, /^data: +mnist, dataDim 784, example shape \[28, 28, 1\]; 200 train, 200 test examples \(--limit 200\), values \/ 255$/m);
      const model = {
        pca: /^model: +PCA, 4 principal components/m,
        ppca: /^model: +probabilistic PCA, latent dim Z = 4, noise variance σ² = \d/m,
        fa: /^model: +factor analysis, latent dim Z = 4 factors, noise variances ψ in \[/m,
        gmm: /^model: +Gaussian mixture, 3 components, diag covariances$/m,
      }[kind];
      assert.match(text, model);
      if (m.emIterations !== null) {
        assert.match(text, new RegExp(`^fit: +EM, ${m.emIterations} iterations, ${m.converged ? 'converged' : 'not converged'};`, 'm'));
      } else {
        assert.match(text, /^fit: +closed form/m);
      }
      if (kind === 'pca') {
        assert.doesNotMatch(text, /variance floor|log p\(x\)/);
        assert.match(text, new RegExp(`^explained: +${(100 * m.explainedVarianceRatio).toFixed(2)}% of the training variance$`, 'm'));
        assert.match(
          text,
          new RegExp(`^squared error: train ${m.trainReconstructionError.toFixed(3)}, test ${m.testReconstructionError.toFixed(3)} per example`, 'm'),
        );
      } else {
        assert.match(text, /; variance floor 0\.01 × the mean training variance;/);
        assert.match(
          text,
          new RegExp(`^log p\\(x\\): +train ${m.trainLogLikelihood.toFixed(2)}, test ${m.testLogLikelihood.toFixed(2)} nats per example$`, 'm'),
        );
      }
      assert.doesNotMatch(text, /standardised/);
    });
  }

  test('info --json on a linear run prints its config and metrics', async () => {
    const r = await runCli(['info', runOf('fa'), '--json']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const j = JSON.parse(r.out.join('\n'));
    assert.deepEqual(j.config, readJson(join(runOf('fa'), 'config.json')));
    assert.deepEqual(j.metrics, readJson(join(runOf('fa'), 'metrics.json')));
  });
});

describe('vaekit reconstruct on linear runs (MNIST)', () => {
  for (const kind of ['pca', 'ppca', 'fa'] as const) {
    test(`reconstruct ${kind} writes test images beside the library's reconstructions and prints its squared error over the run's 200 test examples`, async () => {
      const out = join(root, `${kind}-rec.png`);
      const r = await runCli(['reconstruct', runOf(kind), '--n', '8', '--out', out]);
      assert.equal(r.code, 0, r.err.join('\n'));
      assert.equal(r.out[0], `wrote 8 reconstructions to ${out}`);
      const model = reconstructing(runOf(kind));
      const all = expectedReconstruction(model, mnistTest); // [200, 784]
      assertAllClose(model.reconstruct(mnistTest.x), all, { rtol: 1e-9, atol: 1e-12 });
      const rec = Float32Array.from(all.subarray(0, 8 * 784)); // [8, 784], float32 as the picture code rounds it
      const img = decodePng(readFileSync(out));
      assert.deepEqual([img.width, img.height], [gridSide(16), gridSide(1)]); // 8 pairs in one row
      for (let i = 0; i < 8; i++) {
        assert.deepEqual(gridTile(img, 0, 2 * i), toBytes(mnistTest.x.subarray(i * 784, (i + 1) * 784)), `original ${i}`);
        assert.deepEqual(gridTile(img, 0, 2 * i + 1), toBytes(rec.subarray(i * 784, (i + 1) * 784)), `reconstruction ${i}`);
      }
      // --limit: the error is over the run's 200 test examples, not the 10000 of MNIST's test set
      assert.match(r.out[1], /^test \(200 examples\): squared error/);
      let sq = 0;
      for (let k = 0; k < all.length; k++) sq += (mnistTest.x[k] - all[k]) ** 2;
      assertAllClose(model.reconstructionError(mnistTest), sq / LIMIT, { rtol: 1e-9 });
      assertAllClose(numberAfter(r.out[1], 'squared error ‖x − x̂‖²'), sq / LIMIT, { rtol: 0, atol: 5e-4 });
      assert.match(r.out[2], new RegExp(`^reconstruction: ${kind}, x̂ = μ \\+ `));
    });
  }

  test('ppca and fa reconstruct by the posterior mean, not by PCA’s projection', () => {
    const pca = reconstructing(runOf('pca')).reconstruct(mnistTest.x.subarray(0, 784));
    const fa = reconstructing(runOf('fa')).reconstruct(mnistTest.x.subarray(0, 784));
    let d = 0;
    for (let i = 0; i < 784; i++) d = Math.max(d, Math.abs(pca[i] - fa[i]));
    assert.ok(d > 1e-3, `fa and pca reconstructions agree to ${d}`);
  });

  test('reconstruct gmm exits 1 with one line saying a mixture has no reconstruction, and writes nothing', async () => {
    const r = await runCli(['reconstruct', runOf('gmm')]);
    assert.equal(r.code, 1);
    const lines = errorLines(r.err);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /^vaekit: reconstruct: a Gaussian mixture has no reconstruction; /);
    assert.equal(existsSync(join(runOf('gmm'), 'reconstructions-test.png')), false);
  });
});

describe('vaekit info and reconstruct on table runs (Boston)', () => {
  const faRun = join(root, 'boston-fa');
  const vaeRun = join(root, 'boston-vae');
  const boston = loadDataSource('boston');
  const s = boston.standardizer!;
  before(async () => {
    for (const argv of [
      ['train', '--model', 'fa', '--data', 'boston', '--out', faRun],
      ['train', '--data', 'boston', '--limit', '60', '--epochs', '1', '--hidden', '8', '--out', vaeRun],
    ]) {
      const r = await runCli(argv);
      assert.equal(r.code, 0, r.err.join('\n'));
    }
  });

  test('info prints the standardisation, its columns and log-Jacobian, for the fa run and the VAE run', async () => {
    const line = new RegExp(
      `^standardised: z-scores of 14 columns \\(${BOSTON_COLUMNS.replace(/,/g, ', ')}\\), fitted on 405 training rows; logJacobian ${s.logJacobian.toFixed(4)} nats`,
      'm',
    );
    for (const run of [faRun, vaeRun]) {
      const r = await runCli(['info', run]);
      assert.equal(r.code, 0, r.err.join('\n'));
      assert.match(r.out.join('\n'), line, run);
    }
    const fa = (await runCli(['info', faRun])).out.join('\n');
    assert.match(fa, /^log p\(x\): .* nats per example of the standardised table \(add logJacobian for raw units\)$/m);
  });

  test('reconstruct fa writes CSV in raw units: each row maps back through the standardisation to the library’s reconstruction', async () => {
    const r = await runCli(['reconstruct', faRun, '--n', '5']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const file = join(faRun, 'reconstructions-test.csv');
    assert.equal(existsSync(join(faRun, 'reconstructions-test.png')), false);
    const { header, rows } = readCsv(file);
    assert.equal(header, `index,what,${BOSTON_COLUMNS}`);
    assert.deepEqual(
      rows.map((row) => row.slice(0, 2).join(',')),
      [0, 1, 2, 3, 4].flatMap((i) => [`${i},data`, `${i},reconstruction`]),
    );
    const model = reconstructing(faRun);
    const z = boston.test.x.subarray(0, 5 * 14); // [5, 14], standardised
    const rec = model.reconstruct(z);
    for (let i = 0; i < 5; i++) {
      const data = rows[2 * i].slice(2).map(Number);
      const recRaw = rows[2 * i + 1].slice(2).map(Number);
      assertAllClose(data, s.invert(z.subarray(i * 14, (i + 1) * 14)), { rtol: 1e-6, atol: 1e-4, message: `data row ${i}` }); // 7 digits, ≤ 1e-6 std
      // back through the standardisation: (x_raw − mean) / std is the model's x̂ in standardised units
      assertAllClose(
        recRaw.map((v, j) => (v - s.mean[j]) / s.std[j]),
        rec.subarray(i * 14, (i + 1) * 14),
        { rtol: 1e-5, atol: 1e-5, message: `reconstruction ${i}` },
      );
    }
    // tax of example 0 (raw units, dollars per $10k) read back as a raw value, not a z-score
    assert.equal(Number(rows[0][11]), 242);
    assert.match(r.out[1], /^test \(101 examples\): squared error .*\(standardised units\)$/);
    assertAllClose(numberAfter(r.out[1], 'squared error ‖x − x̂‖²'), model.reconstructionError(boston.test), { rtol: 0, atol: 5e-4 });
  });

  test('reconstruct on a VAE table run writes raw-unit CSV and honours the run’s --limit 60 (−ELBO over 60 test rows)', async () => {
    const r = await runCli(['reconstruct', vaeRun, '--n', '3']);
    assert.equal(r.code, 0, r.err.join('\n'));
    const { header, rows } = readCsv(join(vaeRun, 'reconstructions-test.csv'));
    assert.equal(header, `index,what,${BOSTON_COLUMNS}`);
    assert.equal(rows.length, 6);
    const test60 = takeFirst(boston.test, 60);
    const vae = await VAE.load(join(vaeRun, 'model'), fsModelStore);
    try {
      const z = test60.x.subarray(0, 14); // example 0 [1, 14], standardised
      const rec = tf.tidy(() => vae.reconstruct(tf.tensor2d(z, [1, 14])));
      const expected = s.invert(rec.dataSync());
      rec.dispose();
      assertAllClose(rows[0].slice(2).map(Number), s.invert(z), { rtol: 1e-6, atol: 1e-4 });
      assertAllClose(rows[1].slice(2).map(Number), expected, { rtol: 1e-5, atol: 1e-4 });
      assert.match(r.out[1], /^test \(60 examples\): −ELBO /);
      const elbo = await evaluateElbo(vae, test60, { seed: 0 });
      assertAllClose(numberAfter(r.out[1], '−ELBO'), elbo.loss, { rtol: 0, atol: 5e-3 });
    } finally {
      vae.dispose();
    }
  });
});
