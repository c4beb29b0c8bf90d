import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckpointError, ConfigError } from '../../src/errors.js';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { deriveRng } from '../../src/math/rng.js';
import {
  FactorAnalysis,
  GaussianMixture,
  LINEAR_MODEL_KINDS,
  PCA,
  PPCA,
  fitLinearModel,
  isDensityModel,
  linearModelFromJSON,
  type LinearModel,
} from '../../src/models/linear/index.js';

function data(n: number, seed: number): Dataset {
  const rng = deriveRng(seed, 'serialisation-test');
  const d = 5;
  const x = new Float32Array(n * d);
  for (let k = 0; k < n; k++) {
    const z = rng.nextNormal();
    const shift = k % 2 === 0 ? 0 : 4;
    for (let i = 0; i < d; i++) x[k * d + i] = shift + (i + 1) * z + 0.5 * rng.nextNormal();
  }
  return makeDataset({ x, numExamples: n, dataDim: d, source: 'serialisation-test' });
}

const FITS: Record<string, () => LinearModel> = {
  pca: () => fitLinearModel('pca', data(80, 1), { latentDim: 2 }),
  ppca: () => fitLinearModel('ppca', data(80, 1), { latentDim: 2 }),
  'ppca-em': () => fitLinearModel('ppca', data(80, 1), { latentDim: 2, method: 'em', maxIter: 20 }),
  fa: () => fitLinearModel('fa', data(80, 1), { latentDim: 2, maxIter: 30 }),
  'gmm-full': () => fitLinearModel('gmm', data(80, 1), { numComponents: 2, covariance: 'full', maxIter: 30 }),
  'gmm-diag': () => fitLinearModel('gmm', data(80, 1), { numComponents: 3, covariance: 'diag', maxIter: 30 }),
};

test('toJSON → JSON text → linearModelFromJSON gives identical log-likelihoods, samples and PCA reconstructions', () => {
  const heldOut = data(40, 2);
  for (const [name, fit] of Object.entries(FITS)) {
    const model = fit();
    const json = model.toJSON();
    assert.equal(json.version, 1, name);
    const back = linearModelFromJSON(JSON.parse(JSON.stringify(model)));
    assert.equal(back.kind, model.kind, name);
    assert.equal(back.constructor, model.constructor, name);
    assert.deepEqual(back.toJSON(), json, name);
    assert.deepEqual(back.sample(10, 3), model.sample(10, 3), name);
    if (isDensityModel(model) && isDensityModel(back)) {
      assert.deepEqual(back.logLikelihood(heldOut), model.logLikelihood(heldOut), name);
    } else {
      assert.ok(model instanceof PCA && back instanceof PCA);
      assert.deepEqual(back.reconstruct(heldOut.x), model.reconstruct(heldOut.x), name);
    }
  }
});

test('the EM history and convergence flag survive the round trip (ppca-em, fa, gmm)', () => {
  for (const name of ['ppca-em', 'fa', 'gmm-full', 'gmm-diag']) {
    const model = FITS[name]() as PPCA | FactorAnalysis | GaussianMixture;
    assert.ok(model.history.length > 1, name);
    const back = linearModelFromJSON(JSON.parse(JSON.stringify(model))) as PPCA | FactorAnalysis | GaussianMixture;
    assert.deepEqual(back.history, model.history, name);
    assert.equal(back.report?.converged, model.report?.converged, name);
  }
});

test('a wrong kind or version is a CheckpointError saying what was expected and what was found', () => {
  const ppca = FITS.ppca().toJSON();
  assert.throws(
    () => FactorAnalysis.fromJSON(ppca),
    (e: unknown) => e instanceof CheckpointError && /linear model 'fa': expected kind 'fa', got "ppca"/.test(e.message),
  );
  assert.throws(
    () => PPCA.fromJSON({ ...ppca, version: 2 }),
    (e: unknown) => e instanceof CheckpointError && /expected format version 1, got 2/.test(e.message),
  );
  assert.throws(
    () => PCA.fromJSON(null),
    (e: unknown) => e instanceof CheckpointError && /expected a JSON object, got null/.test(e.message),
  );
  assert.throws(
    () => linearModelFromJSON({ ...ppca, kind: 'vae' }),
    (e: unknown) => e instanceof CheckpointError && /expected kind to be one of pca, ppca, fa, gmm, got "vae"/.test(e.message),
  );
  assert.throws(
    () => linearModelFromJSON('fa'),
    (e: unknown) => e instanceof CheckpointError,
  );
});

test('malformed fields are CheckpointErrors naming the field', () => {
  const fa = FITS.fa().toJSON() as unknown as Record<string, unknown>;
  assert.throws(
    () => linearModelFromJSON({ ...fa, loading: [1, 2] }),
    (e: unknown) => e instanceof CheckpointError && /expected loading to be an array of 10 numbers, got an array of length 2/.test(e.message),
  );
  const psi = [...(fa.noiseVariance as number[])];
  psi[2] = -1;
  assert.throws(
    () => linearModelFromJSON({ ...fa, noiseVariance: psi }),
    (e: unknown) => e instanceof CheckpointError && /expected noiseVariance\[2\] to be a positive finite number, got -1/.test(e.message),
  );
  const gmm = FITS['gmm-full']().toJSON() as unknown as Record<string, unknown>;
  assert.throws(
    () => linearModelFromJSON({ ...gmm, weights: [0.9, 0.3] }),
    (e: unknown) => e instanceof CheckpointError && /expected weights >= 0 summing to 1/.test(e.message),
  );
  const covs = (gmm.covariances as number[]).map(() => 0);
  assert.throws(
    () => linearModelFromJSON({ ...gmm, covariances: covs }),
    (e: unknown) => e instanceof CheckpointError && /expected positive-definite covariances/.test(e.message),
  );
  assert.throws(
    () => linearModelFromJSON({ ...gmm, covariance: 'tied' }),
    (e: unknown) => e instanceof CheckpointError && /expected covariance to be one of full, diag, got "tied"/.test(e.message),
  );
});

test('the registry holds the four kinds and fitLinearModel rejects an unknown kind with a ConfigError', () => {
  assert.deepEqual([...LINEAR_MODEL_KINDS], ['pca', 'ppca', 'fa', 'gmm']);
  assert.ok(FITS.fa() instanceof FactorAnalysis);
  assert.ok(FITS['gmm-diag']() instanceof GaussianMixture);
  assert.throws(
    () => fitLinearModel('vae' as never, data(10, 3)),
    (e: unknown) => e instanceof ConfigError && /model: expected one of pca, ppca, fa, gmm, got "vae"/.test(e.message),
  );
});
