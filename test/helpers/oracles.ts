/**
 * Float64 plain-JavaScript oracles for tests: the densities, the KL and an MLP VAE's forward pass,
 * written from the formulas, sharing no code with src/ (only the weights are read from the model).
 */
import type * as tf from '@tensorflow/tfjs';
import { Matrix, CholeskyDecomposition } from 'ml-matrix';
import type { VAE } from '../../src/models/vae.js';

export const LOG_2PI_64 = Math.log(2 * Math.PI);

/** log N(x; mean, diag exp(logVar)) summed over d, float64. */
export function normalLogProb64(x: ArrayLike<number>, mean: ArrayLike<number>, logVar: ArrayLike<number>): number {
  let s = 0;
  for (let d = 0; d < x.length; d++) {
    const r = x[d] - mean[d];
    s += LOG_2PI_64 + logVar[d] + (r * r) / Math.exp(logVar[d]);
  }
  return -0.5 * s;
}

/** KL(N(m1, diag e^lv1) ‖ N(m2, diag e^lv2)) summed over d, float64. */
export function klGauss64(m1: ArrayLike<number>, lv1: ArrayLike<number>, m2: ArrayLike<number>, lv2: ArrayLike<number>): number {
  let s = 0;
  for (let d = 0; d < m1.length; d++) {
    const dm = m1[d] - m2[d];
    s += lv2[d] - lv1[d] + (Math.exp(lv1[d]) + dm * dm) / Math.exp(lv2[d]) - 1;
  }
  return 0.5 * s;
}

/** KL(N(mean, diag e^logVar) ‖ N(0, I)), float64. */
export function klStd64(mean: ArrayLike<number>, logVar: ArrayLike<number>): number {
  const zeros = new Float64Array(mean.length);
  return klGauss64(mean, logVar, zeros, zeros);
}

/** log σ(l) computed without cancellation: −log(1 + e^−l). */
export function logSigmoid64(l: number): number {
  return l >= 0 ? -Math.log1p(Math.exp(-l)) : l - Math.log1p(Math.exp(l));
}

/** Σ_d x_d log σ(l_d) + (1 − x_d) log(1 − σ(l_d)), float64, using 1 − σ(l) = σ(−l). */
export function bernoulliLogProb64(x: ArrayLike<number>, logits: ArrayLike<number>): number {
  let s = 0;
  for (let d = 0; d < x.length; d++) s += x[d] * logSigmoid64(logits[d]) + (1 - x[d]) * logSigmoid64(-logits[d]);
  return s;
}

/** −½ [ D (log 2π + log σ²) + ‖x − μ‖² / σ² ], float64. */
export function gaussianLogProb64(x: ArrayLike<number>, mean: ArrayLike<number>, variance: number): number {
  let sse = 0;
  for (let d = 0; d < x.length; d++) sse += (x[d] - mean[d]) ** 2;
  return -0.5 * (x.length * (LOG_2PI_64 + Math.log(variance)) + sse / variance);
}

/** log N(x; mu, cov) for a full covariance, float64, through a Cholesky factorisation (ml-matrix). */
export function mvnLogPdf64(x: number[], mu: number[], cov: number[][]): number {
  const chol = new CholeskyDecomposition(new Matrix(cov));
  if (!chol.isPositiveDefinite()) throw new Error('mvnLogPdf64: covariance is not positive definite');
  const l = chol.lowerTriangularMatrix;
  let logDet = 0;
  for (let i = 0; i < x.length; i++) logDet += 2 * Math.log(l.get(i, i));
  const r = Matrix.columnVector(x.map((v, i) => v - mu[i]));
  const sol = chol.solve(r); // cov⁻¹ (x − mu)
  let quad = 0;
  for (let i = 0; i < x.length; i++) quad += r.get(i, 0) * sol.get(i, 0);
  return -0.5 * (x.length * LOG_2PI_64 + logDet + quad);
}

/** Activations by their tfjs name, float64. */
export function activate(name: string, v: number): number {
  switch (name) {
    case 'linear':
      return v;
    case 'relu':
      return Math.max(v, 0);
    case 'tanh':
      return Math.tanh(v);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'softplus':
      return Math.log1p(Math.exp(v));
    case 'elu':
      return v > 0 ? v : Math.expm1(v);
    default:
      throw new Error(`oracle: activation '${name}' not implemented`);
  }
}

/** One dense layer in float64: y = act(x·K + b), K row-major [inDim, outDim] as tfjs stores it. */
export interface DenseWeights {
  kernel: Float64Array;
  bias: Float64Array;
  inDim: number;
  outDim: number;
  activation: string;
}

export function denseForward(w: DenseWeights, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(w.outDim);
  for (let j = 0; j < w.outDim; j++) {
    let s = w.bias[j];
    for (let i = 0; i < w.inDim; i++) s += x[i] * w.kernel[i * w.outDim + j];
    y[j] = activate(w.activation, s);
  }
  return y;
}

function readDense(model: tf.LayersModel, name: string, activation: string): DenseWeights {
  const [k, b] = model.getLayer(name).getWeights();
  const [inDim, outDim] = k.shape;
  return { kernel: Float64Array.from(k.dataSync()), bias: Float64Array.from(b.dataSync()), inDim, outDim, activation };
}

/** An MLP VAE's weights copied out of its tfjs layers into float64, by layer name. */
export interface VaeWeights64 {
  encoderHidden: DenseWeights[];
  encoderMean: DenseWeights;
  encoderLogVar: DenseWeights;
  decoderHidden: DenseWeights[];
  decoderOutput: DenseWeights;
}

export function readVaeWeights(vae: VAE): VaeWeights64 {
  const act = vae.config.encoder.activation;
  const n = vae.config.encoder.hidden.length;
  return {
    encoderHidden: Array.from({ length: n }, (_, i) => readDense(vae.encoder, `encoder_hidden_${i}`, act)),
    encoderMean: readDense(vae.encoder, 'encoder_mean', 'linear'),
    encoderLogVar: readDense(vae.encoder, 'encoder_logvar', 'linear'),
    decoderHidden: Array.from({ length: n }, (_, i) => readDense(vae.decoder, `decoder_hidden_${i}`, act)),
    decoderOutput: readDense(vae.decoder, 'decoder_output', 'linear'),
  };
}

/** Encoder forward for one example x [D] → mean [Z], logVar [Z]. */
export function encode64(w: VaeWeights64, x: ArrayLike<number>): { mean: Float64Array; logVar: Float64Array } {
  let h: ArrayLike<number> = x;
  for (const layer of w.encoderHidden) h = denseForward(layer, h);
  return { mean: denseForward(w.encoderMean, h), logVar: denseForward(w.encoderLogVar, h) };
}

/** Decoder forward for one latent z [Z] → likelihood parameters [D]. */
export function decode64(w: VaeWeights64, z: ArrayLike<number>): Float64Array {
  let h: ArrayLike<number> = z;
  for (const layer of w.decoderHidden) h = denseForward(layer, h);
  return denseForward(w.decoderOutput, h);
}

export type LogLik64 = (x: ArrayLike<number>, params: ArrayLike<number>) => number;

/**
 * Per-example ELBO terms in float64 with explicit noise.
 * @param eps - eps[k][z] for this example, K rows
 */
export function elbo64(w: VaeWeights64, x: ArrayLike<number>, eps: number[][], logLik: LogLik64): { elbo: number; reconstruction: number; kl: number } {
  const { mean, logVar } = encode64(w, x);
  let rec = 0;
  for (const e of eps) {
    const z = mean.map((m, j) => m + Math.exp(0.5 * logVar[j]) * e[j]);
    rec += logLik(x, decode64(w, z));
  }
  rec /= eps.length;
  const kl = klStd64(mean, logVar);
  return { elbo: rec - kl, reconstruction: rec, kl };
}

/** Rows of a row-major [B, D] array as number[][]. */
export function rows(values: ArrayLike<number>, b: number, d: number): number[][] {
  return Array.from({ length: b }, (_, i) => Array.from({ length: d }, (_, j) => values[i * d + j]));
}

/** Mean and standard error of the mean of samples, float64. */
export function meanAndStandardError(samples: ArrayLike<number>): { mean: number; se: number } {
  const n = samples.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += samples[i];
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (samples[i] - mean) ** 2;
  return { mean, se: Math.sqrt(ss / (n - 1) / n) };
}
