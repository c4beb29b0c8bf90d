/**
 * The run's training curves from metrics.jsonl (one row per epoch, src/training/state.ts): the train
 * loss and the validation and test −ELBO per epoch, and below them the KL term when the objective has
 * one, as one inline SVG (#curves-svg) with axes and legends. Nats per example; lower is better.
 * Hidden when the run has no metrics file.
 */
import type { EpochMetrics } from 'vaekit';
import { fetchOk, urlIn, type ExplorerContext } from '../context.js';
import { curveSeries, parseMetricsJsonl, type CurveSeries } from '../pure/metrics.js';
import { extent, linePath, linearScale, niceDomain } from '../pure/plot.js';
import { formatValue } from '../pure/table.js';
import { div } from './controls.js';
import { axes, legend, svgEl } from './svg-chart.js';

/** Colours by split (train, validation, test), and the chart's size in CSS pixels. */
const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c'];
const WIDTH = 460;
const MARGIN = { left: 56, right: 14 };
const LOSS_HEIGHT = 170;
const KL_HEIGHT = 120;

export async function mountCurves(root: HTMLElement, ctx: ExplorerContext): Promise<void> {
  const panel = document.getElementById(`${root.id}-panel`) ?? root;
  const file = ctx.manifest.files.metrics;
  if (!file) {
    panel.hidden = true;
    return;
  }
  let rows: EpochMetrics[];
  try {
    rows = parseMetricsJsonl(await (await fetchOk(urlIn(ctx.runUrl, file))).text(), file);
  } catch (e) {
    // A damaged file is the run's problem, not the page's: say so here and let the other views work.
    root.replaceChildren(div('muted', `could not read the training curves: ${e instanceof Error ? e.message : String(e)}`));
    panel.hidden = false;
    return;
  }
  const { loss, kl } = curveSeries(rows);
  if (loss.length === 0) {
    panel.hidden = true;
    return;
  }
  const epochs = rows.map((r) => r.epoch);
  const [e0, e1] = [Math.min(...epochs), Math.max(...epochs)];
  const xDomain: [number, number] = e0 === e1 ? [e0 - 0.5, e1 + 0.5] : [e0, e1];
  const x = linearScale(xDomain, [MARGIN.left, WIDTH - MARGIN.right]);
  const height = 10 + LOSS_HEIGHT + (kl.length ? KL_HEIGHT : 0);
  const svg = svgEl('svg', { id: 'curves-svg', width: WIDTH, height, viewBox: `0 0 ${WIDTH} ${height}`, role: 'img' });
  svg.append(svgEl('title', {}, `training curves of ${ctx.manifest.runName}, nats per example`));
  svg.append(chart(loss, x, 0, LOSS_HEIGHT, 'loss, nats', kl.length === 0));
  if (kl.length) svg.append(chart(kl, x, LOSS_HEIGHT, KL_HEIGHT, 'KL, nats', true));
  root.replaceChildren(svg, div('muted', summary(rows)));
  panel.hidden = false;
  root.dataset.view = 'curves';
}

/**
 * One chart: the series' lines and points on shared x, in the band [top, top + height) of the SVG.
 * @param hasXAxisTitle - the bottom chart names the x axis
 */
function chart(series: CurveSeries[], x: ReturnType<typeof linearScale>, top: number, height: number, yTitle: string, hasXAxisTitle: boolean): SVGGElement {
  const g = svgEl('g', { class: 'curve-chart' });
  const values = series.flatMap((s) => s.points.map(([, v]) => v));
  const [lo, hi] = extent(values) ?? [0, 1];
  const y = linearScale(niceDomain(lo, hi, 4), [top + height - (hasXAxisTitle ? 34 : 22), top + 22]);
  g.append(axes(x, y, { xLabel: hasXAxisTitle ? 'epoch' : undefined, yLabel: yTitle, isIntegerX: true }));
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    g.append(svgEl('path', { d: linePath(s.points, x, y), fill: 'none', stroke: colour, 'stroke-width': 1.5, 'data-field': String(s.field) }));
    for (const [epoch, v] of s.points) {
      if (!Number.isFinite(v)) continue;
      const dot = svgEl('circle', { cx: x(epoch), cy: y(v), r: 2.5, fill: colour });
      dot.append(svgEl('title', {}, `${s.name}, epoch ${epoch}: ${formatValue(v)} nats`));
      g.append(dot);
    }
  });
  g.append(
    legend(
      series.map((s, i) => ({ name: s.name, colour: COLOURS[i % COLOURS.length] })),
      MARGIN.left,
      top + 10,
    ),
  );
  return g;
}

/** The last epoch's figures in words. */
function summary(rows: readonly EpochMetrics[]): string {
  const last = rows.reduce((a, b) => (b.epoch > a.epoch ? b : a));
  const parts = [`train ${formatValue(last.trainLoss)}`];
  if (last.valLoss !== null) parts.push(`validation ${formatValue(last.valLoss)}`);
  if (last.testLoss !== null) parts.push(`test ${formatValue(last.testLoss)}`);
  if (last.kl !== null) parts.push(`KL ${formatValue(last.kl)}`);
  const au = last.activeUnits !== null ? `; active units ${last.activeUnits}` : '';
  return `after epoch ${last.epoch}: ${parts.join(', ')} nats per example (β = ${formatValue(last.beta)})${au}`;
}
