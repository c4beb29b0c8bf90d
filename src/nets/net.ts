/**
 * What every network builder is given: the sizes at its boundary. Networks take and give flat
 * tensors ([B, D] data, [B, Z] latents, [B, C] conditions) and reshape inside, so likelihoods and
 * objectives do not change with the architecture.
 */
export interface NetDims {
  /** D, the flattened size of one example. */
  dataDim: number;
  /** Shape of one example, e.g. [28, 28, 1] (channels-last) or [13]; Π inputShape = D. */
  inputShape: readonly number[];
  /** Z, the latent size. */
  latentDim: number;
  /** C, the size of the condition c (0 for an unconditional model). */
  conditionDim: number;
}
