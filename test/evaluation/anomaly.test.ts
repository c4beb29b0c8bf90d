/**
 * Anomaly detection's numbers: ROC-AUC (the Mann–Whitney statistic, ties ½) and average precision
 * against hand-computed cases, calibration thresholds and p-values, and the score kinds against
 * float64 oracles with the same noise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeDataset } from '../../src/data/dataset.js';
import { CheckpointError, ConfigError, DataError } from '../../src/errors.js';
import { reconstructionLogProbability, resolveAnomalyScoreOptions, scoreExamples, ANOMALY_SCORE_KINDS } from '../../src/evaluation/anomaly-scores.js';
import { calibrate, parseCalibration, predict } from '../../src/evaluation/calibration.js';
import { elboPerExample } from '../../src/evaluation/elbo-eval.js';
import { estimateLogLikelihood } from '../../src/evaluation/log-likelihood.js';
import { anomalyMetrics, anomalyTruth, averagePrecision, rocAuc, rocCurve, thresholdMetrics } from '../../src/evaluation/roc.js';
import { reconstructionProbabilityNoise } from '../../src/math/noise.js';
import { Rng } from '../../src/math/rng.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { rocCurveSpec } from '../../src/render/roc-curve.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';
import { bernoulliLogProb64, decode64, encode64, readVaeWeights } from '../helpers/oracles.js';

before(async () => {
  await useBackend('cpu');
});

/** Σ over (anomaly, normal) pairs of [s_a > s_m] + ½[s_a = s_m], over P·N: the definition, by brute force. */
function mannWhitney(scores: number[], truth: number[]): number {
  let sum = 0;
  let pairs = 0;
  scores.forEach((sa, a) => {
    if (!truth[a]) return;
    scores.forEach((sm, m) => {
      if (truth[m]) return;
      sum += sa > sm ? 1 : sa === sm ? 0.5 : 0;
      pairs++;
    });
  });
  return sum / pairs;
}

describe('ROC and precision–recall', () => {
  // anomalies at 0.9 and 0.5, normal examples at 0.5 (a tie with an anomaly) and 0.1.
  const S = [0.9, 0.5, 0.5, 0.1];
  const T = [1, 1, 0, 0];

  test('ROC-AUC counts a tie ½: (1 + 1 + ½ + 1) / 4 = 0.875', () => {
    assert.equal(rocAuc(S, T), 0.875);
  });

  test('ROC-AUC equals the Mann–Whitney statistic on random scores with many ties', () => {
    const rng = new Rng('roc-ties');
    const scores = Array.from({ length: 200 }, () => rng.nextInt(12) / 4); // 12 distinct values
    const truth = scores.map((s) => (rng.next() < 0.2 + s / 6 ? 1 : 0));
    assertAllClose(rocAuc(scores, truth), mannWhitney(scores, truth), { rtol: 1e-12 });
  });

  test('ROC-AUC is 1 for perfect scores, 0 reversed, ½ when every score is equal', () => {
    assert.equal(rocAuc([3, 2, 1, 0], [1, 1, 0, 0]), 1);
    assert.equal(rocAuc([0, 1, 2, 3], [1, 1, 0, 0]), 0);
    assert.equal(rocAuc([1, 1, 1, 1], [1, 0, 1, 0]), 0.5);
  });

  test('average precision: P = 1 at recall ½, then 2/3 at recall 1 (the tie is one step): ½·1 + ½·⅔ = ⅚', () => {
    assertAllClose(averagePrecision(S, T), 5 / 6, { rtol: 1e-12 });
    // Without the tie (scikit-learn's docstring case: y = [0, 0, 1, 1], s = [0.1, 0.4, 0.35, 0.8] → 0.8333…).
    assertAllClose(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.8333333333333333, { rtol: 1e-12 });
  });

  test('the ROC curve runs from (0, 0) to (1, 1), one point per distinct score', () => {
    const c = rocCurve(S, T);
    assert.deepEqual(
      c.map((p) => [p.fpr, p.tpr]),
      [
        [0, 0],
        [0, 0.5],
        [0.5, 1],
        [1, 1],
      ],
    );
  });

  test('precision, recall and F1 flag scores strictly above the threshold', () => {
    const m = thresholdMetrics(S, T, 0.5);
    assert.deepEqual([m.truePositives, m.falsePositives, m.falseNegatives], [1, 0, 1]);
    assert.equal(m.precision, 1);
    assert.equal(m.recall, 0.5);
    assertAllClose(m.f1, 2 / 3, { rtol: 1e-12 });
  });

  test('label sets give the truth; bad sets are refused with the setting named', () => {
    const labels = Int32Array.from([0, 1, 2, 1]);
    assert.deepEqual(Array.from(anomalyTruth(labels, { normalLabels: [1] })), [1, 0, 1, 0]);
    assert.deepEqual(Array.from(anomalyTruth(labels, { anomalyLabels: [0, 2] })), [1, 0, 1, 0]);
    assert.throws(
      () => anomalyTruth(labels, { normalLabels: [1], anomalyLabels: [0] }),
      (e: unknown) => e instanceof ConfigError && /both/.test(e.message),
    );
    assert.throws(
      () => anomalyTruth(undefined, { normalLabels: [1] }),
      (e: unknown) => e instanceof DataError && /normalLabels.*labelled data/.test(e.message),
    );
    assert.throws(
      () => anomalyTruth(labels, { normalLabels: [0, 1, 2] }),
      (e: unknown) => e instanceof DataError && /normalLabels '0,1,2'.*no anomalous/.test(e.message),
    );
    assert.throws(
      () => anomalyTruth(labels, { anomalyLabels: [7] }),
      (e: unknown) => e instanceof DataError && /no anomalous/.test(e.message),
    );
    assert.throws(() => rocAuc([1, 2], [1, 1]), DataError);
  });

  test('anomalyMetrics gathers them, and the ROC chart spec takes the curve', () => {
    const m = anomalyMetrics(S, T, 0.5);
    assert.equal(m.rocAuc, 0.875);
    assert.equal(m.numNormal, 2);
    assert.equal(m.atThreshold?.f1, thresholdMetrics(S, T, 0.5).f1);
    const spec = rocCurveSpec(m.roc, { auc: m.rocAuc }) as { title: string; layer: unknown[] };
    assert.match(spec.title, /AUC 0\.8750/);
    assert.equal(spec.layer.length, 2);
    assert.throws(() => rocCurveSpec([{ fpr: 2, tpr: 0 }]), DataError);
  });
});

describe('calibration', () => {
  const scores = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, shuffled order

  test('contamination α: the threshold is s_(n − ⌊α·n⌋), flagging ⌊α·n⌋ scores', () => {
    const c = calibrate(scores, { contamination: 0.05, score: 'negelbo' });
    assert.equal(c.threshold, 95);
    assert.equal(c.flaggedShare, 0.05);
    assert.deepEqual(c.scores.slice(0, 3), [1, 2, 3]);
    assert.equal(calibrate(scores, { contamination: 0.29 }).threshold, 71); // ⌊0.29·100⌋ = 29, despite 0.29·100 = 28.999…
    assert.equal(calibrate(scores, { fpr: 0.011 }).threshold, 99); // ⌊1.1⌋ = 1
    assert.equal(calibrate([5], { fpr: 0.5 }).threshold, 5); // nothing can be flagged
  });

  test('ties at the threshold are not flagged, so the flagged share stays ≤ α', () => {
    const c = calibrate([1, 2, 3, 3, 3, 3, 3, 3, 3, 3], { contamination: 0.2 });
    assert.equal(c.threshold, 3);
    assert.equal(c.flaggedShare, 0);
  });

  test('predict: isAnomaly = score > t; p = share of calibration scores ≥ the score', () => {
    const c = calibrate([1, 2, 2, 3], { contamination: 0.25 });
    assert.equal(c.threshold, 2);
    const p = predict(c, [0, 2, 2.5, 3, 9]);
    assert.deepEqual(Array.from(p.isAnomaly), [0, 0, 1, 1, 1]);
    assert.deepEqual(Array.from(p.pValue), [1, 0.75, 0.25, 0.25, 0]);
  });

  test('a calibration survives JSON and is checked when read', () => {
    const c = calibrate(scores, { contamination: 0.01, score: 'nll', numSamples: 100, seed: 3 });
    assert.deepEqual(parseCalibration(JSON.parse(JSON.stringify(c))), c);
    assert.throws(
      () => parseCalibration({ ...c, version: 9 }, 'f.json'),
      (e: unknown) => e instanceof CheckpointError && /f\.json: expected version 1, got 9/.test(e.message),
    );
    assert.throws(() => parseCalibration({ hello: 1 }), CheckpointError);
    assert.throws(() => parseCalibration({ ...c, scores: [2, 1] }), CheckpointError);
  });

  test('a rate outside its range, both rates or neither, and non-finite scores are refused with the setting named', () => {
    for (const contamination of [0, 0.6, -0.1, NaN]) {
      assert.throws(
        () => calibrate(scores, { contamination }),
        (e: unknown) => e instanceof ConfigError && /^contamination: expected a number in \(0, 0\.5\]/.test(e.message),
      );
    }
    assert.throws(
      () => calibrate(scores, { fpr: 1 }),
      (e: unknown) => e instanceof ConfigError && /^fpr: expected a number in \(0, 1\)/.test(e.message),
    );
    assert.throws(() => calibrate(scores, { fpr: 0.1, contamination: 0.1 }), /got both/);
    assert.throws(() => calibrate(scores, {}), /got neither/);
    assert.throws(
      () => calibrate([1, Infinity], { fpr: 0.1 }),
      (e: unknown) => e instanceof DataError && /index 1/.test(e.message),
    );
    assert.throws(() => calibrate([], { fpr: 0.1 }), DataError);
  });
});

describe('anomaly scores of a tiny VAE', () => {
  const N = 5;
  const D = 6;
  const Z = 2;
  const rng = new Rng('anomaly-scores-test');
  const X = Float32Array.from({ length: N * D }, () => (rng.next() < 0.4 ? 1 : 0));
  const ds = makeDataset({ x: X, numExamples: N, dataDim: D, exampleShape: [D], source: 'tiny' });
  const vae = new VAE({ inputShape: [D], hidden: [5], latentDim: Z, activation: 'tanh', seed: 7 });
  after(() => vae.dispose());
  const row = (n: number) => Array.from(X.subarray(n * D, (n + 1) * D));

  test('recon-prob = −log (1/L) Σ_l p(x|z_l), z_l = μ + σ ε_l, matches a float64 computation with the same ε', async () => {
    const L = 7;
    const got = await scoreExamples(vae, ds, { score: 'recon-prob', numSamples: L, seed: 4 });
    const w = readVaeWeights(vae);
    const want = Array.from({ length: N }, (_, n) => {
      const e = reconstructionProbabilityNoise(L, Z, 4, n);
      const eps = e.arraySync();
      e.dispose();
      const q = encode64(w, row(n));
      const logLik = eps.map((el) =>
        bernoulliLogProb64(
          row(n),
          decode64(
            w,
            q.mean.map((m, j) => m + Math.exp(0.5 * q.logVar[j]) * el[j]),
          ),
        ),
      );
      const m = Math.max(...logLik);
      return -(m + Math.log(logLik.reduce((s, v) => s + Math.exp(v - m), 0) / L));
    });
    assertAllClose(Array.from(got), want, { rtol: 1e-4, atol: 1e-4 });
  });

  test('recon-prob does not depend on how the examples are chunked', async () => {
    const a = await reconstructionLogProbability(vae, ds, { numSamples: 3, seed: 1 });
    const b = await reconstructionLogProbability(vae, ds, { numSamples: 3, seed: 1, chunkRows: 3 }); // one example per chunk
    assertAllClose(Array.from(a), Array.from(b), { rtol: 1e-6 });
  });

  test('recon-error = ‖x − sigmoid(decoder(μ(x)))‖², matches float64', async () => {
    const got = await scoreExamples(vae, ds, { score: 'recon-error' });
    const w = readVaeWeights(vae);
    const want = Array.from({ length: N }, (_, n) => {
      const p = decode64(w, encode64(w, row(n)).mean).map((l) => 1 / (1 + Math.exp(-l)));
      return row(n).reduce((s, x, d) => s + (x - p[d]) ** 2, 0);
    });
    assertAllClose(Array.from(got), want, { rtol: 1e-4, atol: 1e-6 });
  });

  test('nll and negelbo are the negated log-likelihood estimate and ELBO, with the same noise', async () => {
    const nll = await scoreExamples(vae, ds, { score: 'nll', numSamples: 20, seed: 2 });
    const est = await estimateLogLikelihood(vae, ds, { numSamples: 20, seed: 2 });
    assert.deepEqual(
      Array.from(nll),
      Array.from(est.perExample, (v) => -v),
    );
    const neg = await scoreExamples(vae, ds, { seed: 2 }); // the default kind
    assert.deepEqual(
      Array.from(neg),
      Array.from(await elboPerExample(vae, ds, { seed: 2 }), (v) => -v),
    );
  });

  test('every kind leaves no tensor behind', async () => {
    for (const score of ANOMALY_SCORE_KINDS) {
      const s = await assertNoTensorLeak(() => scoreExamples(vae, ds, { score, numSamples: 3 }), score);
      assert.equal(s.length, N);
      assert.ok(s.every(Number.isFinite), score);
    }
  });

  test('options hold the defaults and name a bad value', () => {
    assert.deepEqual(resolveAnomalyScoreOptions({}), { score: 'negelbo', numSamples: 1, seed: 0 });
    assert.equal(resolveAnomalyScoreOptions({ score: 'nll' }).numSamples, 1000);
    assert.equal(resolveAnomalyScoreOptions({ score: 'recon-error', numSamples: 5 }).numSamples, null);
    assert.throws(
      () => resolveAnomalyScoreOptions({ score: 'mse' as 'nll' }),
      /^ConfigError: score: expected one of nll, negelbo, recon-prob, recon-error, recon-prob-last, recon-error-last, got "mse"/,
    );
    assert.throws(() => resolveAnomalyScoreOptions({ score: 'recon-prob', numSamples: 0 }), /numSamples: expected an integer ≥ 1, got 0/);
  });
});
