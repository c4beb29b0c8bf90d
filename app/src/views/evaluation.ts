/**
 * The run's evaluation report (evaluation.json from `vaekit evaluate`, src/node/runs/results.ts
 * Evaluation) as a table (#evaluation-table: test ELBO and its terms, IWAE bound, log p(x) estimate
 * with its standard error, bits/dim, active units, samples K, date), and under it the run's figures
 * (its PNG and SVG files, #evaluation-figures). Hidden when the run has neither.
 */
import { fetchOk, urlIn, type ExplorerContext } from '../context.js';
import { evaluationRows, type EvaluationFile } from '../pure/evaluation.js';
import { div } from './controls.js';

export async function mountEvaluation(root: HTMLElement, ctx: ExplorerContext): Promise<void> {
  const panel = document.getElementById(`${root.id}-panel`) ?? root;
  const { evaluation: file, figures } = ctx.manifest.files;
  if (!file && figures.length === 0) {
    panel.hidden = true;
    return;
  }
  root.replaceChildren();
  if (file) {
    try {
      const ev = (await (await fetchOk(urlIn(ctx.runUrl, file))).json()) as EvaluationFile;
      root.append(table(evaluationRows(ev)));
    } catch (e) {
      // A damaged file is the run's problem, not the page's: say so here and let the other views work.
      root.append(div('muted', `could not read ${file}: ${e instanceof Error ? e.message : String(e)}`));
    }
  } else {
    root.append(div('muted', 'no evaluation.json in this run (vaekit evaluate RUN writes one)'));
  }
  if (figures.length) root.append(gallery(ctx, figures));
  panel.hidden = false;
  root.dataset.view = 'evaluation';
}

function table(rows: ReturnType<typeof evaluationRows>): HTMLTableElement {
  const t = document.createElement('table');
  t.id = 'evaluation-table';
  t.className = 'decoded';
  for (const r of rows) {
    const tr = t.insertRow();
    const th = document.createElement('th');
    th.textContent = r.name;
    tr.append(th);
    tr.insertCell().textContent = r.value;
    const note = tr.insertCell();
    note.textContent = r.note;
    note.className = 'muted';
    note.style.textAlign = 'left';
  }
  return t;
}

/** The run's pictures, each captioned with its file name. */
function gallery(ctx: ExplorerContext, figures: readonly string[]): HTMLElement {
  const box = div();
  box.id = 'evaluation-figures';
  box.style.cssText = 'display:flex;flex-wrap:wrap;gap:0.8em;margin-top:0.6em;align-items:flex-start';
  for (const name of figures) {
    const fig = document.createElement('figure');
    fig.style.margin = '0';
    const img = document.createElement('img');
    img.src = urlIn(ctx.runUrl, name);
    img.alt = name;
    img.style.cssText = 'max-width:420px;max-height:420px;display:block';
    if (/\.png$/i.test(name)) img.style.imageRendering = 'pixelated'; // image grids: keep their pixels sharp
    const cap = document.createElement('figcaption');
    cap.className = 'muted';
    cap.textContent = name;
    fig.append(img, cap);
    box.append(fig);
  }
  return box;
}
