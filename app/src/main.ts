/**
 * The explorer's entry: picks a TensorFlow.js backend, reads site.json beside the page, loads the run
 * it names (when it names one) and mounts every view; the trainer panel is always there.
 * `document.body.dataset.state` is 'loading', then 'ready' or 'error' (the status line says why).
 */
import { parseSiteIndex, type SiteIndex } from 'vaekit';
import { chooseBackend } from './backend.js';
import { emit, fetchOk, loadExplorer, rowOf, urlIn, type ExplorerContext } from './context.js';
import { mountTrainer } from './train/panel.js';
import { mountAnomaly } from './views/anomaly.js';
import { mountAttribute } from './views/attribute.js';
import { mountConditionPicker } from './views/condition.js';
import { mountCurves } from './views/curves.js';
import { mountDecoded } from './views/decoded.js';
import { mountDetail } from './views/detail.js';
import { mountEvaluation } from './views/evaluation.js';
import { mountInterpolation } from './views/interpolation.js';
import { mountMap } from './views/map.js';
import { mountPad } from './views/pad.js';
import { mountSamples } from './views/samples.js';
import { mountSliders } from './views/sliders.js';

/** A view: fills the element with this id; may hide its panel when the run has nothing for it. */
type Mount = (root: HTMLElement, ctx: ExplorerContext) => void | Promise<void>;

/** Every view by the id of the element it fills (app/index.html). */
const VIEWS: ReadonlyArray<[string, Mount]> = [
  ['condition', mountConditionPicker],
  ['decoded', mountDecoded],
  ['map', mountMap],
  ['detail', mountDetail],
  ['sliders', mountSliders],
  ['pad', mountPad],
  ['interpolation', mountInterpolation],
  ['attribute', mountAttribute],
  ['samples', mountSamples],
  ['curves', mountCurves],
  ['evaluation', mountEvaluation],
  ['anomaly', mountAnomaly],
];

const $ = (id: string) => document.getElementById(id)!;

function status(text: string, isError = false): void {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

async function main(): Promise<void> {
  document.body.dataset.state = 'loading';
  const params = new URLSearchParams(location.search);
  const backend = await chooseBackend(params.get('backend'));
  $('backend').textContent = `backend: ${backend}`;
  const siteUrl = urlIn(location.href, './');
  const site: SiteIndex = parseSiteIndex(await (await fetchOk(urlIn(siteUrl, 'site.json'))).json(), 'site.json');
  mountTrainer($('trainer'), { site, siteUrl });
  if (site.run) {
    const runUrl = urlIn(siteUrl, site.run.replace(/\/?$/, '/'));
    const ctx = await loadExplorer(runUrl, (s) => status(`${s}…`));
    $('run-title').textContent =
      `${ctx.manifest.runName}: ${ctx.manifest.source}, Z = ${ctx.latentDim}, ${ctx.manifest.numExamples} ${ctx.manifest.split} examples`;
    $('explorer').hidden = false;
    for (const [id, mount] of VIEWS) await mount($(id), ctx);
    emit(ctx, 'latent', { z: rowOf(ctx.means, ctx.latentDim, 0), from: `example 0` });
  }
  status(site.run ? 'ready' : 'ready: no run here; train one below');
  document.body.dataset.state = 'ready';
}

main().catch((e: unknown) => {
  status(e instanceof Error ? e.message : String(e), true);
  document.body.dataset.state = 'error';
});
