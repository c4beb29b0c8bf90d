/** Test helper: a gradient engine's answer as plain arrays. */
import * as tf from '@tensorflow/tfjs';
import type { HostBatch } from '../../src/data/batch.js';
import type { StepContext } from '../../src/objectives/objective.js';
import type { GradientEngine } from '../../src/training/engine.js';

/** What an engine returned for one batch, by variable name in its order, as arrays. */
export interface ReadGradients {
  names: string[];
  grads: Map<string, Float32Array>;
  stats: number[];
}

/** The engine's gradients and stats for `batch` at `ctx`, read back; its tensors disposed. */
export async function engineGradients(engine: Pick<GradientEngine, 'gradients'>, batch: HostBatch, ctx: StepContext): Promise<ReadGradients> {
  const r = await engine.gradients(batch, ctx);
  const out = {
    names: r.grads.map((g) => g.name),
    grads: new Map(r.grads.map((g) => [g.name, g.tensor.dataSync() as Float32Array])),
    stats: Array.from(r.stats.dataSync()),
  };
  tf.dispose([...r.grads.map((g) => g.tensor), r.stats]);
  return out;
}
