/**
 * The latent map: the examples' posterior means in 2-D (the means themselves for Z ≤ 2, Z = 1 on the
 * x axis with y = 0; their first two principal coordinates for Z > 2), coloured by label (or by ELBO
 * or anomaly score), with thumbnails of the examples for image runs. Hovering or dragging decodes
 * the point under the cursor ('latent' from 'map'); a click picks the nearest example ('select').
 * Markers: a crosshair at the current latent point (whichever view set it), a ring round the selected
 * example, a star at the last drawing's code ('encoded').
 *
 * Elements: #map-canvas (480 × 480 CSS px), #map-colour (colour by), #map-thumbnails (image runs),
 * #map-legend, #map-caption, #map-readout.
 */
import { emit, on, type ExplorerContext } from '../context.js';
import { labelColour, robustRange, scaleColour, sequentialColour, UNLABELLED_COLOUR } from '../pure/colours.js';
import { imageToRgba, isDrawableImage } from '../pure/image.js';
import { fitTransform, latentAt, mapPointOf, mapPoints, nearestPoint, niceTicks, toData, toPixel, type MapTransform } from '../pure/map-geometry.js';
import { layoutThumbnails } from '../pure/thumbnails.js';

/** The canvas's side and inner padding, CSS pixels; a thumbnail cell's side. */
const SIZE = 480;
const PADDING = 18;
const THUMB_CELL = 28;
const DOT_RADIUS = 2.5;
/** A press that moves less than this (CSS px) before release is a click, not a drag. */
const CLICK_SLOP = 4;
const MAX_LEGEND = 20;

type ColourBy = 'label' | 'none' | 'elbo' | 'score';

export function mountMap(root: HTMLElement, ctx: ExplorerContext): void {
  const { manifest, projection } = ctx;
  const n = manifest.numExamples;
  const labels = ctx.data.labels ?? null;
  const points = mapPoints(projection.coords, projection.numComponents); // [N, 2], z units
  const transform = fitTransform(points, SIZE, SIZE, PADDING);
  const pixels = new Float64Array(2 * n); // [N, 2], CSS px
  for (let i = 0; i < n; i++) [pixels[2 * i], pixels[2 * i + 1]] = toPixel(transform, points[2 * i], points[2 * i + 1]);
  const isImage = manifest.dataKind === 'image' && isDrawableImage(manifest.exampleShape);

  const caption = element('p', 'map-caption', 'muted');
  caption.textContent = captionText(ctx);
  const controls = document.createElement('div');
  const colourBy = document.createElement('select');
  colourBy.id = 'map-colour';
  const choices: [ColourBy, string][] = [
    labels ? ['label', 'label'] : ['none', 'one colour (no labels)'],
    ['elbo', 'ELBO'],
    ...(ctx.scores ? ([['score', `score (${ctx.scores.column})`]] as [ColourBy, string][]) : []),
  ];
  for (const [value, text] of choices) colourBy.append(new Option(text, value));
  controls.append(labelled('colour by ', colourBy));
  const thumbnails = document.createElement('input');
  thumbnails.type = 'checkbox';
  thumbnails.id = 'map-thumbnails';
  thumbnails.checked = isImage;
  if (isImage) controls.append(labelled('', thumbnails, ' thumbnails'));

  const dpr = Math.max(1, window.devicePixelRatio || 1);
  const canvas = document.createElement('canvas');
  canvas.id = 'map-canvas';
  canvas.width = Math.round(SIZE * dpr);
  canvas.height = Math.round(SIZE * dpr);
  Object.assign(canvas.style, {
    width: `${SIZE}px`,
    height: `${SIZE}px`,
    maxWidth: '100%',
    cursor: 'crosshair',
    touchAction: 'none',
    display: 'block',
    border: '1px solid #eee',
  });
  canvas.setAttribute('aria-label', 'latent map: hover to decode a point, click to pick the nearest example');
  const g = canvas.getContext('2d')!;
  // The dots and thumbnails, drawn once per colouring onto a canvas of their own; markers go on top.
  const base = document.createElement('canvas');
  base.width = canvas.width;
  base.height = canvas.height;
  const legend = element('div', 'map-legend');
  const readout = element('div', 'map-readout', 'muted');
  readout.textContent = 'hover over the map to decode a point; click to pick the nearest example';
  for (const el of [caption, legend, readout]) el.style.maxWidth = `${SIZE}px`; // the panel as wide as the map, not the caption
  root.append(caption, controls, canvas, legend, readout);

  let current: [number, number] | null = null;
  let encoded: [number, number] | null = null;
  let selected = -1;

  const drawBase = () => {
    const b = base.getContext('2d')!;
    b.setTransform(dpr, 0, 0, dpr, 0, 0);
    b.fillStyle = '#fff';
    b.fillRect(0, 0, SIZE, SIZE);
    drawAxes(b, ctx, transform);
    const colours = pointColours(ctx, colourBy.value as ColourBy);
    b.globalAlpha = 0.8;
    for (let i = 0; i < n; i++) {
      b.fillStyle = colours[i];
      b.beginPath();
      b.arc(pixels[2 * i], pixels[2 * i + 1], DOT_RADIUS, 0, 2 * Math.PI);
      b.fill();
    }
    b.globalAlpha = 1;
    if (isImage && thumbnails.checked) drawThumbnails(b, ctx, pixels, colours);
    legend.replaceChildren(...legendItems(ctx, colourBy.value as ColourBy));
  };

  const redraw = () => {
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.drawImage(base, 0, 0);
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (selected >= 0) ring(g, pixels[2 * selected], pixels[2 * selected + 1], 7, '#000');
    if (current) crosshair(g, ...toPixel(transform, ...current));
    if (encoded) star(g, ...toPixel(transform, ...encoded)); // on top: a drawing's code is usually also the current point
  };

  // Pointer: hover / drag decodes (throttled to one event per frame); a press released in place is a click.
  let pending: [number, number] | null = null;
  let frame = 0;
  let press: [number, number] | null = null;
  const cssPoint = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * SIZE) / (r.width || SIZE), ((e.clientY - r.top) * SIZE) / (r.height || SIZE)];
  };
  const hover = (p: [number, number]) => {
    pending = p;
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      if (!pending) return;
      const [x, y] = toData(transform, ...pending);
      pending = null;
      const z = latentAt(projection, x, y);
      readout.textContent = `map (${x.toFixed(2)}, ${y.toFixed(2)}) → z = ${formatZ(z)}`;
      emit(ctx, 'latent', { z, from: 'map' });
    });
  };
  canvas.addEventListener('pointermove', (e) => hover(cssPoint(e)));
  canvas.addEventListener('pointerdown', (e) => {
    press = cssPoint(e);
    canvas.setPointerCapture(e.pointerId);
    hover(press);
  });
  canvas.addEventListener('pointerup', (e) => {
    const p = cssPoint(e);
    if (press && Math.hypot(p[0] - press[0], p[1] - press[1]) < CLICK_SLOP) {
      const { index } = nearestPoint(pixels, ...p); // on the canvas, as the reader sees the dots
      if (index >= 0) emit(ctx, 'select', { index });
    }
    press = null;
  });
  canvas.addEventListener('pointercancel', () => {
    press = null;
  });

  colourBy.addEventListener('change', () => {
    drawBase();
    redraw();
  });
  thumbnails.addEventListener('change', () => {
    drawBase();
    redraw();
  });
  on<{ z: Float32Array }>(ctx, 'latent', ({ z }) => {
    current = mapPointOf(projection, z);
    redraw();
  });
  on<{ z: Float32Array }>(ctx, 'encoded', ({ z }) => {
    encoded = mapPointOf(projection, z);
    redraw();
  });
  on<{ index: number }>(ctx, 'select', ({ index }) => {
    selected = index >= 0 && index < n ? index : -1;
    redraw();
  });
  drawBase();
  redraw();
  root.dataset.view = 'map';
}

/** What the axes are, and what a map point decodes as. */
function captionText(ctx: ExplorerContext): string {
  const p = ctx.projection;
  const how = 'Each axis is scaled to fill the map (see the ticks). Hover or drag to decode a point; click to pick the nearest example.';
  if (p.method === 'pca') {
    const ratio = p.explainedVarianceRatio;
    const share = (k: number) => (ratio ? ` (${(100 * ratio[k]).toFixed(1)}% of the codes' variance)` : '');
    return (
      `Posterior means of ${ctx.manifest.numExamples} ${ctx.manifest.split} examples on their first two principal directions: ` +
      `x = u₁${share(0)}, y = u₂${share(1)}. A map point (c₁, c₂) decodes as z = m + c₁u₁ + c₂u₂, ` +
      `the other ${ctx.latentDim - 2} principal coordinate${ctx.latentDim > 3 ? 's' : ''} at 0 (the codes' mean). ${how}`
    );
  }
  if (ctx.latentDim === 1)
    return `Z = 1: the posterior means of ${ctx.manifest.numExamples} ${ctx.manifest.split} examples along x (z0); y is 0 for all and means nothing. ${how}`;
  return `Posterior means of ${ctx.manifest.numExamples} ${ctx.manifest.split} examples: x = z0, y = z1. ${how}`;
}

/** The colour of each example's dot [N]. */
function pointColours(ctx: ExplorerContext, by: ColourBy): string[] {
  const n = ctx.manifest.numExamples;
  const labels = ctx.data.labels;
  if (by === 'label' && labels) return Array.from(labels, (k) => labelColour(k));
  const values = by === 'elbo' ? ctx.elbo : by === 'score' && ctx.scores ? ctx.scores.values : null;
  if (!values) return new Array<string>(n).fill(UNLABELLED_COLOUR);
  const [lo, hi] = robustRange(values);
  return Array.from({ length: n }, (_, i) => scaleColour(i < values.length ? values[i] : NaN, lo, hi));
}

/** The legend: a swatch per label (at most MAX_LEGEND), or the sequential scale's range. */
function legendItems(ctx: ExplorerContext, by: ColourBy): HTMLElement[] {
  const labels = ctx.data.labels;
  if (by === 'label' && labels) {
    const present = [...new Set(labels)].sort((a, b) => a - b);
    const names = ctx.manifest.classNames;
    const items = present.slice(0, MAX_LEGEND).map((k) => swatch(labelColour(k), names?.[k] ?? String(k)));
    if (present.length > MAX_LEGEND) items.push(swatch('transparent', `… ${present.length - MAX_LEGEND} more labels`));
    return items;
  }
  if (by === 'none') return [swatch(UNLABELLED_COLOUR, 'every example (the run has no labels)')];
  const isScore = by === 'score' && ctx.scores;
  const values = isScore ? ctx.scores!.values : ctx.elbo;
  const [lo, hi] = robustRange(values);
  const bar = document.createElement('span');
  const stops = Array.from({ length: 9 }, (_, k) => sequentialColour(k / 8)).join(', ');
  Object.assign(bar.style, {
    display: 'inline-block',
    width: '120px',
    height: '10px',
    margin: '0 6px',
    verticalAlign: 'middle',
    background: `linear-gradient(to right, ${stops})`,
  });
  const line = document.createElement('span');
  const unit = isScore ? ctx.scores!.column : 'ELBO, nats';
  const threshold = isScore && ctx.scores!.threshold !== null ? `; anomaly threshold ${formatNumber(ctx.scores!.threshold)}` : '';
  line.append(`${unit}: ${formatNumber(lo)}`, bar, `${formatNumber(hi)} (2% and 98% quantiles${threshold})`);
  return [line];
}

function swatch(colour: string, text: string): HTMLElement {
  const item = document.createElement('span');
  item.style.marginRight = '0.8em';
  item.style.whiteSpace = 'nowrap';
  const box = document.createElement('span');
  Object.assign(box.style, { display: 'inline-block', width: '10px', height: '10px', borderRadius: '50%', background: colour, marginRight: '4px' });
  item.append(box, text);
  return item;
}

/** A faint grid at round values of each axis, labelled at the canvas's bottom and left edges; darker through 0. Z = 1: no y axis. */
function drawAxes(b: CanvasRenderingContext2D, ctx: ExplorerContext, t: MapTransform): void {
  const [xLo, yLo] = toData(t, 0, SIZE);
  const [xHi, yHi] = toData(t, SIZE, 0);
  b.lineWidth = 1;
  b.font = '10px system-ui, sans-serif';
  b.fillStyle = '#999';
  for (const x of niceTicks(xLo, xHi, 6)) {
    const px = Math.round(toPixel(t, x, 0)[0]) + 0.5;
    b.strokeStyle = x === 0 ? '#d8d8d8' : '#f0f0f0';
    b.beginPath();
    b.moveTo(px, 0);
    b.lineTo(px, SIZE);
    b.stroke();
    b.fillText(formatNumber(x), px + 2, SIZE - 3);
  }
  const yTicks = ctx.latentDim > 1 ? niceTicks(yLo, yHi, 6) : [0];
  for (const y of yTicks) {
    const py = Math.round(toPixel(t, 0, y)[1]) + 0.5;
    b.strokeStyle = y === 0 ? '#d8d8d8' : '#f0f0f0';
    b.beginPath();
    b.moveTo(0, py);
    b.lineTo(SIZE, py);
    b.stroke();
    if (ctx.latentDim > 1) b.fillText(formatNumber(y), 2, py - 2);
  }
}

/** Thumbnails of a subset of the examples, one per cell of a grid, framed in their dots' colours. */
function drawThumbnails(b: CanvasRenderingContext2D, ctx: ExplorerContext, pixels: Float64Array, colours: string[]): void {
  const [h, w] = ctx.manifest.exampleShape;
  const d = ctx.manifest.dataDim;
  const scratch = document.createElement('canvas');
  scratch.width = w;
  scratch.height = h;
  const s = scratch.getContext('2d')!;
  const img = s.createImageData(w, h);
  const fit = Math.min(1, w / h);
  for (const p of layoutThumbnails(pixels, SIZE, SIZE, THUMB_CELL, 2)) {
    imageToRgba(ctx.data.x, ctx.manifest.exampleShape, img.data, p.index * d, ctx.manifest.scale);
    s.putImageData(img, 0, 0);
    const tw = (p.size - 2) * fit;
    const th = ((p.size - 2) * fit * h) / w;
    b.fillStyle = colours[p.index];
    b.fillRect(p.x, p.y, tw + 2, th + 2);
    b.drawImage(scratch, p.x + 1, p.y + 1, tw, th);
  }
}

function crosshair(g: CanvasRenderingContext2D, x: number, y: number): void {
  g.strokeStyle = 'rgba(0, 0, 0, 0.35)';
  g.lineWidth = 1;
  g.beginPath();
  g.moveTo(0, y);
  g.lineTo(SIZE, y);
  g.moveTo(x, 0);
  g.lineTo(x, SIZE);
  g.stroke();
  ring(g, x, y, 5, '#d00');
}

function ring(g: CanvasRenderingContext2D, x: number, y: number, r: number, colour: string): void {
  g.strokeStyle = '#fff';
  g.lineWidth = 4;
  g.beginPath();
  g.arc(x, y, r, 0, 2 * Math.PI);
  g.stroke();
  g.strokeStyle = colour;
  g.lineWidth = 2;
  g.stroke();
}

/** A five-pointed star: the drawing's code. */
function star(g: CanvasRenderingContext2D, x: number, y: number): void {
  g.beginPath();
  for (let k = 0; k < 10; k++) {
    const r = k % 2 ? 4.5 : 11;
    const a = -Math.PI / 2 + (k * Math.PI) / 5;
    g.lineTo(x + r * Math.cos(a), y + r * Math.sin(a));
  }
  g.closePath();
  g.fillStyle = '#ffd400';
  g.fill();
  g.strokeStyle = '#000';
  g.lineWidth = 1.5;
  g.stroke();
}

function element(tag: string, id: string, className = ''): HTMLElement {
  const el = document.createElement(tag);
  el.id = id;
  if (className) el.className = className;
  return el;
}

function labelled(before: string, input: HTMLElement, after = ''): HTMLLabelElement {
  const label = document.createElement('label');
  label.append(before, input, after);
  return label;
}

function formatZ(z: Float32Array): string {
  return `(${Array.from(z.slice(0, 4), (v) => v.toFixed(2)).join(', ')}${z.length > 4 ? ', …' : ''})`;
}

function formatNumber(v: number): string {
  return Number.isFinite(v) ? Number(v.toPrecision(4)).toString().replace('-', '−') : String(v);
}
