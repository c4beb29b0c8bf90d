/**
 * A temporary folder for a test file, removed after its tests, and a writer of numbered files in it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/**
 * @param prefix - the folder's name prefix, e.g. 'vaekit-csv-'
 * @returns `dir`, and `write(text, ext)`: writes `text` to a fresh file `t<k>.<ext>` and returns its path
 */
export function tempFiles(prefix: string): { dir: string; write: (text: string, ext?: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let count = 0;
  return {
    dir,
    write: (text, ext = 'csv') => {
      const path = join(dir, `t${count++}.${ext}`);
      writeFileSync(path, text);
      return path;
    },
  };
}
