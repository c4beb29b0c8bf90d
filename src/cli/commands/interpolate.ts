/**
 * `vaekit interpolate RUN --from I --to J`: the decoder means on the path between the posterior means
 * of two test examples (lerp or slerp), with the two examples at the ends; a PNG strip, or CSV in raw
 * units for a table run.
 */
import { Command } from 'commander';
import { INTERPOLATE_DEFAULTS, INTERPOLATION_METHODS, type InterpolationMethod } from '../../latent/interpolate.js';
import type { BackendName } from '../../node/compute/backend.js';
import type { NativeChoice } from '../../node/compute/native-kernels.js';

import { interpolateRun } from '../../node/runs/latent-tools.js';
import { backendOption, int, nativeOption, oneOf } from '../flags.js';
import type { CliIo } from '../io.js';
import { openRunOnBackend } from '../open-run.js';

interface InterpolateFlags {
  from: number;
  to: number;
  steps: number;
  method: InterpolationMethod;
  out?: string;
  backend: BackendName;
  native: NativeChoice;
}

export function interpolateCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('interpolate')
    .description('decoder means on the path between the latent means of two test examples (VAE runs)')
    .argument('<run>', 'a VAE run folder (or a VAE model folder)')
    .requiredOption('--from <i>', 'index of the first test example', int('--from', 0))
    .requiredOption('--to <j>', 'index of the second test example', int('--to', 0))
    .option('--steps <n>', 'points on the path, both ends included', int('--steps', 2), INTERPOLATE_DEFAULTS.numSteps)
    .option('--method <m>', `${INTERPOLATION_METHODS.join(' or ')} (the great circle, White 2016)`, oneOf('--method', INTERPOLATION_METHODS), 'lerp')
    .option('--out <file>', 'file to write (default RUN/interpolation.png, or .csv for a table)')
    .addOption(backendOption())
    .addOption(nativeOption())
    .action(async (run: string, o: InterpolateFlags) => {
      const saved = await openRunOnBackend(run, o);
      const r = await interpolateRun(saved, { from: o.from, to: o.to, numSteps: o.steps, method: o.method, out: o.out });
      const label = (i: number, y: number | null) => `${i}${y === null ? '' : ` (label ${y})`}`;
      io.out(
        `wrote ${r.numSteps} decoder means (${r.method}) between test examples ${label(r.from, r.labels[0])} and ${label(r.to, r.labels[1])} to ${r.file}` +
          (r.format === 'csv' ? ' (raw units, the two examples first and last)' : ', the two examples at the ends'),
      );
      done(0);
    });
}
