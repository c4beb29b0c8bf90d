/**
 * Diagnostics of a training run read from its metrics: posterior collapse, when most latent units
 * carry no information about x (Var_x(E_q[z_u]) ≤ 0.01, Burda et al. 2016) — the decoder ignores
 * them, and the ELBO's KL term keeps their posteriors at the prior (Bowman et al. 2016; Lucas et al. 2019).
 */
import { setting } from '../errors.js';
import type { ResolvedTrainOptions } from './options.js';
import type { EpochMetrics } from './state.js';

/**
 * A warning with the remedy one setting away when fewer than half of the latent units are active,
 * e.g. "4/20 latent units active, KL 2.1 nats: posterior collapse; try training.klWarmup '10' or
 * training.objective.freeBits '0.25'" (the CLI shows the settings as --kl-warmup 10, --free-bits 0.25).
 * @param m - an epoch's metrics (needs activeUnits and klPerDimension)
 * @param options - the run's training options: the remedies already in use are not suggested again
 * @param hasFreeBits - whether the model takes free bits (one stochastic layer); default true
 * @returns the warning, or null when at least half the units are active (or nothing was measured)
 */
export function collapseWarning(m: EpochMetrics, options: Pick<ResolvedTrainOptions, 'beta' | 'objective'>, hasFreeBits = true): string | null {
  if (m.activeUnits === null || m.klPerDimension === null) return null;
  const z = m.klPerDimension.length;
  if (m.activeUnits * 2 >= z) return null;
  const kl = m.klPerDimension.reduce((a, b) => a + b, 0);
  const remedies: string[] = [];
  if (options.beta.kind === 'constant') remedies.push(setting('training.klWarmup', 10));
  if (hasFreeBits && options.objective.kind === 'elbo' && (options.objective.freeBits ?? null) === null)
    remedies.push(setting('training.objective.freeBits', 0.25));
  if (remedies.length === 0)
    remedies.push(`a lower ${setting('training.beta')}`, ...(hasFreeBits ? [`a larger ${setting('training.objective.freeBits')}`] : []));
  return `${m.activeUnits}/${z} latent units active, KL ${kl.toFixed(1)} nats: posterior collapse; try ${remedies.join(' or ')}`;
}
