/**
 * `vaekit info RUN`: what a saved run or model is, how it was trained, and how well it did; for a
 * VAE run (or model folder) and for a linear run (pca, ppca, fa, gmm) alike.
 */
import { Command } from 'commander';
import { describeRun } from '../../node/runs/kinds.js';
import { flagNamer } from '../flags.js';
import type { CliIo } from '../io.js';

export function infoCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('info')
    .description('describe a saved run: model, data, standardisation, training or fit, metrics')
    .argument('<run>', 'a run folder (VAE or linear), or a VAE model folder')
    .option('--json', 'print the model description (a linear run: its config and metrics) as JSON')
    .action(async (run: string, o: { json?: boolean }) => {
      const d = await describeRun(run, { settingNamer: flagNamer });
      io.out(o.json ? JSON.stringify(d.json, null, 2) : d.lines.join('\n'));
      done(0);
    });
}
