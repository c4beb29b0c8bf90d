/** The live loss curve: an inline SVG redrawn from loss-curve.ts's layout (training windows as a line, test losses as dots). */
import { coord, tickLabel } from '../pure/plot.js';
import { lossCurveLayout, type CurvePoint, type PlotBox } from './loss-curve.js';

const SVG = 'http://www.w3.org/2000/svg';
const BOX: PlotBox = { width: 480, height: 220, pad: 40 };

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, typeof v === 'number' ? coord(v) : v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A loss curve in `parent` (an SVG, #train-curve); `draw` replaces its contents. */
export function lossCurveView(parent: HTMLElement): { draw(train: readonly CurvePoint[], test: readonly CurvePoint[], epochs: number): void } {
  const svg = el('svg', { id: 'train-curve', width: BOX.width, height: BOX.height, viewBox: `0 0 ${BOX.width} ${BOX.height}`, role: 'img' });
  svg.setAttribute('aria-label', 'training loss curve');
  parent.append(svg);
  return {
    draw(train, test, epochs) {
      const c = lossCurveLayout(train, test, epochs, BOX);
      const { width: w, height: h, pad } = BOX;
      const label = { 'font-size': 11, fill: '#555' };
      svg.replaceChildren(
        el('rect', { x: pad, y: pad, width: w - 2 * pad, height: h - 2 * pad, fill: 'none', stroke: '#ccc' }),
        el('text', { ...label, x: pad, y: 14 }, '−ELBO, nats per example: training (line), test (dots)'),
        el('text', { ...label, x: pad, y: h - pad + 14 }, '0'),
        el('text', { ...label, x: w - pad, y: h - pad + 14, 'text-anchor': 'end' }, `epoch ${c.xDomain[1]}`),
      );
      if (!c.y) return;
      const step = c.y.ticks.length > 1 ? c.y.ticks[1].value - c.y.ticks[0].value : 1;
      svg.append(
        ...c.y.ticks.map((t) => el('text', { ...label, x: pad - 4, y: t.at + 4, 'text-anchor': 'end' }, tickLabel(t.value, step))),
        el('path', { d: c.trainPath, fill: 'none', stroke: '#4e79a7', 'stroke-width': 1.5 }),
        ...c.testPoints.map(([x, y]) => el('circle', { cx: x, cy: y, r: 3, fill: '#e15759' })),
      );
    },
  };
}
