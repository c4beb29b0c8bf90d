/**
 * The loss-curve chart as a Vega-Lite spec: −ELBO per epoch for the train, validation and
 * test series. Browser-safe (a plain object; render it with vega-embed in a page or with
 * `renderSpecToSvg` from `src/node/plot.ts` in Node).
 */
import type { TopLevelSpec } from 'vega-lite';
import { DataError } from '../errors.js';

/** One epoch's losses, each −ELBO in nats per example; validation and test are optional. */
export interface LossCurveRow {
  epoch: number;
  trainLoss: number;
  valLoss?: number | null;
  testLoss?: number | null;
}

/** Options of `lossCurveSpec`. */
export interface LossCurveOptions {
  /** Chart title; default "Loss per epoch". */
  title?: string;
}

/** Defaults of `lossCurveSpec`, including the plot size in pixels. */
export const LOSS_CURVE_DEFAULTS = Object.freeze({ title: 'Loss per epoch', width: 480, height: 300 });

/** Series names in legend order, and the row field each is read from. */
const SERIES = [
  { name: 'train', field: 'trainLoss' },
  { name: 'validation', field: 'valLoss' },
  { name: 'test', field: 'testLoss' },
] as const;

/**
 * Builds a Vega-Lite line chart (lines with points, one colour per series, a legend) of the
 * loss against the epoch. The data is folded to long format, one record per (epoch, series)
 * with a value: { epoch, series: 'train' | 'validation' | 'test', loss }; series with no
 * values are left out of the data and the legend. The y scale is not forced to include zero,
 * so late-epoch differences stay visible.
 * @param rows - one row per epoch; epoch and trainLoss finite numbers, valLoss and testLoss
 *   finite, null or absent; losses are −ELBO in nats per example
 * @param opts - title (default "Loss per epoch")
 * @returns a Vega-Lite v6 top-level spec with the data inlined
 * @throws DataError when an epoch or a present loss is not a finite number
 */
export function lossCurveSpec(rows: readonly LossCurveRow[], opts: LossCurveOptions = {}): TopLevelSpec {
  const title = opts.title ?? LOSS_CURVE_DEFAULTS.title;
  const values: Array<{ epoch: number; series: string; loss: number }> = [];
  rows.forEach((row, i) => {
    if (typeof row.epoch !== 'number' || !Number.isFinite(row.epoch)) {
      throw new DataError(`lossCurveSpec: expected rows[${i}].epoch to be a finite number, got ${row.epoch}`);
    }
    for (const { name, field } of SERIES) {
      const loss = row[field];
      if (loss === undefined || loss === null) {
        if (field === 'trainLoss') {
          throw new DataError(`lossCurveSpec: expected rows[${i}].trainLoss to be a finite number, got ${loss}`);
        }
        continue;
      }
      if (typeof loss !== 'number' || !Number.isFinite(loss)) {
        throw new DataError(`lossCurveSpec: expected rows[${i}].${field} to be a finite number or null, got ${loss}`);
      }
      values.push({ epoch: row.epoch, series: name, loss });
    }
  });
  const present = SERIES.map((s) => s.name).filter((name) => values.some((v) => v.series === name));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: LOSS_CURVE_DEFAULTS.width,
    height: LOSS_CURVE_DEFAULTS.height,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'loss', type: 'quantitative', title: '−ELBO (nats per example)', scale: { zero: false } },
      color: {
        field: 'series',
        type: 'nominal',
        title: 'series',
        scale: { domain: present },
        legend: { orient: 'right' },
      },
    },
  };
}
