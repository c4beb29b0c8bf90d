/** Shared by the commands that act on a saved run: find and load its model. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../../errors.js';
import { VAE } from '../../models/vae.js';
import { fsModelStore, MODEL_JSON } from '../../node/formats/model-store.js';
import { RUN_FILES } from '../../node/runs/train-run.js';

/**
 * The model folder of RUN: RUN itself when it holds vaekit.json, else RUN/model.
 * @throws CheckpointError when neither exists
 */
export function modelDirOf(run: string): string {
  if (existsSync(join(run, MODEL_JSON))) return run;
  const dir = join(run, RUN_FILES.model);
  if (existsSync(join(dir, MODEL_JSON)) || existsSync(join(`${dir}.old`, MODEL_JSON))) return dir;
  throw new CheckpointError(`${run}: no saved model here (expected ${join(run, RUN_FILES.model, MODEL_JSON)}); train one with vaekit train --out ${run}`);
}

export async function loadRunModel(run: string): Promise<VAE> {
  return VAE.load(modelDirOf(run), fsModelStore);
}
