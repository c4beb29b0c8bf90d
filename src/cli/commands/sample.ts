/**
 * `vaekit sample RUN`: decoder means for z ~ N(0, I), as an image grid (and optionally CSV), or for a
 * table as CSV in raw units under the column names; for a linear run, draws from the fitted model
 * (an image grid, or CSV for a table).
 */
import { Command } from 'commander';
import { join } from 'node:path';
import { isImageShape } from '../../data/dataset.js';
import { Standardizer } from '../../data/standardize.js';
import { writeFileAtomic } from '../../node/atomic.js';
import { useBackend, BACKENDS, type BackendName } from '../../node/backend.js';
import { isLinearRun, readLinearRun } from '../../node/linear-run.js';
import { writeLinearSamples } from '../../node/linear-samples.js';
import { renderSamples } from '../../node/pictures.js';
import { writeVaeSamplesCsv } from '../../node/table-csv.js';
import type { CliIo } from '../io.js';
import { int, oneOf, positiveNumber } from '../parse.js';
import { loadRunModel } from './saved-model.js';

export function sampleCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('sample')
    .description('generate from the prior: decoder means E[x|z] for z ~ N(0, I); samples x ~ p(x) for a linear run')
    .argument('<run>', 'a run folder (or a model folder)')
    .option('--n <n>', 'number of samples', int('--n', 1), 64)
    .option('--seed <n>', 'seed of z', int('--seed', 0), 0)
    .option('--temperature <t>', 'standard deviation of z (1 = the prior)', positiveNumber('--temperature'), 1)
    .option('--out <file>', 'file to write (default RUN/samples-<seed>.png, or .csv for a table)')
    .option('--csv <file>', 'images: also write the samples as CSV, one example per row')
    .option('--backend <name>', `compute backend (${BACKENDS.join(', ')})`, oneOf('--backend', BACKENDS), 'wasm')
    .action(async (run: string, o: { n: number; seed: number; temperature: number; out?: string; csv?: string; backend: BackendName }) => {
      if (isLinearRun(run)) {
        const { config, model } = await readLinearRun(run);
        const standardizer = config.standardization ? Standardizer.fromJSON(config.standardization) : null;
        const written = await writeLinearSamples(model, config.exampleShape, o.n, o.seed, o.out ?? join(run, `samples-${o.seed}.png`), standardizer);
        io.out(`wrote ${o.n} samples to ${written}${standardizer ? ' (raw units)' : ''}`);
        done(0);
        return;
      }
      await useBackend(o.backend);
      const vae = await loadRunModel(run);
      try {
        const isImage = isImageShape(vae.config.inputShape);
        const out = o.out ?? join(run, `samples-${o.seed}.${isImage ? 'png' : 'csv'}`);
        if (isImage) {
          await renderSamples(vae, o.n, out, o.seed, o.temperature);
          io.out(`wrote ${o.n} samples to ${out}`);
        }
        if (isImage && o.csv) {
          const s = vae.sample(o.n, { seed: o.seed, temperature: o.temperature });
          const v = s.arraySync();
          s.dispose();
          await writeFileAtomic(o.csv, v.map((row) => row.join(',')).join('\n') + '\n');
          io.out(`wrote ${o.n} samples to ${o.csv}`);
        }
        if (!isImage) {
          const s = vae.preprocessing?.standardization;
          await writeVaeSamplesCsv(vae, o.n, o.csv ?? out, s ? Standardizer.fromJSON(s) : null, o.seed, o.temperature);
          io.out(`wrote ${o.n} samples to ${o.csv ?? out}${s ? ' (raw units, a header of column names)' : ''}`);
        }
        done(0);
      } finally {
        vae.dispose();
      }
    });
}
