/**
 * Interpolation between two examples' posterior means, the straight line and the great circle side
 * by side (the formulas live in the library: interpolationPath, lerp and slerp, src/latent/interpolate.ts):
 *   lerp:  z_t = (1 − t) z_A + t z_B
 *   slerp: z_t = sin((1 − t)θ)/sin θ · z_A + sin(tθ)/sin θ · z_B,  cos θ = z_A·z_B / (‖z_A‖ ‖z_B‖)
 * with t = s/(S − 1), s = 0 … S − 1, each decoded under the context's condition. The endpoints are
 * example indices (#interp-a, #interp-b), set by hand or to the example last selected; #interp-steps is S.
 * @see White 2016, "Sampling generative networks", §2.1
 */
import * as tf from '@tensorflow/tfjs';
import { interpolationPath, type InterpolationMethod } from 'vaekit';
import { decodePoints, on, rowOf, type ExplorerContext } from '../context.js';
import { defaultEndpoints } from '../pure/latent.js';
import { latestWins } from '../pure/latest.js';
import { button, div, imageZoom, labelText, labelled, numberInput, readInt } from './controls.js';
import { renderOutput } from './output.js';

/** S by default, and its bounds. */
const STEPS = { initial: 8, min: 2, max: 24 } as const;

const METHODS: ReadonlyArray<{ method: InterpolationMethod; id: string; caption: string }> = [
  { method: 'lerp', id: 'interp-lerp', caption: 'lerp: (1 − t) z_A + t z_B' },
  { method: 'slerp', id: 'interp-slerp', caption: 'slerp: the great circle from z_A to z_B' },
];

export function mountInterpolation(root: HTMLElement, ctx: ExplorerContext): void {
  const n = ctx.manifest.numExamples;
  const z = ctx.latentDim;
  const d = ctx.manifest.dataDim;
  const zoom = imageZoom(ctx.manifest.exampleShape);
  const [a0, b0] = defaultEndpoints(ctx.data.labels ?? null, n);
  const indexInput = (id: string, value: number) => numberInput(id, value, 0, n - 1);
  const inputA = indexInput('interp-a', a0);
  const inputB = indexInput('interp-b', b0);
  const steps = numberInput('interp-steps', STEPS.initial, STEPS.min, STEPS.max);
  const setA = button('interp-set-a', 'A ← selected');
  const setB = button('interp-set-b', 'B ← selected');
  let selected: number | null = null;
  for (const b of [setA, setB]) {
    b.disabled = true;
    b.title = 'select an example first (click one on the map)';
  }

  const controls = document.createElement('div');
  controls.append(labelled('A: example', inputA), setA, labelled('B: example', inputB), setB, labelled('steps', steps));
  const ends = document.createElement('div');
  ends.style.cssText = 'display:flex;gap:1.5em;align-items:center;margin:0.4em 0';
  const strips = METHODS.map(({ id, caption }) => {
    const strip = document.createElement('div');
    strip.id = id;
    strip.style.cssText = 'display:flex;gap:4px;align-items:flex-start;overflow-x:auto';
    const title = document.createElement('div');
    title.className = 'muted';
    title.textContent = caption;
    const block = document.createElement('div');
    block.append(title, strip);
    root.append(block);
    return strip;
  });
  const problem = div('muted');
  root.prepend(controls, ends);
  root.append(problem);

  const draw = latestWins(
    async () => {
      const a = readInt(inputA, 0, n - 1);
      const b = readInt(inputB, 0, n - 1);
      const s = readInt(steps, STEPS.min, STEPS.max);
      const za = rowOf(ctx.means, z, a);
      const zb = rowOf(ctx.means, z, b);
      const path = tf.tidy(() => {
        const [t0, t1] = [tf.tensor1d(za), tf.tensor1d(zb)];
        return tf.concat(METHODS.map(({ method }) => interpolationPath(t0, t1, { numSteps: s, method }))); // [2S, Z]
      });
      let codes: Float32Array;
      try {
        codes = (await path.data()) as Float32Array; // [2S, Z]
      } finally {
        path.dispose();
      }
      const x = await decodePoints(ctx, codes); // [2S, D]
      ends.replaceChildren(endpoint('A', a, ctx, zoom), endpoint('B', b, ctx, zoom));
      strips.forEach((strip, m) => {
        strip.replaceChildren(
          ...Array.from({ length: s }, (_, i) => {
            const cell = document.createElement('div');
            cell.style.textAlign = 'center';
            const out = renderOutput(rowOf(x, d, m * s + i), ctx.manifest, { zoom, size: [120, 60] });
            const t = document.createElement('div');
            t.className = 'muted';
            t.style.fontSize = '0.8em';
            t.textContent = `t = ${(i / (s - 1)).toFixed(2)}`;
            cell.append(out, t);
            cell.title = `${METHODS[m].method}, t = ${(i / (s - 1)).toFixed(3)}`;
            return cell;
          }),
        );
      });
      problem.textContent = '';
    },
    (e) => (problem.textContent = `interpolation failed: ${e instanceof Error ? e.message : String(e)}`),
  );

  for (const input of [inputA, inputB, steps]) input.addEventListener('change', () => void draw());
  setA.addEventListener('click', () => {
    if (selected === null) return;
    inputA.value = String(selected);
    void draw();
  });
  setB.addEventListener('click', () => {
    if (selected === null) return;
    inputB.value = String(selected);
    void draw();
  });
  on<{ index: number }>(ctx, 'select', ({ index }) => {
    if (!Number.isInteger(index) || index < 0 || index >= n) return;
    selected = index;
    for (const [b, which] of [
      [setA, 'A'],
      [setB, 'B'],
    ] as const) {
      b.disabled = false;
      b.textContent = `${which} ← #${index}`;
      b.title = `set ${which} to the selected example, #${index}`;
    }
  });
  on(ctx, 'condition', () => void draw());
  root.dataset.view = 'interpolation';
  void draw();
}

/** An endpoint: the example itself, its index and label. */
function endpoint(name: string, i: number, ctx: ExplorerContext, zoom: number): HTMLElement {
  const box = div();
  box.style.cssText = 'display:flex;gap:0.5em;align-items:center';
  const label = ctx.data.labels ? ctx.data.labels[i] : null;
  const text = document.createElement('span');
  text.textContent = `${name} = #${i}${label === null ? '' : `, label ${labelText(label, ctx.manifest.classNames)}`}`;
  box.append(text, renderOutput(rowOf(ctx.data.x, ctx.manifest.dataDim, i), ctx.manifest, { zoom, size: [120, 60] }));
  return box;
}
