import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditData, auditWarnings, checkLikelihoodFit, type AuditLikelihood } from '../../src/data/audit.js';
import { flagNamer } from '../../src/cli/flags.js';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { ConfigError } from '../../src/errors.js';
import { assertDataError } from '../helpers/assert.js';
import type { DataError } from '../../src/errors.js';

function table(rows: number[][], source = 'table.csv'): Dataset {
  return makeDataset({ x: Float32Array.from(rows.flat()), numExamples: rows.length, dataDim: rows[0]?.length ?? 1, source });
}

describe('auditData', () => {
  test('finds min, max, mean and constant features of finite data', () => {
    const a = auditData(
      table([
        [0, 2, 5, 7],
        [0, 4, 5, -1],
        [0, 6, 5, 3],
      ]),
    );
    assert.deepEqual(
      { min: a.min, max: a.max, mean: a.mean, constant: a.numConstantFeatures, nonFinite: a.numNonFinite, binary: a.isBinary },
      { min: -1, max: 7, mean: 36 / 12, constant: 2, nonFinite: 0, binary: false },
    );
    assert.equal(a.firstNonFinite, undefined);
    assert.equal(a.source, 'table.csv');
    assert.deepEqual([a.numExamples, a.dataDim], [3, 4]);
  });

  test('locates the first non-finite value in row-major order and counts them all', () => {
    const a = auditData(
      table([
        [1, 2, 3],
        [4, Infinity, NaN],
        [NaN, 0, -Infinity],
      ]),
    );
    assert.deepEqual(a.firstNonFinite, { example: 1, feature: 1, value: Infinity });
    assert.equal(a.numNonFinite, 4);
    assert.deepEqual([a.min, a.max, a.mean], [0, 4, 10 / 5]);
    assert.equal(a.isBinary, false);
  });

  test('calls 0/1 data binary and anything else, or data with NaN, not', () => {
    assert.equal(
      auditData(
        table([
          [0, 1],
          [1, 1],
        ]),
      ).isBinary,
      true,
    );
    assert.equal(
      auditData(
        table([
          [0, 1],
          [1, 0.5],
        ]),
      ).isBinary,
      false,
    );
    assert.equal(
      auditData(
        table([
          [0, 1],
          [1, NaN],
        ]),
      ).isBinary,
      false,
    );
    assert.equal(
      auditData(
        table([
          [0, 1],
          [1, Math.fround(1 - 2 ** -24)],
        ]),
      ).isBinary,
      false,
      'the float32 just below 1',
    );
    assert.equal(
      auditData(
        table([
          [0, 1],
          [1, 2 ** -149],
        ]),
      ).isBinary,
      false,
      'the smallest float32 above 0',
    );
    const cancelling = table([
      [2, 0.5, 0.5, 0.5, 0.5],
      [0.5, 0.5, 0.5, 0.5, 0],
    ]); // Σ (v − v²) = −2 + 8 · 0.25 = 0
    assert.equal(auditData(cancelling).isBinary, false, 'values outside [0, 1] are never binary');
  });

  test('reports NaN statistics and no constant features for an empty dataset', () => {
    const a = auditData(makeDataset({ x: new Float32Array(0), numExamples: 0, dataDim: 3, source: 'empty' }));
    assert.ok(Number.isNaN(a.min) && Number.isNaN(a.max) && Number.isNaN(a.mean));
    assert.deepEqual([a.numConstantFeatures, a.isBinary], [0, false]);
  });
});

describe('checkLikelihoodFit', () => {
  const pixels = table(
    [
      [0, 128, 255],
      [3, 0, 9],
    ],
    'train-images-idx3-ubyte',
  );

  test('rejects Bernoulli on 0..255 pixels, saying values must be in [0, 1], the max found, the source and the fix', () => {
    assertDataError(
      () => checkLikelihoodFit(auditData(pixels), 'bernoulli'),
      /the Bernoulli likelihood needs values in \[0, 1\]; found max 255 in train-images-idx3-ubyte/,
      /divide pixels by 255, or use model\.likelihood\.kind 'gaussian'/,
    );
    // The command line names the setting by its flag.
    assert.throws(
      () => checkLikelihoodFit(auditData(pixels), 'bernoulli'),
      (e: unknown) => /divide pixels by 255, or use --likelihood gaussian/.test((e as DataError).describe(flagNamer)),
    );
  });

  test('names a negative minimum for Bernoulli data', () => {
    assertDataError(() => checkLikelihoodFit(auditData(table([[-0.5, 0.5]])), 'bernoulli'), /found min -0.5 in table\.csv/);
  });

  test('accepts Gaussian on the same pixels and Bernoulli on [0, 1] data', () => {
    checkLikelihoodFit(auditData(pixels), 'gaussian');
    checkLikelihoodFit(
      auditData(
        table([
          [0, 0.3],
          [1, 0.7],
        ]),
      ),
      'bernoulli',
    );
  });

  test('rejects non-finite values under either likelihood, naming the first one and where it is', () => {
    for (const likelihood of ['bernoulli', 'gaussian'] as const) {
      assertDataError(
        () =>
          checkLikelihoodFit(
            auditData(
              table(
                [
                  [0, 0, 0],
                  [0, 0, NaN],
                  [NaN, 0, 0],
                ],
                'x.csv',
              ),
            ),
            likelihood,
          ),
        /^x\.csv: found NaN at example 1, feature 2 \(2 non-finite values in all\); remove or impute/,
      );
    }
  });

  test('rejects an empty dataset', () => {
    const empty = makeDataset({ x: new Float32Array(0), numExamples: 0, dataDim: 2, source: 'nothing.csv' });
    assertDataError(() => checkLikelihoodFit(auditData(empty), 'gaussian'), /nothing\.csv: expected at least one example/);
  });

  test('rejects an unknown likelihood with a ConfigError', () => {
    assert.throws(() => checkLikelihoodFit(auditData(pixels), 'poisson' as AuditLikelihood), ConfigError);
  });
});

describe('auditWarnings', () => {
  test('warns that continuous [0, 1] values are treated as probabilities and suggests dynamic binarisation', () => {
    const w = auditWarnings(
      auditData(
        table([
          [0, 0.3],
          [1, 0.7],
        ]),
      ),
      'bernoulli',
      flagNamer,
    );
    assert.equal(w.length, 1);
    assert.match(w[0], /continuous values in \[0,1\]: the Bernoulli likelihood treats them as probabilities/);
    assert.match(w[0], /--binarize dynamic/);
  });

  test('has nothing to say about binary data with varying features under Bernoulli', () => {
    assert.deepEqual(
      auditWarnings(
        auditData(
          table([
            [0, 1],
            [1, 0],
          ]),
        ),
        'bernoulli',
      ),
      [],
    );
  });

  test('counts constant features', () => {
    const w = auditWarnings(
      auditData(
        table([
          [0, 1, 0.5],
          [0, 0, 0.5],
        ]),
      ),
      'gaussian',
    );
    assert.deepEqual(w, ['table.csv: 2 of 3 features are constant across all 2 examples; they carry no information']);
  });

  test('suggests standardising when a Gaussian likelihood meets a huge range', () => {
    const w = auditWarnings(
      auditData(
        table([
          [0, 255],
          [255, 0],
        ]),
      ),
      'gaussian',
    );
    assert.equal(w.length, 1);
    assert.match(w[0], /values span \[0, 255\].*standardising/);
  });
});
