/**
 * Where to draw example thumbnails on the map without overlap: the canvas is cut into square cells of
 * `cellSize` pixels; each example falls in the cell under its point; each cell holds at most one
 * thumbnail, the example nearest the cell's centre (the lowest index on a tie), drawn filling the
 * cell less a gap. Cells are disjoint, so thumbnails never overlap; each lies within one cell of its point.
 */

/** One thumbnail: the example and the square it is drawn in (CSS pixels, top-left corner and side). */
export interface ThumbnailPlacement {
  index: number;
  x: number;
  y: number;
  size: number;
}

/**
 * Places thumbnails.
 * @param pixels - each example's point on the canvas [N, 2], CSS pixels (y down); points off the
 *   canvas or not finite get none
 * @param width - canvas width in CSS pixels; height likewise
 * @param cellSize - side of a cell in CSS pixels, > 0
 * @param gap - pixels left empty between neighbouring thumbnails, in [0, cellSize); default 1
 * @returns one placement per occupied cell, in row-major cell order
 */
export function layoutThumbnails(pixels: ArrayLike<number>, width: number, height: number, cellSize: number, gap = 1): ThumbnailPlacement[] {
  if (!(cellSize > 0) || !(gap >= 0 && gap < cellSize))
    throw new Error(`layoutThumbnails: expected cellSize > 0 and 0 ≤ gap < cellSize, got ${cellSize} and ${gap}`);
  const cols = Math.floor(width / cellSize);
  const rows = Math.floor(height / cellSize);
  const best = new Int32Array(cols * rows).fill(-1); // [rows, cols]: the example chosen for each cell
  const bestD2 = new Float64Array(cols * rows).fill(Infinity);
  for (let i = 0; 2 * i + 1 < pixels.length; i++) {
    const px = pixels[2 * i];
    const py = pixels[2 * i + 1];
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    const col = Math.floor(px / cellSize);
    const row = Math.floor(py / cellSize);
    if (col < 0 || row < 0 || col >= cols || row >= rows) continue;
    const cell = row * cols + col;
    const dx = px - (col + 0.5) * cellSize;
    const dy = py - (row + 0.5) * cellSize;
    const d2 = dx * dx + dy * dy;
    if (d2 < bestD2[cell]) {
      bestD2[cell] = d2;
      best[cell] = i;
    }
  }
  const out: ThumbnailPlacement[] = [];
  for (let cell = 0; cell < best.length; cell++) {
    if (best[cell] < 0) continue;
    const col = cell % cols;
    const row = (cell - col) / cols;
    out.push({ index: best[cell], x: col * cellSize + gap / 2, y: row * cellSize + gap / 2, size: cellSize - gap });
  }
  return out;
}
