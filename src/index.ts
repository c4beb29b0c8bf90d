/**
 * vaekit's public, browser-safe API. Node-only parts (file IO, IDX reading, backend choice, run
 * folders) are in 'vaekit/node'; importing 'vaekit' from Node gets both (see package.json exports).
 */
export { VaeError, ShapeError, ConfigError, DataError, CheckpointError, TrainingError } from './errors.js';
export { Rng, deriveRng } from './math/rng.js';
export { logMeanExp } from './math/logmeanexp.js';
export { LOG_2PI } from './math/constants.js';
export { normalLogProb, standardNormalLogProb, klToStandardNormal, klDivergence } from './distributions/normal.js';
export { bernoulliLogProb } from './distributions/bernoulli.js';
export { makeLikelihood, BernoulliLikelihood, GaussianLikelihood, type Likelihood, type LikelihoodConfig } from './likelihoods/index.js';
export { mlpEncoder, mlpDecoder, ACTIVATIONS, type Activation, type MlpConfig } from './nets/mlp.js';
export { VAE, setModelStore, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelDescription, type ModelStore, type VaeArtifacts, type Preprocessing } from './models/vae.js';
export { resolveVaeConfig, vaeOptionsFromConfig, VAE_DEFAULTS, type VaeConfig, type VaeOptions } from './models/vae-config.js';
export type { LatentVariableModel } from './models/latent-model.js';
export { reparameterize } from './objectives/reparameterize.js';
export { elbo, negativeElboLoss, type ElboTerms, type ElboOptions, type LossTerms } from './objectives/elbo.js';
export { train, makeOptimizer, initialTrainerState, type TrainData, type EpochMetrics, type TrainerState, type TrainCallbacks, type TrainResult, type StepInfo, type ResumeFrom, type OptimizerWeights } from './training/trainer.js';
export { resolveTrainOptions, TRAIN_DEFAULTS, type TrainOptions, type ResolvedTrainOptions } from './training/options.js';
export { iwaeBound, logImportanceWeights, type IwaeOptions } from './objectives/iwae.js';
export { evaluateElbo, type ElboSummary } from './evaluation/elbo-eval.js';
export { estimateLogLikelihood, type LogLikelihoodEstimate, type LogLikelihoodOptions } from './evaluation/log-likelihood.js';
export { elboPerExample } from './evaluation/elbo-per-example.js';
export {
  encodeMeans,
  fitLatentMixture,
  sampleWithMixturePrior,
  standardNormalLogLikelihood,
  resolveLatentMixtureOptions,
  LATENT_MIXTURE_DEFAULTS,
  type EncodeMeansOptions,
  type LatentMixtureOptions,
  type ResolvedLatentMixtureOptions,
} from './latent/aggregated-posterior.js';
export { makeDataset, subset, takeFirst, splitValidation, splitTrainTest, concatDatasets, gatherRows, isImageShape, type Dataset, type DatasetInit } from './data/dataset.js';
export { Standardizer, STANDARDIZER_KIND, STANDARDIZER_VERSION, type StandardizerJSON } from './data/standardize.js';
export { numericTable, MIN_TABLE_ROWS, type NumericTable, type NumericTableOptions, type TextRecord } from './data/table.js';
export { applyBinarization, binarizeSample, binarizeThreshold, BINARIZE_MODES, type BinarizeMode } from './data/binarize.js';
export { auditData, checkLikelihoodFit, auditWarnings, type DataAudit } from './data/audit.js';
export { imageGrid, sideBySide, type RasterImage } from './render/grid.js';
export { lossCurveSpec } from './render/loss-curve.js';
export { installWasmMatMulFix } from './backend/wasm-matmul.js';
export * from './models/linear/index.js';
