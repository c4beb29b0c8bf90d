/**
 * A run folder's files and where its parts are: the one place that knows the file names of a run,
 * where a saved run's model is, and how metrics.jsonl is read and written.
 *
 *   RUN/config.json        the resolved run configuration (src/node/runs/config.ts)
 *   RUN/metrics.jsonl      VAE runs: one JSON object per epoch (EpochMetrics, src/training/state.ts)
 *   RUN/checkpoint.vkc     VAE runs: the latest training state, rewritten atomically every epoch and on Ctrl-C
 *   RUN/model/             VAE runs: the best model by validation loss (the last one without validation)
 *   RUN/model.json         linear runs: the fitted model's tagged JSON
 *   RUN/metrics.json       linear runs: fit time, EM history, train/test figures
 *   pictures (images) or CSV files in raw units (tables), loss-curve.svg, summary.json
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError, setting } from '../../errors.js';
import { migrateMetrics, type EpochMetrics } from '../../training/state.js';
import { writeFileAtomic } from '../formats/atomic.js';
import { MODEL_JSON, savedModelFolder } from '../formats/model-store.js';
import { LOSS_CURVE_FILE } from '../formats/plot.js';
import { RUN_CONFIG_FILE } from './config.js';

/** The files of a VAE run. */
export const RUN_FILES = {
  config: RUN_CONFIG_FILE,
  metrics: 'metrics.jsonl',
  checkpoint: 'checkpoint.vkc',
  model: 'model',
  reconstructions: 'reconstructions.png',
  samples: 'samples.png',
  /** Tables, instead of the PNGs: raw units, a header of column names. */
  reconstructionsCsv: 'reconstructions.csv',
  samplesCsv: 'samples.csv',
  lossCurve: LOSS_CURVE_FILE,
  summary: 'summary.json',
} as const;

/** The files of a linear run. */
export const LINEAR_RUN_FILES = { config: RUN_CONFIG_FILE, model: 'model.json', metrics: 'metrics.json' } as const;

/** True when RUN holds a linear run (RUN/model.json). */
export function isLinearRun(run: string): boolean {
  return existsSync(join(run, LINEAR_RUN_FILES.model));
}

/**
 * The folder of RUN's saved VAE: RUN itself when it is a model folder (it holds vaekit.json), else
 * RUN/model (or the previous version a killed save left in RUN/model.old); null when there is none.
 */
export function vaeModelFolder(run: string): string | null {
  return savedModelFolder(run) ?? savedModelFolder(join(run, RUN_FILES.model));
}

/** The message for a folder that holds no run, naming what was looked for and how to make one. */
export function noRunHere(run: string): CheckpointError {
  return new CheckpointError(
    `${run}: no saved model here (expected ${join(run, RUN_FILES.model, MODEL_JSON)}, or ${join(run, LINEAR_RUN_FILES.model)} for a linear model); ` +
      `train a run into it (${setting('out', run)})`,
  );
}

/**
 * RUN/metrics.jsonl, each row as the current version (rows of vaekit 0.1 are migrated).
 * @returns the rows, or [] when the file does not exist
 * @throws CheckpointError when a line is not JSON
 */
export async function readMetricsFile(run: string): Promise<EpochMetrics[]> {
  const where = join(run, RUN_FILES.metrics);
  if (!existsSync(where)) return [];
  const lines = (await readFile(where, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  return lines.map((l, i) => {
    try {
      return migrateMetrics(JSON.parse(l));
    } catch (cause) {
      throw new CheckpointError(`${where}: line ${i + 1} is not a metrics row (${(cause as Error).message})`, { cause });
    }
  });
}

/** Writes RUN/metrics.jsonl atomically, one row per line. */
export async function writeMetricsFile(run: string, rows: readonly EpochMetrics[]): Promise<void> {
  await writeFileAtomic(join(run, RUN_FILES.metrics), rows.map((h) => JSON.stringify(h)).join('\n') + '\n');
}
