/**
 * Seeded choice of K initial centres among the examples, for the Gaussian mixture's EM.
 *   'kmeans++': c_1 uniform; then c_j = x_n with probability ∝ min_{i<j} ‖x_n − c_i‖² (D² sampling)
 *   'random':   K distinct examples drawn uniformly without replacement
 * @see Arthur & Vassilvitskii 2007, "k-means++: the advantages of careful seeding"
 */
import { DataError } from '../../errors.js';
import { deriveRng } from '../../math/rng.js';
import type { Dataset } from '../../data/dataset.js';

export type GmmInit = 'kmeans++' | 'random';
export const GMM_INITS: readonly GmmInit[] = Object.freeze(['kmeans++', 'random']);

/**
 * Picks K example indices as initial centres, using deriveRng(seed, 'gmm-init').
 * @param ds - examples [N, D], N >= K
 * @param numComponents - K >= 1
 * @returns indices [K] into the examples
 * @throws DataError for 'kmeans++' when the data has fewer than K distinct examples
 */
export function initialCentres(ds: Dataset, numComponents: number, init: GmmInit, seed: number): Int32Array {
  const rng = deriveRng(seed, 'gmm-init');
  const n = ds.numExamples;
  if (init === 'random') return rng.permutation(n).slice(0, numComponents);
  const { x, dataDim: d } = ds;
  const chosen = new Int32Array(numComponents); // [K]
  const dist = new Float64Array(n).fill(Infinity); // min squared distance to the chosen centres [N]
  chosen[0] = rng.nextInt(n);
  for (let j = 1; j < numComponents; j++) {
    const c = chosen[j - 1] * d;
    let total = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const r = x[i * d + k] - x[c + k];
        s += r * r;
      }
      if (s < dist[i]) dist[i] = s;
      total += dist[i];
    }
    if (!(total > 0)) {
      throw new DataError(`GaussianMixture.fit(${ds.source}): expected at least numComponents = ${numComponents} distinct examples for k-means++, got ${j}`);
    }
    let u = rng.next() * total;
    let pick = -1;
    for (let i = 0; i < n; i++) {
      if (dist[i] <= 0) continue;
      pick = i;
      u -= dist[i];
      if (u < 0) break;
    }
    chosen[j] = pick;
  }
  return chosen;
}
