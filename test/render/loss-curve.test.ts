import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DataError } from '../../src/errors.js';
import { LOSS_CURVE_FILE, renderSpecToSvg, writeLossCurve } from '../../src/node/formats/plot.js';
import { lossCurveSpec, type LossCurveRow } from '../../src/render/loss-curve.js';

const ROWS: LossCurveRow[] = [
  { epoch: 1, trainLoss: 210.5, valLoss: 190.25, testLoss: null },
  { epoch: 2, trainLoss: 150.125, valLoss: 140.5 },
  { epoch: 3, trainLoss: 120.75, valLoss: 118.0, testLoss: 117.5 },
];

interface Spec {
  data: { values: Array<{ epoch: number; series: string; loss: number }> };
  encoding: {
    x: { field: string };
    y: { field: string; title: string; scale: { zero: boolean } };
    color: { field: string; scale: { domain: string[] } };
  };
  mark: { type: string; point: boolean };
}

describe('lossCurveSpec', () => {
  it('folds the rows to one record per (epoch, series) with a value, skipping null and absent losses', () => {
    const spec = lossCurveSpec(ROWS) as unknown as Spec;
    assert.deepEqual(spec.data.values, [
      { epoch: 1, series: 'train', loss: 210.5 },
      { epoch: 1, series: 'validation', loss: 190.25 },
      { epoch: 2, series: 'train', loss: 150.125 },
      { epoch: 2, series: 'validation', loss: 140.5 },
      { epoch: 3, series: 'train', loss: 120.75 },
      { epoch: 3, series: 'validation', loss: 118.0 },
      { epoch: 3, series: 'test', loss: 117.5 },
    ]);
  });

  it('plots loss against epoch as lines with points, y scale not forced to zero, colour by series', () => {
    const spec = lossCurveSpec(ROWS) as unknown as Spec;
    assert.deepEqual(spec.mark, { type: 'line', point: true });
    assert.equal(spec.encoding.x.field, 'epoch');
    assert.equal(spec.encoding.y.field, 'loss');
    assert.equal(spec.encoding.y.title, '−ELBO (nats per example)');
    assert.equal(spec.encoding.y.scale.zero, false);
    assert.equal(spec.encoding.color.field, 'series');
    assert.deepEqual(spec.encoding.color.scale.domain, ['train', 'validation', 'test']);
  });

  it('leaves series without any value out of the legend', () => {
    const spec = lossCurveSpec([
      { epoch: 1, trainLoss: 3 },
      { epoch: 2, trainLoss: 2, testLoss: null },
    ]) as unknown as Spec;
    assert.deepEqual(spec.encoding.color.scale.domain, ['train']);
  });

  it('throws DataError naming the row and field of a non-finite loss', () => {
    assert.throws(
      () =>
        lossCurveSpec([
          { epoch: 1, trainLoss: 1 },
          { epoch: 2, trainLoss: 1, valLoss: Number.NaN },
        ]),
      (e: unknown) => {
        assert.ok(e instanceof DataError);
        assert.equal(e.message, 'lossCurveSpec: expected rows[1].valLoss to be a finite number or null, got NaN');
        return true;
      },
    );
    assert.throws(() => lossCurveSpec([{ epoch: Number.POSITIVE_INFINITY, trainLoss: 1 }]), /rows\[0\]\.epoch/);
  });
});

describe('renderSpecToSvg / writeLossCurve', () => {
  it('renders a 3-epoch loss curve to SVG with the series names within a few seconds', async () => {
    const start = performance.now();
    const svg = await renderSpecToSvg(lossCurveSpec(ROWS, { title: 'MNIST VAE' }));
    const seconds = (performance.now() - start) / 1000;
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\s*$/);
    for (const text of ['train', 'validation', 'test', 'MNIST VAE', 'epoch', '−ELBO (nats per example)']) {
      assert.ok(svg.includes(`>${text}<`), `SVG lacks the text ${text}`);
    }
    assert.ok(seconds < 5, `rendering took ${seconds.toFixed(2)} s`);
  });

  it('writes loss-curve.svg atomically, leaving only that file in the folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vaekit-plot-'));
    try {
      const path = join(dir, LOSS_CURVE_FILE);
      await writeLossCurve(path, ROWS);
      assert.deepEqual(await readdir(dir), ['loss-curve.svg']);
      assert.match(await readFile(path, 'utf8'), /^<svg/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('throws a VaeError with the vega error as cause for an invalid spec', async () => {
    await assert.rejects(renderSpecToSvg({ mark: 'nonsense' } as never), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, /^renderSpecToSvg: expected a renderable Vega-Lite spec, got an error/);
      assert.ok(e.cause !== undefined);
      return true;
    });
  });
});
