/** `vaekit info RUN`: what a saved run or model is, how it was trained, and how well it did. */
import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModelDescription } from '../../node/model-store.js';
import { RUN_FILES } from '../../node/train-run.js';
import type { CliIo } from '../io.js';
import { modelDirOf } from './saved-model.js';

export function infoCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('info')
    .description('describe a saved run: architecture, likelihood, data, training, metrics')
    .argument('<run>', 'a run folder (or a model folder)')
    .option('--json', 'print the model description as JSON')
    .action(async (run: string, o: { json?: boolean }) => {
      const dir = modelDirOf(run);
      const d = await readModelDescription(existsSync(join(dir, 'vaekit.json')) ? dir : `${dir}.old`);
      if (o.json) {
        io.out(JSON.stringify(d, null, 2));
        return done(0);
      }
      const c = d.config;
      const dims = [c.dataDim, ...c.encoder.hidden, c.latentDim].join('-');
      const lik = c.likelihood.kind === 'bernoulli' ? 'Bernoulli (logits)' : `Gaussian, σ² ${c.likelihood.variance === 'learned' ? `learned (${Math.exp(c.likelihood.logVar ?? 0).toPrecision(4)})` : c.likelihood.variance}`;
      io.out(`model:        ${dir} (${d.format} v${d.version})`);
      io.out(`architecture: VAE, MLP ${dims} (decoder mirrored), ${c.encoder.activation}, input shape [${c.inputShape.join(', ')}]`);
      io.out(`likelihood:   ${lik}; prior N(0, I); latent size ${c.latentDim}`);
      if (d.preprocessing) io.out(`preprocessing: values / ${d.preprocessing.scale}, binarize ${d.preprocessing.binarize}`);
      const p = d.provenance ?? {};
      if (Object.keys(p).length) {
        io.out(`data:         ${p.dataset} (${p.numTrain} train, ${p.numVal} validation, ${p.numTest} test)`);
        io.out(`training:     ${p.epochsTrained} epochs, best epoch ${p.bestEpoch}, seed ${p.seed}, backend ${p.backend}, vaekit ${p.vaekitVersion}, saved ${p.savedAt}`);
      }
      if (d.metrics) {
        const f = (x: number | null | undefined) => (x == null ? '-' : x.toFixed(2));
        io.out(`metrics:      epoch ${d.metrics.epoch}: train ${f(d.metrics.trainLoss)}, val ${f(d.metrics.valLoss)}, test ${f(d.metrics.testLoss)} (−ELBO, nats per example)`);
      }
      const metricsPath = join(run, RUN_FILES.metrics);
      if (existsSync(metricsPath)) {
        const n = readFileSync(metricsPath, 'utf8').trim().split('\n').length;
        io.out(`history:      ${n} epochs in ${metricsPath}`);
      }
      done(0);
    });
}
