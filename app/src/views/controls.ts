/**
 * Small form controls the explorer's views share (number inputs, buttons, labels, selects) and the
 * size at which a view draws one example in a strip or grid.
 */

/** A number input with an id, a value and bounds. */
export function numberInput(id: string, value: number, min: number, max: number, step = '1'): HTMLInputElement {
  const input = document.createElement('input');
  input.type = 'number';
  input.id = id;
  input.min = String(min);
  input.max = String(max);
  input.step = step;
  input.value = String(value);
  input.style.width = '5em';
  return input;
}

/** The input's integer value clamped to [min, max], written back when it was out of range or not a number. */
export function readInt(input: HTMLInputElement, min: number, max: number): number {
  const v = Math.round(Number(input.value));
  const clamped = Number.isFinite(v) && input.value.trim() !== '' ? Math.min(max, Math.max(min, v)) : min;
  if (String(clamped) !== input.value) input.value = String(clamped);
  return clamped;
}

/** A button with an id and its text. */
export function button(id: string, text: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.id = id;
  b.type = 'button';
  b.textContent = text;
  return b;
}

/** A select with an id and its options, [value, text] each. */
export function select(id: string, options: ReadonlyArray<readonly [string, string]>, value?: string): HTMLSelectElement {
  const s = document.createElement('select');
  s.id = id;
  for (const [v, text] of options) s.append(new Option(text, v));
  if (value !== undefined) s.value = value;
  return s;
}

/** A control with its text before it, in a label (so clicking the text focuses it). */
export function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  const label = document.createElement('label');
  label.append(`${text} `, control);
  return label;
}

/** A div with a class and optional text. */
export function div(className = '', text?: string): HTMLDivElement {
  const el = document.createElement('div');
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * Pixels per data pixel for an image in a strip or grid: about `side` CSS pixels per image side
 * (2 for MNIST's 28 × 28 at the default 64), between 1 and 4.
 */
export function imageZoom(shape: readonly number[], side = 64): number {
  return Math.max(1, Math.min(4, Math.round(side / Math.max(1, shape[0] ?? 1))));
}

/** A class label as the run names it: classNames[k] when the run has names, else k. */
export function labelText(label: number | null | undefined, classNames: readonly string[] | null): string {
  if (label === null || label === undefined) return '';
  return classNames?.[label] ?? String(label);
}
