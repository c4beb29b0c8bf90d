/**
 * The CSV outputs of a run on a table, the counterpart of an image run's PNG grids: rows in raw
 * units, raw = (z · std + mean) · scale (the standardisation inverted, then the run's `data.scale`
 * multiplied back; see rawUnits in src/data/standardize.ts), headed by the table's column names.
 *   samples.csv          <columns>                 one generated example per row
 *   reconstructions.csv  index,what,<columns>      each example (what = data) then its reconstruction
 * (reconstructions of a VAE or of a linear model: PCA, PPCA, factor analysis).
 */
import * as tf from '@tensorflow/tfjs';
import { gatherBatch } from '../../data/batch.js';
import type { Dataset } from '../../data/dataset.js';
import { rawUnits, type Standardizer } from '../../data/standardize.js';
import type { TableColumn } from '../../data/table.js';
import { reconstruct, sampleFromPrior } from '../../models/generate.js';
import type { LatentVariableModel } from '../../models/latent-model.js';
import { writeFileAtomic } from '../formats/atomic.js';
import { csvText } from '../formats/csv.js';

/** A number as CSV text: float32 precision (7 significant digits), shortest form. */
function cell(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(7)));
}

/**
 * A raw-unit value as CSV text, to float32's 7 significant digits and at most a millionth of its
 * column's std: the values went through float32, so finer digits are rounding noise (17.8 comes
 * back as 17.8, not 17.799999; a 0 as 0, not −2.5e-7).
 */
function rawCell(v: number, std: number): string {
  const decimals = Math.min(20, Math.max(0, Math.ceil(-Math.log10(std * 1e-6))));
  const r = Number(Number(v.toPrecision(7)).toFixed(decimals));
  return String(r === 0 ? 0 : r);
}

/** Column names of D features: the standardizer's, else x1 … xD. */
export function columnNames(d: number, standardizer: Standardizer | null): string[] {
  return standardizer?.columns ?? Array.from({ length: d }, (_, j) => `x${j + 1}`);
}

/**
 * CSV text of rows in model units, inverse-transformed to raw units: (z · std + mean) · scale.
 * @param z - row-major [N, D], model (standardised) units
 * @param standardizer - the run's z-score transform (null: none)
 * @param lead - cells put before each row's values (e.g. index and kind), one array per row
 * @param scale - the run's `data.scale` (> 0): raw values were divided by it before standardisation; default 1
 */
export function tableCsv(
  z: ArrayLike<number>,
  d: number,
  standardizer: Standardizer | null,
  leadHeader: string[] = [],
  lead?: (i: number) => string[],
  layout?: readonly TableColumn[] | null,
  scale = 1,
): string {
  const x = rawUnits(z, standardizer, scale); // [N, D], raw units
  const format = standardizer ? (v: number, j: number) => rawCell(v, standardizer.std[j % standardizer.dataDim] * scale) : (v: number) => cell(v);
  if (layout?.some((c) => c.kind === 'categorical')) return mixedTableCsv(x, d, layout, format, leadHeader, lead);
  const rows: string[][] = [[...leadHeader, ...columnNames(d, standardizer)]];
  for (let i = 0; i < x.length / d; i++) rows.push([...(lead?.(i) ?? []), ...Array.from(x.subarray(i * d, (i + 1) * d), format)]);
  return csvText(rows);
}

/**
 * A table with categorical columns: one cell per column of `layout`, a numeric column's raw value,
 * a categorical column's most probable category (argmax of its one-hot block or its probabilities;
 * the first on ties).
 * @param x - row-major [N, D], raw units, D = numeric columns + Σ categories
 */
function mixedTableCsv(
  x: Float64Array,
  d: number,
  layout: readonly TableColumn[],
  format: (v: number, j: number) => string,
  leadHeader: string[],
  lead?: (i: number) => string[],
): string {
  const rows: string[][] = [[...leadHeader, ...layout.map((c) => c.name)]];
  for (let i = 0; i < x.length / d; i++) {
    let j = i * d;
    const cells = layout.map((c) => {
      if (c.kind === 'numeric') return format(x[j], j++ % d);
      let best = 0;
      for (let k = 1; k < c.categories.length; k++) if (x[j + k] > x[j + best]) best = k;
      j += c.categories.length;
      return c.categories[best];
    });
    rows.push([...(lead?.(i) ?? []), ...cells]);
  }
  return csvText(rows);
}

/** The column layout of a model whose likelihood is the mixed one (a table with categorical columns); null otherwise. */
export function layoutOfModel(model: LatentVariableModel): TableColumn[] | null {
  const lik = model.likelihood as { kind: string; columns?: TableColumn[] };
  return lik.kind === 'mixed' && lik.columns ? lik.columns : null;
}

/**
 * Writes `n` decoder means E[x|z], z ~ N(0, temperature² I), as CSV in raw units.
 * @param path - the .csv file (written atomically)
 * @param scale - the run's `data.scale`; default 1
 */
export async function writeVaeSamplesCsv(
  model: LatentVariableModel,
  n: number,
  path: string,
  standardizer: Standardizer | null,
  seed = 0,
  temperature = 1,
  scale = 1,
): Promise<void> {
  const s = sampleFromPrior(model, n, { seed, temperature }); // [n, D]
  const v = (await s.data()) as Float32Array;
  s.dispose();
  await writeFileAtomic(path, tableCsv(v, model.dataDim, standardizer, [], undefined, layoutOfModel(model), scale));
}

/**
 * Writes the first `n` examples of `ds` and their reconstructions E[x | z = mean(x)] as CSV in raw
 * units: `index,what,<columns>`, what = data | reconstruction, two rows per example.
 * @param ds - examples [N, D] in model (standardised) units
 * @param scale - the run's `data.scale`; default 1
 */
export async function writeVaeReconstructionsCsv(
  model: LatentVariableModel,
  ds: Dataset,
  path: string,
  standardizer: Standardizer | null,
  n = 32,
  scale = 1,
): Promise<void> {
  const m = Math.min(n, ds.numExamples);
  const d = ds.dataDim;
  const x = ds.x.slice(0, m * d); // [m, D]
  const c = gatherBatch(ds, null, 0, m, { conditionDim: model.conditionDim }).c; // [m, C] for a conditional model: the examples' own
  const recon = tf.tidy(() => reconstruct(model, tf.tensor2d(x, [m, d]), c && tf.tensor2d(c, [m, model.conditionDim]))); // [m, D]
  const r = (await recon.data()) as Float32Array;
  recon.dispose();
  await writeReconstructionsCsv(x, r, m, d, path, standardizer, layoutOfModel(model), scale);
}

/**
 * Writes `m` examples and their reconstructions (of any model) as CSV in raw units:
 * `index,what,<columns>`, what = data | reconstruction, two rows per example.
 * @param x - examples [≥ m, D], model (standardised) units
 * @param reconstructions - x̂ [≥ m, D], the same units and order
 * @param path - the .csv file (written atomically)
 * @param layout - a table's columns when some are categorical (each written as its category); default none
 * @param scale - the run's `data.scale`; default 1
 */
export async function writeReconstructionsCsv(
  x: ArrayLike<number>,
  reconstructions: ArrayLike<number>,
  m: number,
  d: number,
  path: string,
  standardizer: Standardizer | null,
  layout?: readonly TableColumn[] | null,
  scale = 1,
): Promise<void> {
  const both = new Float64Array(2 * m * d); // [2m, D]: example i at row 2i, its reconstruction at 2i + 1
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < d; j++) {
      both[2 * i * d + j] = x[i * d + j];
      both[(2 * i + 1) * d + j] = reconstructions[i * d + j];
    }
  }
  const lead = (row: number) => [String(row >> 1), row % 2 === 0 ? 'data' : 'reconstruction'];
  await writeFileAtomic(path, tableCsv(both, d, standardizer, ['index', 'what'], lead, layout, scale));
}
