/**
 * A table run's decoded row in raw units, columns named: the model works on z-scored columns
 * (after the division by `scale`); raw = (z · std + mean) · scale. A categorical column's one-hot
 * features ('name=category') become one cell holding the most probable category.
 */
import { rawUnits, type TableColumn, type ZScoreStats } from 'vaekit';

/** One cell of a decoded row: a column's name and its value as text. */
export interface TableCell {
  name: string;
  value: string;
}

/**
 * Raw-unit values of one model-unit row, raw_j = (z_j · std_j + mean_j) · scale: vaekit's
 * `rawUnits`, the conversion the CLI's CSV files use.
 * @param row - [D] in model units
 * @param standardization - the run's z-score transform, mean and std [D] (null: none)
 * @param scale - raw values were divided by this before standardisation, > 0
 * @returns [D] raw values, float64
 * @throws ShapeError when the row's length is not D; DataError for a scale that is not finite and > 0
 */
export function toRawUnits(row: ArrayLike<number>, standardization: ZScoreStats | null, scale: number): Float64Array {
  return rawUnits(row, standardization, scale);
}

/** A number with 4 significant digits, no exponent for ordinary magnitudes. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(3);
  return Number(v.toPrecision(4)).toString();
}

/**
 * The cells of a decoded row, in column order; a categorical column's one-hot group (columns named
 * 'name=category', consecutive) shows its most probable category.
 * @param raw - [D] raw values (probabilities for one-hot features)
 * @param columns - the D feature names
 * @param layout - the table's layout when it has categorical columns, else null
 */
export function tableCells(raw: ArrayLike<number>, columns: readonly string[], layout: readonly TableColumn[] | null): TableCell[] {
  if (!layout) return columns.map((name, j) => ({ name, value: formatValue(raw[j]) }));
  const cells: TableCell[] = [];
  let j = 0;
  for (const col of layout) {
    if (col.kind === 'numeric') {
      cells.push({ name: col.name, value: formatValue(raw[j]) });
      j += 1;
    } else {
      let best = 0;
      for (let k = 1; k < col.categories.length; k++) if (raw[j + k] > raw[j + best]) best = k;
      cells.push({ name: col.name, value: col.categories[best] });
      j += col.categories.length;
    }
  }
  return cells;
}
