/**
 * A drawing pad for grey image runs (C = 1): the run's H × W image upscaled f times (10× for 28 × 28),
 * drawn with a round soft brush, white on black like MNIST's strokes. At the end of each stroke the
 * drawing is box-averaged to H × W values in [0, 1] (the model's input units), encoded (posterior mean
 * and ELBO, under the context's condition for a conditional run), and the code sent as 'encoded'
 * { z, x, elbo } (the map marks it) and 'latent' { z, from: 'drawing' } (the decoder panel shows it);
 * beside the pad: what the model sees, its reconstruction (the decoder's mean at z), and the ELBO.
 * The code z is the encoder mean μ(x), or, when "code: MAP" is picked, the posterior mode found by
 * Adam from μ(x) (the library's `mapEncode`, MAP_ENCODE_DEFAULTS: 100 steps, learning rate 0.05),
 * with its gain in log p(x|z) + log p(z) over μ(x) shown beside the ELBO (#pad-map-gain, the gain in
 * nats also in its data-gain attribute); changing the choice encodes the drawing again.
 * Other runs hide the panel.
 *
 * Elements: #pad-canvas, #pad-clear, #pad-code, #pad-input, #pad-reconstruction, #pad-elbo, #pad-map-gain.
 */
import * as tf from '@tensorflow/tfjs';
import { mapEncode, MAP_ENCODE_DEFAULTS, type EncodeMethod } from 'vaekit';
import { decodePoints, encodeInputs, emit, on, type ExplorerContext } from '../context.js';
import { formatNats, mapGainNats, mapGainText, padCodeChoices } from '../pure/map-code.js';
import { boxDownsample, padScale, strokePoints } from '../pure/pad.js';
import { labelled, select } from './controls.js';
import { renderOutput } from './output.js';

/** The brush's radius in data pixels (MNIST strokes are 2–3 pixels wide) and the solid part of it. */
const BRUSH_RADIUS = 1.5;
const BRUSH_CORE = 0.5;

export function mountPad(root: HTMLElement, ctx: ExplorerContext): void {
  const panel = document.getElementById('pad-panel');
  const shape = ctx.manifest.exampleShape;
  const isGreyImage = ctx.manifest.dataKind === 'image' && shape.length === 3 && shape[2] === 1;
  if (panel) panel.hidden = !isGreyImage;
  if (!isGreyImage) return;

  const [h, w] = shape;
  const f = padScale(h, w);
  const radius = BRUSH_RADIUS * f;
  const canvas = document.createElement('canvas');
  canvas.id = 'pad-canvas';
  canvas.width = w * f;
  canvas.height = h * f;
  Object.assign(canvas.style, { width: `${w * f}px`, height: `${h * f}px`, cursor: 'crosshair', touchAction: 'none', display: 'block', background: '#000' });
  canvas.setAttribute('aria-label', 'drawing pad: draw with the mouse or a finger');
  const g = canvas.getContext('2d', { willReadFrequently: true })!;

  const clear = document.createElement('button');
  clear.id = 'pad-clear';
  clear.textContent = 'Clear';
  const { steps, learningRate } = MAP_ENCODE_DEFAULTS;
  const codeChoice = select('pad-code', padCodeChoices(steps), 'mean');
  codeChoice.title = `the code decoded and marked: the encoder mean, or the posterior mode by ${steps} Adam steps (learning rate ${learningRate}) from it`;
  const elboText = document.createElement('div');
  elboText.id = 'pad-elbo';
  elboText.textContent = 'draw a digit; it is encoded when you lift the pen';
  const gainText = document.createElement('div');
  gainText.id = 'pad-map-gain';
  gainText.hidden = true;
  const inputBox = figure('pad-input', `model input (${h} × ${w})`);
  const reconBox = figure('pad-reconstruction', 'reconstruction');
  const side = document.createElement('div');
  Object.assign(side.style, { display: 'flex', flexDirection: 'column', gap: '0.5em' });
  side.append(labelled('code:', codeChoice), inputBox.box, reconBox.box, elboText, gainText);
  const row = document.createElement('div');
  Object.assign(row.style, { display: 'flex', gap: '1em', alignItems: 'flex-start', flexWrap: 'wrap' });
  const left = document.createElement('div');
  left.append(canvas, clear);
  row.append(left, side);
  const note = document.createElement('p');
  note.className = 'muted';
  note.textContent = `Drawn at ${f}× the run's ${h} × ${w} pixels; each ${f} × ${f} box is averaged to one pixel in [0, 1].`;
  root.append(row, note);

  const blank = () => {
    g.globalCompositeOperation = 'source-over';
    g.fillStyle = '#000';
    g.fillRect(0, 0, canvas.width, canvas.height);
  };
  const stamp = (x: number, y: number) => {
    const brush = g.createRadialGradient(x, y, 0, x, y, radius);
    brush.addColorStop(0, 'rgba(255, 255, 255, 1)');
    brush.addColorStop(BRUSH_CORE, 'rgba(255, 255, 255, 1)');
    brush.addColorStop(1, 'rgba(255, 255, 255, 0)');
    g.fillStyle = brush;
    g.beginPath();
    g.arc(x, y, radius, 0, 2 * Math.PI);
    g.fill();
  };
  blank();

  let last: [number, number] | null = null;
  let hasDrawing = false;
  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * canvas.width) / (r.width || canvas.width), ((e.clientY - r.top) * canvas.height) / (r.height || canvas.height)];
  };
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
    stamp(...last);
    hasDrawing = true;
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = at(e);
    const pts = strokePoints(last[0], last[1], p[0], p[1], radius / 3);
    for (let k = 0; k < pts.length; k += 2) stamp(pts[k], pts[k + 1]);
    last = p;
  });
  const endStroke = () => {
    if (!last) return;
    last = null;
    request();
  };
  canvas.addEventListener('pointerup', endStroke);
  canvas.addEventListener('pointercancel', endStroke);
  clear.addEventListener('click', () => {
    blank();
    hasDrawing = false;
    elboText.textContent = 'cleared; draw again';
    showGain(null);
  });
  codeChoice.addEventListener('change', () => {
    if (hasDrawing) request();
  });
  /** The MAP code's gain beside the ELBO (null hides it). */
  const showGain = (gain: number | null) => {
    gainText.hidden = gain === null;
    gainText.textContent = gain === null ? '' : mapGainText(gain);
    if (gain === null) delete gainText.dataset.gain;
    else gainText.dataset.gain = String(gain);
    gainText.title = `J(z) = log p(x|z) + log p(z) at the MAP code (${steps} Adam steps from the encoder mean μ(x)) minus J(μ(x))`;
  };

  // Encoding: at most one at a time; a stroke that ends meanwhile is encoded next (the latest drawing wins).
  let isBusy = false;
  let isWanted = false;
  const request = () => {
    isWanted = true;
    void encodeLoop();
  };
  const encodeLoop = async () => {
    if (isBusy) return;
    isBusy = true;
    try {
      while (isWanted) {
        isWanted = false;
        const x = boxDownsample(g.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height, f); // [H·W] in [0, 1]
        // The model's units are raw pixels (0…255) divided by the run's scale.
        if (ctx.manifest.scale !== 255) for (let i = 0; i < x.length; i++) x[i] *= 255 / ctx.manifest.scale;
        inputBox.show(renderOutput(x, ctx.manifest, { zoom: 3, into: inputBox.shown }));
        const method = codeChoice.value as EncodeMethod;
        const { means, elbo } = await encodeInputs(ctx, x);
        const map = method === 'map' ? await mapCode(ctx, x, steps, learningRate) : null;
        if (isWanted) continue; // a newer drawing or choice came meanwhile: encode that instead
        const z = map ? map.z : means.slice(0, ctx.latentDim); // [Z]
        emit(ctx, 'encoded', { z, x, elbo: elbo[0] });
        emit(ctx, 'latent', { z, from: method === 'map' ? 'drawing (MAP code)' : 'drawing' });
        const recon = await decodePoints(ctx, z);
        reconBox.show(renderOutput(recon, ctx.manifest, { zoom: 3, into: reconBox.shown }));
        // The figures last, so that once they show, the reconstruction and the mark are of this code.
        elboText.textContent = `ELBO ${formatNats(elbo[0])} nats`;
        elboText.title = 'one-sample ELBO of the drawing (seed 0), a lower bound on log p(x)';
        showGain(map ? map.gain : null);
      }
    } catch (e) {
      elboText.textContent = `could not encode the drawing: ${e instanceof Error ? e.message : String(e)}`;
      showGain(null);
    } finally {
      isBusy = false;
    }
  };
  // A conditional run's drawing is encoded under the picked condition: encode it again when that changes.
  on(ctx, 'condition', () => {
    if (hasDrawing) request();
  });
  root.dataset.view = 'pad';
}

/** A captioned box whose content is replaced by `show`. */
function figure(id: string, caption: string): { box: HTMLElement; shown: HTMLElement | SVGElement | null; show: (el: HTMLElement | SVGElement) => void } {
  const box = document.createElement('figure');
  box.id = id;
  box.style.margin = '0';
  const cap = document.createElement('figcaption');
  cap.className = 'muted';
  cap.textContent = caption;
  box.append(cap);
  const fig = {
    box,
    shown: null as HTMLElement | SVGElement | null,
    show(el: HTMLElement | SVGElement) {
      if (el !== fig.shown) {
        fig.shown?.remove();
        box.prepend(el);
        fig.shown = el;
      }
    },
  };
  return fig;
}

/**
 * The MAP code of one input (the library's `mapEncode` from the encoder mean), under the context's
 * condition, and its gain in J(z) = log p(x|z) + log p(z) over the encoder mean.
 * @param x - the input [D] in the model's input units
 * @returns z [Z]; gain in nats (≥ 0)
 */
async function mapCode(ctx: ExplorerContext, x: Float32Array, steps: number, learningRate: number): Promise<{ z: Float32Array; gain: number }> {
  const xt = tf.tensor2d(x, [1, x.length]); // [1, D]
  const c = ctx.condition ? tf.tensor2d(ctx.condition, [1, ctx.condition.length]) : undefined; // [1, C]
  try {
    const r = await mapEncode(ctx.model, xt, { steps, learningRate, c });
    try {
      return { z: (await r.z.data()) as Float32Array, gain: mapGainNats(r.logJointBefore[0], r.logJointAfter[0]) }; // [Z]
    } finally {
      r.z.dispose();
    }
  } finally {
    tf.dispose([xt, ...(c ? [c] : [])]);
  }
}
