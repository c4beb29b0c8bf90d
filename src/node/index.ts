/**
 * vaekit for Node: everything in the browser-safe API, plus file IO, data sources, backends and run
 * folders. Importing this module makes `vae.save(dir)` / `VAE.load(dir)` use the file system.
 */
import { setModelStore } from '../models/model-store.js';
import { fsModelStore } from './formats/model-store.js';

setModelStore(fsModelStore);

export * from '../index.js';
// compute/
export { useBackend, BACKENDS, type BackendName, type BackendOptions } from './compute/backend.js';
export { installNativeKernels, nativeKernelsInfo, nativeKernelsUnavailable, NATIVE_CHOICES, type NativeChoice } from './compute/native-kernels.js';
// formats/
export { fsModelStore, readModelDescription, savedModelFolder, MODEL_JSON } from './formats/model-store.js';
export { readCheckpoint, writeCheckpoint, type Checkpoint } from './formats/checkpoint.js';
export { readIdx } from './formats/idx.js';
export { readCsvTable, csvText } from './formats/csv.js';
export { encodePng, decodePng, writePngFile } from './formats/png.js';
export { writeLossCurve, renderSpecToSvg } from './formats/plot.js';
export { writeFileAtomic, replaceDirAtomic } from './formats/atomic.js';
// datasets/
export { loadIdxDataset, mnistDataDir, MNIST_FILES } from './datasets/mnist.js';
export {
  loadDataSource,
  dataKindOf,
  BUILT_IN_DATA,
  TABLE_SPLIT,
  DEFAULT_SCALE,
  type LoadedData,
  type DataKind,
  type DataSourceOptions,
} from './datasets/data-source.js';
export { loadBostonTable, bostonCsvPath } from './datasets/boston.js';
export { loadCpsWagesTable, cpsWagesCsvPath, CPS_WAGES_CATEGORICAL } from './datasets/cps-wages.js';
export { loadPngFolder, isPngFolder, IMAGE_FOLDER_SPLIT, type PngFolderData, type PngFolderOptions } from './datasets/png-folder.js';
// parallel/
export { DataParallelGradients, shardRows, type DataParallelOptions } from './parallel/data-parallel.js';
export { estimateLogLikelihoodParallel, type ParallelLogLikelihoodOptions } from './parallel/loglik-parallel.js';
export { defaultNumThreads, workerThreadsFor } from './parallel/start-worker.js';
// runs/
export {
  resolveRunConfig,
  migrateRunConfig,
  readRunConfig,
  defaultOut,
  DATA_KIND_DEFAULTS,
  RUN_DEFAULTS,
  RUN_CONFIG_VERSION,
  RUN_CONFIG_FILE,
  RUN_KINDS,
  type RunConfig,
  type RunKind,
  type PartialRunConfig,
  type PartialModelConfig,
  type VaeRunConfig,
  type LinearRunConfig,
  type RunDataConfig,
  type VaeModelConfig,
  type LinearModelConfig,
  type ComputeConfig,
} from './runs/config.js';
export { RUN_FILES, LINEAR_RUN_FILES, isLinearRun, vaeModelFolder, readMetricsFile, writeMetricsFile } from './runs/folder.js';
export {
  trainRun,
  readRun,
  evaluateRun,
  scoreRun,
  scoresCsv,
  reconstructRun,
  sampleRun,
  describeRun,
  type SavedRun,
  type TrainRunResult,
} from './runs/kinds.js';
export {
  calibrateRun,
  readCalibration,
  readRunCalibration,
  writeLabelMetrics,
  type CalibrateRunOptions,
  type CalibrateRunResult,
  type LabelMetricsJson,
} from './runs/anomaly.js';
export { trainVaeRun, type RunSummary, type RunCallbacks, type TrainRunOptions } from './runs/vae-train.js';
export { trainLinearRun, readLinearModel, readLinearRunMetrics, type LinearRunMetrics } from './runs/linear-run.js';
export {
  EVALUATION_FILE,
  EVALUATION_VERSION,
  CALIBRATION_FILE,
  EVALUATE_DEFAULT_SAMPLES,
  RECONSTRUCT_DEFAULTS,
  SAMPLE_PRIORS,
  type Evaluation,
  type EvaluateRunOptions,
  type RunScores,
  type ScoreRunOptions,
  type ReconstructOptions,
  type RunReconstructions,
  type SampleRunOptions,
  type SampleResult,
  type SamplePrior,
  type RunDescription,
} from './runs/results.js';
export { loadRunData, loadRunExamples, loadRunSplit, SPLITS, type Split, type RunExamples } from './runs/run-data.js';
export { latentPriorOfRun, encoderFingerprint, LATENT_PRIOR_FILE, type LatentPrior, type LatentPriorJson, type LatentPriorKey } from './runs/latent-prior.js';
export {
  interpolateRun,
  traverseRun,
  attributeRun,
  mapRun,
  LATENT_TOOL_FILES,
  MAP_DEFAULTS,
  ATTRIBUTE_RUN_DEFAULTS,
  type InterpolateRunOptions,
  type InterpolationResult,
  type TraverseRunOptions,
  type TraversalResult,
  type AttributeRunOptions,
  type AttributeResult,
  type MapRunOptions,
  type MapResult,
  type LatentToolFile,
  type LatentToolResult,
} from './runs/latent-tools.js';
export { reportRun, REPORT_FILE, REPORT_DEFAULTS, type ReportRunOptions, type ReportResult } from './runs/report.js';
export { renderReconstructions, renderSamples, writeReconstructionPicture } from './runs/pictures.js';
export { writeVaeSamplesCsv, writeVaeReconstructionsCsv, writeReconstructionsCsv, tableCsv } from './runs/table-csv.js';
export { writeExplorerData, explorerRunFiles, EXPLORER_DEFAULTS, type ExplorerDataOptions } from './runs/explorer.js';
// serve/
export {
  startExplorerServer,
  exportApp,
  startStaticServer,
  parseRequestPath,
  checkAppFolder,
  siteIndex,
  contentTypeOf,
  openInBrowser,
  DEFAULT_APP_FOLDER,
  SITE_PATHS,
  LISTEN_DEFAULTS,
  CONTENT_TYPES,
  type ExplorerAppOptions,
  type ExplorerServerOptions,
  type ExplorerServer,
  type ExportAppOptions,
  type ExportAppResult,
  type StaticSite,
  type StaticMount,
  type ListenOptions,
  type RunningServer,
  type RequestPath,
} from './serve/index.js';
export { VAEKIT_VERSION } from './version.js';
