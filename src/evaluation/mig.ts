/**
 * The mutual information gap (MIG) of an encoder on data with known discrete factors (dSprites):
 * how much more the most informative latent dimension tells about each factor than the second.
 *   I(z_j; v_k) = H(z_j) − H(z_j | v_k)
 *   MIG = (1/K) Σ_k (I(z_{j⁽¹⁾}; v_k) − I(z_{j⁽²⁾}; v_k)) / H(v_k),   j⁽¹⁾, j⁽²⁾ the two latents of largest I(·; v_k)
 * The entropies are those of the aggregated posterior over the N examples given, as Chen et al.
 * estimate them (their §5 and their code, rtqichen/beta-tcvae disentanglement_metrics.py):
 *   q(z_j) = (1/N) Σ_n q(z_j|x_n),   q(z_j | v_k = v) = (1/N_v) Σ_{n: v_k(n) = v} q(z_j|x_n)
 *   I(z_j; v_k) ≈ (1/S) Σ_s [log q(z_s | v_k(n_s)) − log q(z_s)],   z_s ~ q(z_j|x_{n_s})
 * with S examples n_s drawn without replacement (every example once when S ≥ N) and one
 * z_s = μ_j(x_{n_s}) + σ_j(x_{n_s}) ε_s per example and latent, ε_s shared by the latents. H(z_j) and
 * H(z_j | v_k) share their samples, so much of their noise cancels in I (Chen et al. draw them separately). H(v_k) is the entropy of the factor's values among the N
 * examples (log |V_k| on the full grid, as Chen et al. normalise). MI estimates below 0 (noise) are
 * clamped to 0, as in Chen et al.'s code; with Z = 1 the second latent's I counts as 0.
 * Chen et al. average over dSprites' four factors other than shape; here every factor given counts,
 * and the per-factor gaps let a reader form their mean.
 * Known bias: each sample's own example is among the mixture components (as in the paper), so when
 * posteriors are far narrower than the spread of the means (a near-deterministic encoder, N small),
 * log q(z|v) gains up to log(N / N_v) over log q(z) for every latent, and every I tends to H(v_k).
 * Browser-safe: plain arrays, no tfjs.
 */
import { DataError, ShapeError } from '../errors.js';
import { deriveRng } from '../math/rng.js';
import { check, intAtLeast, integer } from '../validate.js';

/**
 * Defaults of {@link MigOptions}: S = 2000 sample points (Chen et al. use 10,000 against all 737,280
 * dSprites; 2000 against 10,000 test examples take 2–3 s at Z = 10, Monte Carlo standard error ≈ 0.001), seed 0.
 */
export const MIG_DEFAULTS = Object.freeze({ numSamples: 2000, seed: 0 });

/** The encoder's posteriors and the examples' factors. */
export interface MigInput {
  /** Means of q(z|x_n), row-major [N, Z]. */
  mean: ArrayLike<number>;
  /** log σ² of q(z|x_n), row-major [N, Z]. */
  logVar: ArrayLike<number>;
  /** Z. */
  latentDim: number;
  /** Each example's value index of each factor, integers >= 0, row-major [N, K]. */
  factors: ArrayLike<number>;
  /** K. */
  numFactors: number;
}

/** Options of {@link mutualInformationGap}. */
export interface MigOptions {
  /** S, examples whose posterior sample is scored (every example when S ≥ N). Default 2000. */
  numSamples?: number;
  /** Seed of the examples chosen and of the draws z ~ q(z_j|x). Default 0. */
  seed?: number;
}

/** MIG and what it is made of; entropies and informations in nats. */
export interface MutualInformationGap {
  /** Mean over factors of {@link gaps}, unitless in [0, 1]. */
  mig: number;
  /** Monte Carlo standard error of `mig` over the S sample points (the examples' posteriors held fixed). */
  standardError: number;
  /** (I⁽¹⁾ − I⁽²⁾) / H(v_k) per factor [K], unitless in [0, 1]. */
  gaps: number[];
  /** The latents of largest and second-largest I(z_j; v_k) per factor [K][2] (second −1 when Z = 1). */
  topLatents: number[][];
  /** I(z_j; v_k) [Z][K], nats, clamped at 0. */
  mutualInformation: number[][];
  /** H(v_k) [K], nats, of the factor values among the N examples. */
  factorEntropy: number[];
  /** H(z_j) [Z], nats (a differential entropy; may be negative). */
  latentEntropy: number[];
  numExamples: number;
  numSamples: number;
  seed: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * The mutual information gap of a diagonal-Gaussian encoder on data with discrete factors.
 * Cost: S · N · Z Gaussian log-densities (one exp each): about 1.2 s per 10⁸ on one core.
 * @param input - posteriors mean, logVar [N, Z] and factors [N, K]
 * @param options - {@link MIG_DEFAULTS}
 * @returns {@link MutualInformationGap}
 * @throws ShapeError when the arrays' lengths disagree with N, Z and K, or N, Z or K is 0
 * @throws DataError when a factor value is not an integer >= 0, a factor takes one value only
 *   (H(v_k) = 0: its gap is undefined), or a posterior parameter is not finite
 * @throws ConfigError for a bad option
 * @see Chen, Li, Grosse & Duvenaud 2018, "Isolating Sources of Disentanglement in Variational
 *   Autoencoders", §5 (MIG) and github.com/rtqichen/beta-tcvae disentanglement_metrics.py
 */
export function mutualInformationGap(input: MigInput, options: MigOptions = {}): MutualInformationGap {
  const { mean, logVar, factors, latentDim: z, numFactors: k } = input;
  const numSamplesAsked = check('numSamples', options.numSamples ?? MIG_DEFAULTS.numSamples, intAtLeast(1));
  const seed = check('seed', options.seed ?? MIG_DEFAULTS.seed, integer);
  if (!(Number.isInteger(z) && z >= 1) || !(Number.isInteger(k) && k >= 1)) {
    throw new ShapeError(`mutualInformationGap: expected latentDim and numFactors to be integers >= 1, got ${z} and ${k}`);
  }
  const n = mean.length / z;
  if (!Number.isInteger(n) || n < 1 || logVar.length !== mean.length || factors.length !== n * k) {
    throw new ShapeError(
      `mutualInformationGap: expected mean and logVar [N, ${z}] and factors [N, ${k}] with N >= 1, got lengths ${mean.length}, ${logVar.length} and ${factors.length}`,
    );
  }
  for (let i = 0; i < mean.length; i++) {
    if (!(Number.isFinite(mean[i]) && Number.isFinite(logVar[i]))) {
      throw new DataError(
        `mutualInformationGap: expected finite posterior parameters, got mean ${mean[i]}, logVar ${logVar[i]} at example ${Math.floor(i / z)}, latent ${i % z}`,
      );
    }
  }
  const groups = factorGroups(factors, n, k);
  const factorEntropy = groups.map((g) => g.entropy);
  const constant = factorEntropy.findIndex((h) => h === 0);
  if (constant >= 0) throw new DataError(`mutualInformationGap: factor ${constant} takes one value in all ${n} examples; its gap is undefined`);

  const s = Math.min(numSamplesAsked, n);
  const chosen = s === n ? Int32Array.from({ length: n }, (_, i) => i) : deriveRng(seed, 'mig-examples').permutation(n).subarray(0, s); // [S]
  const ratio = new Float64Array(s * z * k); // [S, Z, K]: log q(z_s | v) − log q(z_s)
  const latentEntropy = new Array<number>(z).fill(0);
  const mu = new Float64Array(n); // [N] for one latent
  const invVar = new Float64Array(n);
  const logNorm = new Float64Array(n);
  const logDensity = new Float64Array(n);
  // One ε per sample point, shared by the latents: permuting the latents permutes the figures exactly,
  // and the two informations a gap subtracts share their noise.
  const rng = deriveRng(seed, 'mig-draws');
  const eps = Float64Array.from({ length: s }, () => rng.nextNormal()); // [S]
  for (let j = 0; j < z; j++) {
    for (let m = 0; m < n; m++) {
      mu[m] = mean[m * z + j];
      invVar[m] = Math.exp(-logVar[m * z + j]);
      logNorm[m] = -0.5 * (LOG_2PI + logVar[m * z + j]);
    }
    let entropySum = 0;
    for (let t = 0; t < s; t++) {
      const e = chosen[t];
      const zs = mu[e] + Math.exp(0.5 * logVar[e * z + j]) * eps[t];
      let top = -Infinity;
      for (let m = 0; m < n; m++) {
        const d = zs - mu[m];
        const l = logNorm[m] - 0.5 * d * d * invVar[m];
        logDensity[m] = l;
        if (l > top) top = l;
      }
      // exp(l − top), 0 far below the largest (beyond float64's reach relative to it).
      let total = 0;
      for (let m = 0; m < n; m++) {
        const d = logDensity[m] - top;
        const w = d < -745 ? 0 : Math.exp(d);
        logDensity[m] = w;
        total += w;
      }
      const logQ = top + Math.log(total / n);
      entropySum -= logQ;
      for (let f = 0; f < k; f++) {
        const g = groups[f];
        const v = factors[e * k + f];
        let sum = 0;
        for (let p = g.offsets[v]; p < g.offsets[v + 1]; p++) sum += logDensity[g.members[p]];
        // The sample's own example is in its group, so sum > 0.
        ratio[(t * z + j) * k + f] = top + Math.log(sum / (g.offsets[v + 1] - g.offsets[v])) - logQ;
      }
    }
    latentEntropy[j] = entropySum / s;
  }

  const mutualInformation = Array.from({ length: z }, (_, j) =>
    Array.from({ length: k }, (_, f) => {
      let acc = 0;
      for (let t = 0; t < s; t++) acc += ratio[(t * z + j) * k + f];
      return Math.max(0, acc / s);
    }),
  );
  const topLatents: number[][] = [];
  const gaps: number[] = [];
  for (let f = 0; f < k; f++) {
    const order = mutualInformation.map((_, j) => j).sort((a, b) => mutualInformation[b][f] - mutualInformation[a][f] || a - b);
    const [j1, j2 = -1] = order;
    topLatents.push([j1, j2]);
    gaps.push((mutualInformation[j1][f] - (j2 >= 0 ? mutualInformation[j2][f] : 0)) / factorEntropy[f]);
  }
  const mig = gaps.reduce((a, b) => a + b, 0) / k;
  // Per sample point, the MIG its terms give (before clamping): their spread over the S points.
  let sum = 0;
  let sumSq = 0;
  for (let t = 0; t < s; t++) {
    let m = 0;
    for (let f = 0; f < k; f++) {
      const [j1, j2] = topLatents[f];
      m += (ratio[(t * z + j1) * k + f] - (j2 >= 0 ? ratio[(t * z + j2) * k + f] : 0)) / factorEntropy[f];
    }
    m /= k;
    sum += m;
    sumSq += m * m;
  }
  const variance = s > 1 ? Math.max(0, sumSq - (sum * sum) / s) / (s - 1) : 0;
  return {
    mig,
    standardError: Math.sqrt(variance / s),
    gaps,
    topLatents,
    mutualInformation,
    factorEntropy,
    latentEntropy,
    numExamples: n,
    numSamples: s,
    seed,
  };
}

/**
 * Per factor, the examples grouped by value (CSR: members[offsets[v] .. offsets[v + 1]) hold value v)
 * and the entropy of the values, −Σ_v p̂(v) log p̂(v) in nats.
 * @throws DataError for a value that is not an integer >= 0
 */
function factorGroups(factors: ArrayLike<number>, n: number, k: number): { offsets: Int32Array; members: Int32Array; entropy: number }[] {
  return Array.from({ length: k }, (_, f) => {
    let numValues = 0;
    for (let i = 0; i < n; i++) {
      const v = factors[i * k + f];
      if (!(Number.isInteger(v) && v >= 0))
        throw new DataError(`mutualInformationGap: expected factor values to be integers >= 0, got ${v} (example ${i}, factor ${f})`);
      numValues = Math.max(numValues, v + 1);
    }
    const offsets = new Int32Array(numValues + 1); // [V + 1]
    for (let i = 0; i < n; i++) offsets[factors[i * k + f] + 1]++;
    let entropy = 0;
    for (let v = 0; v < numValues; v++) {
      const p = offsets[v + 1] / n;
      if (p > 0) entropy -= p * Math.log(p);
      offsets[v + 1] += offsets[v];
    }
    const fill = offsets.slice(0, numValues); // [V]
    const members = new Int32Array(n); // [N]
    for (let i = 0; i < n; i++) members[fill[factors[i * k + f]]++] = i;
    return { offsets, members, entropy };
  });
}
