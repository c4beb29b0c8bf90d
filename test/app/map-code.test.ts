/**
 * The drawing pad's code choice (app/src/pure/map-code.ts): the choices, the MAP code's gain in the log
 * joint over the encoder mean, the line that reports it, and nats formatting.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatNats, mapGainNats, mapGainText, padCodeChoices } from '../../app/src/pure/map-code.js';

describe('padCodeChoices', () => {
  test("offers the encoder mean first and the MAP code with its step count, keyed by the library's method names", () => {
    assert.deepEqual(padCodeChoices(100), [
      ['mean', 'encoder mean μ(x)'],
      ['map', 'MAP (100 Adam steps)'],
    ]);
  });
});

describe('mapGainNats', () => {
  test('is J after minus J before, in nats', () => {
    assert.equal(mapGainNats(-120.5, -112.25), 8.25);
    assert.equal(mapGainNats(-80, -80), 0);
  });

  test('is NaN when either log joint is not finite', () => {
    assert.ok(Number.isNaN(mapGainNats(-Infinity, -10)));
    assert.ok(Number.isNaN(mapGainNats(-10, NaN)));
  });
});

describe('mapGainText', () => {
  test('reports the signed gain over the encoder mean with one decimal', () => {
    assert.equal(mapGainText(8.25), 'MAP code: log p(x|z) + log p(z) +8.3 nats over μ(x)');
    assert.equal(mapGainText(0), 'MAP code: log p(x|z) + log p(z) +0.0 nats over μ(x)');
  });

  test('says so when the gain is not finite', () => {
    assert.equal(mapGainText(NaN), 'MAP code: log p(x|z) + log p(z) is not finite');
  });
});

describe('formatNats', () => {
  test('writes one decimal with a true minus sign, and a plus sign only when asked', () => {
    assert.equal(formatNats(-123.44), '−123.4');
    assert.equal(formatNats(2.06), '2.1');
    assert.equal(formatNats(2.06, true), '+2.1');
    assert.equal(formatNats(-2.06, true), '−2.1');
  });

  test('never writes −0.0, and leaves non-finite values as JavaScript writes them', () => {
    assert.equal(formatNats(-0.01), '0.0');
    assert.equal(formatNats(-0.01, true), '+0.0');
    assert.equal(formatNats(-Infinity), '-Infinity');
    assert.equal(formatNats(NaN), 'NaN');
  });
});
