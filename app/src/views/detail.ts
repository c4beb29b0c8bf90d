/**
 * The selected example ('select' { index }, e.g. a click on the map): the example beside its
 * reconstruction (the decoder's mean at the posterior mean; a conditional run decodes with the
 * example's own condition), its label, its ELBO (nats) and, when the run has been scored, its score
 * and whether it is above the calibrated threshold. Emits 'latent' at the example's posterior mean.
 *
 * Elements: #detail-example, #detail-reconstruction, #detail-elbo, #detail-label, #detail-score.
 */
import { decodePoints, emit, on, rowOf, type ExplorerContext } from '../context.js';
import { formatValue } from '../pure/table.js';
import { renderOutput } from './output.js';

export function mountDetail(root: HTMLElement, ctx: ExplorerContext): void {
  const { manifest } = ctx;
  const hint = document.createElement('p');
  hint.className = 'muted';
  hint.textContent = 'Click a point on the map to see its example.';
  const example = pane('detail-example', 'example');
  const reconstruction = pane('detail-reconstruction', 'reconstruction (decoded posterior mean)');
  const row = document.createElement('div');
  Object.assign(row.style, { display: 'flex', gap: '1em', alignItems: 'flex-start', flexWrap: 'wrap' });
  row.append(example.box, reconstruction.box);
  const labelText = line('detail-label');
  const elboText = line('detail-elbo');
  const scoreText = line('detail-score');
  root.append(hint, row, labelText, elboText, scoreText);

  let wanted = -1;
  let isBusy = false;
  const show = async () => {
    if (isBusy) return;
    isBusy = true;
    try {
      while (wanted >= 0) {
        const i = wanted;
        wanted = -1;
        const x = rowOf(ctx.data.x, manifest.dataDim, i); // [D]
        const mean = rowOf(ctx.means, ctx.latentDim, i); // [Z]
        const c = ctx.data.conditions ? rowOf(ctx.data.conditions, ctx.data.conditionDim!, i) : undefined; // [C]
        hint.textContent = `example #${i} of the ${manifest.split} split${manifest.timeLabels ? `, ending ${manifest.timeLabels[i]}` : ''}`;
        example.show(renderOutput(x, manifest, { zoom: 4, into: example.shown }));
        labelText.textContent = labelOf(ctx, i);
        elboText.textContent = `ELBO ${formatNats(ctx.elbo[i])} nats`;
        elboText.title = 'one-sample ELBO (seed 0), a lower bound on log p(x)';
        scoreText.textContent = scoreOf(ctx, i);
        const recon = await decodePoints(ctx, mean, c); // [D]
        reconstruction.show(renderOutput(recon, manifest, { zoom: 4, into: reconstruction.shown }));
      }
    } finally {
      isBusy = false;
    }
  };
  on<{ index: number }>(ctx, 'select', ({ index }) => {
    if (!Number.isInteger(index) || index < 0 || index >= manifest.numExamples) return;
    wanted = index;
    emit(ctx, 'latent', { z: rowOf(ctx.means, ctx.latentDim, index), from: `example #${index}` });
    void show();
  });
  root.dataset.view = 'detail';
}

/** "label 7" or "label 3 (setosa)"; "no label" when the run has none. */
function labelOf(ctx: ExplorerContext, i: number): string {
  const labels = ctx.data.labels;
  if (!labels) return 'no label';
  const k = labels[i];
  const name = ctx.manifest.classNames?.[k];
  return name !== undefined && name !== String(k) ? `label ${k} (${name})` : `label ${k}`;
}

/** The example's anomaly score, when the run has one for it. */
function scoreOf(ctx: ExplorerContext, i: number): string {
  const s = ctx.scores;
  if (!s || i >= s.values.length || !Number.isFinite(s.values[i])) return '';
  const v = s.values[i];
  const verdict =
    s.threshold === null
      ? ''
      : v > s.threshold
        ? ` — anomaly (above the threshold ${formatValue(s.threshold)})`
        : ` — normal (threshold ${formatValue(s.threshold)})`;
  return `score ${s.column} ${formatValue(v)}${verdict}`;
}

function pane(id: string, caption: string): { box: HTMLElement; shown: HTMLElement | SVGElement | null; show: (el: HTMLElement | SVGElement) => void } {
  const box = document.createElement('figure');
  box.style.margin = '0';
  const holder = document.createElement('div');
  holder.id = id;
  const cap = document.createElement('figcaption');
  cap.className = 'muted';
  cap.textContent = caption;
  box.append(holder, cap);
  const p = {
    box,
    shown: null as HTMLElement | SVGElement | null,
    show(el: HTMLElement | SVGElement) {
      if (el !== p.shown) {
        p.shown?.remove();
        holder.append(el);
        p.shown = el;
      }
    },
  };
  return p;
}

function line(id: string): HTMLElement {
  const el = document.createElement('div');
  el.id = id;
  return el;
}

/** Nats with one decimal and a true minus sign. */
function formatNats(v: number): string {
  return Number.isFinite(v) ? (v < 0 ? '−' : '') + Math.abs(v).toFixed(1) : String(v);
}
