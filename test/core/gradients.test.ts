import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/math/rng.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { negativeElboLoss } from '../../src/objectives/elbo.js';
import { assertAllClose } from '../helpers/assert.js';
import { bernoulliLogProb64, elbo64, gaussianLogProb64, readVaeWeights, type DenseWeights, type LogLik64, type VaeWeights64 } from '../helpers/oracles.js';

before(async () => {
  await useBackend('cpu');
});

const B = 4;
const D = 5;
const Z = 2;
/** Central-difference step for the float64 oracle: truncation O(h²) and rounding O(1e-16/h) both ≪ 1e-6. */
const H = 1e-6;

/** The batch-mean loss −rec + β·kl in float64 with pinned ε [B, Z]. */
function loss64(w: VaeWeights64, x: number[][], eps: number[][], beta: number, logLik: LogLik64): number {
  let s = 0;
  for (let b = 0; b < x.length; b++) {
    const t = elbo64(w, x[b], [eps[b]], logLik);
    s += -t.reconstruction + beta * t.kl;
  }
  return s / x.length;
}

/** Central finite differences of `f` with respect to every entry of `p` (perturbed in place, then restored). */
function finiteDifferences(p: Float64Array, f: () => number): Float64Array {
  const g = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    p[i] = v + H;
    const up = f();
    p[i] = v - H;
    const down = f();
    p[i] = v;
    g[i] = (up - down) / (2 * H);
  }
  return g;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

interface Case {
  name: string;
  vae: VAE;
  x: number[][];
  beta: number;
  /** The likelihood's log-density, reading the learned log σ² from `state.logVar` when there is one. */
  logLik: (state: { logVar: Float64Array }) => LogLik64;
  learnedLogVar?: number;
}

const rng = new Rng('gradients');
const EPS = Array.from({ length: B }, () => Array.from({ length: Z }, () => rng.nextNormal()));
const CASES: Case[] = [
  {
    name: 'Bernoulli, tanh, β = 0 (the encoder is reached only through z = μ + σε)',
    vae: new VAE({ inputShape: [D], hidden: [4], latentDim: Z, activation: 'tanh', seed: 11 }),
    x: Array.from({ length: B }, () => Array.from({ length: D }, () => (rng.next() < 0.5 ? 1 : 0))),
    beta: 0,
    logLik: () => bernoulliLogProb64,
  },
  {
    name: 'Gaussian with learned σ², relu, β = 1',
    vae: new VAE({
      inputShape: [D],
      hidden: [4],
      latentDim: Z,
      activation: 'relu',
      seed: 12,
      likelihood: { kind: 'gaussian', variance: 'learned', logVar: -0.4 },
    }),
    x: Array.from({ length: B }, () => Array.from({ length: D }, () => 2 * rng.next() - 1)),
    beta: 1,
    logLik: (s) => (x, m) => gaussianLogProb64(x, m, Math.exp(s.logVar[0])),
    learnedLogVar: -0.4,
  },
];

describe('gradients of the negative ELBO', () => {
  for (const c of CASES) {
    test(`equal float64 central finite differences for every weight, non-zero in the encoder (${c.name})`, () => {
      const { vae, x, beta } = c;
      const w = readVaeWeights(vae);
      const state = { logVar: Float64Array.of(c.learnedLogVar ?? 0) };
      const f = () => loss64(w, x, EPS, beta, c.logLik(state));
      const xt = tf.tensor2d(x);
      const eps = tf.tensor2d(EPS);
      const vars = vae.trainableVariables();
      const { value, grads } = tf.variableGrads(() => negativeElboLoss(vae, { x: xt }, { seed: 0, step: 0, klWeight: beta, noise: eps }).loss, vars);
      assertAllClose(value, f(), { rtol: 1e-5, message: 'loss' });

      const layers: Array<[tf.LayersModel, string, DenseWeights]> = [
        [vae.encoder, 'encoder_hidden_0', w.encoderHidden[0]],
        [vae.encoder, 'encoder_mean', w.encoderMean],
        [vae.encoder, 'encoder_logvar', w.encoderLogVar],
        [vae.decoder, 'decoder_hidden_0', w.decoderHidden[0]],
        [vae.decoder, 'decoder_output', w.decoderOutput],
      ];
      let checked = 0;
      for (const [model, name, dense] of layers) {
        const [kernelVar, biasVar] = model.getLayer(name).trainableWeights;
        for (const [v, p] of [
          [kernelVar, dense.kernel],
          [biasVar, dense.bias],
        ] as const) {
          const g = grads[v.name];
          assert.ok(g, `a gradient for ${v.name}`);
          const fd = finiteDifferences(p, f);
          assertAllClose(g.dataSync(), fd, { rtol: 1e-4, atol: 1e-5 * Math.max(1, maxAbs(fd)), message: v.name });
          if (name.startsWith('encoder') && p === dense.kernel) {
            assert.ok(maxAbs(g.dataSync()) > 1e-3, `${v.name}: the encoder's gradient is not zero`);
          }
          checked++;
        }
      }
      assert.equal(checked, 10);
      const likeVars = vae.likelihood.variables();
      if (c.learnedLogVar !== undefined) {
        assert.equal(likeVars.length, 1);
        assertAllClose(grads[likeVars[0].name], finiteDifferences(state.logVar, f), { rtol: 1e-4, message: 'likelihood logVar' });
      }
      assert.equal(Object.keys(grads).length, 10 + likeVars.length, 'one gradient per trainable variable');
      tf.dispose([xt, eps, value, ...Object.values(grads)]);
    });
  }
});
