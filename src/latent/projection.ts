/**
 * Latent codes in two dimensions, for a map of the latent space: the codes themselves when Z ≤ 2,
 * otherwise their coordinates on the first two principal directions (PCA of the codes).
 *   Z ≤ 2:  c_n = z_n
 *   Z > 2:  c_n = Uᵀ (z_n − m),  U = [u_1 u_2] the leading eigenvectors of S = (1/N) Σ (z_n − m)(z_n − m)ᵀ
 * @see Bishop 2006, §12.1 (PCA); Kingma & Welling 2014, fig. 4 and Prince, Understanding Deep Learning,
 *   fig. 17.11 (MNIST codes in a 2-D latent space, coloured by digit)
 */
import type { Dataset } from '../data/dataset.js';
import { PCA } from '../models/linear/pca.js';
import { check, intAtLeast } from '../validate.js';

/** Options of {@link projectLatents}. */
export interface ProjectLatentsOptions {
  /** K, coordinates per code, an integer ≥ 1; Z ≤ K keeps the codes as they are. Default 2. */
  numComponents?: number;
}

/** Codes projected to K = min(numComponents, Z) coordinates. */
export interface LatentProjection {
  /** 'identity': the codes themselves (Z ≤ numComponents); 'pca': principal coordinates. */
  method: 'identity' | 'pca';
  /** K, the coordinates per code. */
  numComponents: number;
  /** c [N, K], float64, z units. */
  coords: Float64Array;
  /** PCA only: the centre m [Z]. */
  mean: Float64Array | null;
  /** PCA only: u_1 … u_K as rows [K, Z], orthonormal. */
  components: Float64Array | null;
  /** PCA only: λ_k / tr S [K], the share of the codes' variance along each direction. */
  explainedVarianceRatio: Float64Array | null;
}

/**
 * Projects latent codes (e.g. posterior means from `encodeMeans`) to at most K coordinates.
 * @param latents - codes [N, Z]; N ≥ 2 when Z > K (PCA)
 * @returns {@link LatentProjection}, coords [N, min(K, Z)]
 * @throws ConfigError for a bad numComponents; DataError for fewer than 2 codes (PCA) or non-finite codes
 * @see Bishop 2006, §12.1
 */
export function projectLatents(latents: Dataset, options: ProjectLatentsOptions = {}): LatentProjection {
  const k = check('numComponents', options.numComponents ?? 2, intAtLeast(1));
  if (latents.dataDim <= k) {
    return {
      method: 'identity',
      numComponents: latents.dataDim,
      coords: Float64Array.from(latents.x),
      mean: null,
      components: null,
      explainedVarianceRatio: null,
    };
  }
  const pca = PCA.fit(latents, { latentDim: k });
  return {
    method: 'pca',
    numComponents: k,
    coords: pca.project(latents.x), // [N, K]
    mean: pca.mean,
    components: pca.components,
    explainedVarianceRatio: pca.explainedVarianceRatio,
  };
}
