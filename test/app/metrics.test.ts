/**
 * metrics.jsonl for the training curves (app/src/pure/metrics.ts): rows of every format version read
 * alike through the library's migrateMetrics, bad lines named, and the series the chart draws.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { curveSeries, parseMetricsJsonl } from '../../app/src/pure/metrics.js';

/** A row as vaekit writes it now (version 3), trimmed to what matters here. */
function rowV3(epoch: number, trainLoss: number, valLoss: number | null, kl: number | null): Record<string, unknown> {
  return {
    version: 3,
    epoch,
    trainLoss,
    reconstruction: kl === null ? null : trainLoss - kl,
    kl,
    beta: 1,
    terms: {},
    valLoss,
    valReconstruction: null,
    valKl: null,
    testLoss: null,
    testReconstruction: null,
    testKl: null,
    examplesPerSecond: 1000,
    seconds: 1,
    evalSeconds: 0,
    klPerDimension: null,
    activeUnits: 2,
    logLikelihood: null,
  };
}

describe('parseMetricsJsonl', () => {
  test('reads one row per non-empty line, CRLF and a trailing newline included', () => {
    const text = `${JSON.stringify(rowV3(1, 300, 250, 8))}\r\n\n${JSON.stringify(rowV3(2, 220, 210, 9))}\n`;
    const rows = parseMetricsJsonl(text, 'metrics.jsonl');
    assert.deepEqual(
      rows.map((r) => [r.epoch, r.trainLoss, r.valLoss]),
      [
        [1, 300, 250],
        [2, 220, 210],
      ],
    );
  });

  test('migrates a vaekit 0.1 row (no version, no terms) to the current format', () => {
    const v1 = {
      epoch: 1,
      trainLoss: 200,
      reconstruction: 190,
      kl: 10,
      beta: 1,
      valLoss: null,
      valReconstruction: null,
      valKl: null,
      testLoss: 198,
      testReconstruction: 189,
      testKl: 9,
      examplesPerSecond: 1,
      seconds: 1,
      evalSeconds: 0,
    };
    const [row] = parseMetricsJsonl(JSON.stringify(v1), 'old.jsonl');
    assert.equal(row.version, 3);
    assert.deepEqual(row.terms, { reconstruction: 190, kl: 10 });
    assert.equal(row.activeUnits, null);
    assert.equal(row.testLoss, 198);
  });

  test('names the file and line of a line that is not JSON, not a row, or of an unknown version', () => {
    assert.throws(() => parseMetricsJsonl(`${JSON.stringify(rowV3(1, 1, 1, 1))}\n{oops`, 'm.jsonl'), /^Error: m\.jsonl: line 2: expected a JSON metrics row/);
    assert.throws(() => parseMetricsJsonl('[1, 2]', 'm.jsonl'), /m\.jsonl: line 1: expected a metrics row with an epoch number/);
    assert.throws(
      () => parseMetricsJsonl(JSON.stringify({ ...rowV3(1, 1, 1, 1), version: 99 }), 'm.jsonl'),
      /m\.jsonl: line 1: metrics: expected a row of version 3/,
    );
  });
});

describe('curveSeries', () => {
  test('gives the train and validation losses and the train KL per epoch, sorted by epoch, and drops fields no epoch has', () => {
    const rows = parseMetricsJsonl([rowV3(2, 220, 210, 9), rowV3(1, 300, 250, 8)].map((r) => JSON.stringify(r)).join('\n'), 'm');
    const { loss, kl } = curveSeries(rows);
    assert.deepEqual(
      loss.map((s) => [s.field, s.points]),
      [
        [
          'trainLoss',
          [
            [1, 300],
            [2, 220],
          ],
        ],
        [
          'valLoss',
          [
            [1, 250],
            [2, 210],
          ],
        ],
      ],
    );
    assert.deepEqual(
      kl.map((s) => [s.name, s.points]),
      [
        [
          'train KL',
          [
            [1, 8],
            [2, 9],
          ],
        ],
      ],
    );
  });

  test('keeps a series with a missing epoch as NaN there (a gap in the line), and has no KL chart without a KL term', () => {
    const rows = parseMetricsJsonl([rowV3(1, 300, null, null), rowV3(2, 220, 210, null)].map((r) => JSON.stringify(r)).join('\n'), 'm');
    const { loss, kl } = curveSeries(rows);
    assert.deepEqual(loss[1].points, [
      [1, NaN],
      [2, 210],
    ]);
    assert.deepEqual(kl, []);
  });
});
