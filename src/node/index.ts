/**
 * vaekit for Node: everything in the browser-safe API, plus file IO. Importing this module makes
 * `vae.save(dir)` / `VAE.load(dir)` use the file system.
 */
import { setModelStore } from '../models/model-store.js';
import { fsModelStore } from './model-store.js';

setModelStore(fsModelStore);

export * from '../index.js';
export { useBackend, BACKENDS, type BackendName } from './backend.js';
export { fsModelStore, readModelDescription, MODEL_JSON } from './model-store.js';
export { readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.js';
export { readIdx } from './idx.js';
export { loadIdxDataset, mnistDataDir, MNIST_FILES } from './mnist.js';
export { loadDataSource, dataKindOf, BUILT_IN_DATA, TABLE_SPLIT, DEFAULT_SCALE, type LoadedData, type DataKind, type DataSourceOptions } from './data-source.js';
export { readCsvTable } from './csv.js';
export { loadBostonTable, bostonCsvPath } from './boston.js';
export { trainRun, RUN_FILES, RUN_DEFAULTS, DATA_KIND_DEFAULTS, type RunConfig, type RunSummary, type RunCallbacks } from './train-run.js';
export { trainLinearRun, readLinearRun, readLinearRunMetrics, isLinearRun, LINEAR_RUN_FILES, LINEAR_RUN_DEFAULTS, type LinearRunConfig, type LinearRunMetrics } from './linear-run.js';
export { evaluateRun, EVALUATION_FILE, EVALUATION_VERSION, type Evaluation } from './evaluate-run.js';
export { scoreRun, scoresCsv, type RunScores } from './score-run.js';
export { latentPriorOfRun, encoderFingerprint, LATENT_PRIOR_FILE, type LatentPrior, type LatentPriorJson, type LatentPriorKey } from './latent-prior.js';
export { reconstructRun, RECONSTRUCT_DEFAULTS, type ReconstructOptions, type RunReconstructions } from './reconstruct-run.js';
export { loadRunSplit, loadRunData, SPLITS, type Split, type RunDataConfig } from './run-split.js';
export { encodePng, decodePng, writePngFile } from './png.js';
export { writeLossCurve, renderSpecToSvg } from './plot.js';
export { renderReconstructions, renderSamples, writeReconstructionPicture } from './pictures.js';
export { writeVaeSamplesCsv, writeVaeReconstructionsCsv, writeReconstructionsCsv, tableCsv } from './table-csv.js';
export { writeFileAtomic, replaceDirAtomic } from './atomic.js';
export { DataParallelGradients, shardRows, type DataParallelOptions } from './parallel/data-parallel.js';
export { estimateLogLikelihoodParallel, type ParallelLogLikelihoodOptions } from './parallel/loglik-parallel.js';
export { defaultNumThreads } from './parallel/start-worker.js';
