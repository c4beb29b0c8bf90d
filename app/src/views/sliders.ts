/**
 * One slider per latent dimension, in decreasing order of its KL (mean KL(q(z_u|x) ‖ N(0, 1)) over the
 * examples, nats), each with its KL as a number and a bar, and "collapsed" below COLLAPSED_KL: such a
 * dimension carries no information about x (the encoder puts the prior there) and the decoder learns
 * to ignore it, so moving its slider changes nothing. Moving a slider emits 'latent' (from 'sliders')
 * with every dimension's value; a 'latent' event from another view moves the sliders there.
 *
 * Elements: #sliders-list holding one `input[type=range][data-dim=u]` per dimension u (0-based, as z<u>), #sliders-zero.
 */
import { emit, on, type ExplorerContext } from '../context.js';

/** Below this KL (nats) a dimension is shown as collapsed. */
export const COLLAPSED_KL = 0.01;
/** The sliders' range (prior standard deviations) and step. */
const RANGE = 3;
const STEP = 0.01;
const BAR_WIDTH = 80;

export function mountSliders(root: HTMLElement, ctx: ExplorerContext): void {
  const zDim = ctx.latentDim;
  const kl = ctx.klPerDimension;
  const maxKl = Math.max(...kl, COLLAPSED_KL);
  const note = document.createElement('p');
  note.className = 'muted';
  const numCollapsed = kl.filter((v) => v < COLLAPSED_KL).length;
  note.textContent =
    `Mean KL(q(z_u|x) ‖ N(0, 1)) per dimension over the examples, nats; "collapsed": KL < ${COLLAPSED_KL} nats, a dimension the decoder ignores` +
    ` (${numCollapsed} of ${zDim}). Sliders span ±${RANGE} prior standard deviations.`;
  note.style.maxWidth = '36em';
  const list = document.createElement('div');
  list.id = 'sliders-list';
  const current = new Float32Array(zDim);
  const inputs: HTMLInputElement[] = new Array(zDim);
  const values: HTMLElement[] = new Array(zDim);

  for (const u of ctx.dimsByKl) {
    const row = document.createElement('div');
    Object.assign(row.style, { display: 'flex', alignItems: 'center', gap: '0.5em', margin: '2px 0' });
    const input = document.createElement('input');
    input.type = 'range';
    input.min = String(-RANGE);
    input.max = String(RANGE);
    input.step = String(STEP);
    input.value = '0';
    input.id = `slider-z${u}`;
    input.dataset.dim = String(u);
    const label = document.createElement('label');
    label.htmlFor = input.id;
    label.textContent = `z${u}`;
    label.style.minWidth = '2.5em';
    const value = document.createElement('output');
    value.textContent = format(0);
    value.style.minWidth = '3.5em';
    value.style.fontVariantNumeric = 'tabular-nums';
    const klText = document.createElement('span');
    klText.className = 'kl';
    klText.style.fontVariantNumeric = 'tabular-nums';
    const isCollapsed = kl[u] < COLLAPSED_KL;
    klText.textContent = `KL ${kl[u].toFixed(2)} nats`;
    const bar = document.createElement('span');
    Object.assign(bar.style, {
      display: 'inline-block',
      height: '8px',
      width: `${Math.max(1, Math.round((BAR_WIDTH * kl[u]) / maxKl))}px`,
      background: isCollapsed ? '#ccc' : '#4e79a7',
    });
    const barBox = document.createElement('span');
    Object.assign(barBox.style, { display: 'inline-block', width: `${BAR_WIDTH}px` });
    barBox.append(bar);
    row.append(label, input, value, barBox, klText);
    if (isCollapsed) {
      row.classList.add('collapsed');
      row.style.color = '#999';
      const tag = document.createElement('span');
      tag.textContent = 'collapsed';
      tag.title = `KL < ${COLLAPSED_KL} nats: q(z${u}|x) ≈ N(0, 1) for every x`;
      row.append(tag);
    }
    input.addEventListener('input', () => {
      current[u] = Number(input.value);
      value.textContent = format(current[u]);
      emit(ctx, 'latent', { z: current.slice(), from: 'sliders' });
    });
    inputs[u] = input;
    values[u] = value;
    list.append(row);
  }

  const zero = document.createElement('button');
  zero.id = 'sliders-zero';
  zero.textContent = 'All to 0';
  zero.title = 'z = 0, the prior mean';
  zero.addEventListener('click', () => {
    current.fill(0);
    show();
    emit(ctx, 'latent', { z: current.slice(), from: 'sliders' });
  });

  /** Sets each slider to the current z (a slider stops at ±RANGE; its number shows the true value). */
  const show = () => {
    for (let u = 0; u < zDim; u++) {
      inputs[u].value = String(current[u]);
      values[u].textContent = format(current[u]);
    }
  };
  on<{ z: Float32Array; from: string }>(ctx, 'latent', ({ z, from }) => {
    if (from === 'sliders' || z.length !== zDim) return;
    current.set(z);
    show();
  });
  root.append(note, list, zero);
  root.dataset.view = 'sliders';
}

function format(v: number): string {
  return (v <= -0.005 ? '−' : '') + Math.abs(v).toFixed(2);
}
