/**
 * Opens a saved run folder of either family: a linear run (RUN/model.json) or a VAE run
 * (RUN/config.json and RUN/model/), with the config fields that say how to load its data.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../../errors.js';
import type { LinearModel } from '../../models/linear/index.js';
import { VAE } from '../../models/vae.js';
import { isLinearRun, readLinearRun, type LinearRunConfig } from './linear-run.js';
import { fsModelStore, MODEL_JSON } from '../formats/model-store.js';
import { readRunConfig, RUN_FILES, type RunConfig } from './train-run.js';

export type SavedRun =
  | { family: 'linear'; config: LinearRunConfig; model: LinearModel }
  /** The caller disposes `vae`. */
  | { family: 'vae'; config: RunConfig; vae: VAE };

/**
 * @throws CheckpointError when RUN holds neither kind of run, or its files are unreadable
 */
export async function openRun(run: string): Promise<SavedRun> {
  if (isLinearRun(run)) return { family: 'linear', ...(await readLinearRun(run)) };
  const dir = join(run, RUN_FILES.model);
  if (!existsSync(join(dir, MODEL_JSON)) && !existsSync(join(`${dir}.old`, MODEL_JSON))) {
    throw new CheckpointError(`${run}: no saved run here (expected ${join(run, 'model.json')} or ${join(dir, MODEL_JSON)}); train one with vaekit train --out ${run}`);
  }
  const config = await readRunConfig(run);
  return { family: 'vae', config, vae: await VAE.load(dir, fsModelStore) };
}
