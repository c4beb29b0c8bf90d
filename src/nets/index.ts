/**
 * The network registry: encoder and decoder builders keyed by their config's `kind`. A new
 * architecture (conv, rnn) is a file in nets/ and one entry in {@link NETS}; the model, the
 * objectives and the trainer do not change, because every network keeps the flat [B, D] / [B, Z]
 * boundary (see {@link NetDims}).
 */
import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../math/rng.js';
import { check, oneOf } from '../validate.js';
import { convDecoder, convEncoder, resolveConvConfig, type ConvConfig } from './conv.js';
import { mlpDecoder, mlpEncoder, resolveMlpConfig, type MlpConfig } from './mlp.js';
import { resolveRnnConfig, rnnDecoder, rnnEncoder, type RnnConfig } from './rnn.js';
import type { NetDims } from './net.js';

export type { NetDims } from './net.js';
export { CONV_DEFAULTS, convDecoder, convEncoder, resolveConvConfig, type ConvConfig } from './conv.js';
export { ACTIVATIONS, MLP_DEFAULTS, mlpDecoder, mlpEncoder, resolveMlpConfig, type Activation, type MlpConfig } from './mlp.js';
export { RNN_CELLS, RNN_DEFAULTS, resolveRnnConfig, rnnDecoder, rnnEncoder, type RnnCell, type RnnConfig } from './rnn.js';

/** A network's config, tagged by `kind`. */
export type NetConfig = MlpConfig | ConvConfig | RnnConfig;

interface NetEntry<C extends NetConfig> {
  /** Validates a (partial) config of this kind and fills its defaults; `field` names it in messages. */
  resolve(config: Partial<C>, field: string): C;
  /** x [B, D] (and c [B, C]) → [mean [B, Z], logVar [B, Z]]. */
  encoder(config: C, dims: NetDims, rng: Rng): tf.LayersModel;
  /** z [B, Z] (and c [B, C]) → likelihood parameters [B, D]. */
  decoder(config: C, dims: NetDims, rng: Rng): tf.LayersModel;
}

const NETS: { [K in NetConfig['kind']]: NetEntry<Extract<NetConfig, { kind: K }>> } = {
  mlp: { resolve: resolveMlpConfig, encoder: mlpEncoder, decoder: mlpDecoder },
  conv: { resolve: resolveConvConfig, encoder: convEncoder, decoder: convDecoder },
  rnn: { resolve: resolveRnnConfig, encoder: rnnEncoder, decoder: rnnDecoder },
};

/** The kinds of network: 'mlp', 'conv', 'rnn'. */
export const NET_KINDS = Object.keys(NETS) as NetConfig['kind'][];

function entryOf(kind: unknown, field: string): NetEntry<NetConfig> {
  return NETS[check(`${field}.kind`, kind, oneOf(NET_KINDS))] as NetEntry<NetConfig>;
}

/**
 * Validates a network config and fills its defaults (an MLP: one hidden layer of 400 ReLU units).
 * @param field - where it sits, for messages (e.g. 'model.encoder')
 * @throws ConfigError naming the bad field and value
 */
export function resolveNetConfig(config: Partial<NetConfig> & { kind?: string }, field: string): NetConfig {
  return entryOf(config.kind ?? 'mlp', field).resolve(config, field);
}

/** Builds the encoder network a config names. */
export function makeEncoder(config: NetConfig, dims: NetDims, rng: Rng): tf.LayersModel {
  return entryOf(config.kind, 'encoder').encoder(config, dims, rng);
}

/** Builds the decoder network a config names. */
export function makeDecoder(config: NetConfig, dims: NetDims, rng: Rng): tf.LayersModel {
  return entryOf(config.kind, 'decoder').decoder(config, dims, rng);
}
