/**
 * A run's report as one self-contained HTML page: already-computed figures, tables and pictures in,
 * one string out. Browser-safe (no `node:*`): images are inlined as base64 `data:` URIs, the style is
 * embedded, there is no script and no external resource, so the page reads offline and can be
 * attached to a ticket. Every string put in the page is escaped. `src/node/runs/report.ts` gathers the parts.
 *
 * Numbers are shown with a fixed number of decimals (`toFixed`) and a typographic minus (U+2212);
 * each figure carries `data-figure="<key>"` so a reader (or a test) can find it.
 */
import { ConfigError } from '../errors.js';

/** One figure of a key–value table: a number with its unit and the decimals it is shown with. */
export interface ReportFigure {
  /** Machine-readable key, written as data-figure (e.g. 'elbo.mean'). */
  key: string;
  /** What it is, for people (e.g. 'ELBO'). */
  label: string;
  /** The value; null shows '—'. */
  value: number | null;
  /** Decimals shown. */
  digits: number;
  /** Unit, e.g. 'nats per example'. */
  unit?: string;
  /** ± this (a standard error), shown with the same decimals. */
  plusMinus?: number | null;
  /** A remark after the value. */
  detail?: string;
}

/** A picture: PNG bytes or SVG text, inlined as a data: URI. */
export interface ReportImage {
  mimeType: 'image/png' | 'image/svg+xml';
  /** PNG bytes, or SVG markup (a string, encoded as UTF-8). */
  data: Uint8Array | string;
  /** Alternative text. */
  alt: string;
  caption?: string;
}

/** A per-dimension bar chart drawn with CSS (no picture): the per-dimension KL. */
export interface ReportBars {
  caption: string;
  /** Column headers: the label column, the value column, then extra columns. */
  header: [string, string, ...string[]];
  rows: Array<{ label: string; value: number; extra?: string[]; isHighlighted?: boolean }>;
  /** Decimals of the value. */
  digits: number;
  /** data-figure of row i is `${keyPrefix}.${i}`. */
  keyPrefix: string;
}

/** The blocks a section is made of. */
export type ReportBlock =
  | { kind: 'text'; text: string }
  | { kind: 'note'; text: string }
  | { kind: 'figures'; figures: ReportFigure[] }
  /** Numbers shown with `columnDigits[j]` or `digits` decimals, or 4 significant digits without either. */
  | { kind: 'table'; caption?: string; header: string[]; rows: Array<Array<string | number | null>>; digits?: number; columnDigits?: Array<number | undefined> }
  | { kind: 'image'; image: ReportImage }
  | { kind: 'bars'; bars: ReportBars }
  | { kind: 'json'; caption?: string; value: unknown };

export interface ReportSection {
  /** Anchor id: lowercase letters, digits and '-'. */
  id: string;
  title: string;
  blocks: ReportBlock[];
}

/** Everything the page shows. */
export interface ReportParts {
  title: string;
  /** Lines of provenance under the title, as (label, value) pairs. */
  meta: Array<[string, string]>;
  sections: ReportSection[];
}

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A number with `digits` decimals and a typographic minus; '—' for null, 'NaN'/'∞' spelt out. */
export function formatNumber(v: number | null, digits: number): string {
  if (v === null) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const s = v.toFixed(digits);
  return s.startsWith('-') ? `−${s.slice(1)}` : s;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (RFC 4648, with padding) of bytes, in plain JS (the same in Node and browsers). */
export function base64(bytes: Uint8Array): string {
  let out = '';
  const n = bytes.length;
  for (let i = 0; i < n; i += 3) {
    const b0 = bytes[i];
    const b1 = i + 1 < n ? bytes[i + 1] : 0;
    const b2 = i + 2 < n ? bytes[i + 2] : 0;
    const v = (b0 << 16) | (b1 << 8) | b2;
    out += BASE64[(v >> 18) & 63] + BASE64[(v >> 12) & 63] + (i + 1 < n ? BASE64[(v >> 6) & 63] : '=') + (i + 2 < n ? BASE64[v & 63] : '=');
  }
  return out;
}

/** The image as a data: URI (SVG text encoded as UTF-8). */
export function dataUri(image: Pick<ReportImage, 'mimeType' | 'data'>): string {
  const bytes = typeof image.data === 'string' ? new TextEncoder().encode(image.data) : image.data;
  return `data:${image.mimeType};base64,${base64(bytes)}`;
}

const STYLE = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; max-width: 1100px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.1em 1em; color: #555; } dl.meta dt { font-weight: 600; }
nav ul { columns: 3; padding-left: 1.2em; }
table { border-collapse: collapse; margin: 0.8em 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: right; } th { background: #f5f5f5; } td.label, th.label { text-align: left; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 0.3em; }
.bar { background: #4c78a8; height: 0.8em; min-width: 1px; } td.barcell { width: 320px; text-align: left; }
tr.highlight td { background: #eef5ff; }
figure { margin: 1em 0; } figure img { max-width: 100%; image-rendering: pixelated; border: 1px solid #eee; } figcaption { color: #555; font-size: 0.9em; }
pre { background: #f7f7f7; border: 1px solid #e5e5e5; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
p.note { background: #fff8e1; border-left: 4px solid #f0c040; padding: 0.4em 0.8em; }
.unit { color: #666; font-size: 0.9em; }
`;

function figuresHtml(figures: readonly ReportFigure[]): string {
  const rows = figures.map((f) => {
    const pm = f.plusMinus == null ? '' : ` ± ${formatNumber(f.plusMinus, f.digits)}`;
    const unit = f.unit ? ` <span class="unit">${escapeHtml(f.unit)}</span>` : '';
    const detail = f.detail ? ` <span class="unit">(${escapeHtml(f.detail)})</span>` : '';
    return (
      `<tr><th class="label" scope="row">${escapeHtml(f.label)}</th>` +
      `<td><span data-figure="${escapeHtml(f.key)}">${escapeHtml(formatNumber(f.value, f.digits))}</span>${escapeHtml(pm)}${unit}${detail}</td></tr>`
    );
  });
  return `<table class="figures">\n${rows.join('\n')}\n</table>`;
}

/** A number with `significant` significant digits (no exponent for moderate magnitudes) and a typographic minus. */
export function formatSignificant(v: number, significant: number): string {
  if (!Number.isFinite(v) || v === 0 || Number.isInteger(v)) return formatNumber(v, 0);
  const s = String(Number(v.toPrecision(significant)));
  return s.startsWith('-') ? `−${s.slice(1)}` : s;
}

/** A table cell: strings as they are, numbers with `digits` decimals, or 4 significant digits without. */
function cellText(v: string | number | null, digits: number | undefined): string {
  if (typeof v === 'number') return digits === undefined ? formatSignificant(v, 4) : formatNumber(v, digits);
  return v ?? '—';
}

function tableHtml(b: Extract<ReportBlock, { kind: 'table' }>): string {
  const caption = b.caption ? `<caption>${escapeHtml(b.caption)}</caption>` : '';
  const head = `<tr>${b.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = b.rows.map(
    (r) =>
      `<tr>${r.map((v, j) => `<td${typeof v === 'string' ? ' class="label"' : ''}>${escapeHtml(cellText(v, b.columnDigits?.[j] ?? b.digits))}</td>`).join('')}</tr>`,
  );
  return `<table>${caption}\n${head}\n${body.join('\n')}\n</table>`;
}

function barsHtml(b: ReportBars): string {
  const max = Math.max(...b.rows.map((r) => (Number.isFinite(r.value) ? Math.abs(r.value) : 0)), 0);
  const [labelHead, valueHead, ...extraHead] = b.header;
  const head = `<tr><th class="label">${escapeHtml(labelHead)}</th><th>${escapeHtml(valueHead)}</th>${extraHead.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}<th></th></tr>`;
  const body = b.rows.map((r, i) => {
    const pct = max > 0 && Number.isFinite(r.value) ? (100 * Math.abs(r.value)) / max : 0;
    return (
      `<tr${r.isHighlighted ? ' class="highlight"' : ''}><td class="label">${escapeHtml(r.label)}</td>` +
      `<td data-figure="${escapeHtml(`${b.keyPrefix}.${i}`)}">${escapeHtml(formatNumber(r.value, b.digits))}</td>` +
      (r.extra ?? []).map((e) => `<td>${escapeHtml(e)}</td>`).join('') +
      `<td class="barcell"><div class="bar" style="width: ${pct.toFixed(1)}%"></div></td></tr>`
    );
  });
  return `<table class="bars"><caption>${escapeHtml(b.caption)}</caption>\n${head}\n${body.join('\n')}\n</table>`;
}

function imageHtml(image: ReportImage): string {
  const caption = image.caption ? `<figcaption>${escapeHtml(image.caption)}</figcaption>` : '';
  return `<figure><img src="${escapeHtml(dataUri(image))}" alt="${escapeHtml(image.alt)}">${caption}</figure>`;
}

function blockHtml(b: ReportBlock): string {
  switch (b.kind) {
    case 'text':
      return `<p>${escapeHtml(b.text)}</p>`;
    case 'note':
      return `<p class="note">${escapeHtml(b.text)}</p>`;
    case 'figures':
      return figuresHtml(b.figures);
    case 'table':
      return tableHtml(b);
    case 'image':
      return imageHtml(b.image);
    case 'bars':
      return barsHtml(b.bars);
    case 'json': {
      const caption = b.caption ? `<p>${escapeHtml(b.caption)}</p>\n` : '';
      return `${caption}<pre class="json">${escapeHtml(JSON.stringify(b.value, null, 2))}</pre>`;
    }
  }
}

/**
 * The report page.
 * @param parts - title, provenance lines and sections of already-computed blocks
 * @returns one HTML5 document (UTF-8), images as data: URIs, no script and no external resource
 * @throws ConfigError when a section id is not lowercase letters, digits and '-', or repeats
 */
export function reportHtml(parts: ReportParts): string {
  const ids = new Set<string>();
  for (const s of parts.sections) {
    if (!/^[a-z0-9-]+$/.test(s.id) || ids.has(s.id)) throw new ConfigError(`reportHtml: expected unique section ids of [a-z0-9-], got '${s.id}'`);
    ids.add(s.id);
  }
  const meta = parts.meta.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('');
  const nav = parts.sections.map((s) => `<li><a href="#${s.id}">${escapeHtml(s.title)}</a></li>`).join('');
  const sections = parts.sections.map((s) => `<section id="${s.id}">\n<h2>${escapeHtml(s.title)}</h2>\n${s.blocks.map(blockHtml).join('\n')}\n</section>`);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(parts.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(parts.title)}</h1>`,
    `<dl class="meta">${meta}</dl>`,
    `<nav><ul>${nav}</ul></nav>`,
    ...sections,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
