/**
 * The cross-check of issue 4: the linear family's exact log-likelihoods are the ground truth for the
 * VAE's estimators. Data come from a known factor-analysis model. A VAE with a linear encoder and
 * decoder and a Gaussian likelihood with one learned σ² is itself a linear Gaussian model,
 *   p_θ(x) = N(b, WWᵀ + σ²I)   (W, b the decoder's kernel and bias),
 * so its exact log-likelihood is known in closed form, and must sit between its ELBO (below) and the
 * maximum-likelihood fits of the same model class (PPCA) and the larger class (FA) (above).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { evaluateElbo } from '../../src/evaluation/elbo-eval.js';
import { estimateLogLikelihood } from '../../src/evaluation/log-likelihood.js';
import { deriveRng } from '../../src/math/rng.js';
import { FactorAnalysis } from '../../src/models/linear/factor-analysis.js';
import { PPCA } from '../../src/models/linear/ppca.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { train } from '../../src/training/trainer.js';
import { mvnLogPdf64 } from '../helpers/oracles.js';

const D = 6;
const Z = 2;
const TRUE_MEAN = [1, -1, 0.5, 0, 2, -2];
const TRUE_A = [
  [2, 0],
  [1.5, 0.5],
  [0, 1.8],
  [-1, 1],
  [0.7, -0.6],
  [1.2, 1.2],
];
const TRUE_PSI = [0.2, 0.35, 0.25, 0.4, 0.3, 0.2];

/** Examples from the true factor-analysis model x = μ + Az + e, e ~ N(0, Ψ), drawn here. */
function faData(n: number, seed: number): Dataset {
  const rng = deriveRng(seed, 'cross-check-data');
  const x = new Float32Array(n * D);
  for (let k = 0; k < n; k++) {
    const z = [rng.nextNormal(), rng.nextNormal()];
    for (let i = 0; i < D; i++) x[k * D + i] = TRUE_MEAN[i] + TRUE_A[i][0] * z[0] + TRUE_A[i][1] * z[1] + Math.sqrt(TRUE_PSI[i]) * rng.nextNormal();
  }
  return makeDataset({ x, numExamples: n, dataDim: D, source: 'fa-cross-check' });
}

function meanLogPdf(ds: Dataset, mu: number[], cov: number[][]): number {
  let s = 0;
  for (let n = 0; n < ds.numExamples; n++) s += mvnLogPdf64(Array.from(ds.x.subarray(n * D, n * D + D)), mu, cov);
  return s / ds.numExamples;
}

/** The VAE's own marginal N(b, WWᵀ + σ²I), read from its decoder weights, evaluated densely in float64. */
async function vaeExactMeanLogLikelihood(vae: VAE, ds: Dataset): Promise<number> {
  const [kernel, bias] = vae.decoder.getLayer('decoder_output').getWeights(); // [Z, D], [D]
  const w = kernel.arraySync() as number[][];
  const b = Array.from(bias.dataSync());
  const sigma2 = await (vae.likelihood as unknown as { variance(): Promise<number> }).variance();
  const cov = b.map((_, i) => b.map((_, j) => w.reduce((s, row) => s + row[i] * row[j], 0) + (i === j ? sigma2 : 0)));
  return meanLogPdf(ds, b, cov);
}

const trainSet = faData(3000, 1);
const testSet = faData(1000, 2);
let vae: VAE;

before(async () => {
  await useBackend('cpu');
  vae = new VAE({ inputShape: [D], hidden: [], latentDim: Z, likelihood: { kind: 'gaussian', variance: 'learned' }, seed: 5 });
  await train(vae, { train: trainSet }, { options: { epochs: 60, batchSize: 100, learningRate: 1e-2, seed: 3, logEvery: 1000 } });
});
after(() => vae?.dispose());

describe('VAE estimators against exact linear-Gaussian log-likelihoods (data from a known FA model)', () => {
  const trueCov = TRUE_A.map((ai, i) => TRUE_A.map((aj, j) => ai[0] * aj[0] + ai[1] * aj[1] + (i === j ? TRUE_PSI[i] : 0)));

  test('the fitted FA recovers the true model’s test log-likelihood; PPCA (shared σ²) is below it', () => {
    const fa = FactorAnalysis.fit(trainSet, { latentDim: Z });
    const ppca = PPCA.fit(trainSet, { latentDim: Z });
    const truth = meanLogPdf(testSet, TRUE_MEAN, trueCov);
    const faLl = fa.meanLogLikelihood(testSet);
    assert.ok(Math.abs(faLl - truth) < 0.03, `FA ${faLl} vs true ${truth}`);
    assert.ok(ppca.meanLogLikelihood(trainSet) < fa.meanLogLikelihood(trainSet), 'PPCA ⊂ FA: lower training log-likelihood');
  });

  test('ELBO < exact log p_θ(x) ≤ the PPCA maximum-likelihood fit (same model class), and the VAE gets close to it', async () => {
    const ppca = PPCA.fit(trainSet, { latentDim: Z });
    const exactTrain = await vaeExactMeanLogLikelihood(vae, trainSet);
    const ppcaTrain = ppca.meanLogLikelihood(trainSet);
    const elboTrain = -(await evaluateElbo(vae, trainSet, { numSamples: 100 })).loss;
    assert.ok(elboTrain < exactTrain, `ELBO ${elboTrain} < exact ${exactTrain}`);
    assert.ok(exactTrain <= ppcaTrain + 1e-3, `VAE exact ${exactTrain} ≤ PPCA maximum likelihood ${ppcaTrain}`);
    assert.ok(ppcaTrain - exactTrain < 0.05, `trained VAE within 0.05 nats of the PPCA fit: ${exactTrain} vs ${ppcaTrain}`);
  });

  test('the importance-sampled log p(x) lies above the ELBO and converges to the exact value as K grows, within its standard error', async () => {
    const exact = await vaeExactMeanLogLikelihood(vae, testSet);
    const elboTest = -(await evaluateElbo(vae, testSet, { numSamples: 100 })).loss;
    const rows: string[] = [];
    let previousGap = exact - elboTest;
    for (const k of [1, 10, 100, 1000]) {
      const r = await estimateLogLikelihood(vae, testSet, { numSamples: k, seed: 4 });
      const gap = exact - r.value;
      rows.push(
        `K=${k}: ${r.value.toFixed(5)} (gap ${gap.toExponential(2)}, MC se ${r.monteCarloStandardError.toExponential(2)}, ESS ${r.meanEffectiveSampleSize.toFixed(1)})`,
      );
      // The gap shrinks with K (up to Monte Carlo noise once it is within the standard error).
      if (k > 1) assert.ok(gap < previousGap + 4 * r.monteCarloStandardError, `the gap shrinks with K: ${rows.join('; ')}`);
      assert.ok(gap > -4 * r.monteCarloStandardError - 1e-4, `an estimate is a lower bound in expectation: ${rows.join('; ')}`);
      previousGap = gap;
      if (k === 1000)
        assert.ok(Math.abs(gap) < 4 * r.monteCarloStandardError + 1e-4, `K = 1000 within 4 standard errors of exact ${exact}: ${rows.join('; ')}`);
    }
    assert.ok(elboTest < exact, `ELBO ${elboTest} < exact ${exact}`);
  });
});
