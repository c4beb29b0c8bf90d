/**
 * The trainer's loss curve (app/src/train/loss-curve.ts): window means recovered from the trainer's
 * running epoch means, checked against the per-step losses they came from; the curve's layout in
 * its box.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isCurvePoint, lossCurveLayout, windowLoss, type PlotBox } from '../../app/src/train/loss-curve.js';
import { assertAllClose } from '../helpers/assert.js';

describe('windowLoss', () => {
  test("recovers each window's mean loss from the running epoch means, the short last batch included", () => {
    const batchSize = 4;
    const numExamples = 14; // steps of 4, 4, 4, 2
    const stepLoss = [10, 8, 7, 3]; // each step's batch-mean loss
    const sizes = [4, 4, 4, 2];
    const running = (step: number) => {
      let s = 0;
      let n = 0;
      for (let i = 0; i < step; i++) [s, n] = [s + stepLoss[i] * sizes[i], n + sizes[i]];
      return s / n;
    };
    // Reports after steps 2 and 4 (logEvery 2): windows {1, 2} and {3, 4}.
    const r2 = { step: 2, loss: running(2) };
    const r4 = { step: 4, loss: running(4) };
    assertAllClose(windowLoss(null, r2, batchSize, numExamples), (10 * 4 + 8 * 4) / 8);
    assertAllClose(windowLoss(r2, r4, batchSize, numExamples), (7 * 4 + 3 * 2) / 6);
  });

  test('gives the running mean itself when the report repeats a step', () => {
    assert.equal(windowLoss({ step: 3, loss: 5 }, { step: 3, loss: 5 }, 10, 100), 5);
  });
});

describe('lossCurveLayout', () => {
  const box: PlotBox = { width: 200, height: 100, pad: 10 };

  test('maps x from 0 to the planned epochs across the box, and y over nice ticks with larger losses higher', () => {
    const c = lossCurveLayout(
      [
        [0.5, 180],
        [1, 150],
      ],
      [[1, 160]],
      4,
      box,
    );
    assert.deepEqual(c.xDomain, [0, 4]);
    assert.deepEqual(c.y!.domain, [150, 180]);
    // x: 10 + v / 4 · 180; y: 90 − (v − 150) / 30 · 80
    assert.equal(c.trainPath, 'M32.5,10L55,90');
    assertAllClose(c.testPoints.flat(), [55, 90 - 80 / 3]);
    assert.deepEqual(
      c.y!.ticks.map((t) => t.value),
      [150, 160, 170, 180],
    );
    assertAllClose(
      c.y!.ticks.map((t) => t.at),
      [90, 90 - 80 / 3, 90 - 160 / 3, 10],
    );
  });

  test('extends x past the planned epochs when a point lies beyond them, and leaves non-finite losses out', () => {
    const c = lossCurveLayout(
      [
        [1, 5],
        [2, NaN],
        [6, 3],
      ],
      [[3, Infinity]],
      4,
      box,
    );
    assert.deepEqual(c.xDomain, [0, 6]);
    assert.equal(c.testPoints.length, 0);
    assert.equal((c.trainPath.match(/M/g) ?? []).length, 2, `expected a gap at the NaN: ${c.trainPath}`);
  });

  test('has no path and no y axis without data', () => {
    assert.deepEqual(lossCurveLayout([], [], 5, box), { trainPath: '', testPoints: [], y: null, xDomain: [0, 5] });
  });
});

describe('isCurvePoint', () => {
  /** The steps of one epoch that become points, reports after every step. */
  const points = (stepsPerEpoch: number, perEpoch: number) => {
    const out: number[] = [];
    for (let step = 1; step <= stepsPerEpoch; step++) if (isCurvePoint(step, out.at(-1) ?? 0, stepsPerEpoch, perEpoch)) out.push(step);
    return out;
  };

  test("spaces about the asked number of points evenly, the epoch's last step always one", () => {
    assert.deepEqual(points(10, 5), [2, 4, 6, 8, 10]);
    assert.deepEqual(points(11, 5), [3, 6, 9, 11]);
    assert.deepEqual(points(469, 25).length, 25);
    assert.deepEqual(points(3, 25), [1, 2, 3]);
  });
});
