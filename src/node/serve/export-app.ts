/**
 * The explorer's site as a static folder (src/node/serve/explorer-site.ts's layout, without MNIST):
 * a copy of the built app, site.json, and run/ holding what the explorer reads of the run: the saved
 * model, explorer/, and the files its manifest lists, plus config.json and summary.json. The training
 * checkpoint and hidden files are left out. The folder is written beside OUT under a temporary name
 * and renamed into place when complete, so OUT never holds half a site.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync, statSync, readdirSync } from 'node:fs';
import { cp, mkdir, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ConfigError, setting, VaeError } from '../../errors.js';
import { SITE_FILE, type ExplorerManifest, type SiteIndex } from '../../io/explorer-data.js';
import { writeExplorerData } from '../runs/explorer.js';
import { RUN_FILES } from '../runs/folder.js';
import { APP_INDEX, checkAppFolder, checkExplorableRun, servedRunEntries, SITE_PATHS, siteIndex, type ExplorerAppOptions } from './explorer-site.js';

/** Options of {@link exportApp}: numExamples (default 1000) and appFolder (default the package's dist/app). */
export type ExportAppOptions = ExplorerAppOptions;

/** What {@link exportApp} wrote. */
export interface ExportAppResult {
  /** The site folder, absolute. */
  out: string;
  /** Its site.json. */
  site: SiteIndex;
  /** The run's explorer manifest (run/explorer/explorer.json). */
  manifest: ExplorerManifest;
  /** The entries of run/, sorted: 'config.json', 'explorer', 'metrics.jsonl', 'model', … */
  runEntries: string[];
  /** Every file written, relative to `out` with '/' separators, sorted. */
  files: string[];
}

/**
 * @throws ConfigError when `out` is a file, or a folder that holds anything
 */
function checkOut(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new ConfigError(`${setting('out', out)}: expected a new or empty folder, got a file`);
  const n = readdirSync(out).length;
  if (n > 0) throw new ConfigError(`${setting('out', out)}: expected a new or empty folder, got one holding ${n} entr${n === 1 ? 'y' : 'ies'}`);
}

/** Leaves out hidden files (temporary files, .old folders of interrupted writes start with '.') and the training checkpoint. */
const isExported = (src: string) => {
  const name = basename(src);
  return !name.startsWith('.') && name !== RUN_FILES.checkpoint;
};

/** As {@link isExported}, and only what really lies inside `root` (a symlink out of the run is not published, as the server does not serve it). */
const isExportedFrom = (root: string) => {
  const realRoot = realpathSync(root);
  return (src: string) => {
    if (!isExported(src)) return false;
    try {
      const real = realpathSync(src);
      return real === realRoot || real.startsWith(realRoot + sep);
    } catch {
      return false;
    }
  };
};

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out;
}

/**
 * Writes the explorer's static site for the VAE run in `runFolder` into `outFolder`: RUN/explorer/ first
 * (writeExplorerData), then the app, site.json (run 'run', no datasets) and run/. Symlinks are copied as
 * the files they name.
 * @param outFolder - the folder to write; it must not exist, or be empty (its parents are made)
 * @returns the folder, its site index, the manifest and the files written
 * @throws ConfigError when `outFolder` exists and is not an empty folder, for a linear run, an app folder
 *   without index.html, or a bad numExamples; CheckpointError when RUN holds no saved VAE;
 *   VaeError (with the file-system error as cause) when the folder cannot be written
 */
export async function exportApp(runFolder: string, outFolder: string, opts: ExportAppOptions = {}): Promise<ExportAppResult> {
  const out = resolve(outFolder);
  const run = resolve(runFolder);
  checkOut(out);
  await checkExplorableRun(runFolder);
  const app = checkAppFolder(opts.appFolder);
  const manifest = await writeExplorerData(run, { numExamples: opts.numExamples, onWarning: opts.onWarning });
  const site = siteIndex(SITE_PATHS.run, null);
  const runEntries = servedRunEntries(run, manifest);
  await mkdir(dirname(out), { recursive: true });
  // Named as src/node/formats/atomic.ts names its temporaries, so removeStaleTempFiles clears one a killed process left.
  const temp = join(dirname(out), `.${basename(out)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await cp(app, temp, { recursive: true, dereference: true, filter: isExported });
    if (!existsSync(join(temp, APP_INDEX))) throw new ConfigError(`${app}: expected the built explorer app (${APP_INDEX}), got none; run npm run build`);
    await writeFile(join(temp, SITE_FILE), JSON.stringify(site, null, 2) + '\n');
    const runOut = join(temp, SITE_PATHS.run);
    await mkdir(runOut);
    const inRun = isExportedFrom(run);
    for (const name of runEntries) await cp(join(run, name), join(runOut, name), { recursive: true, dereference: true, filter: inRun });
    const files = (await listFiles(temp)).sort();
    checkOut(out); // nothing appeared there meanwhile
    if (existsSync(out)) await rmdir(out); // empty: rmdir refuses anything else
    await rename(temp, out);
    return { out, site, manifest, runEntries: (await readdir(join(out, SITE_PATHS.run))).sort(), files };
  } catch (cause) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    if (cause instanceof VaeError) throw cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new VaeError(`${out}: expected to write the explorer site, got an error (${reason})`, { cause });
  }
}
