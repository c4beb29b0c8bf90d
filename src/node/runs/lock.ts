/**
 * The run folder's lock and the checks on `out` before a run starts: one training process per folder.
 *
 *   RUN/.lock   the pid of the process training into RUN (one line), made atomically (a hard link fails
 *               when the lock exists); a lock whose process is gone is taken over; removed when the run ends.
 *
 * Folders are made one level at a time: Node's recursive mkdir retries for ever where a parent exists
 * but refuses children with ENOENT (`/proc/x`), so a bad `out` spun at full CPU instead of failing.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError, setting } from '../../errors.js';

/** The lock file's name in a run folder (a dot file: the explorer's export and run listings skip it). */
export const RUN_LOCK_FILE = '.lock';

/** A held run folder: release it when the run ends (success, error or interrupt). */
export interface RunLock {
  readonly path: string;
  release(): void;
}

const errorCode = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);

/** @throws ConfigError when `path` cannot be looked at (EACCES, ELOOP) */
function kindOf(out: string, path: string): 'folder' | 'file' | null {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'file';
  } catch (e) {
    if (errorCode(e) === 'ENOENT' || errorCode(e) === 'ENOTDIR') return null; // ENOTDIR: a file above it, found next
    throw new ConfigError(`${setting('out', out)}: cannot look at ${path} (${errorCode(e)})`, { cause: e });
  }
}

function notWritable(out: string, where: string, e: unknown): ConfigError {
  return new ConfigError(`${setting('out', out)}: not writable: cannot create ${where} (${errorCode(e)})`, { cause: e });
}

/**
 * Makes the folder `out` and the missing folders above it, one level at a time.
 * @returns the folders made, deepest first
 * @throws ConfigError when `out` or a folder above it is a file, or a folder cannot be made
 */
function makeFolder(out: string): string[] {
  const missing: string[] = [];
  let at = resolve(out);
  for (;;) {
    const kind = kindOf(out, at);
    if (kind === 'folder') break;
    if (kind === 'file') {
      const what = at === resolve(out) ? 'it is a file, not a folder' : `${at} is a file, not a folder`;
      throw new ConfigError(`${setting('out', out)}: ${what}; name a folder for the run`);
    }
    missing.push(at);
    if (dirname(at) === at) break;
    at = dirname(at);
  }
  const made: string[] = [];
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (e) {
      if (errorCode(e) !== 'EEXIST' || kindOf(out, dir) !== 'folder') {
        removeEmpty(made.reverse());
        throw notWritable(out, `the folder ${dir}`, e);
      }
      continue; // made by another process meanwhile
    }
    made.push(dir);
  }
  return made.reverse();
}

/** Removes the folders (deepest first) while they are empty. */
function removeEmpty(dirs: string[]): void {
  for (const dir of dirs) {
    try {
      rmdirSync(dir);
    } catch {
      return;
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errorCode(e) === 'EPERM'; // alive, someone else's
  }
}

/** The pid in a lock file; null when it is gone or holds no pid. */
function lockPid(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Places the lock: a temporary file with this pid, hard-linked as `lock` (fails with EEXIST when a lock
 * exists, so a reader never sees an empty lock).
 * @returns true when placed, false when a lock exists
 */
function placeLock(out: string, lock: string): boolean {
  const temp = join(dirname(lock), `.${basename(lock)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, `${process.pid}\n`, { flag: 'wx' });
  } catch (e) {
    throw notWritable(out, `files in ${out}`, e);
  }
  try {
    linkSync(temp, lock);
    return true;
  } catch (e) {
    if (errorCode(e) === 'EEXIST') return false;
    throw notWritable(out, lock, e);
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
  }
}

/**
 * Moves aside the lock of `stalePid` (a process that is gone) so that it can be taken over. When another
 * process took it over first, its fresh lock is put back (a hard link, so it never overwrites one).
 */
function removeStaleLock(lock: string, stalePid: number): void {
  // Named like atomic.ts's temporary files, so a process killed before the unlink below leaves one that
  // the next run's removeStaleTempFiles clears.
  const aside = join(dirname(lock), `.${basename(lock)}.stale.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    renameSync(lock, aside);
  } catch {
    return; // gone already: someone else moved it
  }
  const moved = lockPid(aside);
  if (moved !== stalePid && moved !== null && processAlive(moved)) {
    try {
      linkSync(aside, lock);
    } catch {
      // a third process holds the folder now; its lock stays
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // gone already
  }
}

/**
 * Checks and locks the run folder `out` before a run starts: makes it (and the folders above it) when
 * missing, then places RUN/.lock with this pid. A lock whose process is gone is taken over.
 * @returns the lock; `release()` removes it, and the folders this call made when they are still empty
 * @throws ConfigError when `out` is a file, cannot be made or written, or another live process trains into it
 */
export function lockRunFolder(out: string): RunLock {
  const made = makeFolder(out);
  const lock = join(out, RUN_LOCK_FILE);
  try {
    for (let attempt = 0; ; attempt++) {
      if (placeLock(out, lock)) break;
      const pid = lockPid(lock);
      if (pid !== null && pid !== process.pid && processAlive(pid)) {
        throw new ConfigError(
          `${setting('out', out)}: another vaekit process (pid ${pid}) is training into this folder; wait for it to end, or use another ${setting('out')}`,
        );
      }
      if (pid === process.pid) throw new ConfigError(`${setting('out', out)}: this process is already training into this folder`);
      if (attempt >= 3) throw new ConfigError(`${setting('out', out)}: cannot take over ${lock}; remove it if no run is in progress`);
      if (pid !== null) removeStaleLock(lock, pid);
      else {
        // A lock without a pid is not one this code writes (placeLock links a complete file): treat it as stale.
        try {
          unlinkSync(lock);
        } catch {
          // gone already
        }
      }
    }
  } catch (e) {
    removeEmpty(made);
    throw e;
  }
  let isHeld = true;
  const release = () => {
    if (!isHeld) return;
    isHeld = false;
    process.off('exit', release);
    if (lockPid(lock) === process.pid) {
      try {
        unlinkSync(lock);
      } catch {
        // gone already
      }
    }
    removeEmpty(made);
  };
  // A process.exit mid-run (a second Ctrl-C) skips the caller's `finally`: the lock goes all the same.
  process.on('exit', release);
  return { path: lock, release };
}

/** Runs `fn` holding the lock of the run folder `out` (see {@link lockRunFolder}). */
export async function withRunFolder<T>(out: string, fn: () => Promise<T>): Promise<T> {
  const lock = lockRunFolder(out);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
