/**
 * Where the page's data comes from, the parts that need a browser: MNIST's IDX files fetched from the
 * site, files dropped on the page or picked (folders walked with `webkitGetAsEntry`), PNG images
 * decoded with createImageBitmap and a canvas. What they give is assembled by the pure
 * mnist-data.ts, png-data.ts and csv-data.ts.
 */
import { DataError, decodeIdx } from 'vaekit';
import { MNIST_FILES } from './defaults.js';
import type { MnistArrays } from './mnist-data.js';
import { isPngPath, type DecodedImage } from './png-data.js';

/** A file with its path in what was dropped or picked ('shapes/circle/1.png'). */
export interface PathFile {
  path: string;
  file: File;
}

/** The bytes at a URL, gunzipped when they start with gzip's 0x1f 0x8b; null for a 404. @throws DataError for another failure */
async function fetchBytes(url: URL): Promise<Uint8Array | null> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (cause) {
    throw new DataError(`${url.href}: cannot fetch (${(cause as Error).message})`, { cause });
  }
  if (res.status === 404) return null;
  if (!res.ok) throw new DataError(`${url.href}: expected the file, got HTTP ${res.status} ${res.statusText}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Fetches and decodes MNIST's four IDX files (each plain, or as `<name>.gz`) from a folder of the site.
 * @param folder - the folder relative to the site's root (site.json's `datasets.mnist`), e.g. 'data/mnist'
 * @param siteUrl - the site root's absolute URL, ending with '/'
 * @throws DataError naming the file: missing, not fetched, not IDX
 */
export async function fetchMnist(folder: string, siteUrl: string): Promise<MnistArrays> {
  const base = new URL(folder.endsWith('/') ? folder : `${folder}/`, siteUrl);
  const entries = await Promise.all(
    Object.entries(MNIST_FILES).map(async ([key, name]) => {
      const url = new URL(name, base);
      const bytes = (await fetchBytes(url)) ?? (await fetchBytes(new URL(`${name}.gz`, base)));
      if (!bytes) throw new DataError(`${url.href}: not found (nor ${name}.gz); the site's MNIST folder should hold ${Object.values(MNIST_FILES).join(', ')}`);
      return [key, decodeIdx(bytes, url.href)] as const;
    }),
  );
  return Object.fromEntries(entries) as MnistArrays;
}

/** Every file under an entry, with its path (the entry's fullPath without the leading '/'). */
async function walk(entry: FileSystemEntry): Promise<PathFile[]> {
  if (entry.isFile) {
    const file = await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail));
    return [{ path: entry.fullPath.replace(/^\/+/, ''), file }];
  }
  if (!entry.isDirectory) return [];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  // readEntries gives a folder's entries in batches (100 in Chromium) until an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  return (await Promise.all(children.map(walk))).flat();
}

/**
 * The files of a drop: folders walked (their files keep the folder's name as the first part of their
 * path), or the plain files where the browser gives no entries. Call it inside the drop handler: the
 * DataTransfer's items are read before its first `await`.
 */
export function droppedFiles(dt: DataTransfer): Promise<PathFile[]> {
  const entries = Array.from(dt.items, (item) => (item.kind === 'file' ? item.webkitGetAsEntry() : null)).filter((e): e is FileSystemEntry => e !== null);
  if (entries.length === 0) return Promise.resolve(Array.from(dt.files, (file) => ({ path: file.name, file })));
  return Promise.all(entries.map(walk)).then((lists) => lists.flat());
}

/** Picked files (an `<input type=file webkitdirectory>` gives each its path in the folder). */
export function pickedFiles(list: FileList): PathFile[] {
  return Array.from(list, (file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** What a drop or a pick holds: one CSV file, or PNG images (other files ignored). @throws DataError when neither */
export function classifyFiles(files: readonly PathFile[]): { kind: 'csv'; file: PathFile } | { kind: 'files'; files: PathFile[] } {
  const csv = files.filter((f) => /\.csv$/i.test(f.path));
  const pngs = files.filter((f) => isPngPath(f.path));
  if (csv.length === 1 && pngs.length === 0) return { kind: 'csv', file: csv[0] };
  if (pngs.length > 0 && csv.length === 0) return { kind: 'files', files: pngs };
  const got = files.length === 0 ? 'nothing' : files.length === 1 ? files[0].path : `${files.length} files (${pngs.length} PNG, ${csv.length} CSV)`;
  throw new DataError(`expected a folder of PNG images or one CSV file, got ${got}`);
}

/** A 2-D context of a canvas of this size: an OffscreenCanvas where there is one. */
function canvas2d(width: number, height: number): OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D {
  const canvas =
    typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
  if (!ctx) throw new Error('no 2-D canvas context in this browser');
  return ctx;
}

/**
 * Decodes PNG images, each drawn at the size of the first (by path; bilinear-ish, the browser's
 * high-quality smoothing) and read back as RGBA.
 * @param onProgress - called after each image with the count decoded
 * @throws DataError naming a file that is not a readable image
 */
export async function decodePngFiles(files: readonly PathFile[], onProgress?: (done: number, total: number) => void): Promise<DecodedImage[]> {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const out: DecodedImage[] = [];
  let size: { width: number; height: number } | null = null;
  let ctx: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null = null;
  for (const { path, file } of sorted) {
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    } catch (cause) {
      throw new DataError(`${path}: not a readable PNG file`, { cause });
    }
    size ??= { width: bitmap.width, height: bitmap.height };
    ctx ??= canvas2d(size.width, size.height);
    ctx.imageSmoothingQuality = 'high';
    ctx.clearRect(0, 0, size.width, size.height); // transparent, so an image's alpha is its own
    ctx.drawImage(bitmap, 0, 0, size.width, size.height);
    bitmap.close();
    out.push({ path, ...size, rgba: ctx.getImageData(0, 0, size.width, size.height).data });
    onProgress?.(out.length, sorted.length);
  }
  return out;
}
