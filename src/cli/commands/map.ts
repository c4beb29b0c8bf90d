/**
 * `vaekit map RUN`: the latent means of the run's test examples in 2-D (the means themselves for Z = 2,
 * the first two principal directions otherwise), coloured by label, as SVG; for Z = 2 also the decoded
 * manifold grid (a PNG, or CSV in raw units for a table run).
 */
import { Command } from 'commander';
import { LATENT_GRID_DEFAULTS } from '../../latent/manifold.js';
import type { BackendName } from '../../node/compute/backend.js';
import type { NativeChoice } from '../../node/compute/native-kernels.js';

import type { ConditionValue } from '../../node/runs/conditions.js';
import { MAP_DEFAULTS, mapRun } from '../../node/runs/latent-tools.js';
import { conditionOption } from '../condition-flag.js';
import { backendOption, int, nativeOption } from '../flags.js';
import type { CliIo } from '../io.js';
import { openRunOnBackend } from '../open-run.js';

interface MapFlags {
  n: number;
  grid: number;
  out?: string;
  manifoldOut?: string;
  condition?: ConditionValue;
  backend: BackendName;
  native: NativeChoice;
}

export function mapCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('map')
    .description('the test examples’ latent means in 2-D, coloured by label (SVG); for Z = 2 also the decoded manifold (VAE runs)')
    .argument('<run>', 'a VAE run folder (or a VAE model folder)')
    .option('--n <n>', 'test examples plotted (the first n)', int('--n', 1), MAP_DEFAULTS.numExamples)
    .option('--grid <n>', 'Z = 2: codes per side of the manifold grid', int('--grid', 2), LATENT_GRID_DEFAULTS.numPerSide)
    .option('--out <file>', 'the SVG file (default RUN/latent-map.svg)')
    .option('--manifold-out <file>', 'Z = 2: the manifold file (default RUN/manifold.png, or .csv for a table)')
    .addOption(conditionOption('the manifold [class 0, or the condition columns at their training means]'))
    .addOption(backendOption())
    .addOption(nativeOption())
    .action(async (run: string, o: MapFlags) => {
      const saved = await openRunOnBackend(run, o);
      const r = await mapRun(saved, { numExamples: o.n, gridSize: o.grid, out: o.out, manifoldOut: o.manifoldOut, condition: o.condition });
      const axes =
        r.method === 'pca'
          ? `first two principal directions (${r.explainedVarianceRatio!.map((v) => `${(100 * v).toFixed(1)}%`).join(', ')} of their variance)`
          : 'the latent means themselves';
      io.out(`wrote the latent means of ${r.numExamples} test examples (${axes}${r.hasLabels ? ', coloured by label' : ''}) to ${r.file}`);
      if (r.manifold)
        io.out(
          `wrote the decoded manifold (${o.grid}×${o.grid} codes in [−${LATENT_GRID_DEFAULTS.range}, ${LATENT_GRID_DEFAULTS.range}]²${r.condition ? `, decoded under ${r.condition}` : ''}) to ${r.manifold.file}${r.manifold.format === 'csv' ? ' (raw units)' : ''}`,
        );
      done(0);
    });
}
