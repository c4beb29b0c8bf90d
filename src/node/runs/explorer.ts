/**
 * The explorer's data of a VAE run (src/io/explorer-data.ts): the first N test examples in the
 * model's input units, their labels and conditions, and the list of the run's files the app shows,
 * written to RUN/explorer/ for `vaekit serve` and `vaekit export-app`. The app computes everything
 * else (codes, projection, ELBOs, KL per dimension) in the browser from these and the model.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { gatherBatch } from '../../data/batch.js';
import { ConfigError } from '../../errors.js';
import {
  EXPLORER_FILES,
  EXPLORER_FORMAT,
  EXPLORER_VERSION,
  type ExplorerDataKind,
  type ExplorerManifest,
  type ExplorerRunFiles,
} from '../../io/explorer-data.js';
import { check, intAtLeast } from '../../validate.js';
import { writeFileAtomic } from '../formats/atomic.js';
import { readCsvRecords } from '../formats/csv.js';
import { readModelDescription } from '../formats/model-store.js';
import { CALIBRATION_FILE, EVALUATION_FILE } from './results.js';
import { RUN_FILES, vaeModelFolder, noRunHere } from './folder.js';
import { readRun } from './kinds.js';
import { LATENT_PRIOR_FILE } from './latent-prior.js';
import { loadRunSplit, tableLayoutOf } from './run-data.js';

/** Options of {@link writeExplorerData}. */
export interface ExplorerDataOptions {
  /** N, the test examples the explorer maps (the first N of the split), an integer ≥ 2. Default 1000. */
  numExamples?: number;
  /** Told, in one line, of a run file the explorer leaves out. */
  onWarning?: (message: string) => void;
}

export const EXPLORER_DEFAULTS = Object.freeze({ numExamples: 1000 });

const FIGURE = /\.(png|svg)$/i;
/** The scores of the test split `vaekit score RUN` writes; the explorer's examples are its first rows. */
const TEST_SCORES_FILE = 'scores-test.csv';

/**
 * True when RUN/scores-test.csv scores these examples: at least N rows, indices 0…N−1 in order, and
 * the same labels where the examples have them (`vaekit score RUN --data other.csv` writes the same
 * file name for another data set).
 */
function scoresMatch(file: string, labels: Int32Array | undefined, n: number): boolean {
  let records: { cells: string[] }[];
  try {
    records = readCsvRecords(file);
  } catch {
    return false;
  }
  const header = records[0]?.cells ?? [];
  const index = header.indexOf('index');
  const label = header.indexOf('label');
  if (index < 0 || records.length - 1 < n) return false;
  for (let i = 0; i < n; i++) {
    const cells = records[i + 1].cells;
    if (Number(cells[index]) !== i) return false;
    if (labels && label >= 0 && Number(cells[label]) !== labels[i]) return false;
  }
  return true;
}

/** The run's files the explorer shows, relative to the run folder (null when absent). */
export function explorerRunFiles(run: string, modelFolder: string): ExplorerRunFiles {
  const present = (name: string) => (existsSync(join(run, name)) ? name : null);
  const names = readdirSync(run).filter((f) => statSync(join(run, f)).isFile());
  return {
    model: relative(run, modelFolder) || '.',
    metrics: present(RUN_FILES.metrics),
    evaluation: present(EVALUATION_FILE),
    scores: present(TEST_SCORES_FILE),
    calibration: present(CALIBRATION_FILE),
    latentPrior: present(LATENT_PRIOR_FILE),
    figures: names.filter((f) => FIGURE.test(f)).sort(),
  };
}

/**
 * Writes RUN/explorer/ (explorer.json, examples.bin and, for a conditional run, conditions.bin) from
 * the run's test split, replacing what was there.
 * @returns the manifest written
 * @throws CheckpointError when RUN holds no saved VAE; ConfigError for a linear run or a bad numExamples;
 *   DataError when the run's data cannot be read
 */
export async function writeExplorerData(run: string, opts: ExplorerDataOptions = {}): Promise<ExplorerManifest> {
  const limit = check('numExamples', opts.numExamples ?? EXPLORER_DEFAULTS.numExamples, intAtLeast(2));
  const saved = await readRun(run);
  if (saved.config.kind !== 'vae-run') throw new ConfigError(`${run}: the explorer shows VAE runs; this is a ${saved.config.model.kind} run`);
  const modelFolder = vaeModelFolder(run);
  if (!modelFolder) throw noRunHere(run);
  const description = await readModelDescription(modelFolder);
  const { name, ds } = loadRunSplit(saved.config, 'test', undefined, limit);
  const conditionDim = description.config.conditionDim ?? 0;
  const dataKind: ExplorerDataKind = ds.timeLabels ? 'series' : ds.columns ? 'table' : 'image';
  const folder = join(run, EXPLORER_FILES.folder);
  await mkdir(folder, { recursive: true });
  await writeFileAtomic(join(folder, EXPLORER_FILES.examples), new Uint8Array(ds.x.buffer, ds.x.byteOffset, ds.numExamples * ds.dataDim * 4));
  let conditions: ExplorerManifest['conditions'] = null;
  if (conditionDim > 0) {
    const c = gatherBatch(ds, null, 0, ds.numExamples, { conditionDim }).c!; // [N, C]
    await writeFileAtomic(join(folder, EXPLORER_FILES.conditions), new Uint8Array(c.buffer, c.byteOffset, c.length * 4));
    conditions = { file: EXPLORER_FILES.conditions, dim: conditionDim };
  }
  const files = explorerRunFiles(run, modelFolder);
  if (files.scores && !scoresMatch(join(run, files.scores), ds.labels, ds.numExamples)) {
    opts.onWarning?.(`${join(run, files.scores)}: not the scores of this run's test examples (another data set?); the explorer leaves it out`);
    files.scores = null;
  }
  const data = saved.config.data;
  const cond = description.preprocessing?.condition;
  const manifest: ExplorerManifest = {
    format: EXPLORER_FORMAT,
    version: EXPLORER_VERSION,
    runName: basename(resolve(run)),
    runKind: saved.config.kind,
    dataKind,
    source: name,
    split: 'test',
    numExamples: ds.numExamples,
    dataDim: ds.dataDim,
    exampleShape: [...ds.exampleShape],
    examplesFile: EXPLORER_FILES.examples,
    conditions,
    labels: ds.labels ? Array.from(ds.labels) : null,
    classNames: cond?.kind === 'label' ? cond.classNames : (data.classes ?? null),
    columns: ds.columns ? [...ds.columns] : null,
    layout: tableLayoutOf(data),
    standardization: data.standardization ?? null,
    scale: data.scale,
    timeLabels: ds.timeLabels ? [...ds.timeLabels] : null,
    files,
  };
  await writeFileAtomic(join(folder, EXPLORER_FILES.manifest), JSON.stringify(manifest) + '\n');
  return manifest;
}
