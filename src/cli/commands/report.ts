/**
 * `vaekit report RUN`: one self-contained HTML page about the run (RUN/report.html, pictures inlined):
 * configuration, training curves, held-out figures from RUN/evaluation.json, per-dimension KL and active
 * units, reconstructions, prior samples, a traversal, an interpolation, the latent map, and the anomaly
 * calibration and label metrics when the run has them.
 */
import { Command } from 'commander';
import type { BackendName } from '../../node/compute/backend.js';
import type { NativeChoice } from '../../node/compute/native-kernels.js';

import { REPORT_DEFAULTS, REPORT_FILE, reportRun } from '../../node/runs/report.js';
import { backendOption, int, nativeOption } from '../flags.js';
import type { CliIo } from '../io.js';
import { openRunOnBackend } from '../open-run.js';

interface ReportFlags {
  out?: string;
  mapExamples: number;
  backend: BackendName;
  native: NativeChoice;
}

export function reportCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('report')
    .description('one self-contained HTML page about a run (pictures inlined): configuration, curves, evaluation, latent space, anomaly metrics')
    .argument('<run>', 'a run folder (or a VAE model folder)')
    .option('--out <file>', `the HTML file (default RUN/${REPORT_FILE})`)
    .option('--map-examples <n>', 'test examples on the latent map (the first n)', int('--map-examples', 1), REPORT_DEFAULTS.mapExamples)
    .addOption(backendOption())
    .addOption(nativeOption())
    .action(async (run: string, o: ReportFlags) => {
      const saved = await openRunOnBackend(run, o);
      const r = await reportRun(saved, { out: o.out, mapExamples: o.mapExamples });
      if (!r.hasEvaluation) io.out(`no evaluation.json: run \`vaekit evaluate ${run}\` for the held-out ELBO and log-likelihood, then report again`);
      for (const note of r.notes) io.out(`left out: ${note}`);
      io.out(`wrote ${r.path} (${r.numImages} images, ${(r.bytes / 1024).toFixed(0)} KiB)`);
      done(0);
    });
}
