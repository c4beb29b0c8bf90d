/**
 * The latent map as a Vega-Lite spec: one point per example at its 2-D latent coordinates (the codes
 * themselves for Z = 2, principal coordinates otherwise), coloured by label when there are labels.
 * Browser-safe (a plain object; render it with vega-embed in a page or `renderSpecToSvg` in Node).
 */
import type { TopLevelSpec } from 'vega-lite';
import { ShapeError } from '../errors.js';

/** Options of {@link latentMapSpec}. */
export interface LatentMapOptions {
  /** Chart title. Default 'Latent means'. */
  title?: string;
  /** Axis titles. Default 'z₁' and 'z₂'. */
  xTitle?: string;
  yTitle?: string;
}

export const LATENT_MAP_DEFAULTS = Object.freeze({ title: 'Latent means', xTitle: 'z₁', yTitle: 'z₂', width: 480, height: 480, pointSize: 12 });

/**
 * A scatter plot of 2-D coordinates, coloured by label (a nominal legend) when labels are given.
 * @param coords - [N, 2] row-major (a single coordinate per point, [N, 1], is drawn at y = 0)
 * @param numComponents - 1 or 2, the coordinates per point
 * @param labels - class labels [N], or undefined for one colour
 * @returns a Vega-Lite v6 top-level spec with the data inlined
 * @throws ShapeError when coords does not hold N·numComponents values or labels is not [N]
 */
export function latentMapSpec(
  coords: ArrayLike<number>,
  numComponents: 1 | 2,
  labels: ArrayLike<number> | undefined,
  opts: LatentMapOptions = {},
): TopLevelSpec {
  const n = coords.length / numComponents;
  if (!Number.isInteger(n)) throw new ShapeError(`latentMapSpec: expected coords [N, ${numComponents}], got ${coords.length} values`);
  if (labels && labels.length !== n) throw new ShapeError(`latentMapSpec: expected labels [${n}], got ${labels.length}`);
  const d = LATENT_MAP_DEFAULTS;
  const values = Array.from({ length: n }, (_, i) => ({
    x: coords[i * numComponents],
    y: numComponents === 2 ? coords[i * numComponents + 1] : 0,
    ...(labels ? { label: String(labels[i]) } : {}),
  }));
  const sorted = labels ? [...new Set(Array.from(labels))].sort((a, b) => a - b).map(String) : [];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title ?? d.title,
    width: d.width,
    height: d.height,
    data: { values },
    mark: { type: 'circle', size: d.pointSize, opacity: 0.7, aria: false }, // no ARIA label per point: a third of the SVG's size
    encoding: {
      x: { field: 'x', type: 'quantitative', title: opts.xTitle ?? d.xTitle, scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: opts.yTitle ?? d.yTitle, scale: { zero: false } },
      ...(labels ? { color: { field: 'label', type: 'nominal', title: 'label', scale: { domain: sorted, scheme: 'category10' } } } : {}),
    },
  };
}
