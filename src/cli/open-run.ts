/** Opening a run from a command: the run, and for a VAE run the compute backend its flags ask for. */
import { useBackend, type BackendName } from '../node/compute/backend.js';
import type { NativeChoice } from '../node/compute/native-kernels.js';
import { readRun, type SavedRun } from '../node/runs/kinds.js';

/**
 * Opens the run in `dir` and, when it is a VAE run, switches to the backend of `--backend` and `--native`.
 * @throws CheckpointError for a folder without a run
 */
export async function openRunOnBackend(dir: string, o: { backend: BackendName; native?: NativeChoice }): Promise<SavedRun> {
  const saved = await readRun(dir);
  if (saved.config.kind === 'vae-run') await useBackend(o.backend, o.native ? { native: o.native } : {});
  return saved;
}
