/**
 * The explorer's colours: a categorical palette for class labels (Tableau 10, whose 10 colours are
 * told apart by most readers, colour-blind ones included; label k and k + 10 share a colour) and a
 * sequential scale for scores (viridis from 9 stops, linear in RGB between them: dark blue = low,
 * yellow = high, monotone in lightness so it reads in greyscale).
 * @see Stone, "How we designed the Tableau 10 palette" (2016); van der Walt & Smith, viridis (matplotlib 1.5, 2015)
 */

/** The label palette, one CSS hex colour per label mod 10. */
export const LABEL_PALETTE: readonly string[] = Object.freeze([
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
]);

/** The colour of every point when the examples have no labels (or a point whose label is missing). */
export const UNLABELLED_COLOUR = '#3b5b92';

/**
 * A label's colour: LABEL_PALETTE[k mod 10] (negative k counted from the end); UNLABELLED_COLOUR for null or a non-integer.
 * @param label - an integer class label, or null
 */
export function labelColour(label: number | null): string {
  if (label === null || !Number.isInteger(label)) return UNLABELLED_COLOUR;
  const n = LABEL_PALETTE.length;
  return LABEL_PALETTE[((label % n) + n) % n];
}

/** The sequential scale's stops: viridis at t = 0, 1/8, …, 1, as [r, g, b] bytes. */
export const VIRIDIS_STOPS: readonly (readonly [number, number, number])[] = Object.freeze([
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
]);

/**
 * The sequential colour at t: the stops interpolated linearly in RGB, rounded to bytes; t is clipped
 * to [0, 1]; NaN gives the middle grey '#808080'.
 * @param t - position on the scale, 0 (low) … 1 (high)
 * @returns [r, g, b] bytes
 */
export function sequentialRgb(t: number): [number, number, number] {
  if (Number.isNaN(t)) return [128, 128, 128];
  const s = Math.min(1, Math.max(0, t)) * (VIRIDIS_STOPS.length - 1);
  const k = Math.min(Math.floor(s), VIRIDIS_STOPS.length - 2);
  const f = s - k;
  const a = VIRIDIS_STOPS[k];
  const b = VIRIDIS_STOPS[k + 1];
  return [0, 1, 2].map((j) => Math.round(a[j] + f * (b[j] - a[j]))) as [number, number, number];
}

/** {@link sequentialRgb} as a CSS hex colour. */
export function sequentialColour(t: number): string {
  return rgbHex(sequentialRgb(t));
}

/**
 * A value's colour on the sequential scale from lo (t = 0) to hi (t = 1); lo = hi gives the middle.
 * @param value - e.g. a score; NaN gives grey
 */
export function scaleColour(value: number, lo: number, hi: number): string {
  return sequentialColour(hi > lo ? (value - lo) / (hi - lo) : Number.isNaN(value) ? NaN : 0.5);
}

/**
 * A robust range of values for a colour scale: the q and 1 − q quantiles of the finite values
 * (nearest rank), so that a few outliers do not wash the others out.
 * @param q - in [0, 0.5), default 0.02
 * @returns [lo, hi]; [0, 1] when no value is finite
 */
export function robustRange(values: ArrayLike<number>, q = 0.02): [number, number] {
  const finite = Array.from(values)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (!finite.length) return [0, 1];
  const at = (p: number) => finite[Math.min(finite.length - 1, Math.max(0, Math.round(p * (finite.length - 1))))];
  return [at(q), at(1 - q)];
}

/** [r, g, b] bytes as '#rrggbb'. */
export function rgbHex(rgb: readonly number[]): string {
  return `#${rgb
    .map((v) =>
      Math.round(Math.min(255, Math.max(0, v)))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}
