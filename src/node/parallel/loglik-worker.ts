/**
 * A log-likelihood worker thread: its own TensorFlow.js backend and a copy of the VAE; estimates
 * log p(x) for one slice of a dataset and posts the per-example parts back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { makeDataset } from '../../data/dataset.js';
import { estimateLogLikelihood } from '../../evaluation/log-likelihood.js';
import type { VaeArtifacts } from '../../models/description.js';
import { modelFromArtifacts } from '../../models/index.js';
import { useBackend } from '../compute/backend.js';
import { setNativeLogWeightsSplit } from '../compute/native-log-weights.js';
import { injectedFault } from './fault-injection.js';

interface Init {
  artifacts: VaeArtifacts;
  backend: 'wasm' | 'cpu';
  x: Float32Array;
  numExamples: number;
  dataDim: number;
  /** A conditional model's c [numExamples, C]. */
  conditions?: Float32Array;
  conditionDim?: number;
  numSamples: number;
  seed: number;
  chunkRows?: number;
  firstIndex: number;
  /** Threads for this worker's native log weights (its share of the cores). */
  nativeThreads?: number;
}

async function main(): Promise<void> {
  const init = workerData as Init;
  await useBackend(init.backend);
  if (init.nativeThreads) setNativeLogWeightsSplit({ threads: init.nativeThreads, rowsPerBlock: 0 });
  if (injectedFault('loglik-worker') === 0) process.exit(1);
  const vae = await modelFromArtifacts(init.artifacts);
  try {
    const ds = makeDataset({
      x: init.x,
      numExamples: init.numExamples,
      dataDim: init.dataDim,
      ...(init.conditions ? { conditions: init.conditions, conditionDim: init.conditionDim } : {}),
      source: 'worker slice',
    });
    const r = await estimateLogLikelihood(vae, ds, {
      numSamples: init.numSamples,
      seed: init.seed,
      chunkRows: init.chunkRows,
      firstIndex: init.firstIndex,
      onProgress: (done) => parentPort!.postMessage({ done }),
    });
    parentPort!.postMessage({ perExample: r.perExample, perExampleSe: r.perExampleStandardError, perExampleEss: r.perExampleEffectiveSampleSize });
  } finally {
    vae.dispose();
  }
}

main().catch((e) => parentPort!.postMessage({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }));
