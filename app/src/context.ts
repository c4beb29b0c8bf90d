/**
 * What every view of the explorer works with: the run's model loaded over HTTP (vaekit's HTTP model
 * store), its examples, and what the browser computes from them once (posterior means and log-variances,
 * the 2-D map, per-example ELBOs, KL per latent dimension), plus an event bus the views talk through.
 *
 * Events (CustomEvent on `ctx.events`):
 *   'latent'    { z: Float32Array [Z], from: string }   the latent point the decoder output shows (map hover, sliders, …)
 *   'select'    { index: number }                       an example was clicked (index into the examples)
 *   'condition' { c: Float32Array [C] }                 a conditional run's condition changed (class picker)
 *   'encoded'   { z: Float32Array [Z], x: Float32Array [D], elbo: number }   a drawing was encoded
 */
import * as tf from '@tensorflow/tfjs';
import {
  elboPerExample,
  float32Matrix,
  klToStandardNormalPerDimension,
  dimensionsByKl,
  loadModel,
  decodeMean,
  makeDataset,
  parseCalibration,
  parseExplorerManifest,
  projectLatents,
  type Dataset,
  type ExplorerManifest,
  type LatentProjection,
  type LatentVariableModel,
  type ModelDescription,
} from 'vaekit';
import { parseScoresCsv, type ScoreTable } from './pure/scores.js';

/** The explorer's state, shared by the views. */
export interface ExplorerContext {
  /** The run folder's URL, ending with '/'. */
  runUrl: string;
  manifest: ExplorerManifest;
  model: LatentVariableModel;
  description: ModelDescription;
  /** The examples in the model's input units, with labels and conditions as the manifest has them. */
  data: Dataset;
  /** Z. */
  latentDim: number;
  /** Posterior means and log-variances of the examples [N, Z]. */
  means: Float32Array;
  logVars: Float32Array;
  /** The map: the means in 2-D (identity for Z ≤ 2, else PCA). */
  projection: LatentProjection;
  /** ELBO of each example [N], nats (one sample of z, seed 0). */
  elbo: Float64Array;
  /** Mean KL(q(z_u|x) ‖ N(0, 1)) per dimension u over the examples [Z], nats; and the dimensions by decreasing KL. */
  klPerDimension: number[];
  dimsByKl: number[];
  /** The run's anomaly scores (RUN/scores-test.csv from `vaekit score`) by example index, and the calibration's threshold; null when it has none. */
  scores: (ScoreTable & { threshold: number | null }) | null;
  /** A conditional run's current condition c [C] (class picker), else null. */
  condition: Float32Array | null;
  events: EventTarget;
}

/** Fetches a URL's bytes or JSON. @throws Error naming the URL and the HTTP status */
export async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status} ${r.statusText}`.trimEnd());
  return r;
}

/** `base` + `path` as an absolute URL. */
export function urlIn(base: string, path: string): string {
  return new URL(path, base).href;
}

/**
 * Loads a run for the explorer from its folder's URL and computes what the views share.
 * @param runUrl - the run folder's URL, ending with '/'
 * @param onStatus - told what is being done, for the page's status line
 */
export async function loadExplorer(runUrl: string, onStatus: (s: string) => void = () => {}): Promise<ExplorerContext> {
  onStatus('reading the run');
  const explorerUrl = urlIn(runUrl, 'explorer/');
  const manifestUrl = urlIn(explorerUrl, 'explorer.json');
  const manifest = parseExplorerManifest(await (await fetchOk(manifestUrl)).json(), manifestUrl);
  const { numExamples: n, dataDim: d } = manifest;
  onStatus('loading the model');
  const modelUrl = urlIn(runUrl, manifest.files.model.replace(/\/?$/, '/'));
  const [model, description, xBytes, cBytes] = await Promise.all([
    loadModel(modelUrl.replace(/\/$/, '')),
    fetchOk(urlIn(modelUrl, 'vaekit.json')).then((r) => r.json() as Promise<ModelDescription>),
    fetchOk(urlIn(explorerUrl, manifest.examplesFile)).then((r) => r.arrayBuffer()),
    manifest.conditions ? fetchOk(urlIn(explorerUrl, manifest.conditions.file)).then((r) => r.arrayBuffer()) : Promise.resolve(null),
  ]);
  const x = float32Matrix(xBytes, n, d, manifest.examplesFile);
  const conditions = manifest.conditions && cBytes ? float32Matrix(cBytes, n, manifest.conditions.dim, manifest.conditions.file) : null;
  const data = makeDataset({
    x,
    numExamples: n,
    dataDim: d,
    exampleShape: manifest.exampleShape,
    ...(manifest.labels ? { labels: Int32Array.from(manifest.labels) } : {}),
    ...(conditions ? { conditions, conditionDim: manifest.conditions!.dim } : {}),
    ...(manifest.columns ? { columns: manifest.columns } : {}),
    source: manifest.source,
  });
  onStatus('encoding the examples');
  const { means, logVars } = await encodeAll(model, data);
  const z = model.latentDim;
  const projection = projectLatents(makeDataset({ x: means, numExamples: n, dataDim: z, exampleShape: [z], source: 'posterior means' }));
  onStatus('computing ELBOs');
  const [elbo, klPerDimension, scores] = await Promise.all([
    elboPerExample(model, data, { seed: 0 }),
    meanKlPerDimension(means, logVars, n, z),
    loadScores(runUrl, manifest),
  ]);
  return {
    runUrl,
    manifest,
    model,
    description,
    data,
    latentDim: z,
    means,
    logVars,
    projection,
    elbo,
    klPerDimension,
    dimsByKl: dimensionsByKl(klPerDimension),
    scores,
    condition: conditions ? conditions.slice(0, manifest.conditions!.dim) : null,
    events: new EventTarget(),
  };
}

/** The run's scores CSV and calibration threshold, when the manifest lists them. */
async function loadScores(runUrl: string, manifest: ExplorerManifest): Promise<ExplorerContext['scores']> {
  const { scores, calibration } = manifest.files;
  if (!scores) return null;
  let table: ScoreTable;
  try {
    table = parseScoresCsv(await (await fetchOk(urlIn(runUrl, scores))).text(), scores);
  } catch {
    return null; // a damaged scores file hides the score views; the rest of the explorer still works
  }
  // `vaekit score` writes isAnomaly only when the calibration is of this kind of score: only then does its threshold apply.
  const threshold = calibration && table.isAnomaly ? parseCalibration(await (await fetchOk(urlIn(runUrl, calibration))).json(), calibration).threshold : null;
  return { ...table, threshold };
}

/**
 * Mean over the examples of KL(q(z_u|x) ‖ N(0, 1)) per dimension u [Z], nats, from the codes already
 * encoded (the library's per-dimension KL; no second pass through the encoder).
 */
async function meanKlPerDimension(means: Float32Array, logVars: Float32Array, n: number, z: number): Promise<number[]> {
  const kl = tf.tidy(() => tf.mean(klToStandardNormalPerDimension(tf.tensor2d(means, [n, z]), tf.tensor2d(logVars, [n, z])), 0));
  const values = Array.from(await kl.data());
  kl.dispose();
  return values;
}

/** Posterior means and log-variances [N, Z] of every example, in chunks of 500. */
async function encodeAll(model: LatentVariableModel, data: Dataset): Promise<{ means: Float32Array; logVars: Float32Array }> {
  const z = model.latentDim;
  const means = new Float32Array(data.numExamples * z);
  const logVars = new Float32Array(data.numExamples * z);
  for (let start = 0; start < data.numExamples; start += 500) {
    const end = Math.min(start + 500, data.numExamples);
    const [m, v] = tf.tidy(() => {
      const x = tf.tensor2d(data.x.subarray(start * data.dataDim, end * data.dataDim), [end - start, data.dataDim]);
      const c = data.conditions
        ? tf.tensor2d(data.conditions.subarray(start * data.conditionDim!, end * data.conditionDim!), [end - start, data.conditionDim!])
        : undefined;
      const q = model.encode(x, c);
      return [q.mean, q.logVar];
    });
    means.set(await m.data(), start * z);
    logVars.set(await v.data(), start * z);
    m.dispose();
    v.dispose();
  }
  return { means, logVars };
}

/**
 * The decoder's mean output for latent points, under the context's condition.
 * @param z - points [M, Z] row-major
 * @param c - a conditional run's condition [C] for every point (default: the context's condition)
 * @returns means [M, D] in the model's input units (pixels in [0, 1], tables z-scored)
 */
export async function decodePoints(ctx: ExplorerContext, z: Float32Array, c?: Float32Array): Promise<Float32Array> {
  const m = z.length / ctx.latentDim;
  const cond = c ?? ctx.condition;
  const out = tf.tidy(() => {
    const zt = tf.tensor2d(z, [m, ctx.latentDim]);
    const c = cond ? tf.tile(tf.tensor2d(cond, [1, cond.length]), [m, 1]) : undefined; // [M, C]
    return decodeMean(ctx.model, zt as tf.Tensor2D, c as tf.Tensor2D | undefined);
  });
  const values = (await out.data()) as Float32Array;
  out.dispose();
  return values;
}

/**
 * Encodes inputs: posterior means [M, Z] and ELBOs [M] (nats).
 * @param x - inputs [M, D] in the model's input units
 * @param c - conditions [M, C] of a conditional run (default: the context's condition for each)
 */
export async function encodeInputs(ctx: ExplorerContext, x: Float32Array, c?: Float32Array): Promise<{ means: Float32Array; elbo: Float64Array }> {
  const d = ctx.manifest.dataDim;
  const m = x.length / d;
  const cond = c ?? (ctx.condition ? tileRows(ctx.condition, m) : undefined);
  const ds = makeDataset({
    x,
    numExamples: m,
    dataDim: d,
    exampleShape: ctx.manifest.exampleShape,
    ...(cond ? { conditions: cond, conditionDim: cond.length / m } : {}),
    source: 'input',
  });
  const { means } = await encodeAll(ctx.model, ds);
  const elbo = await elboPerExample(ctx.model, ds, { seed: 0 });
  return { means, elbo };
}

/** `row` repeated m times [m, row.length]. */
export function tileRows(row: Float32Array, m: number): Float32Array {
  const out = new Float32Array(m * row.length);
  for (let i = 0; i < m; i++) out.set(row, i * row.length);
  return out;
}

/** Sends an event on the context's bus. */
export function emit<T>(ctx: ExplorerContext, type: 'latent' | 'select' | 'condition' | 'encoded', detail: T): void {
  ctx.events.dispatchEvent(new CustomEvent(type, { detail }));
}

/** Listens on the context's bus. */
export function on<T>(ctx: ExplorerContext, type: 'latent' | 'select' | 'condition' | 'encoded', listener: (detail: T) => void): void {
  ctx.events.addEventListener(type, (e) => listener((e as CustomEvent<T>).detail));
}

/** Row i of a matrix [N, W]. */
export function rowOf(m: Float32Array, width: number, i: number): Float32Array {
  return m.slice(i * width, (i + 1) * width);
}
