/** `vaekit calibrate RUN`: parse → calibrateRun (writes RUN/calibration.json) → the threshold. */
import { Command } from 'commander';
import { ANOMALY_SCORE_KINDS, type AnomalyScoreKind } from '../../evaluation/anomaly-scores.js';
import { useBackend, type BackendName } from '../../node/compute/backend.js';
import type { NativeChoice } from '../../node/compute/native-kernels.js';
import { workerThreadsFor } from '../../node/parallel/start-worker.js';
import { calibrateRun } from '../../node/runs/anomaly.js';
import { CALIBRATION_FILE } from '../../node/runs/results.js';
import { SPLITS, type Split } from '../../node/runs/run-data.js';
import { backendOption, int, nativeOption, oneOf } from '../flags.js';
import { UsageError, type CliIo } from '../io.js';
import { withProgress } from '../progress.js';

/** A rate in (0, max] (max < 1) or (0, 1). */
function rate(flag: string, max: number, isMaxIncluded: boolean) {
  const what = `a number in (0, ${max}${isMaxIncluded ? ']' : ')'}`;
  return (raw: string): number => {
    const v = raw.trim() === '' ? NaN : Number(raw);
    if (!(v > 0 && (isMaxIncluded ? v <= max : v < max))) throw new UsageError(`${flag}: expected ${what}, got '${raw}'`);
    return v;
  };
}

interface CalibrateFlags {
  contamination?: number;
  fpr?: number;
  data?: string;
  split?: Split;
  out?: string;
  score?: AnomalyScoreKind;
  samples: number;
  seed: number;
  threads?: number;
  backend: BackendName;
  native: NativeChoice;
}

export function calibrateCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('calibrate')
    .description(
      `choose an anomaly threshold and save it as RUN/${CALIBRATION_FILE}: the (1 − α) quantile of the training scores (--contamination α) ` +
        'or of scores of normal data (--fpr α --data FILE); vaekit score RUN then adds isAnomaly and pValue',
    )
    .argument('<run>', 'a run folder')
    .option('--contamination <a>', 'share of the training data taken as anomalous, in (0, 0.5]', rate('--contamination', 0.5, true))
    .option('--fpr <a>', 'false-positive rate on the normal data of --data, in (0, 1)', rate('--fpr', 1, false))
    .option('--data <name|dir|file>', "normal data (needed with --fpr; default the run's own)")
    .option('--split <split>', `which split (${SPLITS.join(', ')}) [train for the run's own data, all for --data]`, oneOf('--split', SPLITS))
    .option('--out <file>', `file to write [RUN/${CALIBRATION_FILE}]`)
    .option('--score <kind>', `VAE: ${ANOMALY_SCORE_KINDS.join(', ')} [negelbo; nll with --samples]`, oneOf('--score', ANOMALY_SCORE_KINDS))
    .option('--samples <K>', "VAE: samples per example (alone: score by nll; 0: the kind's default)", int('--samples', 0), 0)
    .option('--seed <n>', 'VAE: seed of the noise of a sampled score', int('--seed', 0), 0)
    .option('--threads <n>', 'VAE with nll: threads for the estimate; default: 1 with the native kernels, else one per core, at most 4', int('--threads', 1))
    .addOption(backendOption())
    .addOption(nativeOption())
    .action(async (run: string, o: CalibrateFlags) => {
      if ((o.contamination === undefined) === (o.fpr === undefined)) {
        throw new UsageError(`--contamination, --fpr: expected one of them, got ${o.fpr === undefined ? 'neither' : 'both'}`);
      }
      if (o.fpr !== undefined && o.data === undefined) throw new UsageError('--fpr: expected --data naming normal data, got none');
      await useBackend(o.backend, { native: o.native });
      const r = await withProgress(io, 'scoring the calibration data', (onProgress) =>
        calibrateRun(run, {
          onProgress,
          contamination: o.contamination,
          fpr: o.fpr,
          data: o.data,
          split: o.split,
          out: o.out,
          score: o.score,
          numSamples: o.samples,
          seed: o.seed,
          ...workerThreadsFor(o.backend, o.threads),
        }),
      );
      const c = r.calibration;
      const flagged = Math.round(c.flaggedShare * c.numScores);
      io.out(
        `calibrated ${c.score} (${r.scores.column}) on ${c.numScores} scores (${r.scores.dataset}, ${r.scores.split}): ${c.method} ${c.rate} → ` +
          `threshold ${c.threshold.toPrecision(6)}, flagging ${flagged} of them (${(100 * c.flaggedShare).toFixed(2)}%)`,
      );
      io.out(`wrote ${r.file}`);
      done(0);
    });
}
