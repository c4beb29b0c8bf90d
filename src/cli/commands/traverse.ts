/**
 * `vaekit traverse RUN [--index I] [--dims LIST] [--range R]`: one row per latent dimension, varied
 * over [−R, R] around the posterior mean of a test example (or 0), rows ordered by the dimension's KL
 * so collapsed dimensions sit at the bottom; a PNG grid, or CSV in raw units for a table run.
 */
import { Command } from 'commander';
import { TRAVERSE_DEFAULTS } from '../../latent/traverse.js';
import type { BackendName } from '../../node/compute/backend.js';
import type { NativeChoice } from '../../node/compute/native-kernels.js';

import type { ConditionValue } from '../../node/runs/conditions.js';
import { traverseRun } from '../../node/runs/latent-tools.js';
import { conditionOption } from '../condition-flag.js';
import { backendOption, int, nativeOption, positiveNumberFlag } from '../flags.js';
import { UsageError, type CliIo } from '../io.js';
import { openRunOnBackend } from '../open-run.js';

interface TraverseFlags {
  index?: number;
  dims?: number[];
  range: number;
  steps: number;
  out?: string;
  condition?: ConditionValue;
  backend: BackendName;
  native: NativeChoice;
}

/** --dims: latent dimensions, integers ≥ 0 separated by commas, each once. */
function dimList(raw: string): number[] {
  const dims = raw.split(',').map((s) => int('--dims', 0)(s));
  const repeated = dims.find((u, i) => dims.indexOf(u) !== i);
  if (repeated !== undefined) throw new UsageError(`--dims: expected distinct dimensions, got ${repeated} twice in '${raw}'`);
  return dims;
}

export function traverseCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('traverse')
    .description('latent traversals: one row per latent dimension, ordered by its KL (VAE runs)')
    .argument('<run>', 'a VAE run folder (or a VAE model folder)')
    .option('--index <i>', 'centre the rows on the latent mean of this test example (default: on 0, the prior mean)', int('--index', 0))
    .option('--dims <list>', 'the latent dimensions to show, e.g. 0,3,5 (default all); rows are ordered by KL', dimList)
    .option('--range <r>', 'offsets from the centre in [−r, r], prior standard deviations', positiveNumberFlag('--range'), TRAVERSE_DEFAULTS.range)
    .option('--steps <n>', 'offsets per row', int('--steps', 2), TRAVERSE_DEFAULTS.numSteps)
    .option('--out <file>', 'file to write (default RUN/traversal.png, or .csv for a table)')
    .addOption(conditionOption('the codes without --index [class 0, or the condition columns at their training means]'))
    .addOption(backendOption())
    .addOption(nativeOption())
    .action(async (run: string, o: TraverseFlags) => {
      const saved = await openRunOnBackend(run, o);
      const r = await traverseRun(saved, { index: o.index, dims: o.dims, range: o.range, numSteps: o.steps, out: o.out, condition: o.condition });
      const centre = r.index === null ? '0' : `μ(x) of test example ${r.index}`;
      io.out(
        `wrote ${r.dims.length} rows of ${r.numSteps} decoder means, offsets in [−${r.range}, ${r.range}] around ${centre}${r.condition ? `, decoded under ${r.condition}` : ''}, to ${r.file}`,
      );
      io.out(
        `rows (dimension: KL in nats, test mean): ${r.dims.map((u) => `${u}: ${r.klPerDimension[u].toFixed(3)}`).join(', ')}; ` +
          `${r.activeUnits} of ${r.klPerDimension.length} dimensions active`,
      );
      done(0);
    });
}
