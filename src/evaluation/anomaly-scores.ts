/**
 * Anomaly scores of a latent variable model, one per example, higher = more unusual, in a registry
 * keyed by the score's name:
 *   nll          −log p̂(x) = −log (1/K) Σ_k p(x|z_k) p(z_k) / q(z_k|x),  z_k ~ q(z|x)     (nats)
 *   negelbo      −ELBO(x) = −E_q[log p(x|z)] + KL(q(z|x) ‖ p(z)), K reparameterised samples (nats)
 *   recon-prob   −log (1/L) Σ_l p(x|z_l),  z_l ~ q(z|x)  (An & Cho 2015, the reconstruction probability) (nats)
 *   recon-error  ‖x − E[x | z = μ(x)]‖², the decoder mean at the posterior mean              (squared data units)
 *   recon-prob-last, recon-error-last   the same two restricted to the example's last step: for a
 *                window of a time series [W, F], the score of its last point x_W [F] with z inferred from
 *                the whole window (Xu et al. 2018, Donut; Su et al. 2019, OmniAnomaly), so stride-1
 *                windows score each time step once
 * Each noisy score draws its noise per example (or per chunk for negelbo) from src/math/noise.ts, so a
 * score depends on the seed and the example's index, not on how the examples are batched.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors.js';
import { gatherBatch } from '../data/batch.js';
import type { Dataset } from '../data/dataset.js';
import { logMeanExp } from '../math/logmeanexp.js';
import { reconstructionProbabilityNoise } from '../math/noise.js';
import type { LatentVariableModel } from '../models/latent-model.js';
import { reconstruct } from '../models/generate.js';
import { reparameterize } from '../objectives/reparameterize.js';
import { check, checkOr, integer, intAtLeast, oneOf } from '../validate.js';
import { elboPerExample } from './elbo-eval.js';
import { estimateLogLikelihood } from './log-likelihood.js';

/** Options of {@link scoreExamples}. */
export interface AnomalyScoreOptions {
  /** The score's name (see {@link ANOMALY_SCORE_KINDS}). Default 'negelbo'. */
  score?: AnomalyScoreKind;
  /** K (nll, negelbo) or L (recon-prob), samples per example; the kind's default unless given; recon-error ignores it. */
  numSamples?: number;
  /** Seed of the noise. Default 0. */
  seed?: number;
  /** Called as the scores progress, with (examples done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** What one score needs, its defaults filled in. */
export interface ResolvedAnomalyScoreOptions {
  score: AnomalyScoreKind;
  /** Samples per example; null for a deterministic score. */
  numSamples: number | null;
  seed: number;
  onProgress?: (done: number, total: number) => void;
}

/** One kind of anomaly score. */
export interface AnomalyScoreEntry {
  /** The column a table of these scores heads them with (CSV header). */
  readonly column: string;
  /** The score in words and symbols, for help and reports. */
  readonly formula: string;
  readonly unit: 'nats' | 'squared data units';
  /** Default samples per example; null for a deterministic score. */
  readonly defaultSamples: number | null;
  /** Scores of every example of ds [N], float64, higher = more unusual. */
  score(model: LatentVariableModel, ds: Dataset, o: ResolvedAnomalyScoreOptions): Promise<Float64Array>;
}

/** Examples per chunk of the deterministic and one-sample scores, and decoder rows per chunk of the sampled ones. */
export const ANOMALY_SCORE_DEFAULTS = Object.freeze({ score: 'negelbo' as const, seed: 0, batchSize: 1000, chunkRows: 8192 });

const negated = (a: Float64Array): Float64Array => a.map((v) => -v);

/**
 * Runs `f` on chunks of `groupSize` examples and writes what it returns ([n] each) into one array.
 * @param f - (x [n, D], c [n, C] or undefined, index of the chunk's first example) → [n]; runs inside tf.tidy
 */
async function perExampleInChunks(
  model: LatentVariableModel,
  ds: Dataset,
  groupSize: number,
  f: (x: tf.Tensor2D, c: tf.Tensor2D | undefined, start: number) => tf.Tensor,
  onProgress?: (done: number, total: number) => void,
): Promise<Float64Array> {
  const out = new Float64Array(ds.numExamples); // [N]
  for (let start = 0; start < ds.numExamples; start += groupSize) {
    const n = Math.min(groupSize, ds.numExamples - start);
    const batch = gatherBatch(ds, null, start, start + n, { conditionDim: model.conditionDim });
    const values = tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [n, ds.dataDim]); // [n, D]
      const c = batch.c && tf.tensor2d(batch.c, [n, model.conditionDim]); // [n, C]
      return f(x, c, start); // [n]
    });
    try {
      out.set((await values.data()) as Float32Array, start);
    } finally {
      values.dispose();
    }
    onProgress?.(start + n, ds.numExamples);
  }
  return out;
}

/**
 * The reconstruction probability of An & Cho (2015), as a log: for each example, L draws
 * z_l = μ(x) + σ(x) ⊙ ε_l ~ q(z|x) and
 *   log p̃(x) = log (1/L) Σ_l p(x|z_l)
 * (a mean of probabilities, taken in log space with log-sum-exp). Unlike log p̂(x) it has no prior or
 * posterior term: it asks how well x is reconstructed from codes the encoder finds plausible for it.
 * Example n draws its ε from its own stream (seed, 'recon-prob', n).
 * @param ds - examples [N, D]
 * @returns log p̃(x_n) [N], float64, nats (higher = more typical)
 * @see An & Cho 2015, "Variational autoencoder based anomaly detection using reconstruction probability", Algorithm 4
 */
export async function reconstructionLogProbability(
  model: LatentVariableModel,
  ds: Dataset,
  opts: { numSamples: number; seed?: number; chunkRows?: number; onProgress?: (done: number, total: number) => void; isLastStep?: boolean },
): Promise<Float64Array> {
  const l = check('numSamples', opts.numSamples, intAtLeast(1));
  const seed = opts.seed ?? 0;
  const f = opts.isLastStep ? lastStepSize(model, 'recon-prob-last') : model.dataDim; // values scored per example
  const d = model.dataDim;
  const groupSize = Math.max(1, Math.floor((opts.chunkRows ?? ANOMALY_SCORE_DEFAULTS.chunkRows) / l)); // G examples, L·G decoder rows
  const z0 = model.latentDim;
  return perExampleInChunks(
    model,
    ds,
    groupSize,
    (x, c, start) => {
      const g = x.shape[0];
      const q = model.encode(x, c); // [G, Z] each
      const eps = tf.stack(
        Array.from({ length: g }, (_, i) => reconstructionProbabilityNoise(l, z0, seed, start + i)),
        1,
      ); // [L, G, Z]
      const z = reparameterize(q.mean, q.logVar, eps); // [L, G, Z]
      const cl = c && (tf.tile(c, [l, 1]) as tf.Tensor2D); // [L·G, C]
      const params = model.decode(tf.reshape(z, [l * g, z0]) as tf.Tensor2D, cl); // [L·G, D]
      const xs = tf.expandDims(tf.slice(x, [0, d - f], [g, f]), 0); // [1, G, F]: the scored values (F = D unless the last step)
      const ps = tf.slice(tf.reshape(params, [l, g, d]), [0, 0, d - f], [l, g, f]); // [L, G, F]
      const logLik = model.likelihood.logProb(xs, ps); // [L, G]
      return logMeanExp(logLik, 0); // [G]
    },
    opts.onProgress,
  );
}

/**
 * ‖x − x̂‖² per example with x̂ = E[x | z = μ(x)], the decoder mean at the posterior mean (the
 * reconstruction `vaekit reconstruct` draws). Deterministic.
 * @param ds - examples [N, D]
 * @returns [N], float64, squared data units
 */
export async function reconstructionSquaredError(
  model: LatentVariableModel,
  ds: Dataset,
  opts: { batchSize?: number; onProgress?: (done: number, total: number) => void; isLastStep?: boolean } = {},
): Promise<Float64Array> {
  const d = model.dataDim;
  const f = opts.isLastStep ? lastStepSize(model, 'recon-error-last') : d; // values scored per example
  return perExampleInChunks(
    model,
    ds,
    opts.batchSize ?? ANOMALY_SCORE_DEFAULTS.batchSize,
    (x, c) => {
      const n = x.shape[0];
      const err = tf.sub(x, reconstruct(model, x, c)); // [n, D]
      return tf.sum(tf.square(tf.slice(err, [0, d - f], [n, f])), 1); // [n]
    },
    opts.onProgress,
  );
}

/**
 * F, the values of an example's last step along its first axis: D / inputShape[0] (a series window
 * [W, F]: its last time step's F features; a table row [D]: its last value).
 * @throws ConfigError when the likelihood learns a parameter per data dimension (its last step's terms cannot be taken apart)
 */
function lastStepSize(model: LatentVariableModel, score: string): number {
  if (model.likelihood.variables().some((v) => v.size > 1)) {
    throw new ConfigError(
      `score '${score}': the last step's log-likelihood needs a decoder likelihood shared by every dimension (Bernoulli, Gaussian with a fixed or one learned σ²); this model learns one per dimension`,
    );
  }
  return model.dataDim / model.inputShape[0];
}

/** The registry of anomaly scores, by name. */
export const ANOMALY_SCORES = Object.freeze({
  nll: {
    column: 'nll' as const,
    formula: '−log p̂(x) = −log (1/K) Σ_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x) (importance-sampled)',
    unit: 'nats',
    defaultSamples: 1000,
    score: async (model, ds, o) =>
      negated((await estimateLogLikelihood(model, ds, { numSamples: o.numSamples ?? 1000, seed: o.seed, onProgress: o.onProgress })).perExample),
  },
  negelbo: {
    column: 'negElbo' as const,
    formula: '−ELBO(x) = −E_q[log p(x|z)] + KL(q(z|x) ‖ N(0, I)), an upper bound on −log p(x)',
    unit: 'nats',
    defaultSamples: 1,
    score: async (model, ds, o) => negated(await elboPerExample(model, ds, { numSamples: o.numSamples ?? 1, seed: o.seed })),
  },
  'recon-prob': {
    column: 'reconProb' as const,
    formula: '−log (1/L) Σ_l p(x|z_l), z_l ~ q(z|x) (An & Cho 2015)',
    unit: 'nats',
    defaultSamples: 16,
    score: async (model, ds, o) =>
      negated(await reconstructionLogProbability(model, ds, { numSamples: o.numSamples ?? 16, seed: o.seed, onProgress: o.onProgress })),
  },
  'recon-error': {
    column: 'squaredError' as const,
    formula: '‖x − E[x | z = μ(x)]‖², the squared error of the decoder mean at the posterior mean',
    unit: 'squared data units',
    defaultSamples: null,
    score: (model, ds, o) => reconstructionSquaredError(model, ds, { onProgress: o.onProgress }),
  },
  'recon-prob-last': {
    column: 'reconProbLast' as const,
    formula: "−log (1/L) Σ_l p(x_W|z_l), z_l ~ q(z|x): the reconstruction probability of a window's last step x_W (Donut, OmniAnomaly)",
    unit: 'nats',
    defaultSamples: 16,
    score: async (model, ds, o) =>
      negated(await reconstructionLogProbability(model, ds, { numSamples: o.numSamples ?? 16, seed: o.seed, onProgress: o.onProgress, isLastStep: true })),
  },
  'recon-error-last': {
    column: 'squaredErrorLast' as const,
    formula: "‖x_W − E[x_W | z = μ(x)]‖², the squared error of a window's last step",
    unit: 'squared data units',
    defaultSamples: null,
    score: (model, ds, o) => reconstructionSquaredError(model, ds, { onProgress: o.onProgress, isLastStep: true }),
  },
} satisfies Record<string, AnomalyScoreEntry>);

/** The name of an anomaly score: 'nll', 'negelbo', 'recon-prob', 'recon-error', 'recon-prob-last' or 'recon-error-last'. */
export type AnomalyScoreKind = keyof typeof ANOMALY_SCORES;

/** Every anomaly score's name, in the registry's order. */
export const ANOMALY_SCORE_KINDS = Object.keys(ANOMALY_SCORES) as AnomalyScoreKind[];

/**
 * Checks the options of a score and fills in its defaults (the score's own K or L).
 * @throws ConfigError naming `score`, `numSamples` or `seed` and the bad value
 */
export function resolveAnomalyScoreOptions(opts: AnomalyScoreOptions = {}): ResolvedAnomalyScoreOptions {
  const score = checkOr('score', opts.score, oneOf(ANOMALY_SCORE_KINDS), ANOMALY_SCORE_DEFAULTS.score);
  const entry: AnomalyScoreEntry = ANOMALY_SCORES[score];
  const numSamples = entry.defaultSamples === null ? null : checkOr('numSamples', opts.numSamples, intAtLeast(1), entry.defaultSamples);
  const seed = checkOr('seed', opts.seed, integer, ANOMALY_SCORE_DEFAULTS.seed);
  return { score, numSamples, seed, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) };
}

/**
 * Anomaly scores of every example, higher = more unusual (see the module's table of kinds).
 * @param ds - examples [N, D]
 * @returns scores [N], float64: nats, or squared data units for 'recon-error'
 * @throws ConfigError for an unknown score or a bad numSamples or seed; ShapeError when the data does not fit the model
 */
export async function scoreExamples(model: LatentVariableModel, ds: Dataset, opts: AnomalyScoreOptions = {}): Promise<Float64Array> {
  const o = resolveAnomalyScoreOptions(opts);
  const entry: AnomalyScoreEntry = ANOMALY_SCORES[o.score];
  return entry.score(model, ds, o);
}
