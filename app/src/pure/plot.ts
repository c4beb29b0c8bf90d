/**
 * Scales, ticks and line paths for the explorer's SVG charts (training curves, the score histogram):
 * plain numbers in, plain numbers and path strings out, no DOM.
 *   scale(v) = r₀ + (v − d₀) / (d₁ − d₀) · (r₁ − r₀)
 * Ticks are the "nice" numbers 1, 2, 5 × 10^k (Heckbert 1990), as d3's linear ticks are.
 * @see Heckbert, "Nice numbers for graph labels", Graphics Gems (1990)
 */

/** A linear map from data units to SVG user units. */
export interface LinearScale {
  (v: number): number;
  domain: readonly [number, number];
  range: readonly [number, number];
}

/**
 * The linear map taking domain [d₀, d₁] to range [r₀, r₁] (r₀ > r₁ for a y axis, SVG's y grows down).
 * A degenerate domain (d₀ = d₁) maps every value to the range's middle.
 */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const f = ((v: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0))) as LinearScale;
  f.domain = [d0, d1];
  f.range = [r0, r1];
  return f;
}

/** [min, max] of the finite values (NaN and ±Inf skipped), or null when there is none. */
export function extent(values: Iterable<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** The nice step (1, 2 or 5 × 10^k) that splits [lo, hi] into about `count` intervals. */
export function tickStep(lo: number, hi: number, count = 5): number {
  const span = Math.abs(hi - lo);
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction >= 7.5 ? 10 : fraction >= 3.5 ? 5 : fraction >= 1.5 ? 2 : 1) * power;
}

/**
 * The multiples of a nice step inside [lo, hi], ends included when they are multiples.
 * @param count - about how many intervals
 * @returns ascending tick values (rounded to the step's decimals, so 0.30000000000000004 is 0.3)
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo === hi) return [lo];
  const [a, b] = lo < hi ? [lo, hi] : [hi, lo];
  const step = tickStep(a, b, count);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const ticks: number[] = [];
  for (let k = Math.ceil(a / step - 1e-9); k * step <= b + step * 1e-9; k++) ticks.push(Number((k * step).toFixed(decimals)));
  return ticks;
}

/**
 * [lo, hi] widened outward to multiples of its nice step, so the axis starts and ends on a tick; a
 * degenerate [v, v] becomes [v − 1, v + 1] (or ±|v|/10 for large |v|).
 */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (lo === hi) {
    const pad = Math.max(1, Math.abs(lo) / 10);
    return [lo - pad, hi + pad];
  }
  const step = tickStep(lo, hi, count);
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
}

/** A coordinate for SVG text: at most 2 decimals, no trailing zeros ('37.5', '0'). */
export function coord(v: number): string {
  const s = v.toFixed(2).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

/** A tick label: the value with its step's decimals ('0.25' for step 0.05); exponent form for |v| ≥ 1e6 or < 1e-4. */
export function tickLabel(v: number, step: number): string {
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-4)) return v.toExponential(1);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return v.toFixed(Math.min(decimals, 10));
}

/**
 * An SVG path through the points, in order: 'M x,y L x,y …'. A point with a non-finite coordinate
 * breaks the line (the next finite point starts a new 'M'), so a missing epoch leaves a gap.
 * @param points - [x, y] in data units
 * @param x - the x scale; y - the y scale
 * @returns the path's d attribute; '' when no point is finite
 */
export function linePath(points: ReadonlyArray<readonly [number, number]>, x: (v: number) => number, y: (v: number) => number): string {
  let d = '';
  let isPenDown = false;
  for (const [px, py] of points) {
    if (!Number.isFinite(px) || !Number.isFinite(py)) {
      isPenDown = false;
      continue;
    }
    d += `${isPenDown ? 'L' : 'M'}${coord(x(px))},${coord(y(py))}`;
    isPenDown = true;
  }
  return d;
}
