/**
 * A CSV file as the page trains on it, as Node reads a table (src/node/formats/csv.ts and
 * src/node/datasets/data-source.ts): csv-parse's records (RFC 4180 quoting, a leading BOM, blank
 * lines skipped, cells trimmed), vaekit's `numericTable` (a header row, every numeric column a
 * feature, text columns left out), a seeded 20 % test split ({@link TEST_SPLIT}), and each column
 * z-scored with the training split's mean and standard deviation (`Standardizer`).
 */
import { csvRecords, numericTable, splitTrainTest, Standardizer, type NumericTable } from 'vaekit';
import { numTestOf, PAGE_SCALE, TEST_SPLIT } from './defaults.js';
import type { PageData } from './page-data.js';

/**
 * The table of a CSV text: train and test splits [N, D], z-scored per column with the training split's statistics.
 * @param text - the file's text: a header row of column names, then one row per example
 * @param source - the file's name, for messages and provenance
 * @throws DataError for text that is not CSV, or anything `numericTable` rejects (no header, a ragged
 *   row, an empty or non-numeric cell: naming the line and the column), or a table without a numeric column
 */
export function csvData(text: string, source: string): PageData {
  const table: NumericTable = numericTable(csvRecords(text, source), { source });
  const raw = table.data;
  const split = splitTrainTest(raw, numTestOf(raw.numExamples), TEST_SPLIT.seed);
  const standardizer = Standardizer.fit(split.train);
  const skipped = table.skippedColumns.length ? `; text columns left out: ${table.skippedColumns.join(', ')}` : '';
  return {
    name: source,
    kind: 'table',
    train: standardizer.apply(split.train),
    test: standardizer.apply(split.test),
    scale: PAGE_SCALE.table,
    standardizer,
    classNames: null,
    description:
      `${source}: ${split.train.numExamples} training and ${split.test.numExamples} test rows of ${raw.dataDim} columns (${(raw.columns ?? []).join(', ')})` +
      `${skipped}; each standardised with the training rows' mean and std`,
  };
}
