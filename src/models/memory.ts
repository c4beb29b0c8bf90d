/**
 * The memory a VAE needs, estimated from its resolved config before any tensor is allocated, and a
 * check against what the backend can hold, so a model too large fails with one line naming the
 * figure ("the model needs about 6.4 GB …") instead of "memory access out of bounds" (wasm) or
 * "Invalid typed array length" (cpu) halfway through building it.
 *
 * Parameter counts, per network kind, from the same formulas the builders in nets/ use
 * (a weight tensor per kernel and per bias; D = dataDim, Z = latentDim, C = conditionDim):
 * - mlp: Σ (in·out + out) over the dense layers, encoder D + C → hidden… → 2 heads of Z;
 *   decoder Z + C → reversed hidden… → D.
 * - conv: each convolution k·k·c_in·c_out + c_out (stride 2, 'same'), the flattened map
 *   ⌈H/2^L⌉·⌈W/2^L⌉·c_L (+ C) → hidden… → 2 heads of Z; the decoder Z + C → reversed hidden… →
 *   a projection to ⌈H/2^L⌉·⌈W/2^L⌉·c_L, then transposed convolutions back to the image's channels.
 * - rnn: a GRU layer 3·(in·u + u·u + u), an LSTM layer 4·(in·u + u·u + u) (tfjs cells: one bias
 *   per gate); the encoder F + C → hidden… → 2 heads of Z from the last state; the decoder Z + C
 *   repeated W steps → reversed hidden… → a per-step dense u → F.
 * A learned likelihood variance (at most D numbers) and activations are left out: the estimate is
 * of the weights, which grow with the square of a width and so dominate the models this check is for.
 */
import { ConfigError, setting } from '../errors.js';
import type { ConvConfig, MlpConfig, NetConfig, RnnConfig } from '../nets/index.js';
import type { VaeConfig } from './vae-config.js';

/** One parameter tensor of a network: its layer's name and its number of elements. */
export interface ParamTensor {
  name: string;
  size: number;
}

/** The estimate of {@link estimateModelMemory}. */
export interface ModelMemoryEstimate {
  /** Parameters of encoder and decoder. */
  numParams: number;
  /** Copies of the parameters training keeps: weights, gradients, Adam's two moments. */
  numCopies: number;
  /** numParams × 4 bytes (float32) × numCopies. */
  bytes: number;
  /** The largest single parameter tensor (a weight matrix [in, out] or a convolution kernel). */
  largest: ParamTensor;
}

/** Copies of every parameter training keeps: the weights, their gradients, and Adam's first and second moments. */
export const TRAINING_COPIES = 4;

const BYTES_PER_FLOAT = 4;

/** The sizes a network's parameters depend on (the VAE's config, less its networks). */
type Dims = Pick<VaeConfig, 'inputShape' | 'dataDim' | 'latentDim' | 'conditionDim'>;

/** A dense layer in → out: kernel [in, out] and bias [out]. */
const dense = (name: string, fanIn: number, units: number): ParamTensor[] => [
  { name: `${name}/kernel`, size: fanIn * units },
  { name: `${name}/bias`, size: units },
];

/** Dense layers of the given widths on an input of width `fanIn`; also the last width. */
function denseStack(prefix: string, fanIn: number, widths: readonly number[]): { params: ParamTensor[]; width: number } {
  const params = widths.flatMap((units, i) => {
    const layer = dense(`${prefix}_${i}`, fanIn, units);
    fanIn = units;
    return layer;
  });
  return { params, width: fanIn };
}

/** The mean and logVar heads, [fanIn] → [Z] each. */
const heads = (fanIn: number, latentDim: number): ParamTensor[] => [...dense('encoder_mean', fanIn, latentDim), ...dense('encoder_logvar', fanIn, latentDim)];

function mlpEncoderParams(c: MlpConfig, d: Dims): ParamTensor[] {
  const stack = denseStack('encoder_hidden', d.dataDim + d.conditionDim, c.hidden);
  return [...stack.params, ...heads(stack.width, d.latentDim)];
}

function mlpDecoderParams(c: MlpConfig, d: Dims): ParamTensor[] {
  const stack = denseStack('decoder_hidden', d.latentDim + d.conditionDim, [...c.hidden].reverse());
  return [...stack.params, ...dense('decoder_output', stack.width, d.dataDim)];
}

/** A side after L stride-2 'same' convolutions: ⌈n / 2⌉, L times. */
function reducedSide(n: number, numLayers: number): number {
  for (let i = 0; i < numLayers; i++) n = Math.ceil(n / 2);
  return n;
}

/** A k×k convolution c_in → c_out: kernel [k, k, c_in, c_out] and bias [c_out]. */
const conv = (name: string, kernel: number, inChannels: number, filters: number): ParamTensor[] => [
  { name: `${name}/kernel`, size: kernel * kernel * inChannels * filters },
  { name: `${name}/bias`, size: filters },
];

function convEncoderParams(c: ConvConfig, d: Dims): ParamTensor[] {
  const [height, width, depth] = d.inputShape.length === 3 ? d.inputShape : [1, 1, d.dataDim]; // the builder rejects other shapes
  let inChannels = depth;
  const convs = c.channels.flatMap((filters, i) => {
    const layer = conv(`encoder_conv_${i}`, c.kernel, inChannels, filters);
    inChannels = filters;
    return layer;
  });
  const numLayers = c.channels.length;
  const flatSize = reducedSide(height, numLayers) * reducedSide(width, numLayers) * inChannels;
  const stack = denseStack('encoder_hidden', flatSize + d.conditionDim, c.hidden);
  return [...convs, ...stack.params, ...heads(stack.width, d.latentDim)];
}

function convDecoderParams(c: ConvConfig, d: Dims): ParamTensor[] {
  const [height, width, depth] = d.inputShape.length === 3 ? d.inputShape : [1, 1, d.dataDim];
  const numLayers = c.channels.length;
  const top = c.channels[numLayers - 1];
  const stack = denseStack('decoder_hidden', d.latentDim + d.conditionDim, [...c.hidden].reverse());
  const params = [...stack.params, ...dense('decoder_project', stack.width, reducedSide(height, numLayers) * reducedSide(width, numLayers) * top)];
  let inChannels = top;
  for (let i = numLayers - 1; i >= 0; i--) {
    const filters = i === 0 ? depth : c.channels[i - 1];
    params.push(...conv(i === 0 ? 'decoder_output' : `decoder_deconv_${numLayers - 1 - i}`, c.kernel, inChannels, filters));
    inChannels = filters;
  }
  return params;
}

/** A recurrent layer in → u: kernel [in, G·u], recurrent kernel [u, G·u], bias [G·u]; G = 3 gates (GRU) or 4 (LSTM). */
function recurrent(name: string, cell: RnnConfig['cell'], fanIn: number, units: number): ParamTensor[] {
  const numGates = cell === 'gru' ? 3 : 4;
  return [
    { name: `${name}/kernel`, size: fanIn * numGates * units },
    { name: `${name}/recurrent_kernel`, size: units * numGates * units },
    { name: `${name}/bias`, size: numGates * units },
  ];
}

function recurrentStack(prefix: string, cell: RnnConfig['cell'], fanIn: number, widths: readonly number[]): { params: ParamTensor[]; width: number } {
  const params = widths.flatMap((units, i) => {
    const layer = recurrent(`${prefix}_${cell}_${i}`, cell, fanIn, units);
    fanIn = units;
    return layer;
  });
  return { params, width: fanIn };
}

function rnnEncoderParams(c: RnnConfig, d: Dims): ParamTensor[] {
  const numFeatures = d.inputShape.length === 2 ? d.inputShape[1] : d.dataDim; // the builder rejects other shapes
  const stack = recurrentStack('encoder', c.cell, numFeatures + d.conditionDim, c.hidden);
  return [...stack.params, ...heads(stack.width, d.latentDim)];
}

function rnnDecoderParams(c: RnnConfig, d: Dims): ParamTensor[] {
  const numFeatures = d.inputShape.length === 2 ? d.inputShape[1] : d.dataDim;
  const stack = recurrentStack('decoder', c.cell, d.latentDim + d.conditionDim, [...c.hidden].reverse());
  return [...stack.params, ...dense('decoder_output', stack.width, numFeatures)];
}

type ParamsOf<C extends NetConfig> = (config: C, dims: Dims) => ParamTensor[];

/** Each network kind's parameter tensors (encoder, decoder), keyed by `kind` like the builders in nets/. */
const PARAM_TENSORS: { [K in NetConfig['kind']]: { encoder: ParamsOf<Extract<NetConfig, { kind: K }>>; decoder: ParamsOf<Extract<NetConfig, { kind: K }>> } } =
  {
    mlp: { encoder: mlpEncoderParams, decoder: mlpDecoderParams },
    conv: { encoder: convEncoderParams, decoder: convDecoderParams },
    rnn: { encoder: rnnEncoderParams, decoder: rnnDecoderParams },
  };

/**
 * The parameter tensors of a VAE's encoder and decoder, from its resolved config, without building them.
 * @returns one entry per kernel and bias, encoder first, named as the built layers are
 */
export function vaeParamTensors(config: VaeConfig): ParamTensor[] {
  const encoder = PARAM_TENSORS[config.encoder.kind].encoder as ParamsOf<NetConfig>;
  const decoder = PARAM_TENSORS[config.decoder.kind].decoder as ParamsOf<NetConfig>;
  return [...encoder(config.encoder, config), ...decoder(config.decoder, config)];
}

/**
 * The memory training a VAE needs: its parameters × 4 bytes (float32) × the copies training keeps
 * (weights, gradients, Adam's two moments), activations left out (see the module's notes).
 * @param numCopies - copies of the parameters; {@link TRAINING_COPIES} (4) by default, 1 for the weights alone
 */
export function estimateModelMemory(config: VaeConfig, numCopies = TRAINING_COPIES): ModelMemoryEstimate {
  const params = vaeParamTensors(config);
  const numParams = params.reduce((sum, p) => sum + p.size, 0);
  const largest = params.reduce((a, b) => (b.size > a.size ? b : a));
  return { numParams, numCopies, bytes: numParams * BYTES_PER_FLOAT * numCopies, largest };
}

/**
 * What a backend can hold: in all (`maxBytes`, the wasm heap: tfjs-backend-wasm 4.x declares its
 * memory with a maximum of 65536 pages of 64 KiB = 4 GiB, the most a 32-bit heap addresses) or per
 * tensor (`maxTensorSize` elements, the cpu backend's typed arrays: 2³¹ − 1, the length every
 * JavaScript engine allows; V8 allows 2³², Firefox and Safari less). Backends not listed
 * (webgl, webgpu, tensorflow) are not checked.
 */
export const BACKEND_MEMORY_LIMITS: Readonly<Record<string, { maxBytes?: number; maxTensorSize?: number; describe: string }>> = Object.freeze({
  wasm: { maxBytes: 2 ** 32, describe: "the wasm backend's 4 GiB heap" },
  cpu: { maxTensorSize: 2 ** 31 - 1, describe: "the cpu backend's largest typed array (2,147,483,647 numbers)" },
});

const count = (n: number) => n.toLocaleString('en-US');

/** Bytes in decimal units, one decimal: "6.4 GB", "350.2 MB". */
function formatBytes(bytes: number): string {
  const [unit, scale] = bytes >= 1e9 ? ['GB', 1e9] : bytes >= 1e6 ? ['MB', 1e6] : ['kB', 1e3];
  return `${(bytes / scale).toFixed(1)} ${unit}`;
}

/**
 * Throws when a VAE of this config cannot be trained on the backend: its estimate
 * ({@link estimateModelMemory}) over the wasm heap, or one parameter tensor over the cpu backend's
 * typed-array length. Call before building the networks: it allocates nothing.
 * @param backend - the tfjs backend's name (`tf.getBackend()`)
 * @throws ConfigError with the figure: "the model needs about 6.4 GB (1,600,000,000 parameters × 4 bytes × 4 copies for training), more than …"
 */
export function checkModelMemory(config: VaeConfig, backend: string): void {
  const limit = Object.hasOwn(BACKEND_MEMORY_LIMITS, backend) ? BACKEND_MEMORY_LIMITS[backend] : undefined;
  if (!limit) return;
  const e = estimateModelMemory(config);
  const isOverBytes = limit.maxBytes !== undefined && e.bytes > limit.maxBytes;
  const isOverTensor = limit.maxTensorSize !== undefined && e.largest.size > limit.maxTensorSize;
  if (!isOverBytes && !isOverTensor) return;
  const needs = `the model needs about ${formatBytes(e.bytes)} (${count(e.numParams)} parameters × ${BYTES_PER_FLOAT} bytes × ${e.numCopies} copies for training)`;
  const why = isOverBytes
    ? `more than ${limit.describe}`
    : `and its largest tensor, ${e.largest.name}, holds ${count(e.largest.size)} numbers, more than ${limit.describe}`;
  const net = (which: 'encoder' | 'decoder') => {
    const c = config[which];
    return `${setting(`model.${which}.hidden`, c.hidden.join(','))}${c.kind === 'conv' ? ` or ${setting(`model.${which}.channels`, c.channels.join(','))}` : ''}`;
  };
  const sizes = JSON.stringify(config.decoder) === JSON.stringify(config.encoder) ? net('encoder') : `${net('encoder')}, ${net('decoder')}`;
  throw new ConfigError(`${needs}, ${why}; use smaller widths than ${sizes}, or another backend`);
}
