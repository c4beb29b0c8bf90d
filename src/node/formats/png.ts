/**
 * PNG encoding and decoding of `RasterImage`s with pngjs.
 * Node-only (Buffer, node:fs).
 */
import { PNG, type ColorType } from 'pngjs';
import { DataError, ShapeError } from '../../errors.js';
import type { RasterImage } from '../../render/grid.js';
import { writeFileAtomic } from './atomic.js';

/** PNG colour type for each channel count: 0 gray, 2 RGB, 6 RGBA (PNG spec, IHDR). */
const COLOR_TYPE: Record<RasterImage['channels'], ColorType> = { 1: 0, 3: 2, 4: 6 };

/**
 * Encodes an 8-bit raster as a PNG, keeping its channel count (gray → colour type 0,
 * RGB → 2, RGBA → 6), so decoding gives back the same pixels.
 * @param img - raster [height, width, channels] row-major, channels 1, 3 or 4
 * @returns the PNG file's bytes
 * @throws ShapeError when width or height is not a positive integer, channels is not 1, 3
 *   or 4, or data does not hold width·height·channels bytes
 */
export function encodePng(img: RasterImage): Buffer {
  const { width, height, channels, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ShapeError(`encodePng: expected positive integer width and height, got ${width}×${height}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new ShapeError(`encodePng: expected channels 1, 3 or 4, got ${channels}`);
  }
  const expected = width * height * channels;
  if (data.length !== expected) {
    throw new ShapeError(`encodePng: expected ${width}·${height}·${channels} = ${expected} bytes of data, got ${data.length}`);
  }
  const colorType = COLOR_TYPE[channels];
  const png = new PNG();
  png.width = width;
  png.height = height;
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength); // a view, not a copy
  return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: channels === 4 });
}

/**
 * Decodes a PNG file into an 8-bit raster. Gray files give 1 channel, RGB and palette files
 * 3, and files with any transparency (alpha channel or tRNS chunk) 4 (RGBA; gray+alpha is
 * expanded to RGBA). 16-bit files are rescaled to 8 bits.
 * @param buf - the PNG file's bytes
 * @returns raster [height, width, channels] row-major
 * @throws DataError when the bytes are not a readable PNG (the pngjs error is the cause)
 */
export function decodePng(buf: Uint8Array): RasterImage {
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DataError(`decodePng: expected a valid PNG file, got ${buf.byteLength} bytes that fail to decode (${reason})`, { cause });
  }
  const { width, height } = png;
  const rgba = png.data; // [height, width, 4], 8-bit
  const channels: RasterImage['channels'] = png.alpha ? 4 : png.color ? 3 : 1;
  if (channels === 4) return { width, height, channels, data: new Uint8Array(rgba) };
  const numPixels = width * height;
  const data = new Uint8Array(numPixels * channels); // [height, width, channels]
  for (let p = 0; p < numPixels; p++) {
    for (let k = 0; k < channels; k++) data[p * channels + k] = rgba[p * 4 + k];
  }
  return { width, height, channels, data };
}

/**
 * Encodes a raster as PNG and writes it to `path` atomically (temporary file + rename).
 * @param path - destination `.png` file; its folder must exist
 * @param img - raster [height, width, channels], channels 1, 3 or 4
 * @throws ShapeError when the raster is malformed (see `encodePng`)
 * @throws VaeError when the file cannot be written
 */
export async function writePngFile(path: string, img: RasterImage): Promise<void> {
  await writeFileAtomic(path, encodePng(img));
}
