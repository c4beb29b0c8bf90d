/**
 * The mixed-type decoder of a table with numeric and categorical columns. The decoder's D outputs
 * are laid out by the columns, in order: a numeric column takes one output, the mean of a Gaussian
 * (σ² fixed, learned and shared by the numeric columns, or learned per numeric column, as
 * {@link GaussianLikelihood}); a categorical column with K categories takes K outputs, the logits of
 * a categorical distribution over its one-hot block of x.
 *   log p(x|z) = Σ_{numeric j} log N(x_j; f_j(z), σ²_j) + Σ_{groups g} Σ_k x_{g,k} · log softmax(f_g(z))_k
 * Every term is a normalised log-density (or log-probability), so the sum is too, in nats.
 * @see Nazábal, Olmos, Ghahramani & Valera 2020, "Handling incomplete heterogeneous data using VAEs"
 *   (HI-VAE), §3: a likelihood per column type, summed over the columns
 */
import * as tf from '@tensorflow/tfjs';
import { categoricalLogProb, categoricalProbs, categoricalSample } from '../distributions/categorical.js';
import { ConfigError, ShapeError } from '../errors.js';
import { GaussianLikelihood } from './gaussian.js';
import type { Likelihood, LikelihoodConfig, MixedColumn } from './likelihood.js';

type MixedConfig = Extract<LikelihoodConfig, { kind: 'mixed' }>;

/** A run of the decoder's outputs: consecutive numeric columns, or one categorical column's block. */
export interface MixedSegment {
  kind: 'numeric' | 'categorical';
  /** First output of the segment in [0, D). */
  offset: number;
  /** Outputs in the segment: numeric columns in the run, or the categorical column's K. */
  size: number;
  /** Numeric segments: index of its first column among the numeric columns. */
  numericOffset: number;
  /** Categorical segments: the index of the group among the categorical columns. */
  group: number;
}

/** Where each column of a mixed table sits among the decoder's D outputs. */
export interface MixedLayout {
  /** D, the decoder's outputs: numeric columns plus the categories of every categorical column. */
  dataDim: number;
  /** The outputs of the numeric columns, in order [number of numeric columns]. */
  numericIndex: number[];
  segments: MixedSegment[];
}

/**
 * The layout of `columns` over the decoder's outputs.
 * @throws ConfigError when a categorical column has no category
 */
export function mixedLayout(columns: readonly MixedColumn[]): MixedLayout {
  const numericIndex: number[] = [];
  const segments: MixedSegment[] = [];
  let offset = 0;
  let group = 0;
  for (const c of columns) {
    if (c.kind === 'numeric') {
      const last = segments.at(-1);
      if (last?.kind === 'numeric') last.size++;
      else segments.push({ kind: 'numeric', offset, size: 1, numericOffset: numericIndex.length, group: -1 });
      numericIndex.push(offset++);
    } else {
      if (c.categories.length < 1) throw new ConfigError(`likelihood.columns: categorical column '${c.name}' has no category`);
      segments.push({ kind: 'categorical', offset, size: c.categories.length, numericOffset: -1, group: group++ });
      offset += c.categories.length;
    }
  }
  return { dataDim: offset, numericIndex, segments };
}

/** t[..., offset : offset + size] along the last axis. */
function sliceLast(t: tf.Tensor, offset: number, size: number): tf.Tensor {
  const begin = t.shape.map((_, i) => (i === t.rank - 1 ? offset : 0));
  const sizes = t.shape.map((_, i) => (i === t.rank - 1 ? size : -1));
  return tf.slice(t, begin, sizes);
}

/**
 * Mixed-type likelihood over a table's columns (see the file's summary for the formula).
 * Its config records the column layout, so a saved model reloads with its categories' names.
 */
export class MixedLikelihood implements Likelihood {
  readonly kind = 'mixed' as const;
  readonly columns: MixedColumn[];
  readonly layout: MixedLayout;
  /** The numeric columns' Gaussian; null when every column is categorical. */
  private readonly gaussian: GaussianLikelihood | null;
  private readonly variance: MixedConfig['variance'];

  /**
   * @param config - variance (and logVar) of the numeric columns' Gaussian, and the columns
   * @param dataDim - D, checked against the columns' layout when given
   * @throws ConfigError when the columns are missing or empty, or do not add up to dataDim
   */
  constructor(config: MixedConfig, dataDim?: number) {
    if (!config.columns || config.columns.length === 0) {
      throw new ConfigError("likelihood.columns: the 'mixed' likelihood needs the table's columns (numeric, or categorical with their categories), got none");
    }
    this.columns = config.columns.map((c) => (c.kind === 'categorical' ? { ...c, categories: [...c.categories] } : { ...c }));
    this.layout = mixedLayout(this.columns);
    if (dataDim !== undefined && dataDim !== this.layout.dataDim) {
      throw new ConfigError(
        `likelihood.columns: expected the columns to take the ${dataDim} data dimensions (1 per numeric column, K per categorical), got ${this.layout.dataDim}`,
      );
    }
    this.variance = config.variance;
    const numNumeric = this.layout.numericIndex.length;
    this.gaussian = numNumeric > 0 ? new GaussianLikelihood({ variance: config.variance, logVar: config.logVar }, numNumeric) : null;
  }

  /**
   * log p(x | params) summed over the columns, nats.
   * @param x - observations [..., D]: numeric columns as numbers, categorical ones one-hot
   * @param params - decoder outputs [..., D]: Gaussian means and logits
   * @returns [...], nats; caller disposes
   * @throws ShapeError when the last axis is not D
   */
  logProb(x: tf.Tensor, params: tf.Tensor): tf.Tensor {
    this.checkWidth(x, 'x');
    this.checkWidth(params, 'params');
    return tf.tidy(() => {
      const terms: tf.Tensor[] = [];
      if (this.gaussian) {
        terms.push(this.gaussian.logProb(this.numericPart(x), this.numericPart(params))); // [...]
      }
      for (const s of this.layout.segments) {
        if (s.kind === 'categorical') terms.push(categoricalLogProb(sliceLast(x, s.offset, s.size), sliceLast(params, s.offset, s.size))); // [...]
      }
      return terms.length === 1 ? terms[0] : tf.addN(terms);
    });
  }

  /** E[x | params] [..., D]: the Gaussian means of numeric columns, softmax probabilities of categorical ones; caller disposes. */
  mean(params: tf.Tensor): tf.Tensor {
    this.checkWidth(params, 'params');
    return tf.tidy(() =>
      tf.concat(
        this.layout.segments.map((s) => {
          const p = sliceLast(params, s.offset, s.size);
          return s.kind === 'numeric' ? p : categoricalProbs(p);
        }),
        -1,
      ),
    );
  }

  /**
   * One seeded draw x ~ p(x | params) [..., D]: numeric columns from their Gaussians, one one-hot
   * category per categorical column (Gumbel-max); caller disposes.
   */
  sample(params: tf.Tensor, seed: number): tf.Tensor {
    this.checkWidth(params, 'params');
    return tf.tidy(() => {
      let numeric: tf.Tensor | null = null;
      if (this.gaussian) {
        numeric = this.gaussian.sample(this.numericPart(params), seed); // [..., numeric columns]
      }
      const parts = this.layout.segments.map((s) =>
        s.kind === 'numeric' ? sliceLast(numeric!, s.numericOffset, s.size) : categoricalSample(sliceLast(params, s.offset, s.size), seed, s.group),
      );
      return tf.concat(parts, -1); // [..., D]
    });
  }

  variables(): tf.Variable[] {
    return this.gaussian ? this.gaussian.variables() : [];
  }

  /** σ² of the numeric columns ([numeric columns] for 'learned-diag', else one value); empty without numeric columns. */
  async variances(): Promise<number[]> {
    return this.gaussian ? this.gaussian.variances() : [];
  }

  async toConfig(): Promise<LikelihoodConfig> {
    const columns = this.columns.map((c) => (c.kind === 'categorical' ? { ...c, categories: [...c.categories] } : { ...c }));
    if (!this.gaussian) return { kind: 'mixed', variance: this.variance, columns };
    const g = (await this.gaussian.toConfig()) as Extract<LikelihoodConfig, { kind: 'gaussian' }>;
    return { kind: 'mixed', variance: g.variance, ...(g.logVar !== undefined ? { logVar: g.logVar } : {}), columns };
  }

  dispose(): void {
    this.gaussian?.dispose();
  }

  /**
   * The numeric columns of t [..., D] → [..., numeric columns], cut by slices and joined (not gathered:
   * gather's gradient needs UnsortedSegmentSum, which the wasm backend lacks).
   */
  private numericPart(t: tf.Tensor): tf.Tensor {
    const parts = this.layout.segments.filter((s) => s.kind === 'numeric').map((s) => sliceLast(t, s.offset, s.size));
    return parts.length === 1 ? parts[0] : tf.concat(parts, -1);
  }

  private checkWidth(t: tf.Tensor, name: string): void {
    const d = t.shape[t.rank - 1];
    if (t.rank < 1 || d !== this.layout.dataDim) {
      throw new ShapeError(`MixedLikelihood: expected ${name} [..., ${this.layout.dataDim}] (the columns' layout), got [${t.shape.join(', ')}]`);
    }
  }
}

/**
 * The likelihood a run on a table with these columns uses: when some column is categorical, a
 * Gaussian becomes the mixed likelihood, its variance (fixed, learned, or learned per dimension)
 * kept for the numeric columns; a mixed likelihood without columns gets them. Anything else (a table
 * of numbers only under a Gaussian, images, a mixed likelihood with its columns) is returned as it is.
 * @param columns - the table's feature columns in order; null for data that is not a table
 */
export function likelihoodForColumns(config: LikelihoodConfig, columns: readonly MixedColumn[] | null | undefined): LikelihoodConfig {
  if (!columns) return config;
  const copy = columns.map((c) => (c.kind === 'categorical' ? { ...c, categories: [...c.categories] } : { ...c }));
  if (config.kind === 'mixed') return config.columns ? config : { ...config, columns: copy };
  if (config.kind === 'gaussian' && columns.some((c) => c.kind === 'categorical')) {
    return { kind: 'mixed', variance: config.variance, ...(config.logVar !== undefined ? { logVar: config.logVar } : {}), columns: copy };
  }
  return config;
}
