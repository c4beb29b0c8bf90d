/**
 * A conditional run's condition picker, under the decoder output: what every decoding in the page is
 * conditioned on (ctx.condition, c [C]). The saved model says what c means
 * (description.preprocessing.condition, src/models/description.ts):
 *   'label'    a class: c = one-hot(k) [numClasses], picked in #condition-class by name
 *   'columns'  condition columns: one number input per column (#condition-col-<j>) in raw units,
 *              c_j = (raw_j / scale − mean_j) / std_j with the condition's own standardisation
 * Each change sets ctx.condition and sends a 'condition' event { c }. Hidden and empty for an
 * unconditional run (or one whose model does not say what its condition means).
 */
import { emit, on, type ExplorerContext } from '../context.js';
import { argMax, conditionFromRaw, oneHot, rawFromCondition } from '../pure/condition.js';
import { formatValue } from '../pure/table.js';
import { div, labelled, select } from './controls.js';

export function mountConditionPicker(root: HTMLElement, ctx: ExplorerContext): void {
  const conditionDim = ctx.description.config.conditionDim ?? 0;
  const cond = ctx.description.preprocessing?.condition;
  root.replaceChildren();
  if (conditionDim === 0 || !cond) {
    root.hidden = true;
    return;
  }
  root.hidden = false;
  root.dataset.view = 'condition';
  const set = (c: Float32Array) => {
    ctx.condition = c;
    emit(ctx, 'condition', { c });
  };
  if (cond.kind === 'label') {
    const names = Array.from({ length: cond.numClasses }, (_, k) => cond.classNames[k] ?? ctx.manifest.classNames?.[k] ?? String(k));
    const initial = ctx.condition && ctx.condition.length === cond.numClasses ? Math.max(0, argMax(ctx.condition)) : 0;
    if (!ctx.condition || ctx.condition.length !== cond.numClasses) ctx.condition = oneHot(initial, cond.numClasses);
    const picker = select(
      'condition-class',
      names.map((name, k) => [String(k), name] as const),
      String(initial),
    );
    picker.addEventListener('change', () => set(oneHot(Number(picker.value), cond.numClasses)));
    on<{ c: Float32Array }>(ctx, 'condition', ({ c }) => {
      const k = argMax(c);
      if (k >= 0 && String(k) !== picker.value) picker.value = String(k);
    });
    root.append(labelled('condition: class', picker));
    return;
  }
  const scale = ctx.description.preprocessing?.scale ?? ctx.manifest.scale;
  const st = cond.standardization;
  // Without the examples' conditions, start at the columns' means: c = 0.
  const c0 = ctx.condition && ctx.condition.length === cond.columns.length ? ctx.condition : new Float32Array(cond.columns.length);
  ctx.condition = c0;
  const inputs = cond.columns.map((name, j) => {
    const input = document.createElement('input');
    input.type = 'number';
    input.id = `condition-col-${j}`;
    input.step = 'any';
    input.dataset.column = name;
    input.style.width = '6em';
    return input;
  });
  const show = (c: ArrayLike<number>) => {
    const raw = rawFromCondition(c, st, scale);
    inputs.forEach((input, j) => {
      if (document.activeElement !== input) input.value = formatValue(raw[j]);
    });
  };
  show(c0);
  const onChange = () => {
    const raw = inputs.map((input) => Number(input.value));
    if (raw.some((v, j) => inputs[j].value.trim() === '' || !Number.isFinite(v))) return;
    set(conditionFromRaw(raw, st, scale));
  };
  for (const input of inputs) input.addEventListener('change', onChange);
  on<{ c: Float32Array }>(ctx, 'condition', ({ c }) => show(c));
  const box = div();
  box.append('condition (raw units): ', ...cond.columns.map((name, j) => labelled(name, inputs[j])));
  root.append(box);
}
