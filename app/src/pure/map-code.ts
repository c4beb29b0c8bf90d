/**
 * The drawing pad's choice of code and what it reports: the encoder mean μ(x), or the MAP code ẑ found
 * by Adam from μ(x) (the library's `mapEncode`), with the gain in the log joint over the encoder mean.
 *   J(z) = log p(x|z) + log p(z),  gain = J(ẑ) − J(μ(x)) ≥ 0, nats
 * @see Prince, Understanding Deep Learning, §17.8.3 (resynthesis, option ii)
 */
import type { EncodeMethod } from 'vaekit';

/**
 * The pad's code choices, [method, text] each, for a select: the encoder mean first (the default).
 * @param steps - T, the Adam steps of the MAP code (an integer ≥ 0)
 */
export function padCodeChoices(steps: number): [EncodeMethod, string][] {
  return [
    ['mean', 'encoder mean μ(x)'],
    ['map', `MAP (${steps} Adam steps)`],
  ];
}

/**
 * The gain of the MAP code over the encoder mean in the log joint, per example.
 *   gain = J(ẑ) − J(μ(x)),  J(z) = log p(x|z) + log p(z)
 * @param logJointBefore - J(μ(x)), nats; logJointAfter - J(ẑ), nats
 * @returns nats (≥ 0 for `mapEncode`'s codes, which keep the best J seen); NaN when either is not finite
 */
export function mapGainNats(logJointBefore: number, logJointAfter: number): number {
  return Number.isFinite(logJointBefore) && Number.isFinite(logJointAfter) ? logJointAfter - logJointBefore : NaN;
}

/**
 * The line shown beside the pad's ELBO for a MAP code: the gain in nats, signed, one decimal.
 * @param gain - {@link mapGainNats}, nats
 */
export function mapGainText(gain: number): string {
  if (!Number.isFinite(gain)) return 'MAP code: log p(x|z) + log p(z) is not finite';
  return `MAP code: log p(x|z) + log p(z) ${formatNats(gain, true)} nats over μ(x)`;
}

/**
 * Nats with one decimal and a true minus sign (and a plus sign when `isSigned` and v ≥ 0).
 * Non-finite values as JavaScript writes them ('NaN', 'Infinity', '-Infinity').
 */
export function formatNats(v: number, isSigned = false): string {
  if (!Number.isFinite(v)) return String(v);
  const digits = Math.abs(v).toFixed(1);
  if (digits === '0.0') return isSigned ? '+0.0' : '0.0'; // no "−0.0" for a tiny negative
  return (v < 0 ? '−' : isSigned ? '+' : '') + digits;
}
