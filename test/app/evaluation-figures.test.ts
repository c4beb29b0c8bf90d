/**
 * The evaluation table's rows (app/src/pure/evaluation.ts) from an evaluation.json as `vaekit
 * evaluate` writes it for a VAE, and for a linear model with an exact log-likelihood.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluationRows, type EvaluationFile } from '../../app/src/pure/evaluation.js';

const VAE: EvaluationFile = {
  version: 2,
  model: 'vae',
  dataset: 'mnist',
  split: 'test',
  numExamples: 500,
  dataDim: 784,
  logLikelihood: null,
  bitsPerDim: 0.377948435623336,
  elbo: { mean: -216.59572998046875, reconstruction: -211.395859375, kl: 5.19987060546875 },
  logLikelihoodEstimate: { numSamples: 50, value: -205.38753175869616, standardError: 1.930095948416636, meanEffectiveSampleSize: 6.0390497272165735 },
  latent: { klPerDimension: [5.16, 0.04], activeUnits: 2, threshold: 0.01 },
  iwaeBound: { numSamples: 1, value: -216.6, standardError: 2.1 },
  reconstructionError: null,
  evaluatedAt: '2026-01-02T03:04:05.678Z',
};

describe('evaluationRows', () => {
  test("lists a VAE's ELBO and terms, IWAE bound, log p(x) estimate ± standard error, K, bits/dim, active units and date", () => {
    const rows = evaluationRows(VAE);
    assert.deepEqual(
      rows.map((r) => [r.name, r.value]),
      [
        ['examples', '500 test'],
        ['ELBO', '-216.6'],
        ['reconstruction term E_q[log p(x|z)]', '-211.4'],
        ['KL(q(z|x) ‖ p(z))', '5.2'],
        ['IWAE bound (K = 1)', '-216.6 ± 2.1'],
        ['log p(x) estimate', '-205.4 ± 1.93'],
        ['samples K', '50'],
        ['bits/dim', '0.3779'],
        ['active units', '2 / 2'],
        ['date', '2026-01-02 03:04:05 UTC'],
      ],
    );
  });

  test("shows a linear model's exact log-likelihood and leaves out the figures it has not", () => {
    const rows = evaluationRows({
      version: 2,
      model: 'ppca',
      split: 'test',
      numExamples: 10,
      logLikelihood: { mean: -12.5, exact: true },
      bitsPerDim: null,
      elbo: null,
    });
    assert.deepEqual(
      rows.map((r) => [r.name, r.value, r.note]),
      [
        ['examples', '10 test', 'ppca'],
        ['log p(x)', '-12.5', 'nats, exact'],
      ],
    );
  });

  test('rejects what is not an evaluation', () => {
    assert.throws(() => evaluationRows({} as EvaluationFile), /evaluation\.json: expected an evaluation with a version number/);
  });
});
