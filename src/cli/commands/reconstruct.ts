/** `vaekit reconstruct RUN`: test images beside their reconstructions E[x | z = mean(x)], and the reconstruction error. */
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { takeFirst } from '../../data/dataset.js';
import { evaluateElbo } from '../../evaluation/elbo-eval.js';
import { BACKENDS, useBackend, type BackendName } from '../../node/backend.js';
import { loadDataSource } from '../../node/data-source.js';
import { renderReconstructions } from '../../node/pictures.js';
import { RUN_FILES } from '../../node/train-run.js';
import type { CliIo } from '../io.js';
import { int, oneOf } from '../parse.js';
import { loadRunModel } from './saved-model.js';

export function reconstructCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('reconstruct')
    .description("reconstruct test examples through the encoder and decoder; writes a picture and prints the test −ELBO")
    .argument('<run>', 'a run folder')
    .option('--data <name|dir>', "dataset (default: the run's)")
    .option('--n <n>', 'examples to show', int('--n', 1), 32)
    .option('--out <file>', 'PNG file (default RUN/reconstructions-test.png)')
    .option('--backend <name>', `compute backend (${BACKENDS.join(', ')})`, oneOf('--backend', BACKENDS), 'wasm')
    .action(async (run: string, o: { data?: string; n: number; out?: string; backend: BackendName }) => {
      await useBackend(o.backend);
      const vae = await loadRunModel(run);
      try {
        let dataSpec = o.data;
        if (!dataSpec) {
          try {
            dataSpec = (JSON.parse(readFileSync(join(run, RUN_FILES.config), 'utf8')) as { data: string }).data;
          } catch {
            dataSpec = 'mnist';
          }
        }
        const scale = vae.preprocessing?.scale ?? 255;
        const { test } = loadDataSource(dataSpec, { scale });
        const out = o.out ?? join(run, 'reconstructions-test.png');
        if (vae.config.inputShape.length === 3) {
          await renderReconstructions(vae, test, out, o.n);
          io.out(`wrote ${Math.min(o.n, test.numExamples)} reconstructions to ${out}`);
        }
        const m = evaluateElbo(vae, test, { seed: 0 });
        const mse = tf.tidy(() => {
          const x = tf.tensor2d(takeFirst(test, 1000).x, [Math.min(1000, test.numExamples), test.dataDim]);
          return tf.mean(tf.sum(tf.square(tf.sub(vae.reconstruct(x), x)), 1)).dataSync()[0];
        });
        io.out(
          `test (${test.numExamples} examples): −ELBO ${m.loss.toFixed(2)} nats/example (reconstruction ${m.reconstructionLoss.toFixed(2)}, KL ${m.kl.toFixed(2)}); ` +
            `squared error of E[x|z=μ(x)] ${mse.toFixed(3)} per example (first 1000)`,
        );
        done(0);
      } finally {
        vae.dispose();
      }
    });
}
