/**
 * A VAE run's fitted latent prior ("ex-post density estimation", Ghosh et al. 2020): a Gaussian
 * mixture fitted by EM to the posterior means of the run's training examples, saved as
 *
 *   RUN/latent-prior-gmm.json   the mixture's tagged JSON (kind 'gmm'; GaussianMixture.fromJSON and
 *                               linearModelFromJSON reload it as it is) plus `latentPrior`, what it
 *                               was fitted on and with which options
 *
 * and reused while the encoder, the data and the options are those it was fitted with.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { splitValidation, type Dataset } from '../../data/dataset.js';
import {
  encodeMeans,
  fitLatentMixture,
  resolveLatentMixtureOptions,
  standardNormalLogLikelihood,
  type LatentMixtureOptions,
  type ResolvedLatentMixtureOptions,
} from '../../latent/aggregated-posterior.js';
import type { EmCallbacks } from '../../models/linear/em.js';
import { GaussianMixture, type GmmJson } from '../../models/linear/gmm.js';
import type { LatentVariableModel } from '../../models/latent-model.js';
import { writeFileAtomic } from '../formats/atomic.js';
import { loadRunSplit } from './run-data.js';
import type { VaeRunConfig } from './config.js';
import { VAEKIT_VERSION } from '../version.js';

export const LATENT_PRIOR_FILE = 'latent-prior-gmm.json';

/** What a saved latent prior was fitted on and with; equal keys mean the saved mixture is reused. */
export interface LatentPriorKey {
  /** SHA-256 of the encoder's weights (shapes and float32 values), hex. */
  encoderSha256: string;
  /** The run's data as the fit saw it. */
  data: { data: string; scale: number; limit: number | null; val: number; binarize: string; seed: number };
  /** The mixture's options (batchSize left out: it changes nothing). */
  options: Omit<ResolvedLatentMixtureOptions, 'batchSize'>;
}

/** RUN/latent-prior-gmm.json: the mixture's JSON plus `latentPrior`. */
export interface LatentPriorJson extends GmmJson {
  latentPrior: LatentPriorKey & {
    /** 'train': the run's training examples proper (validation examples left out). */
    split: 'train';
    numExamples: number;
    /** Z, the size of a latent mean. */
    latentDim: number;
    seconds: number;
    fittedAt: string;
    vaekitVersion: string;
  };
}

export interface LatentPrior {
  mixture: GaussianMixture;
  /** The file it was read from or written to. */
  path: string;
  /** True when the saved mixture matched and was reused. */
  reused: boolean;
  /** Training means it was fitted on. */
  numTrainExamples: number;
  /** Held-out figures on the test split's latent means; null without a test split. */
  test: {
    numExamples: number;
    /** Mean log p̂(μ(x)) under the mixture, nats per example, exact. */
    mixtureLogLikelihood: number;
    /** Mean log N(μ(x); 0, I), nats per example, exact. */
    standardNormalLogLikelihood: number;
  } | null;
}

/**
 * SHA-256 of the encoder's weights, in order: shapes and float32 values (not the variable names, which
 * tfjs makes unique per process, so one model loaded twice would differ).
 */
export async function encoderFingerprint(vae: LatentVariableModel): Promise<string> {
  const hash = createHash('sha256');
  for (const w of vae.encoder.weights) {
    const values = (await w.read().data()) as Float32Array;
    hash.update(`[${w.shape.join(',')}]`);
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return hash.digest('hex');
}

/** The training examples the VAE was trained on: the run's training split less its validation examples. */
function trainingExamples(cfg: VaeRunConfig): Dataset {
  const { ds } = loadRunSplit(cfg, 'train');
  return cfg.data.val > 0 ? splitValidation(ds, cfg.data.val, cfg.training.seed).train : ds;
}

/** The saved prior when it parses and its key equals `key`; otherwise why not. */
async function readSaved(path: string, key: LatentPriorKey): Promise<{ mixture: GaussianMixture; json: LatentPriorJson } | { why: string }> {
  if (!existsSync(path)) return { why: 'none saved' };
  try {
    const json = JSON.parse(await readFile(path, 'utf8')) as LatentPriorJson;
    const mixture = GaussianMixture.fromJSON(json);
    const saved = json.latentPrior;
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    if (!saved || !same(saved.encoderSha256, key.encoderSha256)) return { why: 'the model changed since it was fitted' };
    if (!same(saved.data, key.data)) return { why: 'the data changed since it was fitted' };
    if (!same(saved.options, key.options)) return { why: 'it was fitted with other options' };
    return { mixture, json };
  } catch (e) {
    return { why: `unreadable (${(e as Error).message})` };
  }
}

/**
 * The run's latent prior: the saved one in RUN/latent-prior-gmm.json when it was fitted on this
 * encoder, data and options, else a new fit on the training examples' posterior means, saved there.
 * Then the mean log-likelihood of the test examples' posterior means under it and under N(0, I).
 * @param run - the run folder (holds config.json)
 * @param vae - the run's model (the caller disposes it)
 * @param cfg - the run's config.json
 * @param log - one line about what was done (reused or fitted, and why)
 * @throws ConfigError for a bad option or more components than training examples
 * @throws DataError for unreadable data; TrainingError when EM fails
 */
export async function latentPriorOfRun(
  run: string,
  vae: LatentVariableModel,
  cfg: VaeRunConfig,
  options: LatentMixtureOptions = {},
  callbacks: EmCallbacks & { log?: (line: string) => void } = {},
): Promise<LatentPrior> {
  const { batchSize, ...fitOptions } = resolveLatentMixtureOptions(options);
  const path = join(run, LATENT_PRIOR_FILE);
  const t = cfg.training;
  const key: LatentPriorKey = {
    encoderSha256: await encoderFingerprint(vae),
    data: { data: cfg.data.source, scale: cfg.data.scale, limit: cfg.data.limit, val: cfg.data.val, binarize: t.binarize, seed: t.seed },
    options: fitOptions,
  };
  const saved = await readSaved(path, key);
  let mixture: GaussianMixture;
  let numTrainExamples: number;
  const reused = 'mixture' in saved;
  if ('mixture' in saved) {
    mixture = saved.mixture;
    numTrainExamples = saved.json.latentPrior.numExamples;
    callbacks.log?.(`reusing the latent prior in ${path}`);
  } else {
    const train = trainingExamples(cfg);
    numTrainExamples = train.numExamples;
    callbacks.log?.(
      `fitting a ${fitOptions.numComponents}-component ${fitOptions.covariance}-covariance Gaussian mixture to the latent means of ` +
        `${train.numExamples} training examples (saved prior: ${saved.why})`,
    );
    const start = performance.now();
    mixture = await fitLatentMixture(vae, train, { ...fitOptions, batchSize }, callbacks);
    const json: LatentPriorJson = {
      ...mixture.toJSON(),
      latentPrior: {
        ...key,
        split: 'train',
        numExamples: train.numExamples,
        latentDim: vae.latentDim,
        seconds: (performance.now() - start) / 1000,
        fittedAt: new Date().toISOString(),
        vaekitVersion: VAEKIT_VERSION,
      },
    };
    await writeFileAtomic(path, JSON.stringify(json) + '\n');
  }
  const { ds: testSet } = loadRunSplit(cfg, 'test');
  let test: LatentPrior['test'] = null;
  if (testSet.numExamples > 0) {
    const means = await encodeMeans(vae, testSet, { batchSize }); // [N, Z]
    const prior = standardNormalLogLikelihood(means);
    test = {
      numExamples: means.numExamples,
      mixtureLogLikelihood: mixture.meanLogLikelihood(means),
      standardNormalLogLikelihood: prior.reduce((a, b) => a + b, 0) / prior.length,
    };
  }
  return { mixture, path, reused, numTrainExamples, test };
}
