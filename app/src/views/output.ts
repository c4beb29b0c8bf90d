/**
 * Draws one example or decoder output as the run's data look: an image (canvas, upscaled), a table
 * row in raw units with its columns named, or a window of a series (a line per feature).
 * Every view that shows an x uses this.
 */
import type { ExplorerManifest } from 'vaekit';
import { imageToRgba, isDrawableImage } from '../pure/image.js';
import { tableCells, toRawUnits } from '../pure/table.js';

/** Options of {@link renderOutput}. */
export interface OutputOptions {
  /** Image upscaling factor (pixels per data pixel). Default 4. */
  zoom?: number;
  /** An existing element from an earlier call to redraw in place (a canvas, table or svg), when its kind fits. */
  into?: HTMLElement | SVGElement | null;
  /** Series: the drawing's width × height in CSS pixels. Default 240 × 90. */
  size?: [number, number];
}

/**
 * Renders values [D] (model units) of one example as an element; pass the element back as `into` to
 * redraw it cheaply.
 */
export function renderOutput(values: ArrayLike<number>, manifest: ExplorerManifest, opts: OutputOptions = {}): HTMLElement | SVGElement {
  if (manifest.dataKind === 'image' && isDrawableImage(manifest.exampleShape)) return renderImage(values, manifest.exampleShape, manifest.scale, opts);
  if (manifest.dataKind === 'series') return renderSeries(values, manifest, opts);
  return renderTable(values, manifest, opts);
}

function renderImage(values: ArrayLike<number>, shape: readonly number[], scale: number, opts: OutputOptions): HTMLCanvasElement {
  const [h, w] = shape;
  const zoom = opts.zoom ?? 4;
  const canvas = opts.into instanceof HTMLCanvasElement && opts.into.width === w && opts.into.height === h ? opts.into : document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  canvas.style.width = `${w * zoom}px`;
  canvas.style.height = `${h * zoom}px`;
  canvas.className = 'pixelated output';
  const g = canvas.getContext('2d')!;
  const img = g.createImageData(w, h);
  imageToRgba(values, shape, img.data, 0, scale);
  g.putImageData(img, 0, 0);
  return canvas;
}

function renderTable(values: ArrayLike<number>, manifest: ExplorerManifest, opts: OutputOptions): HTMLTableElement {
  const raw = toRawUnits(values, manifest.standardization, manifest.scale);
  const columns = manifest.columns ?? Array.from({ length: manifest.dataDim }, (_, j) => `x${j + 1}`);
  const cells = tableCells(raw, columns, manifest.layout);
  const table = opts.into instanceof HTMLTableElement ? opts.into : document.createElement('table');
  table.className = 'decoded output';
  table.replaceChildren(
    ...cells.map((c) => {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.textContent = c.name;
      const td = document.createElement('td');
      td.textContent = c.value;
      tr.append(th, td);
      return tr;
    }),
  );
  return table;
}

const SVG = 'http://www.w3.org/2000/svg';
const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

function renderSeries(values: ArrayLike<number>, manifest: ExplorerManifest, opts: OutputOptions): SVGElement {
  const [t, f] = manifest.exampleShape.length === 2 ? manifest.exampleShape : [manifest.dataDim, 1];
  const [width, height] = opts.size ?? [240, 90];
  // A series run's standardisation is of its windows' T·F values (src/data/windows.ts), as the model's inputs are.
  const raw = toRawUnits(values, manifest.standardization, manifest.scale);
  const svg = opts.into instanceof SVGElement ? opts.into : document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('class', 'output');
  svg.replaceChildren();
  for (let k = 0; k < f; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < t; i++) {
      lo = Math.min(lo, raw[i * f + k]);
      hi = Math.max(hi, raw[i * f + k]);
    }
    const span = hi - lo || 1;
    const points = Array.from(
      { length: t },
      (_, i) => `${((i / Math.max(t - 1, 1)) * (width - 4) + 2).toFixed(1)},${(height - 2 - ((raw[i * f + k] - lo) / span) * (height - 4)).toFixed(1)}`,
    );
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', points.join(' '));
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', COLOURS[k % COLOURS.length]);
    svg.append(line);
  }
  return svg;
}
