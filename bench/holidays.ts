/**
 * Do holidays stand out? A recurrent VAE on the daily US births series 1969–1988 (`--data us-births`),
 * trained on windows of W days of the training part (1969-01-01 … 1984-12-31; the test part is
 * 1985-01-01 … 1988-12-31), then every day scored by its window ending that day (stride 1; the last
 * point's score, as Donut and OmniAnomaly do), on the whole series (`all`: the training years are
 * in-sample) and on the test part alone (`test`: out of sample). The truth is six US federal holidays
 * computed by rule (src/node/datasets/us-holidays.ts, with its sources), 1 on the holiday, 0 on
 * every other day; the first W − 1 days of each part have no window ending on them and no score.
 *
 *   npm run protocol:holidays -- [--windows 7,28] [--epochs 30] [--hidden 32] [--latent 4] [--cell gru]
 *                                [--samples 16] [--top 20] [--seed 0] [--out runs/holidays] [--json FILE]
 *
 * Per W and split it prints the ROC-AUC and average precision (PR-AUC) of four scores, the window's
 * −ELBO (negelbo) and the last day's reconstruction probability (recon-prob-last, L samples) and
 * squared error (recon-error-last), and, as a yardstick that needs no model, the absolute log ratio of
 * the day's births to the mean of the same weekday in the 4 weeks before; then the top days the
 * model flags by recon-prob-last on the whole series, with their weekday and holiday.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { averagePrecision, rocAuc } from '../src/evaluation/roc.js';
import type { AnomalyScoreKind } from '../src/evaluation/anomaly-scores.js';
import { useBackend } from '../src/node/compute/backend.js';
import { loadUsBirths } from '../src/node/datasets/us-births.js';
import { usFederalHolidaysByDate, WEEKDAY_NAMES } from '../src/node/datasets/us-holidays.js';
import { scoreRun, trainRun } from '../src/node/runs/kinds.js';
import type { Split } from '../src/node/runs/run-data.js';

const { values: a } = parseArgs({
  options: {
    windows: { type: 'string', default: '7,28' },
    epochs: { type: 'string', default: '30' },
    hidden: { type: 'string', default: '32' },
    latent: { type: 'string', default: '4' },
    cell: { type: 'string', default: 'gru' },
    samples: { type: 'string', default: '16' },
    top: { type: 'string', default: '20' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string', default: 'runs/holidays' },
    json: { type: 'string' },
  },
});

const windows = a.windows.split(',').map(Number);
const KINDS: AnomalyScoreKind[] = ['negelbo', 'recon-prob-last', 'recon-error-last'];
const SPLITS: Split[] = ['all', 'test'];
const numTop = Number(a.top);

await useBackend('wasm');
const t0 = performance.now();
const { series } = loadUsBirths();
const holidays = usFederalHolidaysByDate(1969, 1988);
const births = series.values;
const stepOf = new Map(series.times.map((t, i) => [t, i]));
const weekdayOf = (date: string) => WEEKDAY_NAMES[new Date(`${date}T00:00:00Z`).getUTCDay()];

/** The yardstick: |log(births_t / mean of births on the same weekday 7, 14, 21, 28 days before)| (NaN in the first 4 weeks). */
function weekdayRatio(step: number): number {
  if (step < 28) return NaN;
  const ref = (births[step - 7] + births[step - 14] + births[step - 21] + births[step - 28]) / 4;
  return Math.abs(Math.log(births[step] / ref));
}

interface Row {
  window: number;
  split: Split;
  numDays: number;
  numHolidays: number;
  first: string;
  last: string;
  auc: Record<string, number>;
  ap: Record<string, number>;
}
const rows: Row[] = [];
const tops: Record<number, Array<{ date: string; weekday: string; score: number; births: number; holiday: string | null }>> = {};
const seconds: Record<number, Record<string, number>> = {};

for (const w of windows) {
  const out = join(a.out, `window-${w}`);
  let t = performance.now();
  const trained = await trainRun(
    {
      data: { source: 'us-births', window: w },
      out,
      model: { encoder: { kind: 'rnn', cell: a.cell as 'gru' | 'lstm', hidden: a.hidden.split(',').map(Number) }, latentDim: Number(a.latent) },
      training: { epochs: Number(a.epochs), seed: Number(a.seed) },
    },
    { overwrite: true },
  );
  seconds[w] = { train: (performance.now() - t) / 1000 };
  console.error(
    `W = ${w}: trained in ${seconds[w].train.toFixed(0)} s, test −ELBO ${trained.kind === 'vae-run' ? trained.testLoss?.toFixed(2) : '-'} nats per window`,
  );
  for (const split of SPLITS) {
    const auc: Record<string, number> = {};
    const ap: Record<string, number> = {};
    let times: string[] = [];
    let truth: Int32Array = new Int32Array();
    for (const score of KINDS) {
      t = performance.now();
      const s = await scoreRun(out, { split, score, numSamples: score === 'recon-prob-last' ? Number(a.samples) : 0, anomalyLabels: [1] });
      seconds[w][`${split} ${score}`] = (performance.now() - t) / 1000;
      auc[score] = s.labelMetrics!.rocAuc;
      ap[score] = s.labelMetrics!.averagePrecision;
      times = s.timeLabels!;
      truth = s.labels!;
      if (split === 'all' && score === 'recon-prob-last') {
        const order = Array.from(s.scores.keys()).sort((i, j) => s.scores[j] - s.scores[i]);
        tops[w] = order.slice(0, numTop).map((i) => ({
          date: times[i],
          weekday: weekdayOf(times[i]),
          score: s.scores[i],
          births: births[stepOf.get(times[i])!],
          holiday: holidays.get(times[i]) ?? null,
        }));
      }
    }
    // The yardstick over the same days (those with 4 weeks of history).
    const base = times.map((d) => weekdayRatio(stepOf.get(d)!));
    const keep = base.map((v) => !Number.isNaN(v));
    const baseScores = base.filter((_, i) => keep[i]);
    const baseTruth = Array.from(truth).filter((_, i) => keep[i]);
    auc.weekday = rocAuc(baseScores, baseTruth);
    ap.weekday = averagePrecision(baseScores, baseTruth);
    const numHolidays = truth.reduce((n, v) => n + v, 0);
    rows.push({ window: w, split, numDays: times.length, numHolidays, first: times[0], last: times.at(-1)!, auc, ap });
    console.error(
      `W = ${w}, ${split}: ${Object.entries(auc)
        .map(([k, v]) => `${k} ${(100 * v).toFixed(1)}`)
        .join(', ')}`,
    );
  }
}

const COLUMNS = [...KINDS, 'weekday'];
const header = ['window', 'days scored', 'holidays', ...COLUMNS.map((k) => `${k === 'weekday' ? 'same-weekday ratio (no model)' : k}`)];
const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
for (const r of rows) {
  lines.push(
    `| ${r.window} days, ${r.split} (${r.first} … ${r.last}) | ${r.numDays} | ${r.numHolidays} | ` +
      `${COLUMNS.map((k) => `${(100 * r.auc[k]).toFixed(1)} / ${(100 * r.ap[k]).toFixed(1)}`).join(' | ')} |`,
  );
}
console.log('ROC-AUC / average precision (PR-AUC), in %, holidays (1) against every other day (0):\n');
console.log(lines.join('\n'));
for (const w of windows) {
  console.log(`\nTop ${numTop} days by recon-prob-last, W = ${w}, whole series:\n`);
  console.log('| rank | date | weekday | births | score (nats) | holiday |\n|---|---|---|---|---|---|');
  tops[w].forEach((d, i) => console.log(`| ${i + 1} | ${d.date} | ${d.weekday} | ${d.births} | ${d.score.toFixed(2)} | ${d.holiday ?? ''} |`));
  const hits = tops[w].filter((d) => d.holiday).length;
  console.log(`\n${hits} of the top ${numTop} are holidays of the six.`);
}
console.log(
  `\nrnn VAE: ${a.cell.toUpperCase()} ${a.hidden}, Z = ${a.latent}, ${a.epochs} epochs, seed ${a.seed}, L = ${a.samples}; ` +
    `total ${((performance.now() - t0) / 60000).toFixed(1)} minutes`,
);
if (a.json) writeFileSync(a.json, JSON.stringify({ args: a, rows, tops, seconds }, null, 2) + '\n');
