/**
 * The pure parts of the trainer's live loss curve: the mean loss of the steps between two progress
 * reports, and the curve laid out in a box (with the explorer's scales and paths, app/src/pure/plot.ts).
 * SVG's y grows downwards, so larger losses are drawn higher.
 */
import { extent, linearScale, linePath, niceDomain, niceTicks } from '../pure/plot.js';

/** A plot's size in SVG user units and the margin kept free on each side. */
export interface PlotBox {
  width: number;
  height: number;
  /** Units between the box's edge and the plotting area. */
  pad: number;
}

/** A point of the loss curve: x in epochs (fractional during an epoch), y a loss in nats per example. */
export type CurvePoint = readonly [x: number, y: number];

/** The loss curve laid out: paths and points in SVG units, and the axes' ranges and ticks. */
export interface LossCurveLayout {
  /** SVG path data of the training curve ('' without a finite point). */
  trainPath: string;
  /** The test losses' positions, one per epoch that has one. */
  testPoints: Array<[number, number]>;
  /** The y axis (nats per example): its range, widened to nice ticks, and its ticks with their y positions; null without data. */
  y: { domain: [number, number]; ticks: Array<{ value: number; at: number }> } | null;
  /** The x axis' range in epochs: [0, max(epochs, the last x)]. */
  xDomain: [number, number];
}

/**
 * Lays out the loss curve: x from 0 to the planned epochs (or the last point, if later), y over the
 * finite losses of both series widened to nice ticks; non-finite points are left out (a gap in the line).
 * @param train - the training losses over windows of steps, in order
 * @param test - the test loss after each epoch (x = the epoch)
 * @param epochs - the planned number of epochs, ≥ 1
 */
export function lossCurveLayout(train: readonly CurvePoint[], test: readonly CurvePoint[], epochs: number, box: PlotBox): LossCurveLayout {
  const lastX = extent([...train, ...test].map((p) => p[0]))?.[1] ?? 0;
  const xDomain: [number, number] = [0, Math.max(epochs, lastX, 1)];
  const range = extent([...train, ...test].filter((p) => Number.isFinite(p[0])).map((p) => p[1]));
  if (!range) return { trainPath: '', testPoints: [], y: null, xDomain };
  const domain = niceDomain(range[0], range[1], 4);
  const sx = linearScale(xDomain, [box.pad, box.width - box.pad]);
  const sy = linearScale(domain, [box.height - box.pad, box.pad]);
  const finite = (p: CurvePoint) => Number.isFinite(p[0]) && Number.isFinite(p[1]);
  return {
    trainPath: linePath(train, sx, sy),
    testPoints: test.filter(finite).map((p) => [sx(p[0]), sy(p[1])]),
    y: { domain, ticks: niceTicks(domain[0], domain[1], 4).map((value) => ({ value, at: sy(value) })) },
    xDomain,
  };
}

/**
 * Whether a progress report makes a point of the curve: about `pointsPerEpoch` points per epoch,
 * evenly spaced in steps, and the epoch's last step always.
 * @param step - the report's step in its epoch (1-based); lastStep - that of the epoch's last point (0 before the first)
 */
export function isCurvePoint(step: number, lastStep: number, stepsPerEpoch: number, pointsPerEpoch: number): boolean {
  return step === stepsPerEpoch || step - lastStep >= Math.max(1, Math.ceil(stepsPerEpoch / pointsPerEpoch));
}

/**
 * The mean loss of the steps between two progress reports of one epoch, from the trainer's running
 * epoch means (`StepInfo.loss`: the mean over the epoch's examples so far).
 *   window = (L₁·n₁ − L₀·n₀) / (n₁ − n₀),  n = examples seen = min(step · B, N)
 * @param prev - the previous report of the same epoch, or null at the epoch's first
 * @param cur - this report
 * @param batchSize - B; numExamples - N, the training set's size (the last batch may be short)
 * @returns nats per example, over the window's examples
 */
export function windowLoss(prev: { step: number; loss: number } | null, cur: { step: number; loss: number }, batchSize: number, numExamples: number): number {
  if (!prev) return cur.loss;
  const seen = (step: number) => Math.min(step * batchSize, numExamples);
  const n0 = seen(prev.step);
  const n1 = seen(cur.step);
  return n1 > n0 ? (cur.loss * n1 - prev.loss * n0) / (n1 - n0) : cur.loss;
}
