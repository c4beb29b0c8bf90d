import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { DataError, ShapeError } from '../../src/errors.js';
import { decodePng, encodePng, writePngFile } from '../../src/node/formats/png.js';
import type { RasterImage } from '../../src/render/grid.js';

/** A raster whose bytes run through 0..255 with a stride that is coprime with 256. */
function patterned(width: number, height: number, channels: 1 | 3 | 4): RasterImage {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) % 256;
  return { width, height, channels, data };
}

describe('encodePng / decodePng', () => {
  for (const channels of [1, 3, 4] as const) {
    it(`round-trips a ${channels}-channel image with identical pixels`, () => {
      const img = patterned(7, 5, channels);
      const back = decodePng(encodePng(img));
      assert.equal(back.width, 7);
      assert.equal(back.height, 5);
      assert.equal(back.channels, channels);
      assert.deepEqual(back.data, img.data);
    });
  }

  it('writes gray images as PNG colour type 0 and RGB as colour type 2', () => {
    const gray = PNG.sync.read(encodePng(patterned(3, 2, 1)));
    const rgb = PNG.sync.read(encodePng(patterned(3, 2, 3)));
    assert.equal(gray.colorType, 0);
    assert.equal(rgb.colorType, 2);
  });

  it('reads a gray PNG written by another encoder as one channel', () => {
    // pngjs default input: RGBA, output gray colour type 0
    const png = new PNG({ width: 2, height: 1 });
    png.data = Buffer.from([10, 10, 10, 255, 200, 200, 200, 255]);
    const img = decodePng(PNG.sync.write(png, { colorType: 0 }));
    assert.equal(img.channels, 1);
    assert.deepEqual(Array.from(img.data), [10, 200]);
  });

  it('throws ShapeError when data does not hold width·height·channels bytes', () => {
    assert.throws(
      () => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) }),
      (e: unknown) => {
        assert.ok(e instanceof ShapeError);
        assert.equal(e.message, 'encodePng: expected 2·2·3 = 12 bytes of data, got 11');
        return true;
      },
    );
  });

  it('throws DataError with the decoder error as cause for bytes that are not a PNG', () => {
    assert.throws(
      () => decodePng(Buffer.from('not a png at all')),
      (e: unknown) => {
        assert.ok(e instanceof DataError);
        assert.match(e.message, /^decodePng: expected a valid PNG file, got 16 bytes/);
        assert.ok(e.cause instanceof Error);
        return true;
      },
    );
  });
});

describe('writePngFile', () => {
  it('writes a decodable file and leaves no temporary file behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vaekit-png-'));
    try {
      const img = patterned(4, 3, 3);
      const path = join(dir, 'grid.png');
      await writePngFile(path, img);
      assert.deepEqual(decodePng(await readFile(path)).data, img.data);
      assert.deepEqual(await readdir(dir), ['grid.png']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects when the folder does not exist, leaving nothing behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vaekit-png-'));
    try {
      await assert.rejects(writePngFile(join(dir, 'missing', 'grid.png'), patterned(2, 2, 1)), /cannot write .*missing\/grid\.png: /);
      assert.deepEqual(await readdir(dir), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
