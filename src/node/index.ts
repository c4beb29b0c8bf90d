/**
 * vaekit for Node: everything in the browser-safe API, plus file IO. Importing this module makes
 * `vae.save(dir)` / `VAE.load(dir)` use the file system.
 */
import { setModelStore } from '../models/model-store.js';
import { fsModelStore } from './formats/model-store.js';

setModelStore(fsModelStore);

export * from '../index.js';
export { useBackend, BACKENDS, type BackendName } from './compute/backend.js';
export { fsModelStore, readModelDescription, MODEL_JSON } from './formats/model-store.js';
export { readCheckpoint, writeCheckpoint, type Checkpoint } from './formats/checkpoint.js';
export { readIdx } from './formats/idx.js';
export { loadIdxDataset, mnistDataDir, MNIST_FILES } from './datasets/mnist.js';
export { loadDataSource, dataKindOf, BUILT_IN_DATA, TABLE_SPLIT, DEFAULT_SCALE, type LoadedData, type DataKind, type DataSourceOptions } from './datasets/data-source.js';
export { readCsvTable } from './formats/csv.js';
export { loadBostonTable, bostonCsvPath } from './datasets/boston.js';
export { trainRun, RUN_FILES, RUN_DEFAULTS, DATA_KIND_DEFAULTS, type RunConfig, type RunSummary, type RunCallbacks } from './runs/train-run.js';
export { trainLinearRun, readLinearRun, readLinearRunMetrics, isLinearRun, LINEAR_RUN_FILES, LINEAR_RUN_DEFAULTS, type LinearRunConfig, type LinearRunMetrics } from './runs/linear-run.js';
export { evaluateRun, EVALUATION_FILE, EVALUATION_VERSION, type Evaluation } from './runs/evaluate-run.js';
export { scoreRun, scoresCsv, type RunScores } from './runs/score-run.js';
export { latentPriorOfRun, encoderFingerprint, LATENT_PRIOR_FILE, type LatentPrior, type LatentPriorJson, type LatentPriorKey } from './runs/latent-prior.js';
export { reconstructRun, RECONSTRUCT_DEFAULTS, type ReconstructOptions, type RunReconstructions } from './runs/reconstruct-run.js';
export { loadRunSplit, loadRunData, SPLITS, type Split, type RunDataConfig } from './runs/run-data.js';
export { encodePng, decodePng, writePngFile } from './formats/png.js';
export { writeLossCurve, renderSpecToSvg } from './formats/plot.js';
export { renderReconstructions, renderSamples, writeReconstructionPicture } from './runs/pictures.js';
export { writeVaeSamplesCsv, writeVaeReconstructionsCsv, writeReconstructionsCsv, tableCsv } from './runs/table-csv.js';
export { writeFileAtomic, replaceDirAtomic } from './formats/atomic.js';
export { DataParallelGradients, shardRows, type DataParallelOptions } from './parallel/data-parallel.js';
export { estimateLogLikelihoodParallel, type ParallelLogLikelihoodOptions } from './parallel/loglik-parallel.js';
export { defaultNumThreads } from './parallel/start-worker.js';
