/**
 * vaekit's public, browser-safe API. Node-only parts (file IO, IDX reading, backend choice, run
 * folders) are in 'vaekit/node'; importing 'vaekit' from Node gets both (see package.json exports).
 */
import './io/http-store.js';

export {
  VaeError,
  ShapeError,
  ConfigError,
  DataError,
  CheckpointError,
  TrainingError,
  WorkerError,
  setting,
  renderMessage,
  type SettingNamer,
} from './errors.js';
export * as validate from './validate.js';
export { Rng, deriveRng } from './math/rng.js';
export { logMeanExp } from './math/logmeanexp.js';
export { LOG_2PI } from './math/constants.js';
export { stepSeed, chunkSeed, elboNoise, iwaeNoise, exampleNoise, priorNoise } from './math/noise.js';
export { normalLogProb, standardNormalLogProb, klToStandardNormal, klToStandardNormalPerDimension, klDivergence } from './distributions/normal.js';
export { bernoulliLogProb } from './distributions/bernoulli.js';
export { categoricalLogProb, categoricalProbs, categoricalSample } from './distributions/categorical.js';
export {
  makeLikelihood,
  resolveLikelihoodConfig,
  LIKELIHOOD_KINDS,
  BernoulliLikelihood,
  GaussianLikelihood,
  MixedLikelihood,
  likelihoodForColumns,
  type Likelihood,
  type LikelihoodConfig,
  type MixedColumn,
} from './likelihoods/index.js';
export {
  makeEncoder,
  makeDecoder,
  resolveNetConfig,
  NET_KINDS,
  mlpEncoder,
  mlpDecoder,
  MLP_DEFAULTS,
  ACTIVATIONS,
  type Activation,
  type MlpConfig,
  type NetConfig,
  type NetDims,
} from './nets/index.js';
export { VAE, type VaeNetworks } from './models/vae.js';
export {
  checkModelMemory,
  estimateModelMemory,
  vaeParamTensors,
  BACKEND_MEMORY_LIMITS,
  TRAINING_COPIES,
  type ModelMemoryEstimate,
  type ParamTensor,
} from './models/memory.js';
export { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelDescription, type VaeArtifacts, type Preprocessing } from './models/description.js';
export { registerModelStore, setModelStore, modelStoreFor, schemeOf, type ModelStore } from './models/model-store.js';
export { createModel, loadModel, saveModel, modelFromArtifacts, modelFromDescription, MODEL_KINDS } from './models/index.js';
export { decodeMean, reconstruct, sampleFromPrior, type PriorSampleOptions } from './models/generate.js';
export { resolveVaeConfig, vaeOptionsFromConfig, VAE_DEFAULTS, type VaeConfig, type VaeOptions } from './models/vae-config.js';
export { isHierarchical, noiseDimOf, type HierarchicalLatentModel, type LatentVariableModel, type Posterior } from './models/latent-model.js';
export { HierarchicalVAE, HVAE_DEFAULTS, resolveHvaeConfig, type HvaeConfig, type HvaeOptions } from './models/hvae.js';
export { httpModelStore } from './io/http-store.js';
export {
  EXPLORER_FORMAT,
  EXPLORER_VERSION,
  EXPLORER_FILES,
  SITE_FORMAT,
  SITE_VERSION,
  SITE_FILE,
  parseExplorerManifest,
  parseSiteIndex,
  float32Matrix,
  type ExplorerManifest,
  type ExplorerRunFiles,
  type ExplorerDataKind,
  type SiteIndex,
} from './io/explorer-data.js';
export { reparameterize } from './objectives/reparameterize.js';
export { elbo, negativeElboLoss, type ElboTerms, type ElboOptions, type NegativeElboOptions } from './objectives/elbo.js';
export {
  objectiveValue,
  objectiveTerms,
  objectiveNoise,
  resolveObjectiveConfig,
  OBJECTIVE_KINDS,
  DEFAULT_OBJECTIVE,
  OBJECTIVE_DEFAULTS,
  type ObjectiveConfig,
  type ObjectiveValue,
  type StepContext,
  type Batch,
} from './objectives/index.js';
export { iwaeBound, logImportanceWeights, negativeIwaeLoss, type IwaeOptions } from './objectives/iwae.js';
export { hierarchicalElbo, hierarchicalSampleTerms, type HierarchicalSampleTerms } from './objectives/hierarchical.js';
export {
  aggregatePosteriorLogDensities,
  klDecomposition,
  negativeTcVaeLoss,
  TC_ESTIMATORS,
  type KlDecomposition,
  type TcEstimator,
} from './objectives/tc-vae.js';
export {
  train,
  makeOptimizer,
  initialTrainerState,
  type TrainArgs,
  type TrainData,
  type EpochMetrics,
  type EpochLogLikelihood,
  type TrainerState,
  type TrainCallbacks,
  type TrainResult,
  type StepInfo,
  type ResumeFrom,
  type OptimizerWeights,
} from './training/trainer.js';
export { LocalGradientEngine, shardGradients, batchTensors, type GradientEngine, type BatchGradients } from './training/engine.js';
export {
  klWeight,
  resolveKlSchedule,
  scheduleFromShorthand,
  SCHEDULE_KINDS,
  SCHEDULE_DEFAULTS,
  type KlSchedule,
  type KlScheduleShorthand,
  type ScheduleStep,
} from './training/schedules.js';
export { collapseWarning } from './training/diagnostics.js';
export { METRICS_VERSION, migrateMetrics, migrateTrainerState, type EpochSums } from './training/state.js';
export {
  resolveTrainOptions,
  TRAIN_DEFAULTS,
  EPOCH_LOGLIK_DEFAULT_LIMIT,
  type TrainOptions,
  type ResolvedTrainOptions,
  type EpochLogLikelihoodOptions,
} from './training/options.js';
export { evaluateElbo, elboPerExample, type ElboSummary, type ElboEvalOptions } from './evaluation/elbo-eval.js';
export { estimateLogLikelihood, type LogLikelihoodEstimate, type LogLikelihoodOptions } from './evaluation/log-likelihood.js';
export {
  scoreExamples,
  resolveAnomalyScoreOptions,
  reconstructionLogProbability,
  reconstructionSquaredError,
  ANOMALY_SCORES,
  ANOMALY_SCORE_KINDS,
  ANOMALY_SCORE_DEFAULTS,
  type AnomalyScoreKind,
  type AnomalyScoreOptions,
  type AnomalyScoreEntry,
  type ResolvedAnomalyScoreOptions,
} from './evaluation/anomaly-scores.js';
export {
  calibrate,
  predict,
  parseCalibration,
  CALIBRATION_FORMAT,
  CALIBRATION_VERSION,
  CALIBRATION_METHODS,
  type Calibration,
  type CalibrateOptions,
  type CalibrationMethod,
  type Prediction,
} from './evaluation/calibration.js';
export {
  rocAuc,
  rocCurve,
  averagePrecision,
  thresholdMetrics,
  anomalyTruth,
  anomalyMetrics,
  type RocPoint,
  type ThresholdMetrics,
  type LabelSets,
  type AnomalyMetrics,
} from './evaluation/roc.js';
export { latentStatistics, dimensionsByKl, ACTIVE_UNIT_THRESHOLD, type LatentStatistics, type LatentStatisticsOptions } from './evaluation/latent-stats.js';
export { mutualInformationGap, MIG_DEFAULTS, type MigInput, type MigOptions, type MutualInformationGap } from './evaluation/mig.js';
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
export {
  lerp,
  slerp,
  interpolationPath,
  interpolate,
  resolveInterpolateOptions,
  INTERPOLATE_DEFAULTS,
  INTERPOLATION_METHODS,
  type InterpolateOptions,
  type InterpolationMethod,
} from './latent/interpolate.js';
export { traverse, traversalLatents, traversalOffsets, resolveTraverseOptions, TRAVERSE_DEFAULTS, type TraverseOptions } from './latent/traverse.js';
export { latentGrid, LATENT_GRID_DEFAULTS, type LatentGridOptions } from './latent/manifold.js';
export { attributeVector, applyAttribute, type AttributeVector, type AttributeVectorOptions } from './latent/attribute.js';
export {
  mapEncode,
  encodeDataset,
  resolveMapEncodeOptions,
  MAP_ENCODE_DEFAULTS,
  ENCODE_METHODS,
  type EncodeMethod,
  type MapEncodeOptions,
  type MapEncoding,
  type EncodeDatasetOptions,
  type DatasetEncoding,
  type ResolvedMapEncodeOptions,
} from './latent/map-encode.js';
export { projectLatents, type LatentProjection, type ProjectLatentsOptions } from './latent/projection.js';
export { latentMapSpec, LATENT_MAP_DEFAULTS, type LatentMapOptions } from './render/latent-map.js';
export {
  makeDataset,
  subset,
  takeFirst,
  splitValidation,
  splitTrainTest,
  concatDatasets,
  gatherRows,
  isImageShape,
  type Dataset,
  type DatasetInit,
} from './data/dataset.js';
export { gatherBatch, type HostBatch, type GatherOptions } from './data/batch.js';
export { Standardizer, STANDARDIZER_KIND, STANDARDIZER_VERSION, type StandardizerJSON } from './data/standardize.js';
export { rawUnits, modelUnits, type ZScoreStats } from './data/standardize.js';
export { csvRecords } from './data/csv-records.js';
export { numericTable, MIN_TABLE_ROWS, featureNames, type NumericTable, type NumericTableOptions, type TableColumn, type TextRecord } from './data/table.js';
export { applyBinarization, binarizeSample, binarizeThreshold, BINARIZE_MODES, type BinarizeMode } from './data/binarize.js';
export { auditData, checkLikelihoodFit, auditWarnings, type DataAudit } from './data/audit.js';
export { imageGrid, sideBySide, type RasterImage } from './render/grid.js';
export { lossCurveSpec } from './render/loss-curve.js';
export { rocCurveSpec, ROC_CURVE_DEFAULTS, type RocCurvePoint, type RocCurveOptions } from './render/roc-curve.js';
export { reportHtml, escapeHtml, type ReportParts, type ReportSection, type ReportBlock, type ReportFigure, type ReportImage } from './render/report.js';
export { installWasmMatMulFix } from './backend/wasm-matmul.js';
export { registerWasmConvGradients } from './backend/conv-grad.js';
// The browser trainer's pieces (issue 12): IDX decoding from bytes, and a model folder's files in memory.
export { decodeIdx, type IdxArray, type IdxData } from './data/idx.js';
export { modelFolderFiles } from './io/model-files.js';
export * from './models/linear/index.js';
