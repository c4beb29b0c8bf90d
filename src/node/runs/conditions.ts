/**
 * The condition c of a conditional VAE run (src/node/runs/config.ts, `data.condition`):
 *   label    c = one-hot(y) [C], C = the number of classes
 *   columns  c = the z-scores of named table columns [C], standardised with the training split's
 *            statistics (recorded in the run), read from the table beside the features and then
 *            taken out of them
 * Here: loading a table with its condition columns split off, fixing the condition when a run
 * starts, its description saved with the model, and the conditions a command asks for (a class, or
 * column values in raw units).
 */
import { makeDataset, type Dataset } from '../../data/dataset.js';
import { modelUnits, Standardizer } from '../../data/standardize.js';
import { ConfigError, DataError, setting } from '../../errors.js';
import type { ConditionDescription } from '../../models/description.js';
import type { LoadedData } from '../datasets/data-source.js';
import type { RunCondition, RunDataConfig } from './config.js';

type ColumnsCondition = Extract<RunCondition, { kind: 'columns' }>;

/** The columns to read from a table with condition columns: the features (null: the default choice) and the condition columns. */
export function columnsToLoad(data: RunDataConfig, cond: ColumnsCondition): string[] | null {
  return data.columns ? [...data.columns, ...cond.columns] : null;
}

/** The run's recorded feature and condition transforms as one over the columns read (null before the run starts). */
export function joinedStandardizer(data: RunDataConfig, cond: ColumnsCondition): Standardizer | null {
  if (!data.standardization || !cond.standardization) return null;
  const f = Standardizer.fromJSON(data.standardization);
  const c = Standardizer.fromJSON(cond.standardization);
  const columns = f.columns && c.columns ? [...f.columns, ...c.columns] : undefined;
  return new Standardizer([...f.mean, ...c.mean], [...f.std, ...c.std], { columns, numExamples: f.numExamples });
}

/** The examples of `ds` with the columns `names` moved from the features x into the conditions. */
function moveToConditions(ds: Dataset, featureIndex: number[], conditionIndex: number[], columns: string[]): Dataset {
  const n = ds.numExamples;
  const d = ds.dataDim;
  const x = new Float32Array(n * featureIndex.length); // [N, D]
  const c = new Float32Array(n * conditionIndex.length); // [N, C]
  for (let i = 0; i < n; i++) {
    featureIndex.forEach((j, k) => (x[i * featureIndex.length + k] = ds.x[i * d + j]));
    conditionIndex.forEach((j, k) => (c[i * conditionIndex.length + k] = ds.x[i * d + j]));
  }
  return makeDataset({
    x,
    numExamples: n,
    dataDim: featureIndex.length,
    exampleShape: [featureIndex.length],
    labels: ds.labels,
    columns,
    conditions: c,
    conditionDim: conditionIndex.length,
    source: ds.source,
  });
}

/**
 * A loaded table (features and condition columns, standardised together) as features with
 * conditions: every split's condition columns moved into `conditions`, and the transform split in
 * two, the features' and the condition's.
 * @returns the data with the features' standardizer, and the condition columns' transform
 * @throws DataError naming `data.condition.columns` when a condition column is not among the columns read
 */
export function splitConditionColumns(loaded: LoadedData, cond: ColumnsCondition): { loaded: LoadedData; conditionStandardizer: Standardizer } {
  const all = loaded.train.columns ?? [];
  const conditionIndex = cond.columns.map((name) => {
    const j = all.indexOf(name);
    if (j < 0) {
      throw new DataError(
        `${setting('data.condition.columns', cond.columns.join(','))}: ${loaded.name} has no numeric column '${name}'; its columns are ${all.join(', ')}`,
      );
    }
    return j;
  });
  const featureIndex = all.map((_, j) => j).filter((j) => !conditionIndex.includes(j));
  if (featureIndex.length === 0) {
    throw new DataError(`${setting('data.condition.columns', cond.columns.join(','))}: no feature column of ${loaded.name} is left to model`);
  }
  const features = featureIndex.map((j) => all[j]);
  const split = (ds: Dataset) => moveToConditions(ds, featureIndex, conditionIndex, features);
  const st = loaded.standardizer!;
  const part = (index: number[]) =>
    new Standardizer(
      index.map((j) => st.mean[j]),
      index.map((j) => st.std[j]),
      { columns: index.map((j) => all[j]), numExamples: st.numExamples },
    );
  return {
    loaded: {
      ...loaded,
      train: split(loaded.train),
      test: split(loaded.test),
      ...(loaded.all ? { all: split(loaded.all) } : {}),
      standardizer: part(featureIndex),
    },
    conditionStandardizer: part(conditionIndex),
  };
}

/**
 * The run's condition fixed from its data when the run starts: a label condition's number of
 * classes (1 + the largest label of the train and test splits, unless given), a columns condition's
 * transform. Every label is checked to lie in [0, C).
 * @throws DataError when a label condition meets unlabelled data, or a label outside the classes
 */
export function fixCondition(condition: RunCondition | undefined, loaded: LoadedData, conditionStandardizer: Standardizer | null): RunCondition | undefined {
  if (!condition) return undefined;
  if (condition.kind === 'columns') return { ...condition, standardization: conditionStandardizer!.toJSON() };
  const splits = [loaded.train, loaded.test];
  if (!splits.every((s) => s.labels)) {
    throw new DataError(
      `${setting('data.condition.kind', 'label')}: ${loaded.name} has no class labels to condition on (a table names its label column with ${setting('data.labelColumn')})`,
    );
  }
  let max = -1;
  for (const s of splits) for (const y of s.labels!) max = Math.max(max, y);
  const numClasses = condition.numClasses ?? Math.max(2, max + 1);
  for (const s of splits) {
    const i = s.labels!.findIndex((y) => !(y >= 0 && y < numClasses));
    if (i >= 0) {
      throw new DataError(
        `${setting('data.condition.kind', 'label')}: expected class labels in [0, ${numClasses - 1}] (${setting('data.condition.numClasses', numClasses)}), got ${s.labels![i]} at example ${i} of ${s.source}`,
      );
    }
  }
  return { kind: 'label', numClasses };
}

/** What the condition means, saved in the model's description. */
export function describeCondition(condition: RunCondition | undefined, labelColumn: string | null): ConditionDescription | undefined {
  if (!condition) return undefined;
  if (condition.kind === 'columns') return { kind: 'columns', columns: [...condition.columns], standardization: condition.standardization! };
  const numClasses = condition.numClasses!;
  return {
    kind: 'label',
    numClasses,
    classNames: Array.from({ length: numClasses }, (_, k) => String(k)),
    ...(labelColumn ? { labelColumn } : {}),
  };
}

/** The condition a saved model's description records, as a run's (a bare model folder). */
export function conditionOfDescription(d: ConditionDescription | undefined): RunCondition | undefined {
  if (!d) return undefined;
  return d.kind === 'label' ? { kind: 'label', numClasses: d.numClasses } : { kind: 'columns', columns: [...d.columns], standardization: d.standardization };
}

/** The condition in words: 'the class label (10 classes)' or 'the columns age, sex'. */
export function conditionText(condition: RunCondition | undefined): string {
  if (!condition) return 'none';
  return condition.kind === 'label'
    ? `the class label one-hot (${condition.numClasses} classes)`
    : `the table columns ${condition.columns.join(', ')} (standardised)`;
}

/** A condition a command asks for: a class (label runs), or column values in raw units (columns runs). */
export type ConditionValue = number | Readonly<Record<string, number>>;

/**
 * c [C] for a condition asked for: one-hot(k) for class k, or the column values given in raw units
 * (every condition column, no other) in model units, as the loader made them in training:
 *   c_j = (raw_j / scale − mean_j) / std_j   (modelUnits in src/data/standardize.ts)
 * @param scale - the run's `data.scale` (> 0), which divided the condition columns too; default 1
 * @throws ConfigError naming `condition` for a run without a condition, a class outside [0, C), or
 *   missing, unknown or non-finite column values
 */
export function conditionVector(condition: RunCondition | undefined, value: ConditionValue, scale = 1): Float32Array {
  const shown =
    typeof value === 'number'
      ? String(value)
      : Object.entries(value)
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
  if (!condition) throw new ConfigError(`${setting('condition', shown)}: the run's VAE is unconditional`);
  if (condition.kind === 'label') {
    const c = condition.numClasses!;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= c) {
      throw new ConfigError(`${setting('condition', shown)}: expected a class in [0, ${c - 1}] (the run conditions on the class label)`);
    }
    const v = new Float32Array(c); // [C]
    v[value] = 1;
    return v;
  }
  const names = condition.columns;
  const form = names.map((n) => `${n}=<value>`).join(',');
  if (typeof value === 'number') throw new ConfigError(`${setting('condition', shown)}: expected ${form} (raw units; the run conditions on columns)`);
  for (const k of Object.keys(value)) {
    if (!names.includes(k)) throw new ConfigError(`${setting('condition', shown)}: '${k}' is not a condition column; expected ${form}`);
  }
  const raw = names.map((n) => {
    const v = value[n];
    if (v === undefined || !Number.isFinite(v)) throw new ConfigError(`${setting('condition', shown)}: expected a finite value for '${n}'; give ${form}`);
    return v;
  }); // [C], raw units
  return Float32Array.from(modelUnits(raw, Standardizer.fromJSON(condition.standardization), scale)); // [C]
}

/** Row `i` of c [N, C] repeated: `rows` copies of one condition [C]. */
export function repeatRows(c: Float32Array, rows: number): Float32Array {
  const out = new Float32Array(rows * c.length); // [rows, C]
  for (let i = 0; i < rows; i++) out.set(c, i * c.length);
  return out;
}

/** The one-hot conditions of a class grid: row k (n copies) is class k, [C·n, C]. */
export function classGridConditions(numClasses: number, n: number): Float32Array {
  const out = new Float32Array(numClasses * n * numClasses); // [C·n, C]
  for (let k = 0; k < numClasses; k++) for (let j = 0; j < n; j++) out[(k * n + j) * numClasses + k] = 1;
  return out;
}

/** Throws unless the run is conditional on the class label. @throws ConfigError naming `flag` */
export function requireLabelCondition(condition: RunCondition | undefined, flag: string): number {
  if (condition?.kind !== 'label') {
    throw new ConfigError(
      `${setting(flag)}: one row per class needs a run conditioned on the class label; this run's condition is ${conditionText(condition)}`,
    );
  }
  return condition.numClasses!;
}
