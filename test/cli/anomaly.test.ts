/**
 * Anomaly detection on the command line, in process: `vaekit calibrate` on a tiny MNIST run and on a
 * PCA run of an unlabelled table, then `vaekit score` with the isAnomaly and pValue columns, label
 * metrics (JSON and the ROC curve as SVG), each score kind's sign on noise against digits, and the
 * one-line errors of bad flags.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeDataset, takeFirst } from '../../src/data/dataset.js';
import { ANOMALY_SCORE_KINDS, scoreExamples } from '../../src/evaluation/anomaly-scores.js';
import { rocAuc } from '../../src/evaluation/roc.js';
import { Rng } from '../../src/math/rng.js';
import { VAE } from '../../src/models/vae.js';
import { loadDataSource } from '../../src/node/datasets/data-source.js';
import { fsModelStore } from '../../src/node/formats/model-store.js';
import { assertAllClose } from '../helpers/assert.js';
import { errorLines, runCli, tinyTrainArgs } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-anomaly-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** A scores CSV: its header and numeric rows (an empty label reads as NaN). */
function readScores(path: string): { header: string; rows: number[][] } {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  return { header, rows: lines.map((l) => l.split(',').map((v) => (v === '' ? NaN : Number(v)))) };
}

/** Asserts exit code `code` and exactly one error line (notes aside) matching `pattern`. */
function assertOneLineError(r: { code: number; err: string[] }, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, r.err.join('\n'));
  const lines = errorLines(r.err).filter((l) => !l.startsWith('note: '));
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0], pattern);
}

describe('vaekit calibrate and score on a tiny MNIST run', () => {
  const run = join(root, 'mnist');
  before(async () => {
    const r = await runCli(tinyTrainArgs(run, 3));
    assert.equal(r.code, 0, r.err.join('\n'));
  });

  test('calibrate --contamination writes calibration.json: the upper quantile of the training scores', async () => {
    const r = await runCli(['calibrate', run, '--contamination', '0.05']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.match(r.out.join('\n'), /calibrated negelbo \(negElbo\) on 600 scores \(mnist, train\): contamination 0\.05 → threshold/);
    const c = readJson(join(run, 'calibration.json'));
    assert.equal(c.format, 'vaekit-calibration');
    assert.equal(c.score, 'negelbo');
    assert.equal(c.numScores, 600); // the training split, validation examples included
    assert.equal(c.threshold, c.scores[600 - 1 - 30]); // s_(n − ⌊α·n⌋)
    assert.ok(c.flaggedShare <= 0.05);
  });

  test('score then writes isAnomaly (score > threshold) and pValue (share of calibration scores ≥ the score)', async () => {
    const r = await runCli(['score', run]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const c = readJson(join(run, 'calibration.json'));
    const { header, rows } = readScores(join(run, 'scores-test.csv'));
    assert.equal(header, 'index,label,negElbo,isAnomaly,pValue');
    assert.equal(rows.length, 600);
    for (const [, , s, flag, p] of rows) {
      assert.equal(flag, s > c.threshold ? 1 : 0);
      assert.equal(p, c.scores.filter((v: number) => v >= s).length / c.numScores);
    }
    assert.match(r.out.join('\n'), /flagged \d+ of 600/);
  });

  test('score --normal-labels writes ROC-AUC, PR-AUC and F1 at the threshold, and the ROC curve as SVG', async () => {
    const out = join(root, 'labelled.csv');
    const r = await runCli(['score', run, '--normal-labels', '1', '--out', out]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const m = readJson(join(root, 'labelled-metrics.json'));
    const { rows } = readScores(out);
    const truth = rows.map((row) => (row[1] === 1 ? 0 : 1));
    assertAllClose(
      m.rocAuc,
      rocAuc(
        rows.map((row) => row[2]),
        truth,
      ),
      { rtol: 1e-12 },
    );
    assert.equal(m.numNormal, truth.filter((t) => t === 0).length);
    assert.equal(m.score, 'negelbo');
    assert.equal(typeof m.f1, 'number');
    assert.ok(m.averagePrecision > 0 && m.averagePrecision <= 1);
    assert.match(readFileSync(join(root, 'labelled-roc.svg'), 'utf8'), /^<svg/);
    assert.match(r.out.join('\n'), /ROC-AUC 0\.\d{4}, PR-AUC \(average precision\) 0\.\d{4}, F1 /);
    // --anomaly-labels with the complement gives the same truth.
    const r2 = await runCli(['score', run, '--anomaly-labels', '0,2,3,4,5,6,7,8,9', '--out', join(root, 'complement.csv')]);
    assert.equal(r2.code, 0, r2.err.join('\n'));
    assert.equal(readJson(join(root, 'complement-metrics.json')).rocAuc, m.rocAuc);
  });

  test('another kind of score than the calibration gets a note and no decision columns', async () => {
    const r = await runCli(['score', run, '--score', 'recon-error', '--out', join(root, 'error.csv')]);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.equal(readScores(join(root, 'error.csv')).header, 'index,label,squaredError');
    assert.match(r.err.join('\n'), /calibrates 'negelbo' scores, not 'recon-error'/);
    const r2 = await runCli(['score', run, '--score', 'recon-error', '--calibration', join(run, 'calibration.json')]);
    assertOneLineError(r2, 1, /^vaekit: --score recon-error: the calibration is of 'negelbo' scores/);
  });

  test('every score kind ranks binary noise images above test digits', async () => {
    const vae = await VAE.load(join(run, 'model'), fsModelStore);
    try {
      const digits = takeFirst(loadDataSource('mnist', { scale: 255 }).test, 20);
      const rng = new Rng('noise-images');
      const x = new Float32Array(40 * 784);
      x.set(digits.x);
      // Pixels 0 or 1 at random. (Uniform noise in [0, 1] is closer to a blurry decoder mean than a digit is,
      // so this undertrained model's squared error ranks it below digits; the density scores do not.)
      for (let i = 20 * 784; i < x.length; i++) x[i] = rng.next() < 0.5 ? 1 : 0;
      const ds = makeDataset({ x, numExamples: 40, dataDim: 784, exampleShape: [28, 28, 1], source: 'digits and noise' });
      const truth = Array.from({ length: 40 }, (_, i) => (i < 20 ? 0 : 1));
      // The whole-example kinds; recon-prob-last and recon-error-last score only an image's last row (they are for series windows).
      for (const score of ANOMALY_SCORE_KINDS.filter((k) => !k.endsWith('-last'))) {
        const s = await scoreExamples(vae, ds, { score, numSamples: 10 });
        assert.equal(rocAuc(s, truth), 1, `${score}: noise should score above every digit`);
      }
    } finally {
      vae.dispose();
    }
  });

  test('bad flags: one line, exit 2 for usage, 1 for a missing calibration or labels that leave no anomaly', async () => {
    assertOneLineError(await runCli(['calibrate', run, '--contamination', '0.7']), 2, /--contamination: expected a number in \(0, 0\.5\], got '0\.7'/);
    assertOneLineError(await runCli(['calibrate', run, '--contamination', '0']), 2, /--contamination: expected a number in \(0, 0\.5\]/);
    assertOneLineError(await runCli(['calibrate', run]), 2, /--contamination, --fpr: expected one of them, got neither/);
    assertOneLineError(await runCli(['calibrate', run, '--fpr', '0.1']), 2, /--fpr: expected --data/);
    assertOneLineError(
      await runCli(['score', run, '--normal-labels', '1', '--anomaly-labels', '2']),
      2,
      /--normal-labels, --anomaly-labels: expected one of them, got both/,
    );
    assertOneLineError(await runCli(['score', run, '--normal-labels', 'one']), 2, /--normal-labels: expected integers ≥ 0/);
    assertOneLineError(
      await runCli(['score', run, '--calibration', join(root, 'none.json')]),
      1,
      /^vaekit: --calibration .*none\.json: expected a calibration file .*no such file/,
    );
    assertOneLineError(
      await runCli(['score', run, '--normal-labels', '0,1,2,3,4,5,6,7,8,9']),
      1,
      /^vaekit: --normal-labels 0,1,2,3,4,5,6,7,8,9: expected labels that leave both normal and anomalous examples, got no anomalous/,
    );
  });
});

describe('vaekit calibrate and score on a PCA run of an unlabelled table', () => {
  const run = join(root, 'pca');
  const csv = join(root, 'table.csv');
  const normal = join(root, 'normal.csv');
  before(async () => {
    const row = (i: number) => `${Math.sin(i).toFixed(4)},${Math.cos(3 * i).toFixed(4)},${(0.5 * Math.sin(i) + 0.1 * Math.cos(7 * i)).toFixed(4)}`;
    writeFileSync(csv, ['a,b,c', ...Array.from({ length: 60 }, (_, i) => row(i))].join('\n') + '\n');
    writeFileSync(normal, ['a,b,c', ...Array.from({ length: 40 }, (_, i) => row(100 + i))].join('\n') + '\n');
    const r = await runCli(['train', '--model', 'pca', '--data', csv, '--latent', '1', '--out', run]);
    assert.equal(r.code, 0, r.err.join('\n'));
  });

  test('calibrate --fpr on normal data: that share of it lies above the threshold; score adds the columns', async () => {
    const r = await runCli(['calibrate', run, '--fpr', '0.1', '--data', normal]);
    assert.equal(r.code, 0, r.err.join('\n'));
    const c = readJson(join(run, 'calibration.json'));
    assert.equal(c.score, 'recon-error');
    assert.equal(c.numScores, 40);
    assert.equal(c.method, 'fpr');
    assert.ok(c.flaggedShare <= 0.1);
    const s = await runCli(['score', run, '--split', 'all']);
    assert.equal(s.code, 0, s.err.join('\n'));
    const { header, rows } = readScores(join(run, 'scores-all.csv'));
    assert.equal(header, 'index,label,squaredError,isAnomaly,pValue');
    assert.equal(rows.length, 60);
    assert.ok(existsSync(join(run, 'scores-all.csv')));
  });

  test('label flags on unlabelled data, and a score the model cannot give, are refused in one line', async () => {
    assertOneLineError(await runCli(['score', run, '--split', 'all', '--normal-labels', '0']), 1, /^vaekit: --normal-labels: expected labelled data/);
    assertOneLineError(await runCli(['score', run, '--score', 'nll']), 1, /^vaekit: --score nll: a pca run scores by recon-error/);
  });
});
