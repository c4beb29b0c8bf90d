/**
 * Attribute vectors between two labels (resynthesis): the difference of the two classes' mean
 * posterior means, added with a strength α to a base example's code and decoded, live as the slider
 * moves (each move also sends the code as a 'latent' event, so the decoder panel follows).
 *   v = m_to − m_from,  m_G = (1/N_G) Σ_{n: y_n = G} μ(x_n)
 *   z(α) = μ(x_base) + α v,  α ∈ [−2, 2]
 * Both formulas are the library's (attributeVector, applyAttribute in src/latent/attribute.ts); its
 * attributeVector takes the model and the labelled examples, which the context has (ctx.model,
 * ctx.data), so it is used as it is and its result kept per pair of labels. Hidden without labels.
 * @see Prince, Understanding Deep Learning, §17.8.3 (resynthesis); White 2016, §3
 */
import * as tf from '@tensorflow/tfjs';
import { applyAttribute, attributeVector, type AttributeVector } from 'vaekit';
import { emit, on, rowOf, type ExplorerContext } from '../context.js';
import { latestWins } from '../pure/latest.js';
import { div, imageZoom, labelText, labelled, select } from './controls.js';
import { renderOutput } from './output.js';

/** The strength slider's range and step. */
const STRENGTH = { min: -2, max: 2, step: 0.1, initial: 1 } as const;

export function mountAttribute(root: HTMLElement, ctx: ExplorerContext): void {
  const panel = document.getElementById(`${root.id}-panel`) ?? root;
  const labels = ctx.data.labels;
  const present = labels ? [...new Set(labels)].sort((a, b) => a - b) : [];
  if (present.length < 2) {
    panel.hidden = true;
    return;
  }
  const n = ctx.manifest.numExamples;
  const z = ctx.latentDim;
  const classNames = ctx.manifest.classNames;
  const options = present.map((k) => [String(k), labelText(k, classNames)] as const);
  const from = select('attr-from', options, String(present[0]));
  const to = select('attr-to', options, String(present[1]));
  const strength = document.createElement('input');
  strength.type = 'range';
  strength.id = 'attr-strength';
  strength.min = String(STRENGTH.min);
  strength.max = String(STRENGTH.max);
  strength.step = String(STRENGTH.step);
  strength.value = String(STRENGTH.initial);
  const strengthText = document.createElement('span');
  strengthText.id = 'attr-strength-value';
  let base = 0;

  const controls = div();
  controls.append(labelled('from', from), labelled('to', to));
  const sliderRow = div();
  sliderRow.append(labelled('strength α', strength), strengthText);
  const baseText = div('muted');
  const pictures = div();
  pictures.style.cssText = 'display:flex;gap:1em;align-items:center;margin:0.4em 0';
  const zoom = imageZoom(ctx.manifest.exampleShape, 84);
  const originalBox = div();
  const outputBox = div();
  outputBox.id = 'attr-output';
  pictures.append(figure('base example', originalBox), figure('base + α v, decoded', outputBox));
  const caption = div('muted');
  root.append(controls, sliderRow, baseText, pictures, caption);

  const vectors = new Map<string, Promise<AttributeVector>>();
  const vectorOf = (a: number, b: number) => {
    const key = `${a}>${b}`;
    if (!vectors.has(key)) vectors.set(key, attributeVector(ctx.model, ctx.data, { fromLabel: a, toLabel: b }));
    return vectors.get(key)!;
  };

  let shown: HTMLElement | SVGElement | null = null;
  let shouldEmit = false;
  const draw = latestWins(
    async () => {
      const isAsked = shouldEmit;
      shouldEmit = false;
      const a = Number(from.value);
      const b = Number(to.value);
      const alpha = Number(strength.value);
      strengthText.textContent = ` ${alpha >= 0 ? '+' : ''}${alpha.toFixed(1)}`;
      const baseLabel = labels![base];
      baseText.textContent = `base: example #${base}, label ${labelText(baseLabel, classNames)} (the selected example; click one on the map to change it)`;
      originalBox.replaceChildren(renderOutput(rowOf(ctx.data.x, ctx.manifest.dataDim, base), ctx.manifest, { zoom }));
      if (a === b) {
        caption.textContent = 'pick two different labels';
        return;
      }
      const v = await vectorOf(a, b);
      const out = tf.tidy(() => {
        const code = tf.tensor2d(rowOf(ctx.means, z, base), [1, z]); // [1, Z]
        const c = ctx.condition ? tf.tensor2d(ctx.condition, [1, ctx.condition.length]) : undefined; // [1, C]
        return applyAttribute(ctx.model, code, v.vector, [alpha], c); // z [1, Z], mean [1, D]
      });
      let code: Float32Array;
      let x: Float32Array;
      try {
        [code, x] = (await Promise.all([out.z.data(), out.mean.data()])) as [Float32Array, Float32Array];
      } finally {
        tf.dispose([out.z, out.mean]);
      }
      const el = renderOutput(x, ctx.manifest, { zoom, into: shown });
      if (el !== shown) outputBox.replaceChildren(el);
      shown = el;
      const norm = Math.sqrt(v.vector.reduce((s, u) => s + u * u, 0));
      caption.textContent =
        `z = μ(x_${base}) + α (m_${labelText(b, classNames)} − m_${labelText(a, classNames)}), α = ${alpha.toFixed(1)}; ` +
        `‖v‖ = ${norm.toFixed(2)}, from ${v.numFrom} and ${v.numTo} examples`;
      if (isAsked) emit(ctx, 'latent', { z: code, from: `attribute ${labelText(a, classNames)} → ${labelText(b, classNames)}, α = ${alpha.toFixed(1)}` });
    },
    (e) => (caption.textContent = `attribute vector failed: ${e instanceof Error ? e.message : String(e)}`),
  );
  /** A redraw the user asked for here: it also moves the decoder panel to the new code. */
  const drawAndEmit = () => {
    shouldEmit = true;
    void draw();
  };
  strength.addEventListener('input', drawAndEmit);
  from.addEventListener('change', drawAndEmit);
  to.addEventListener('change', drawAndEmit);
  on<{ index: number }>(ctx, 'select', ({ index }) => {
    if (!Number.isInteger(index) || index < 0 || index >= n) return;
    base = index;
    void draw();
  });
  on(ctx, 'condition', () => void draw());
  root.dataset.view = 'attribute';
  void draw();
}

/** A picture with a caption above it. */
function figure(text: string, content: HTMLElement): HTMLElement {
  const box = div();
  box.append(div('muted', text), content);
  return box;
}
