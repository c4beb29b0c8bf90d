/**
 * The run's anomaly scores (RUN/scores-<split>.csv from `vaekit score`, ctx.scores): a histogram of
 * the scores (#anomaly-histogram) with the calibration's threshold as a vertical line when the run has
 * one that applies, and the 10 highest scores (#anomaly-top), each drawn when it is one of the
 * explorer's examples; clicking one selects it ('select' event). Higher scores are more anomalous.
 * Hidden when the run has no scores.
 */
import { emit, rowOf, type ExplorerContext } from '../context.js';
import { histogram, topIndices, type Histogram } from '../pure/histogram.js';
import { linearScale, niceDomain, type LinearScale } from '../pure/plot.js';
import { formatValue } from '../pure/table.js';
import { div, imageZoom, labelText } from './controls.js';
import { renderOutput } from './output.js';
import { axes, svgEl } from './svg-chart.js';

/** How many of the highest scores to list. */
const NUM_TOP = 10;
const WIDTH = 640;
const HEIGHT = 210;
const MARGIN = { left: 52, right: 16, top: 18, bottom: 40 };
const BAR = '#4e79a7';
const FLAGGED = '#e15759';

export function mountAnomaly(root: HTMLElement, ctx: ExplorerContext): void {
  const panel = document.getElementById(`${root.id}-panel`) ?? root;
  const scores = ctx.scores;
  if (!scores) {
    panel.hidden = true;
    return;
  }
  const { values, threshold, column } = scores;
  let numFinite = 0;
  for (const v of values) if (Number.isFinite(v)) numFinite++;
  const numBins = Math.min(40, Math.max(10, Math.ceil(Math.sqrt(numFinite))));
  const h = histogram(values, { numBins, include: [threshold] });
  const flagged = scores.isAnomaly ? scores.isAnomaly.reduce((k, a) => k + a, 0) : 0; // the calibration's own decisions
  const caption = div('muted');
  caption.textContent =
    `${numFinite} ${column} scores (higher = more anomalous)` +
    (threshold === null ? '; the run has no calibrated threshold for this score' : `; threshold ${formatValue(threshold)} (calibration): ${flagged} above it`);
  const top = div();
  top.id = 'anomaly-top';
  top.style.cssText = 'display:flex;flex-wrap:wrap;gap:0.6em;margin-top:0.4em';
  top.append(...topIndices(values, NUM_TOP).map((i, rank) => card(ctx, i, rank)));
  const topTitle = div('', `the ${Math.min(NUM_TOP, numFinite)} highest scores`);
  topTitle.style.marginTop = '0.6em';
  root.replaceChildren(caption, histogramSvg(h, threshold, column), topTitle, top);
  panel.hidden = false;
  root.dataset.view = 'anomaly';
}

/** The histogram's bars, axes and threshold line. */
function histogramSvg(h: Histogram, threshold: number | null, column: string): SVGSVGElement {
  const svg = svgEl('svg', { id: 'anomaly-histogram', width: WIDTH, height: HEIGHT, viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img' });
  svg.append(svgEl('title', {}, `histogram of the ${column} scores`));
  const b = h.counts.length;
  const x = linearScale([h.edges[0], h.edges[b]], [MARGIN.left, WIDTH - MARGIN.right]);
  const maxCount = Math.max(1, ...h.counts);
  const y = linearScale(niceDomain(0, maxCount, 4), [HEIGHT - MARGIN.bottom, MARGIN.top]);
  svg.append(axes(x, y, { xLabel: column, yLabel: 'examples' }));
  for (let i = 0; i < b; i++) {
    if (h.counts[i] === 0) continue;
    const [x0, x1] = [x(h.edges[i]), x(h.edges[i + 1])];
    const bar = svgEl('rect', {
      x: x0 + 0.5,
      y: y(h.counts[i]),
      width: Math.max(0.5, x1 - x0 - 1),
      height: y(0) - y(h.counts[i]),
      fill: threshold !== null && h.edges[i] >= threshold ? FLAGGED : BAR,
    });
    bar.append(svgEl('title', {}, `${formatValue(h.edges[i])} to ${formatValue(h.edges[i + 1])}: ${h.counts[i]}`));
    svg.append(bar);
  }
  if (threshold !== null && Number.isFinite(threshold)) svg.append(thresholdLine(x, y, threshold));
  return svg;
}

function thresholdLine(x: LinearScale, y: LinearScale, threshold: number): SVGGElement {
  const g = svgEl('g', { class: 'threshold' });
  const px = x(threshold);
  const [bottom, top] = y.range;
  g.append(svgEl('line', { x1: px, y1: bottom, x2: px, y2: top - 6, stroke: FLAGGED, 'stroke-width': 1.5, 'stroke-dasharray': '4 3' }));
  const isRightHalf = px > (x.range[0] + x.range[1]) / 2;
  g.append(
    svgEl(
      'text',
      { x: px + (isRightHalf ? -4 : 4), y: top + 4, 'font-size': 10, fill: FLAGGED, 'text-anchor': isRightHalf ? 'end' : 'start' },
      `threshold ${formatValue(threshold)}`,
    ),
  );
  return g;
}

/** One of the top scores: the example drawn when the explorer has it, its index, score and label. */
function card(ctx: ExplorerContext, i: number, rank: number): HTMLElement {
  const scores = ctx.scores!;
  const box = div();
  box.style.cssText = 'text-align:center;font-size:0.85em';
  const label = scores.labels[i] ?? (ctx.data.labels && i < ctx.data.labels.length ? ctx.data.labels[i] : null);
  const text = div('', `${rank + 1}. #${i}: ${formatValue(scores.values[i])}${label === null ? '' : `, label ${labelText(label, ctx.manifest.classNames)}`}`);
  if (i < ctx.manifest.numExamples) {
    box.append(
      renderOutput(rowOf(ctx.data.x, ctx.manifest.dataDim, i), ctx.manifest, { zoom: imageZoom(ctx.manifest.exampleShape, 56), size: [140, 56] }),
      text,
    );
    box.style.cursor = 'pointer';
    box.title = `select example #${i}`;
    box.dataset.index = String(i);
    box.addEventListener('click', () => emit(ctx, 'select', { index: i }));
  } else {
    box.style.width = '9.5em';
    box.append(text, div('muted', `not among the explorer's ${ctx.manifest.numExamples} examples`));
  }
  return box;
}
