/**
 * The importance-sampled log-likelihood on worker threads equals the single-threaded estimate:
 * example n draws its noise from its own stream whichever thread estimates it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makeDataset } from '../../src/data/dataset.js';
import { estimateLogLikelihood } from '../../src/evaluation/log-likelihood.js';
import { Rng } from '../../src/math/rng.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { estimateLogLikelihoodParallel } from '../../src/node/parallel/loglik-parallel.js';
import { setNativeLogWeightsSplit } from '../../src/node/compute/native-log-weights.js';
import { assertAllClose } from '../helpers/assert.js';

const D = 12;
const N = 13;
const rng = new Rng('loglik-parallel');
const ds = makeDataset({ x: Float32Array.from({ length: N * D }, () => (rng.next() < 0.3 ? 1 : 0)), numExamples: N, dataDim: D, source: 'test' });
let vae: VAE;
before(async () => {
  await useBackend('wasm');
  vae = new VAE({ inputShape: [D], hidden: [8], latentDim: 2, seed: 4 });
});
after(() => vae.dispose());

test('on 3 threads equals the single-threaded estimate example by example, and reports progress to N', async () => {
  const single = await estimateLogLikelihood(vae, ds, { numSamples: 40, seed: 2, chunkRows: 64 });
  const seen: number[] = [];
  const par = await estimateLogLikelihoodParallel(vae, ds, { numSamples: 40, seed: 2, chunkRows: 64, numThreads: 3, onProgress: (done) => seen.push(done) });
  assertAllClose(par.perExample, single.perExample, { rtol: 1e-6, atol: 1e-6 });
  assertAllClose(par.perExampleStandardError, single.perExampleStandardError, { rtol: 1e-5, atol: 1e-7 });
  assertAllClose(par.value, single.value, { rtol: 1e-9 });
  assert.equal(par.numExamples, N);
  assert.equal(Math.max(...seen), N);
});

test('a worker error is reported with its message', async () => {
  await assert.rejects(estimateLogLikelihoodParallel(vae, ds, { numSamples: 0, numThreads: 2 }), /numSamples: expected an integer ≥ 1, got 0/);
});

test("the parallel estimate puts the native log weights' split back as it found it: the caller's, or the automatic one", async () => {
  const explicit = { threads: 1, rowsPerBlock: 7 };
  const before = setNativeLogWeightsSplit(explicit);
  try {
    const single = await estimateLogLikelihood(vae, ds, { numSamples: 40, seed: 2, chunkRows: 64 });
    const par = await estimateLogLikelihoodParallel(vae, ds, { numSamples: 40, seed: 2, chunkRows: 64, numThreads: 2 });
    assertAllClose(par.perExample, single.perExample, { rtol: 1e-6, atol: 1e-6 });
    assert.deepEqual(setNativeLogWeightsSplit({ threads: 0, rowsPerBlock: 0 }), explicit, 'the split the caller set is back');
    await estimateLogLikelihoodParallel(vae, ds, { numSamples: 40, seed: 2, chunkRows: 64, numThreads: 2 });
    assert.deepEqual(setNativeLogWeightsSplit({ threads: 0, rowsPerBlock: 0 }), { threads: 0, rowsPerBlock: 0 }, 'the automatic split is restored');
  } finally {
    setNativeLogWeightsSplit(before);
  }
});
