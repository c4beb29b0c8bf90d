import { ConfigError, setting } from '../errors.js';

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

/**
 * Throws for a field of a network config that its kind does not take, naming the field and the kind:
 * "model.encoder.cell: does not apply to model.encoder.kind 'conv' (it takes model.encoder.channels, …)";
 * the CLI shows the flags ("--cell: does not apply to --arch conv (it takes --channels, …)").
 * @param field - where the config sits (e.g. 'model.encoder'; '' at the top level)
 * @param known - the fields of this kind, 'kind' first
 * @throws ConfigError for an unknown field
 */
export function checkNetFields(field: string, config: object, kind: string, known: readonly string[]): void {
  const at = (name: string) => (field ? `${field}.${name}` : name);
  const unknown = Object.keys(config).find((k) => !known.includes(k));
  if (unknown === undefined) return;
  const takes = known
    .filter((k) => k !== 'kind')
    .map((k) => setting(at(k)))
    .join(', ');
  throw new ConfigError(`${setting(at(unknown))}: does not apply to ${setting(at('kind'), kind)} (it takes ${takes})`);
}
