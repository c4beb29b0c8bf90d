/**
 * `vaekit score RUN`: parse → scoreRun → CSV of per-example anomaly scores (with a calibration, the
 * decisions and p-values; with label sets, ROC-AUC, PR-AUC and F1, a JSON file and the ROC curve) → the 5 highest.
 * The output's folder is checked for writing before scoring, and the figures are printed before the files are written.
 */
import { Command } from 'commander';
import { join } from 'node:path';
import { ANOMALY_SCORE_KINDS, type AnomalyScoreKind } from '../../evaluation/anomaly-scores.js';
import type { Calibration } from '../../evaluation/calibration.js';
import { useBackend, type BackendName } from '../../node/compute/backend.js';
import type { NativeChoice } from '../../node/compute/native-kernels.js';
import { writeFileAtomic } from '../../node/formats/atomic.js';
import { workerThreadsFor } from '../../node/parallel/start-worker.js';
import { readCalibration, readRunCalibration, writeLabelMetrics } from '../../node/runs/anomaly.js';
import { readRun, scoreRun, scoresCsv } from '../../node/runs/kinds.js';
import { CALIBRATION_FILE, checkWritableFile } from '../../node/runs/results.js';
import { SPLITS, type Split } from '../../node/runs/run-data.js';
import { backendOption, int, labelList, nativeOption, oneOf } from '../flags.js';
import { UsageError, type CliIo } from '../io.js';
import { withProgress } from '../progress.js';

interface ScoreFlags {
  data?: string;
  split: Split;
  out?: string;
  samples: number;
  score?: AnomalyScoreKind;
  seed: number;
  calibration?: string;
  normalLabels?: number[];
  anomalyLabels?: number[];
  threads?: number;
  backend: BackendName;
  native: NativeChoice;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export function scoreCommand(io: CliIo, done: (code: number) => void): Command {
  return new Command('score')
    .description(
      'anomaly score per example, higher = more unusual: −log p(x) (nll, nats), PCA squared error, or VAE −ELBO (negElbo, nats), ' +
        'the importance-sampled −log p(x) (nll, --samples K), the reconstruction probability or the reconstruction error (--score); ' +
        `with RUN/${CALIBRATION_FILE} (vaekit calibrate) also isAnomaly and pValue; with --normal-labels or --anomaly-labels ROC-AUC, PR-AUC and F1`,
    )
    .argument('<run>', 'a run folder')
    .option('--data <name|dir|file>', "data source (default: the run's own); a table is read with the run's columns and standardisation")
    .option('--split <split>', `which split (${SPLITS.join(', ')}; all = a table's every row in file order)`, oneOf('--split', SPLITS), 'test')
    .option('--out <file>', 'CSV file to write (default RUN/scores-<split>.csv)')
    .option(
      '--score <kind>',
      `VAE: ${ANOMALY_SCORE_KINDS.join(', ')} [negelbo; nll with --samples; the calibration's kind]; linear: nll (ppca, fa, gmm) or recon-error (pca, ppca, fa)`,
      oneOf('--score', ANOMALY_SCORE_KINDS),
    )
    .option(
      '--samples <K>',
      "VAE: samples per example: K of nll (alone: score by nll), negelbo, L of recon-prob (0: the kind's default: nll 1000, negelbo 1, recon-prob 16)",
      int('--samples', 0),
      0,
    )
    .option('--seed <n>', 'VAE: seed of the noise of a sampled score', int('--seed', 0), 0)
    .option('--calibration <file>', `a calibration to flag anomalies with (default RUN/${CALIBRATION_FILE} when there is one of this kind of score)`)
    .option('--normal-labels <list>', 'labelled data: these class labels are normal, every other anomalous (e.g. 0 or 0,1)', labelList('--normal-labels'))
    .option('--anomaly-labels <list>', 'labelled data: these class labels are anomalous, every other normal', labelList('--anomaly-labels'))
    .option('--threads <n>', 'VAE with nll: threads for the estimate; default: 1 with the native kernels, else one per core, at most 4', int('--threads', 1))
    .addOption(backendOption())
    .addOption(nativeOption())
    .action(async (run: string, o: ScoreFlags) => {
      if (o.normalLabels && o.anomalyLabels) throw new UsageError('--normal-labels, --anomaly-labels: expected one of them, got both');
      await useBackend(o.backend, { native: o.native });
      const saved = await readRun(run);
      const out = o.out ?? join(run, `scores-${o.split}.csv`);
      await checkWritableFile(out, o.out ? '--out' : 'score');
      let calibration: Calibration | null = o.calibration ? await readCalibration(o.calibration) : await readRunCalibration(run);
      const asked = o.score ?? (o.samples > 0 ? 'nll' : undefined);
      if (!o.calibration && calibration && asked !== undefined && asked !== calibration.score) {
        io.err(`note: RUN/${CALIBRATION_FILE} calibrates '${calibration.score}' scores, not '${asked}': no isAnomaly and pValue columns`);
        calibration = null;
      }
      const s = await withProgress(io, 'scoring', (onProgress) =>
        scoreRun(saved, {
          onProgress,
          split: o.split,
          data: o.data,
          numSamples: o.samples,
          score: o.score,
          seed: o.seed,
          calibration,
          normalLabels: o.normalLabels,
          anomalyLabels: o.anomalyLabels,
          ...workerThreadsFor(o.backend, o.threads),
        }),
      );
      // Printed before anything is written, so a failed write loses no figures.
      const top = Array.from(s.scores.keys())
        .sort((a, b) => s.scores[b] - s.scores[a])
        .slice(0, 5);
      const k = s.numSamples ? `, ${s.score === 'recon-prob' ? 'L' : 'K'} = ${s.numSamples}` : '';
      io.out(`${s.scores.length} ${s.column} scores (${s.model}, ${s.split}${s.score ? `, ${s.score}${k}` : ''})`);
      io.out(`highest: ${top.map((i) => `#${i} (${s.scores[i].toFixed(2)})`).join(', ')}`);
      if (calibration && s.isAnomaly) {
        const flagged = s.isAnomaly.reduce((a, v) => a + v, 0);
        io.out(
          `calibration (${calibration.method} ${calibration.rate}, threshold ${calibration.threshold.toPrecision(6)}): ` +
            `flagged ${flagged} of ${s.scores.length} (${pct(flagged / Math.max(s.scores.length, 1))}); columns isAnomaly, pValue`,
        );
      }
      const m = s.labelMetrics;
      if (m) {
        const t = m.atThreshold;
        io.out(
          `labels: ${m.numNormal} normal, ${m.numAnomalous} anomalous; ROC-AUC ${m.rocAuc.toFixed(4)}, PR-AUC (average precision) ${m.averagePrecision.toFixed(4)}` +
            (t
              ? `, F1 ${t.f1.toFixed(4)} at the threshold (precision ${t.precision.toFixed(4)}, recall ${t.recall.toFixed(4)})`
              : '; F1 needs a calibration (vaekit calibrate RUN)'),
        );
      }
      await writeFileAtomic(out, scoresCsv(s));
      io.out(`wrote ${s.scores.length} scores to ${out}`);
      if (m) {
        const files = await writeLabelMetrics(out.replace(/\.csv$/i, ''), s, { normalLabels: o.normalLabels, anomalyLabels: o.anomalyLabels });
        io.out(`wrote ${files.json} and ${files.svg}`);
      }
      done(0);
    });
}
