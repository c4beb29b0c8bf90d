/**
 * SVG building blocks of the explorer's charts (training curves, score histogram): elements, a pair
 * of axes with nice ticks, a legend. The numbers (scales, ticks, paths) come from ../pure/plot.ts.
 */
import { coord, niceTicks, tickLabel, tickStep, type LinearScale } from '../pure/plot.js';

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes and, optionally, text. */
export function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, typeof v === 'number' ? coord(v) : v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Options of {@link axes}. */
export interface AxesOptions {
  xLabel?: string;
  yLabel?: string;
  /** About how many intervals between ticks. Default 5 (x), 4 (y). */
  xCount?: number;
  yCount?: number;
  /** x ticks at integers only (epochs). */
  isIntegerX?: boolean;
}

/**
 * A group with the x axis along the bottom of the scales' ranges and the y axis along the left:
 * lines, ticks, tick labels, light grid lines, axis titles.
 */
export function axes(x: LinearScale, y: LinearScale, opts: AxesOptions = {}): SVGGElement {
  const g = svgEl('g', { class: 'axes', 'font-size': 10, fill: '#444' });
  const [x0, x1] = x.range;
  const [y0, y1] = y.range; // y0 is the bottom (larger)
  const bottom = Math.max(y0, y1);
  const top = Math.min(y0, y1);
  const left = Math.min(x0, x1);
  const right = Math.max(x0, x1);
  g.append(
    svgEl('line', { x1: left, y1: bottom, x2: right, y2: bottom, stroke: '#888' }),
    svgEl('line', { x1: left, y1: top, x2: left, y2: bottom, stroke: '#888' }),
  );
  const [dx0, dx1] = x.domain;
  let xt = niceTicks(dx0, dx1, opts.xCount ?? 5);
  if (opts.isIntegerX) xt = xt.filter(Number.isInteger);
  const xStep = tickStep(dx0, dx1, opts.xCount ?? 5);
  for (const v of xt) {
    const px = x(v);
    g.append(svgEl('line', { x1: px, y1: bottom, x2: px, y2: bottom + 4, stroke: '#888' }));
    g.append(svgEl('text', { x: px, y: bottom + 14, 'text-anchor': 'middle' }, opts.isIntegerX ? String(v) : tickLabel(v, xStep)));
  }
  const [dy0, dy1] = y.domain;
  const yStep = tickStep(dy0, dy1, opts.yCount ?? 4);
  for (const v of niceTicks(dy0, dy1, opts.yCount ?? 4)) {
    const py = y(v);
    g.append(svgEl('line', { x1: left, y1: py, x2: right, y2: py, stroke: '#eee' }));
    g.append(svgEl('line', { x1: left - 4, y1: py, x2: left, y2: py, stroke: '#888' }));
    g.append(svgEl('text', { x: left - 6, y: py + 3, 'text-anchor': 'end' }, tickLabel(v, yStep)));
  }
  if (opts.xLabel) g.append(svgEl('text', { x: (left + right) / 2, y: bottom + 28, 'text-anchor': 'middle' }, opts.xLabel));
  if (opts.yLabel)
    g.append(svgEl('text', { x: 12, y: (top + bottom) / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${coord((top + bottom) / 2)})` }, opts.yLabel));
  return g;
}

/** A legend: one short coloured line and its name per entry, in a row from (x, y). */
export function legend(entries: ReadonlyArray<{ name: string; colour: string; dash?: string }>, x: number, y: number): SVGGElement {
  const g = svgEl('g', { class: 'legend', 'font-size': 10, fill: '#333' });
  let at = x;
  for (const e of entries) {
    g.append(svgEl('line', { x1: at, y1: y, x2: at + 16, y2: y, stroke: e.colour, 'stroke-width': 2, ...(e.dash ? { 'stroke-dasharray': e.dash } : {}) }));
    g.append(svgEl('text', { x: at + 20, y: y + 3 }, e.name));
    at += 28 + 5.5 * e.name.length;
  }
  return g;
}
