/**
 * The files the latent-space explorer (app/) reads from a run, and the site file that tells the app
 * where they are. Written by Node (src/node/runs/explorer.ts: `vaekit serve`, `vaekit export-app`),
 * read by the app in the browser; nothing here reads a file.
 *
 *   SITE/site.json                         {@link SiteIndex}: where the run is ('run/'), which datasets the page can train on
 *   SITE/run/explorer/explorer.json        {@link ExplorerManifest}: the run's examples and files
 *   SITE/run/explorer/examples.bin         examples x [N, D], float32 little-endian, in the model's input units
 *   SITE/run/explorer/conditions.bin       a conditional run's c [N, C], float32 little-endian
 *   SITE/run/model/ …                      the saved model (src/node/formats/model-store.ts), read by the HTTP model store
 */
import type { StandardizerJSON } from '../data/standardize.js';
import type { TableColumn } from '../data/table.js';
import { DataError } from '../errors.js';

export const EXPLORER_FORMAT = 'vaekit-explorer';
export const EXPLORER_VERSION = 1;
export const SITE_FORMAT = 'vaekit-site';
export const SITE_VERSION = 1;

/** What kind of data a run holds: images [H, W, C], table rows [D], or windows of a series [T, F]. */
export type ExplorerDataKind = 'image' | 'table' | 'series';

/** A run's files the explorer shows, as paths relative to the run folder; null when the run has none. */
export interface ExplorerRunFiles {
  /** The saved model folder ('model'), for `loadModel(runUrl + '/model')`. */
  model: string;
  /** metrics.jsonl, one epoch per line (src/training/state.ts EpochMetrics). */
  metrics: string | null;
  /** evaluation.json (src/node/runs/results.ts Evaluation). */
  evaluation: string | null;
  /** scores-test.csv (vaekit score): a header, one row per example. */
  scores: string | null;
  /** calibration.json (vaekit calibrate): the anomaly threshold. */
  calibration: string | null;
  /** latent-prior-gmm.json: the Gaussian mixture fitted to the aggregated posterior (src/models/linear GMM JSON). */
  latentPrior: string | null;
  /** Pictures and plots of the run (PNG, SVG), by file name. */
  figures: string[];
}

/** explorer/explorer.json: the examples the explorer maps, and where the run's other files are. */
export interface ExplorerManifest {
  format: typeof EXPLORER_FORMAT;
  version: number;
  /** The run's folder name, for titles. */
  runName: string;
  /** 'vae-run' (only VAE runs are explored). */
  runKind: string;
  dataKind: ExplorerDataKind;
  /** The data source's name, e.g. 'mnist'. */
  source: string;
  /** Which split the examples are from, e.g. 'test'. */
  split: string;
  /** N, the examples in examples.bin (the first N of the split). */
  numExamples: number;
  /** D, the values per example. */
  dataDim: number;
  /** One example's shape: [H, W, C] images, [D] tables, [T, F] series windows. */
  exampleShape: number[];
  /** examples.bin, relative to the manifest's folder: x [N, D] float32 LE in the model's input units (pixels in [0, 1]; tables z-scored). */
  examplesFile: string;
  /** A conditional run: conditions.bin (c [N, C] float32 LE) and C; else null. */
  conditions: { file: string; dim: number } | null;
  /** Integer class labels [N], or null. */
  labels: number[] | null;
  /** Class k's name, when the data name them (a PNG folder's subfolders, a table's label column). */
  classNames: string[] | null;
  /** Tables: the D feature names in order; null otherwise. */
  columns: string[] | null;
  /** Tables with categorical columns: the layout (one-hot groups); null otherwise. */
  layout: TableColumn[] | null;
  /** Tables: the z-score transform of the model's inputs, to show rows in raw units; null otherwise. */
  standardization: StandardizerJSON | null;
  /** Raw values were divided by this before standardisation (255 for 8-bit pixels). */
  scale: number;
  /** Series windows: the time of each window's last step [N]; null otherwise. */
  timeLabels: string[] | null;
  /** The run's files, relative to the run folder. */
  files: ExplorerRunFiles;
}

/** site.json at the site's root: where the app finds a run and the data it can train on. */
export interface SiteIndex {
  format: typeof SITE_FORMAT;
  version: number;
  /** The run folder relative to the site root ('run'), or null for the page without a run (training only). */
  run: string | null;
  /** Datasets the page can fetch to train on: MNIST as the four IDX files in this folder ('data/mnist'), or null. */
  datasets: { mnist: string | null };
  /** The vaekit version that wrote it. */
  vaekitVersion: string;
}

/** The explorer data folder inside a run, and its file names. */
export const EXPLORER_FILES = { folder: 'explorer', manifest: 'explorer.json', examples: 'examples.bin', conditions: 'conditions.bin' } as const;
export const SITE_FILE = 'site.json';

function fail(where: string, what: string): never {
  throw new DataError(`${where}: ${what}`);
}

/**
 * Checks a parsed explorer.json.
 * @param where - its URL or path, for messages
 * @throws DataError naming the field when it is not an explorer manifest of a version this vaekit reads
 */
export function parseExplorerManifest(json: unknown, where: string): ExplorerManifest {
  const m = json as Partial<ExplorerManifest> | null;
  if (!m || typeof m !== 'object' || m.format !== EXPLORER_FORMAT) fail(where, `expected an explorer manifest (format '${EXPLORER_FORMAT}')`);
  if (m.version !== EXPLORER_VERSION) fail(where, `expected explorer format version ${EXPLORER_VERSION}, got ${String(m.version)} (written by another vaekit)`);
  const n = m.numExamples;
  const d = m.dataDim;
  if (!Number.isInteger(n) || (n as number) < 1) fail(where, `numExamples: expected an integer ≥ 1, got ${String(n)}`);
  if (!Number.isInteger(d) || (d as number) < 1) fail(where, `dataDim: expected an integer ≥ 1, got ${String(d)}`);
  if (!Array.isArray(m.exampleShape) || m.exampleShape.reduce((a, b) => a * b, 1) !== d) fail(where, `exampleShape: expected a shape of ${d} values`);
  if (m.labels && m.labels.length !== n) fail(where, `labels: expected ${n}, got ${m.labels.length}`);
  if (m.columns && m.columns.length !== d) fail(where, `columns: expected ${d} names, got ${m.columns.length}`);
  if (!m.files || typeof m.files.model !== 'string') fail(where, 'files.model: expected the model folder');
  return m as ExplorerManifest;
}

/**
 * Reads a float32 little-endian matrix [rows, cols] from bytes.
 * @throws DataError when the byte count is not rows·cols·4
 */
export function float32Matrix(bytes: ArrayBuffer, rows: number, cols: number, where: string): Float32Array {
  if (bytes.byteLength !== rows * cols * 4) fail(where, `expected ${rows} × ${cols} float32 values (${rows * cols * 4} bytes), got ${bytes.byteLength} bytes`);
  const view = new DataView(bytes);
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/**
 * Checks a parsed site.json.
 * @throws DataError when it is not a site index of a version this vaekit reads
 */
export function parseSiteIndex(json: unknown, where: string): SiteIndex {
  const s = json as Partial<SiteIndex> | null;
  if (!s || typeof s !== 'object' || s.format !== SITE_FORMAT) fail(where, `expected a site index (format '${SITE_FORMAT}')`);
  if (s.version !== SITE_VERSION) fail(where, `expected site format version ${SITE_VERSION}, got ${String(s.version)}`);
  if (s.run !== null && typeof s.run !== 'string') fail(where, 'run: expected a folder or null');
  return { ...s, datasets: { mnist: s.datasets?.mnist ?? null } } as SiteIndex;
}
