/**
 * The VAE with two stochastic layers (src/models/hvae.ts, src/objectives/hierarchical.ts), on the
 * cpu backend:
 * - its ELBO and importance weights equal a float64 computation written from the formulas on a tiny net;
 * - with the top layer removed (q(z₂|z₁) = p(z₂) = N(0, I) and p(z₁|z₂) = N(0, I)) its importance
 *   weights and reconstruction term are the one-layer VAE's with the same weights;
 * - on a linear-Gaussian two-layer model, whose log p(x) is exact, the importance-sampled estimate
 *   converges to it; its ELBO is below it;
 * - save and load through standard tfjs layers, gradients reach every network, no tensor leaks;
 * - the run configuration and the CLI (train, evaluate) on a tiny MNIST subset.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { makeDataset } from '../../src/data/dataset.js';
import { estimateLogLikelihood } from '../../src/evaluation/log-likelihood.js';
import { HierarchicalVAE } from '../../src/models/hvae.js';
import { createModel, loadModel, saveModel } from '../../src/models/index.js';
import { isHierarchical } from '../../src/models/latent-model.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { resolveRunConfig, type VaeRunConfig } from '../../src/node/runs/config.js';
import { elbo } from '../../src/objectives/elbo.js';
import { hierarchicalSampleTerms } from '../../src/objectives/hierarchical.js';
import { iwaeBound, logImportanceWeights } from '../../src/objectives/iwae.js';
import { objectiveValue } from '../../src/objectives/index.js';
import { fsModelStore } from '../../src/node/formats/model-store.js';
import { runCli } from '../cli/cli-helpers.js';
import { assertAllClose, assertNoTensorLeak } from '../helpers/assert.js';
import { activate, bernoulliLogProb64, gaussianLogProb64, klStd64, LOG_2PI_64, mvnLogPdf64, normalLogProb64 } from '../helpers/oracles.js';

before(async () => {
  await useBackend('cpu');
});

/** A dense layer's weights in float64 (read from the model; the arithmetic below is the test's own). */
interface Dense64 {
  kernel: Float64Array;
  bias: Float64Array;
  inDim: number;
  outDim: number;
}

function readDense(model: tf.LayersModel, name: string): Dense64 {
  const [k, b] = model.getLayer(name).getWeights();
  return { kernel: Float64Array.from(k.dataSync()), bias: Float64Array.from(b.dataSync()), inDim: k.shape[0], outDim: k.shape[1] ?? 1 };
}

function forward(w: Dense64, x: ArrayLike<number>, activation: string): number[] {
  const y: number[] = [];
  for (let j = 0; j < w.outDim; j++) {
    let s = w.bias[j];
    for (let i = 0; i < w.inDim; i++) s += x[i] * w.kernel[i * w.outDim + j];
    y.push(activate(activation, s));
  }
  return y;
}

/** An MLP head: hidden layers `${prefix}_hidden_i` then `${prefix}_mean` and `${prefix}_logvar`. */
function gaussianMlp(model: tf.LayersModel, prefix: string, depth: number, activation: string, x: number[]): { mean: number[]; logVar: number[] } {
  let h = x;
  for (let i = 0; i < depth; i++) h = forward(readDense(model, `${prefix}_hidden_${i}`), h, activation);
  return { mean: forward(readDense(model, `${prefix}_mean`), h, 'linear'), logVar: forward(readDense(model, `${prefix}_logvar`), h, 'linear') };
}

/** log w, log p(x|z₁) and the KL term of one sample, float64, from the formulas. */
function sample64(m: HierarchicalVAE, x: number[], eps: number[], lik: (x: number[], p: number[]) => number) {
  const [z1Dim] = m.latentDims;
  const depth = m.config.hidden.map((h) => h.length);
  const act = m.config.activation;
  const q1 = gaussianMlp(m.encoder, 'q1', depth[0], act, x);
  const z1 = q1.mean.map((mu, i) => mu + Math.exp(0.5 * q1.logVar[i]) * eps[i]);
  const q2 = gaussianMlp(m.encoder, 'q2', depth[1], act, z1);
  const z2 = q2.mean.map((mu, i) => mu + Math.exp(0.5 * q2.logVar[i]) * eps[z1Dim + i]);
  const p1 = gaussianMlp(m.decoder, 'p1', depth[1], act, z2);
  let h = z1;
  for (let i = 0; i < depth[0]; i++) h = forward(readDense(m.decoder, `px_hidden_${i}`), h, act);
  const params = forward(readDense(m.decoder, 'decoder_output'), h, 'linear');
  const logLik = lik(x, params);
  const zeros = z2.map(() => 0);
  const logW =
    logLik +
    normalLogProb64(z1, p1.mean, p1.logVar) +
    normalLogProb64(z2, zeros, zeros) -
    normalLogProb64(z1, q1.mean, q1.logVar) -
    normalLogProb64(z2, q2.mean, q2.logVar);
  const kl = normalLogProb64(z1, q1.mean, q1.logVar) - normalLogProb64(z1, p1.mean, p1.logVar) + klStd64(q2.mean, q2.logVar);
  return { logW, logLik, kl };
}

describe('the two-layer ELBO and importance weights against float64', () => {
  test('a tiny tanh net: log w, log p(x|z₁) and the KL term per sample, and the ELBO and IWAE bound from them', async () => {
    const m = new HierarchicalVAE({ inputShape: [4], latentDims: [3, 2], hidden: [[5], [4]], seed: 3 });
    assert.ok(isHierarchical(m));
    const [k, b] = [3, 2];
    const xs = [
      [1, 0, 1, 1],
      [0, 0, 1, 0],
    ];
    const epsValues = Array.from({ length: k * b * 5 }, (_, i) => Math.sin(1.7 * i + 0.3) * 1.3);
    const x = tf.tensor2d(xs);
    const eps = tf.tensor3d(epsValues, [k, b, 5]);
    const t = hierarchicalSampleTerms(m, x, eps);
    const [logW, logLik, kl] = [t.logW.arraySync(), t.logLik.arraySync(), t.kl.arraySync()];
    const e = elbo(m, x, { numSamples: k, eps });
    const bound = iwaeBound(m, x, { numSamples: k, eps });
    for (let j = 0; j < b; j++) {
      const per = Array.from({ length: k }, (_, s) => sample64(m, xs[j], epsValues.slice((s * b + j) * 5, (s * b + j + 1) * 5), bernoulliLogProb64));
      for (let s = 0; s < k; s++) {
        assertAllClose(logW[s][j], per[s].logW, { atol: 1e-4 });
        assertAllClose(logLik[s][j], per[s].logLik, { atol: 1e-4 });
        assertAllClose(kl[s][j], per[s].kl, { atol: 1e-4 });
      }
      const rec = per.reduce((a, p) => a + p.logLik, 0) / k;
      const klMean = per.reduce((a, p) => a + p.kl, 0) / k;
      assertAllClose(e.reconstruction.arraySync()[j], rec, { atol: 1e-4 });
      assertAllClose(e.elbo.arraySync()[j], rec - klMean, { atol: 1e-4 });
      const maxW = Math.max(...per.map((p) => p.logW));
      const lse = maxW + Math.log(per.reduce((a, p) => a + Math.exp(p.logW - maxW), 0) / k);
      assertAllClose(bound.arraySync()[j], lse, { atol: 1e-4 });
      // E[log w] = ELBO: the ELBO's two terms are log w split differently (the top KL in closed form).
      assert.ok(bound.arraySync()[j] >= per.reduce((a, p) => a + p.logW, 0) / k - 1e-6, 'IWAE bound ≥ mean log w (Jensen)');
    }
    tf.dispose([x, eps, t.logW, t.logLik, t.kl, e.elbo, e.reconstruction, e.kl, bound]);
    m.dispose();
  });

  test('the noise must be [K, B, Z₁ + Z₂]; per-dimension KL is refused', () => {
    const m = new HierarchicalVAE({ inputShape: [4], latentDims: [3, 2], hidden: [[5], [4]], seed: 3 });
    const x = tf.zeros([2, 4]) as tf.Tensor2D;
    const eps = tf.zeros([1, 2, 3]);
    assert.throws(() => hierarchicalSampleTerms(m, x, eps), /expected noise of shape \[K, 2, 5\], got \[1, 2, 3\]/);
    assert.throws(() => elbo(m, x, { perDimensionKl: true }), /free bits and per-dimension KL need a model with one stochastic layer/);
    tf.dispose([x, eps]);
    m.dispose();
  });
});

/** Sets every weight of a named dense layer to zero (its output is then its bias: zero too). */
function zeroLayer(model: tf.LayersModel, name: string): void {
  const layer = model.getLayer(name);
  layer.setWeights(layer.getWeights().map((w) => tf.zerosLike(w)));
}

test('with the top layer removed (q(z₂|z₁) = p(z₂), p(z₁|z₂) = N(0, I)) it is the one-layer VAE', () => {
  const h = new HierarchicalVAE({ inputShape: [6], latentDims: [3, 2], hidden: [[5], [4]], seed: 7 });
  for (const name of ['q2_mean', 'q2_logvar', 'p1_mean', 'p1_logvar']) zeroLayer(name.startsWith('q') ? h.encoder : h.decoder, name);
  const v = new VAE({ inputShape: [6], latentDim: 3, hidden: [5], activation: 'tanh', seed: 1 });
  const copy = (from: tf.LayersModel, a: string, to: tf.LayersModel, b: string) => to.getLayer(b).setWeights(from.getLayer(a).getWeights());
  copy(h.encoder, 'q1_hidden_0', v.encoder, 'encoder_hidden_0');
  copy(h.encoder, 'q1_mean', v.encoder, 'encoder_mean');
  copy(h.encoder, 'q1_logvar', v.encoder, 'encoder_logvar');
  copy(h.decoder, 'px_hidden_0', v.decoder, 'decoder_hidden_0');
  copy(h.decoder, 'decoder_output', v.decoder, 'decoder_output');
  const x = tf.tensor2d([
    [1, 0, 1, 1, 0, 0],
    [0, 1, 1, 0, 1, 1],
    [1, 1, 1, 0, 0, 1],
  ]);
  const eps1 = tf.randomNormal([4, 3, 3], 0, 1, 'float32', 5) as tf.Tensor3D;
  const eps2 = tf.randomNormal([4, 3, 2], 0, 1, 'float32', 6) as tf.Tensor3D;
  const epsH = tf.concat([eps1, eps2], 2) as tf.Tensor3D;
  const posterior = v.encode(x);
  const oneLayer = logImportanceWeights(v, x, posterior, eps1);
  const twoLayer = logImportanceWeights(h, x, posterior, epsH);
  assertAllClose(twoLayer.arraySync(), oneLayer.arraySync(), { atol: 1e-4 });
  const e1 = elbo(v, x, { numSamples: 4, eps: eps1 });
  const e2 = elbo(h, x, { numSamples: 4, eps: epsH });
  assertAllClose(e2.reconstruction.arraySync(), e1.reconstruction.arraySync(), { atol: 1e-4 });
  // The two-layer KL term is the one-layer KL estimated by Monte Carlo: log q(z₁|x) − log N(z₁; 0, I) at the same z₁.
  tf.dispose([x, eps1, eps2, epsH, posterior.mean, posterior.logVar, oneLayer, twoLayer, e1.elbo, e1.reconstruction, e1.kl, e2.elbo, e2.reconstruction, e2.kl]);
  h.dispose();
  v.dispose();
});

describe('a linear-Gaussian two-layer model, whose log p(x) is exact', () => {
  // z₂ ~ N(0, I₁), z₁|z₂ ~ N(A z₂ + a, diag s), x|z₁ ~ N(W z₁ + b, σ² I₃):
  // x ~ N(W a + b, W (A Aᵀ + diag s) Wᵀ + σ² I).
  const A = [[0.9], [-0.5]];
  const a = [0.3, -0.2];
  const logS = [Math.log(0.4), Math.log(0.7)];
  const W = [
    [1.0, 0.4],
    [-0.6, 0.8],
    [0.3, -1.1],
  ];
  const bias = [0.1, -0.3, 0.2];
  const variance = 0.25;

  function linearModel(): HierarchicalVAE {
    const m = new HierarchicalVAE({ inputShape: [3], latentDims: [2, 1], hidden: [[], []], likelihood: { kind: 'gaussian', variance }, seed: 11 });
    m.decoder.getLayer('p1_mean').setWeights([tf.tensor2d([A.map((r) => r[0])]), tf.tensor1d(a)]);
    m.decoder.getLayer('p1_logvar').setWeights([tf.zeros([1, 2]), tf.tensor1d(logS)]);
    m.decoder.getLayer('decoder_output').setWeights([tf.tensor2d([0, 1].map((i) => W.map((r) => r[i]))), tf.tensor1d(bias)]);
    // A broad proposal, so a few thousand samples cover the posterior.
    m.encoder.getLayer('q1_logvar').setWeights([tf.zeros([3, 2]), tf.tensor1d([0, 0])]);
    m.encoder.getLayer('q2_logvar').setWeights([tf.zeros([2, 1]), tf.tensor1d([0])]);
    return m;
  }

  function exactLogLikelihood(x: number[]): number {
    const cov1 = [0, 1].map((i) => [0, 1].map((j) => A[i][0] * A[j][0] + (i === j ? Math.exp(logS[i]) : 0)));
    const mean = W.map((r, d) => r[0] * a[0] + r[1] * a[1] + bias[d]);
    const wcw = (ri: number[], rj: number[]) => ri[0] * (cov1[0][0] * rj[0] + cov1[0][1] * rj[1]) + ri[1] * (cov1[1][0] * rj[0] + cov1[1][1] * rj[1]);
    // W C Wᵀ + σ² I, symmetric by construction (ml-matrix's Cholesky checks exact symmetry).
    const cov = W.map((ri, i) => W.map((rj, j) => (i <= j ? wcw(ri, rj) : wcw(rj, ri)) + (i === j ? variance : 0)));
    return mvnLogPdf64(x, mean, cov);
  }

  test('the importance-sampled log p(x) converges to the exact value; the ELBO lies below', async () => {
    const m = linearModel();
    const xs = [
      [0.5, -0.4, 0.9],
      [-1.2, 0.7, 0.1],
      [0.2, 0.2, -1.5],
    ];
    const ds = makeDataset({ x: Float32Array.from(xs.flat()), numExamples: 3, dataDim: 3, source: 'linear-gaussian' });
    const est = await estimateLogLikelihood(m, ds, { numSamples: 20000, seed: 4 });
    const coarse = await estimateLogLikelihood(m, ds, { numSamples: 2, seed: 4 });
    const x = tf.tensor2d(xs);
    const e = elbo(m, x, { numSamples: 2000, seed: 9 });
    const elbos = e.elbo.arraySync();
    for (let i = 0; i < 3; i++) {
      const exact = exactLogLikelihood(xs[i]);
      const tol = 4 * est.perExampleStandardError[i] + 0.01;
      assert.ok(Math.abs(est.perExample[i] - exact) < tol, `example ${i}: IS ${est.perExample[i]} vs exact ${exact} (tolerance ${tol})`);
      assert.ok(elbos[i] < exact, `example ${i}: ELBO ${elbos[i]} below log p(x) ${exact}`);
      assert.ok(coarse.perExample[i] < est.perExample[i] + 0.01 || Math.abs(coarse.perExample[i] - exact) > Math.abs(est.perExample[i] - exact));
    }
    // The Gaussian likelihood's constants are in: the oracle's own density agrees at one point.
    assertAllClose(gaussianLogProb64([0, 0, 0], [0, 0, 0], variance), -1.5 * (LOG_2PI_64 + Math.log(variance)), { atol: 1e-12 });
    tf.dispose([x, e.elbo, e.reconstruction, e.kl]);
    m.dispose();
  });
});

test('saved as standard tfjs layers: a saved and loaded model gives the same log weights; no tensor leaks; gradients reach every network', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vaekit-hvae-'));
  try {
    const m = createModel('hvae', { inputShape: [2, 3, 1], latentDims: [3, 2], hidden: [[4, 4], [3]], seed: 5 });
    m.preprocessing = { scale: 255, binarize: 'none' };
    await saveModel(m, dir, fsModelStore);
    const back = await loadModel(dir, fsModelStore);
    assert.equal(back.kind, 'hvae');
    assert.ok(back instanceof HierarchicalVAE);
    assert.deepEqual(back.latentDims, [3, 2]);
    const x = tf.tensor2d([
      [1, 0, 1, 0, 1, 1],
      [0, 0, 1, 1, 1, 0],
    ]);
    const eps = tf.randomNormal([3, 2, 5], 0, 1, 'float32', 2) as tf.Tensor3D;
    const p = m.encode(x);
    const before = logImportanceWeights(m, x, p, eps);
    const afterLoad = logImportanceWeights(back, x, p, eps);
    assertAllClose(afterLoad.arraySync(), before.arraySync(), { atol: 1e-6 });
    const vars = m.trainableVariables();
    assert.equal(
      vars.length,
      2 * (2 + 2 + 1 + 2) + 2 * (2 + 1 + 2) + 2,
      'q1 (2 hidden, 2 heads), q2 (1 hidden, 2 heads), p1 (1 hidden, 2 heads), px (2 hidden, output)',
    );
    await assertNoTensorLeak(() => {
      const { grads, value } = tf.variableGrads(() => objectiveValue({ kind: 'iwae', numSamples: 3 }, m, { x }, { seed: 1, step: 0, klWeight: 1 }).loss, vars);
      for (const [name, g] of Object.entries(grads)) assert.ok(tf.tidy(() => tf.any(tf.notEqual(g, 0)).dataSync()[0]) === 1, `gradient of ${name} is zero`);
      tf.dispose([value, ...Object.values(grads)]);
      tf.dispose(objectiveValue({ kind: 'elbo', numSamples: 2 }, m, { x }, { seed: 1, step: 0, klWeight: 0.5 }) as never);
      const s = elbo(m, x, { seed: 3 });
      tf.dispose([s.elbo, s.reconstruction, s.kl]);
      tf.dispose(tf.tidy(() => m.decode(m.encode(x).mean)));
    });
    tf.dispose([x, eps, p.mean, p.logVar, before, afterLoad]);
    m.dispose();
    back.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the run configuration and the command line', () => {
  const images = () => 'image' as const;
  test('model.kind hvae: Burda et al.’s defaults, the hidden shorthand, and clear errors', () => {
    const c = resolveRunConfig({ model: { kind: 'hvae' } }, { dataKind: images }) as VaeRunConfig;
    assert.deepEqual(c.model, {
      kind: 'hvae',
      latentDim: 50,
      latentDims: [100, 50],
      conditionDim: 0,
      hidden: [
        [200, 200],
        [100, 100],
      ],
      activation: 'tanh',
      likelihood: { kind: 'bernoulli' },
    });
    const d = resolveRunConfig({ model: { kind: 'hvae', hidden: [64, 32], latentDims: [20, 10] } }, { dataKind: images }) as VaeRunConfig;
    assert.deepEqual(d.model.kind === 'hvae' && d.model.hidden, [
      [64, 64],
      [32, 32],
    ]);
    assert.throws(() => resolveRunConfig({ model: { kind: 'hvae', latentDim: 20 } }, { dataKind: images }), /model.latentDim.*latentDims/);
    assert.throws(() => resolveRunConfig({ model: { kind: 'hvae', latentDims: [10] } }, { dataKind: images }), /model.latentDims.*two latent sizes/);
    assert.throws(
      () => resolveRunConfig({ model: { kind: 'hvae' }, data: 'boston' }, { dataKind: () => 'table' }),
      /two-layer VAE models images; boston holds a table/,
    );
    assert.throws(
      () => resolveRunConfig({ model: { kind: 'hvae' }, training: { objective: { kind: 'elbo', freeBits: 0.5 } } }, { dataKind: images }),
      /free bits.*one stochastic layer/,
    );
    assert.throws(
      () => resolveRunConfig({ model: { kind: 'hvae' }, training: { objective: { kind: 'tc-vae' } } }, { dataKind: images }),
      /tc-vae.*one Gaussian latent layer/,
    );
  });

  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vaekit-hvae-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('vaekit train --model hvae (and IWAE), evaluate, info, sample on an MNIST subset', async () => {
    const runDir = join(dir, 'run');
    const flags = [
      '--data',
      'mnist',
      '--limit',
      '300',
      '--val',
      '0',
      '--epochs',
      '2',
      '--batch-size',
      '50',
      '--latent-dims',
      '8,4',
      '--hidden',
      '32,16',
      '--backend',
      'cpu',
    ];
    const text = (r: { out: string[]; err: string[] }) => [...r.out, ...r.err].join('\n');
    const trained = await runCli(['train', ...flags, '--model', 'hvae', '--objective', 'iwae', '--samples', '3', '--out', runDir]);
    assert.equal(trained.code, 0, text(trained));
    assert.match(text(trained), /epoch 2: train [\d.]+/);
    const evaluated = await runCli(['evaluate', runDir, '--limit', '50', '--samples', '50', '--backend', 'cpu']);
    assert.equal(evaluated.code, 0, text(evaluated));
    assert.match(text(evaluated), /log p\(x\) IS \(K=50\)/);
    const info = await runCli(['info', runDir]);
    assert.equal(info.code, 0, text(info));
    assert.match(text(info), /two-layer VAE, two stochastic layers, x → 32-32-8 \(z₁\) → 16-16-4 \(z₂\)/);
    const sampled = await runCli(['sample', runDir, '--backend', 'cpu']);
    assert.equal(sampled.code, 0, text(sampled));
    // Checkpoints hold both layers: one epoch, then --resume to two, gives the straight run's figures.
    const split = join(dir, 'split');
    const tiny = flags.map((f) => (f === '2' ? '1' : f));
    assert.equal((await runCli(['train', ...tiny, '--model', 'hvae', '--out', split])).code, 0);
    const resumed = await runCli(['train', ...flags, '--model', 'hvae', '--out', split, '--resume']);
    assert.equal(resumed.code, 0, text(resumed));
    const straight = join(dir, 'straight');
    assert.equal((await runCli(['train', ...flags, '--model', 'hvae', '--out', straight])).code, 0);
    const last = (d: string) => JSON.parse(readFileSync(join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').at(-1)!) as { epoch: number; testLoss: number };
    assert.equal(last(split).epoch, 2);
    assert.ok(Number.isFinite(last(split).testLoss));
    assertAllClose(last(split).testLoss, last(straight).testLoss, { atol: 1e-5 });
    const bad = await runCli(['train', ...flags, '--model', 'hvae', '--latent', '5', '--out', join(dir, 'bad')]);
    assert.equal(bad.code, 1);
    assert.match(text(bad), /--latent 5: a two-layer model's latent sizes are --latent-dims \(default 100,50\)/);
  });
});
