/**
 * The ROC curve as a Vega-Lite spec: true-positive rate against false-positive rate, with the
 * chance diagonal. Browser-safe (a plain object; render it with vega-embed in a page or with
 * `renderSpecToSvg` from src/node/formats/plot.ts in Node).
 */
import type { TopLevelSpec } from 'vega-lite';
import { DataError } from '../errors.js';

/** One point of the curve: rates in [0, 1]. */
export interface RocCurvePoint {
  fpr: number;
  tpr: number;
}

/** Options of {@link rocCurveSpec}. */
export interface RocCurveOptions {
  /** Chart title; default "ROC curve", with the AUC appended when given. */
  title?: string;
  /** The area under the curve, shown in the title. */
  auc?: number;
}

/** Defaults of {@link rocCurveSpec}, the plot size in pixels included. */
export const ROC_CURVE_DEFAULTS = Object.freeze({ title: 'ROC curve', width: 360, height: 360 });

/**
 * Builds a Vega-Lite chart of the ROC curve: the points joined in the order given (a staircase;
 * the order, not x, draws the line) and the dashed diagonal of a chance scorer, both axes [0, 1].
 * @param points - from (0, 0) to (1, 1), fpr and tpr non-decreasing, e.g. `rocCurve(...)`
 * @returns a Vega-Lite v6 top-level spec with the data inlined
 * @throws DataError when a rate is not a number in [0, 1]
 */
export function rocCurveSpec(points: readonly RocCurvePoint[], opts: RocCurveOptions = {}): TopLevelSpec {
  const values = points.map((p, i) => {
    for (const k of ['fpr', 'tpr'] as const) {
      const v = p[k];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new DataError(`rocCurveSpec: expected points[${i}].${k} in [0, 1], got ${v}`);
    }
    return { i, fpr: p.fpr, tpr: p.tpr };
  });
  const title = (opts.title ?? ROC_CURVE_DEFAULTS.title) + (opts.auc === undefined ? '' : ` (AUC ${opts.auc.toFixed(4)})`);
  const axis = (name: string, field: 'fpr' | 'tpr') => ({ field, type: 'quantitative' as const, title: name, scale: { domain: [0, 1] } });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: ROC_CURVE_DEFAULTS.width,
    height: ROC_CURVE_DEFAULTS.height,
    layer: [
      {
        data: {
          values: [
            { fpr: 0, tpr: 0 },
            { fpr: 1, tpr: 1 },
          ],
        },
        mark: { type: 'line', strokeDash: [4, 4], color: 'gray' },
        encoding: { x: axis('false-positive rate', 'fpr'), y: axis('true-positive rate', 'tpr') },
      },
      {
        data: { values },
        mark: { type: 'line' },
        encoding: { x: axis('false-positive rate', 'fpr'), y: axis('true-positive rate', 'tpr'), order: { field: 'i', type: 'quantitative' } },
      },
    ],
  };
}
