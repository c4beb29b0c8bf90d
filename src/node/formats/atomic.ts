/**
 * Atomic file and folder replacement: a reader sees the old content or the new, never a mix, and
 * a process killed mid-write leaves the previous file intact.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { VaeError } from '../../errors.js';

/** A file that could not be written; `path` is the file. */
export class WriteError extends VaeError {
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Why a write failed, in words, for the common causes (errno codes as Node gives them). */
function writeFailure(cause: unknown): string {
  const e = (cause instanceof WriteError ? cause.cause : cause) as NodeJS.ErrnoException | undefined;
  switch (e?.code) {
    case 'EFBIG':
      return 'the file-size limit was reached (EFBIG; see ulimit -f)';
    case 'ENOSPC':
      return 'the disk is full (ENOSPC)';
    case 'EDQUOT':
      return 'the disk quota is exhausted (EDQUOT)';
    case 'EROFS':
      return 'the file system is read-only (EROFS)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${e.code})`;
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** `.NAME.PID.HEX12.tmp`, as {@link tempName} makes them. */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** The temporary names of `path` (see {@link tempName}) in its folder: `.NAME.PID.HEX12.tmp`, the pid captured. */
function tempNamesOf(path: string): RegExp {
  const name = basename(path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\.${name}\\.(\\d+)\\.[0-9a-f]{12}\\.tmp$`);
}

/**
 * Removes the temporary files or folders of `path` that processes killed mid-write left beside it;
 * those of a live process (a write in progress) are kept.
 */
async function removeStaleTempsOf(path: string): Promise<void> {
  const own = tempNamesOf(path);
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    const m = own.exec(name);
    if (m != null && !processAlive(Number(m[1]))) await rm(join(dirname(path), name), { recursive: true, force: true });
  }
}

/**
 * Completes a folder swap of {@link replaceDirAtomic} that a killed process left half done: with
 * `path` missing, `path.old` (the previous version, complete) is moved back; with `path` present (the
 * new version, complete: it appears by one rename), `path.old` is removed.
 * @returns true when there was a swap to complete
 */
async function settleDirSwap(path: string): Promise<boolean> {
  const old = `${path}.old`;
  if (!(await isFolder(old))) return false;
  if (await exists(path)) await rm(old, { recursive: true, force: true });
  else await rename(old, path);
  return true;
}

async function isFolder(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Clears what processes killed mid-write (SIGKILL, power loss) left in `dir`: removes their temporary
 * files and folders (those of a live process, a write in progress, are kept) and completes the folder
 * swaps they left half done (`NAME.old`, see {@link replaceDirAtomic}). Call it only where no other
 * process replaces folders in `dir` (a run folder under its lock).
 * @returns the names removed or settled
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((name) => {
    const m = TEMP_NAME.exec(name);
    return m != null && !processAlive(Number(m[1]));
  });
  for (const name of stale) await rm(join(dir, name), { recursive: true, force: true });
  const settled: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.old') && n.length > 4)) {
    if (await settleDirSwap(join(dir, name.slice(0, -4)))) settled.push(name);
  }
  return [...stale, ...settled];
}

/**
 * Writes `bytes` to a temporary file in the same folder, flushes it to disk, then renames it over `path`;
 * then removes the temporary files of `path` that killed processes left (so a command killed mid-write
 * leaves nothing once it is rerun).
 * @throws VaeError (with the file-system error as cause) when the file cannot be written
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const temp = tempName(path);
  try {
    const fh = await open(temp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, path);
    await removeStaleTempsOf(path).catch(() => undefined); // tidying only: the write itself is done
  } catch (cause) {
    await unlink(temp).catch(() => undefined);
    throw new WriteError(`cannot write ${path}: ${writeFailure(cause)}; the previous version, if any, is intact`, path, { cause });
  }
}

/**
 * Replaces the folder `path` by one that `fill(tempDir)` writes: the new folder is complete before
 * the old one is moved aside, and the old one is removed only after the swap. If the process dies
 * between the two renames, `path + '.old'` still holds the previous version (readers fall back to it);
 * the next replacement (or {@link removeStaleTempFiles}) first moves it back, so the only complete copy is
 * never the one removed, and removes the temporary folders of `path` that killed processes left.
 * @throws VaeError when the folder cannot be written
 */
export async function replaceDirAtomic(path: string, fill: (tempDir: string) => Promise<void>): Promise<void> {
  const temp = tempName(path);
  const old = `${path}.old`;
  try {
    await settleDirSwap(path); // a swap a killed process left half done: `old` may be the only complete copy
    await removeStaleTempsOf(path);
    await fill(temp);
    await rm(old, { recursive: true, force: true });
    await rename(path, old).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    await rename(temp, path);
    await rm(old, { recursive: true, force: true });
  } catch (cause) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    const what = cause instanceof WriteError ? `${relative(temp, cause.path)}: ` : '';
    throw new WriteError(`cannot write the folder ${path} (${what}${writeFailure(cause)}); the previous version, if any, is intact`, path, { cause });
  }
}
