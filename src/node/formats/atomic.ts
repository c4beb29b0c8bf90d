/**
 * Atomic file and folder replacement: a reader sees the old content or the new, never a mix, and
 * a process killed mid-write leaves the previous file intact.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VaeError } from '../../errors.js';

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

/**
 * Removes the temporary files and folders that a process killed mid-write (SIGKILL, power loss)
 * left in `dir`; those of a live process (a write in progress) are kept.
 * @returns the names removed
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((name) => {
    const m = TEMP_NAME.exec(name);
    return m != null && !processAlive(Number(m[1]));
  });
  for (const name of stale) await rm(join(dir, name), { recursive: true, force: true });
  return stale;
}

/**
 * Writes `bytes` to a temporary file in the same folder, flushes it to disk, then renames it over `path`.
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
  } catch (cause) {
    await unlink(temp).catch(() => undefined);
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new VaeError(`writeFileAtomic: expected to write ${path}, got an error (${reason})`, { cause });
  }
}

/**
 * Replaces the folder `path` by one that `fill(tempDir)` writes: the new folder is complete before
 * the old one is moved aside, and the old one is removed only after the swap. If the process dies
 * between the two renames, `path + '.old'` still holds the previous version (readers fall back to it).
 * @throws VaeError when the folder cannot be written
 */
export async function replaceDirAtomic(path: string, fill: (tempDir: string) => Promise<void>): Promise<void> {
  const temp = tempName(path);
  const old = `${path}.old`;
  try {
    await fill(temp);
    await rm(old, { recursive: true, force: true });
    await rename(path, old).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    await rename(temp, path);
    await rm(old, { recursive: true, force: true });
  } catch (cause) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new VaeError(`replaceDirAtomic: expected to write ${path}, got an error (${reason})`, { cause });
  }
}
