/**
 * The linear latent-variable models, registered by their `kind`: fit one by name, reload any
 * saved one by its tag. No `if (kind === …)` chains: adding a model means adding a registry entry.
 *   pca  — principal components (no density)          ppca — probabilistic PCA
 *   fa   — factor analysis (EM)                       gmm  — Gaussian mixture (EM)
 */
import { CheckpointError, ConfigError } from '../../errors.js';
import type { Dataset } from '../../data/dataset.js';
import type { EmCallbacks } from './em.js';
import { FactorAnalysis, type FactorAnalysisOptions } from './factor-analysis.js';
import { GaussianMixture, type GmmOptions } from './gmm.js';
import type { LinearModel, LinearModelKind } from './linear-model.js';
import { PCA, type PcaOptions } from './pca.js';
import { PPCA, type PpcaOptions } from './ppca.js';

export { LINEAR_MODEL_VERSION, hasReconstruction, isDensityModel } from './linear-model.js';
export type { DensityModel, EmReport, LinearModel, LinearModelJson, LinearModelKind, ReconstructingModel } from './linear-model.js';
export type { EmCallbacks, EmProgress } from './em.js';
export { PCA, PCA_DEFAULTS, resolvePcaOptions, type PcaJson, type PcaOptions, type ResolvedPcaOptions } from './pca.js';
export { PCA_SOLVERS, type PcaSolver } from './principal-subspace.js';
export { PPCA, PPCA_DEFAULTS, PPCA_METHODS, resolvePpcaOptions, type PpcaJson, type PpcaMethod, type PpcaOptions, type ResolvedPpcaOptions } from './ppca.js';
export {
  FactorAnalysis,
  FA_DEFAULTS,
  resolveFactorAnalysisOptions,
  type FactorAnalysisJson,
  type FactorAnalysisOptions,
  type ResolvedFactorAnalysisOptions,
} from './factor-analysis.js';
export {
  GaussianMixture,
  GMM_DEFAULTS,
  GMM_COVARIANCES,
  resolveGmmOptions,
  type GmmCovariance,
  type GmmJson,
  type GmmOptions,
  type ResolvedGmmOptions,
} from './gmm.js';
export { GMM_INITS, type GmmInit } from './kmeans-init.js';
export { LinearGaussianModel } from './linear-gaussian-model.js';

/** Options of each kind's fit. */
export interface LinearOptionsByKind {
  pca: PcaOptions;
  ppca: PpcaOptions;
  fa: FactorAnalysisOptions;
  gmm: GmmOptions;
}

/** The model class of each kind. */
export interface LinearModelByKind {
  pca: PCA;
  ppca: PPCA;
  fa: FactorAnalysis;
  gmm: GaussianMixture;
}

interface RegistryEntry<K extends LinearModelKind> {
  fit(ds: Dataset, options: LinearOptionsByKind[K], callbacks: EmCallbacks): LinearModelByKind[K];
  fromJSON(json: unknown): LinearModelByKind[K];
}

const REGISTRY: { readonly [K in LinearModelKind]: RegistryEntry<K> } = Object.freeze({
  pca: { fit: (ds, o) => PCA.fit(ds, o), fromJSON: (j) => PCA.fromJSON(j) },
  ppca: { fit: (ds, o, cb) => PPCA.fit(ds, o, cb), fromJSON: (j) => PPCA.fromJSON(j) },
  fa: { fit: (ds, o, cb) => FactorAnalysis.fit(ds, o, cb), fromJSON: (j) => FactorAnalysis.fromJSON(j) },
  gmm: { fit: (ds, o, cb) => GaussianMixture.fit(ds, o, cb), fromJSON: (j) => GaussianMixture.fromJSON(j) },
});

/** Every registered kind: ['pca', 'ppca', 'fa', 'gmm']. */
export const LINEAR_MODEL_KINDS: readonly LinearModelKind[] = Object.freeze(Object.keys(REGISTRY) as LinearModelKind[]);

function isKind(kind: unknown): kind is LinearModelKind {
  return typeof kind === 'string' && Object.prototype.hasOwnProperty.call(REGISTRY, kind);
}

/**
 * Fits the model registered as `kind`.
 * @param kind - 'pca' | 'ppca' | 'fa' | 'gmm' (a string from the CLI is checked)
 * @param ds - training examples [N, D]
 * @param options - that kind's options (validated by its resolve function)
 * @param callbacks - EM progress (ignored by closed-form fits)
 * @throws ConfigError for an unknown kind or a bad option; DataError | TrainingError from the fit
 */
export function fitLinearModel<K extends LinearModelKind>(
  kind: K,
  ds: Dataset,
  options: LinearOptionsByKind[K] = {} as LinearOptionsByKind[K],
  callbacks: EmCallbacks = {},
): LinearModelByKind[K] {
  if (!isKind(kind)) {
    throw new ConfigError(`model: expected one of ${LINEAR_MODEL_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
  return (REGISTRY[kind] as RegistryEntry<K>).fit(ds, options, callbacks);
}

/**
 * Reloads any saved linear model from its tagged JSON (`JSON.parse` of `JSON.stringify(model)`).
 * @throws CheckpointError when the object has no known `kind`, a wrong version, or bad fields
 */
export function linearModelFromJSON(json: unknown): LinearModel {
  const kind = typeof json === 'object' && json !== null ? (json as { kind?: unknown }).kind : undefined;
  if (!isKind(kind)) {
    throw new CheckpointError(`linear model: expected kind to be one of ${LINEAR_MODEL_KINDS.join(', ')}, got ${JSON.stringify(kind) ?? String(kind)}`);
  }
  return REGISTRY[kind].fromJSON(json);
}
