/**
 * Time series as windows (src/data/windows.ts), CSV series (src/node/datasets/series.ts), the births
 * series and its holidays (src/node/datasets/us-births.ts, us-holidays.ts): window cutting, the split
 * by time (no window crosses it, standardisation from the training part only), gaps, duplicate times.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { subset, takeFirst } from '../../src/data/dataset.js';
import { Standardizer } from '../../src/data/standardize.js';
import { cutWindows, stepStandardizer, windowColumns, windowSeries, windowStandardizer, type TimeSeries } from '../../src/data/windows.js';
import { ConfigError, DataError } from '../../src/errors.js';
import { loadDataSource } from '../../src/node/datasets/data-source.js';
import { readCsvSeries } from '../../src/node/datasets/series.js';
import { loadUsBirths } from '../../src/node/datasets/us-births.js';
import { nthWeekday, usFederalHolidays, WEEKDAY_NAMES, weekday } from '../../src/node/datasets/us-holidays.js';
import { assertAllClose } from '../helpers/assert.js';

/** A series of T steps, F = 2 features: step t holds (t, 100 + 10 t), times 't0' … */
function ramp(t: number, breaks: number[] = []): TimeSeries {
  const values = new Float32Array(t * 2);
  for (let i = 0; i < t; i++) [values[2 * i], values[2 * i + 1]] = [i, 100 + 10 * i];
  return { values, numSteps: t, numFeatures: 2, columns: ['a', 'b'], times: Array.from({ length: t }, (_, i) => `t${i}`), breaks, source: 'ramp' };
}

describe('cutWindows', () => {
  test('windows of W steps, stride S, each [W, F] step-major, recording the time of its last step', () => {
    const ds = cutWindows(ramp(10), { window: 3, stride: 2 });
    assert.deepEqual(ds.exampleShape, [3, 2]);
    assert.equal(ds.dataDim, 6);
    assert.deepEqual(Array.from(ds.timeIndex!), [2, 4, 6, 8]);
    assert.deepEqual(ds.timeLabels, ['t2', 't4', 't6', 't8']);
    assert.deepEqual(Array.from(ds.x.subarray(6, 12)), [2, 120, 3, 130, 4, 140], 'window 1 holds steps 2, 3, 4');
    const one = cutWindows(ramp(5), { window: 5 });
    assert.equal(one.numExamples, 1);
    assert.equal(cutWindows(ramp(4), { window: 5 }).numExamples, 0, 'a range shorter than W holds no window');
  });

  test('no window crosses a break, and labels are the last step’s', () => {
    const s = { ...ramp(8, [4]), labels: Int32Array.from([0, 0, 0, 1, 0, 0, 0, 1]) };
    const ds = cutWindows(s, { window: 3 });
    // Windows end at 2, 3 (steps 0–3 hold no break) and 6, 7 (steps 4–7); those ending at 4 and 5 would cross.
    assert.deepEqual(Array.from(ds.timeIndex!), [2, 3, 6, 7]);
    assert.deepEqual(Array.from(ds.labels!), [0, 1, 0, 1]);
  });

  test('subsets, limits and concatenation keep each window’s time', () => {
    const ds = cutWindows(ramp(10), { window: 2 });
    const sub = subset(ds, [4, 1]);
    assert.deepEqual(
      [Array.from(sub.timeIndex!), sub.timeLabels],
      [
        [5, 2],
        ['t5', 't2'],
      ],
    );
    assert.deepEqual(takeFirst(ds, 2).timeLabels, ['t1', 't2']);
  });

  test('a bad window or stride is a ConfigError naming it', () => {
    assert.throws(
      () => cutWindows(ramp(5), { window: 0 }),
      (e: unknown) => e instanceof ConfigError && /^window: expected an integer ≥ 1, got 0/.test(e.message),
    );
    assert.throws(() => cutWindows(ramp(5), { window: 2, stride: 1.5 }), /stride: expected an integer ≥ 1, got 1.5/);
  });
});

describe('windowSeries: the split by time', () => {
  const t = 50; // test part: the last 10 steps, 40..49
  const w = windowSeries(ramp(t), { window: 4, stride: 3 });

  test('the last 20% of the steps are the test part, and no window straddles the split', () => {
    assert.equal(w.trainSteps, 40);
    const trainEnds = Array.from(w.train.timeIndex!);
    const testEnds = Array.from(w.test.timeIndex!);
    assert.ok(
      trainEnds.every((e) => e < 40),
      'every training window ends before step 40',
    );
    assert.ok(trainEnds.every((e) => e - 3 >= 0));
    assert.ok(
      testEnds.every((e) => e - 3 >= 40),
      'every test window starts at step 40 or later',
    );
    assert.deepEqual(trainEnds.slice(0, 3), [3, 6, 9], 'training windows have stride 3');
    assert.deepEqual(testEnds, [43, 44, 45, 46, 47, 48, 49], 'test windows have stride 1');
    assert.deepEqual(
      Array.from(w.all.timeIndex!),
      Array.from({ length: t - 3 }, (_, i) => i + 3),
      'all: every step from the W-th',
    );
  });

  test('each feature is standardised with the mean and std (divisor N) of the training part’s steps only', () => {
    // Oracle in float64: steps 0..39 of feature a are 0..39 (mean 19.5, var (40² − 1)/12), b = 100 + 10 a.
    const sd = Math.sqrt((40 * 40 - 1) / 12);
    const s = stepStandardizer(w.standardizer, ['a', 'b']);
    assertAllClose(Array.from(s.mean), [19.5, 295], { rtol: 1e-12 });
    assertAllClose(Array.from(s.std), [sd, 10 * sd], { rtol: 1e-12 });
    assert.equal(s.numExamples, 40);
    // The last test window holds steps 46..49 standardised with the training statistics.
    const last = w.test.x.subarray((w.test.numExamples - 1) * 8);
    assertAllClose(
      Array.from(last),
      [46, 47, 48, 49].flatMap((a) => [(a - 19.5) / sd, (a - 19.5) / sd]),
      { rtol: 1e-5 },
    );
  });

  test('the window transform tiles the per-feature one; a saved one gives the same windows back', () => {
    assert.deepEqual(w.standardizer.columns, windowColumns(['a', 'b'], 4));
    assert.deepEqual(windowColumns(['a'], 3), ['a[t-2]', 'a[t-1]', 'a[t]']);
    const perStep = stepStandardizer(w.standardizer, ['a', 'b']);
    assertAllClose(w.standardizer.logJacobian, 4 * perStep.logJacobian, { rtol: 1e-12 });
    const again = windowSeries(ramp(t), { window: 4, stride: 3, standardizer: Standardizer.fromJSON(w.standardizer.toJSON()) });
    assert.deepEqual(again.test.x, w.test.x);
    assert.deepEqual(windowStandardizer(perStep, 4).toJSON(), w.standardizer.toJSON());
    assert.throws(
      () => stepStandardizer(new Standardizer([0, 1, 2], [1, 1, 1]), ['a', 'b']),
      (e: unknown) => e instanceof DataError && /expected 2 per-feature statistics \(a, b\)/.test(e.message),
    );
  });

  test('a part too short for one window is a DataError naming the part, its dates and the window', () => {
    assert.throws(() => windowSeries(ramp(20), { window: 5 }), /ramp: the test part \(steps 16–19, t16 to t19\) holds no window of 5 steps/);
  });
});

describe('CSV time series', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vaekit-series-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  test('rows are read in time order, the time column is not a feature, labels are kept', () => {
    const p = file('shuffled.csv', 'date,x,y,flag\n2020-01-03,3,30,0\n2020-01-01,1,10,0\n2020-01-02,2,20,1\n2020-01-04,4,40,0\n');
    const { series, notes } = readCsvSeries(p, { timeColumn: 'date', labelColumn: 'flag' });
    assert.deepEqual(series.times, ['2020-01-01', '2020-01-02', '2020-01-03', '2020-01-04']);
    assert.deepEqual(series.columns, ['x', 'y']);
    assert.deepEqual(Array.from(series.values), [1, 10, 2, 20, 3, 30, 4, 40]);
    assert.deepEqual(Array.from(series.labels!), [0, 1, 0, 0]);
    assert.deepEqual(series.breaks, []);
    assert.match(notes.join('\n'), /not in time order; read in time order/);
  });

  test('date-times without a zone read as UTC: hourly rows across a daylight-saving change have no gap', () => {
    const before = process.env.TZ;
    process.env.TZ = 'America/New_York'; // clocks jumped from 02:00 to 03:00 on 2021-03-14
    try {
      const p = file('hourly.csv', 'time,x\n2021-03-14 00:00,1\n2021-03-14 01:00,2\n2021-03-14 02:00,3\n2021-03-14 03:00,4\n2021-03-14 04:00,5\n');
      const { series, notes } = readCsvSeries(p, { timeColumn: 'time' });
      assert.deepEqual(series.breaks, []);
      assert.deepEqual(notes, []);
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });

  test('a duplicate time is a DataError naming the file and both lines', () => {
    const p = file('dup.csv', 'date,x\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n2020-01-02,4\n');
    assert.throws(
      () => readCsvSeries(p, { timeColumn: 'date' }),
      (e: unknown) => e instanceof DataError && e.message === `${p}: lines 3 and 5: duplicate time '2020-01-02'; expected one row per time step`,
    );
  });

  test('a gap is a note naming the dates on either side, and no window crosses it', () => {
    const p = file('gap.csv', 'date,x\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n2020-01-07,7\n2020-01-08,8\n2020-01-09,9\n');
    const { series, notes } = readCsvSeries(p, { timeColumn: 'date' });
    assert.deepEqual(series.breaks, [3]);
    assert.match(
      notes[0],
      /1 gap in the series \(its regular step: 1 day\): 2020-01-03 \(line 4\) → 2020-01-07 \(line 5\), 3 steps missing; no window crosses a gap/,
    );
    const ds = cutWindows(series, { window: 2 });
    assert.deepEqual(ds.timeLabels, ['2020-01-02', '2020-01-03', '2020-01-08', '2020-01-09']);
  });

  test('numeric times: the regular step is the most common difference', () => {
    const p = file('num.csv', 't,x\n0,1\n5,2\n10,3\n20,4\n25,5\n');
    const { series, notes } = readCsvSeries(p, { timeColumn: 't' });
    assert.deepEqual(series.breaks, [3]);
    assert.match(notes[0], /regular step: 5\): 10 \(line 4\) → 20 \(line 5\), 1 step missing/);
  });

  test('a malformed time or a missing time column is one line naming file, line and column', () => {
    const bad = file('bad.csv', 'date,x\n2020-01-01,1\n2020-02-30,2\n');
    assert.throws(
      () => readCsvSeries(bad, { timeColumn: 'date' }),
      new RegExp(`^DataError: ${bad}, column 1 \\('date'\\), line 3: expected a date \\(YYYY-MM-DD\\)`),
    );
    assert.throws(() => readCsvSeries(bad, { timeColumn: 'when' }), /time column 'when' not found; the header has date, x/);
  });

  test('loadDataSource: a CSV with --time-column is a series of windows; a window on a table is refused', () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${1000 + i},${Math.sin(i)},${i % 7 === 0 ? 1 : 0}`);
    const p = file('s.csv', `t,v,anomaly\n${rows.join('\n')}\n`);
    const loaded = loadDataSource(p, { timeColumn: 't', labelColumn: 'anomaly', window: 4 });
    assert.equal(loaded.kind, 'series');
    assert.deepEqual(loaded.train.exampleShape, [4, 1]);
    assert.deepEqual([loaded.train.numExamples, loaded.test.numExamples, loaded.all!.numExamples], [24 - 3, 6 - 3, 30 - 3]);
    assert.throws(() => loadDataSource('boston', { window: 4 }), /data.window: applies to time series/);
  });
});

describe('the births series and its holidays', () => {
  test('holiday rules give the known dates', () => {
    const on = (year: number, name: string) => usFederalHolidays(year).find((h) => h.name === name)!.date;
    assert.equal(on(1975, 'Thanksgiving Day'), '1975-11-27');
    assert.equal(on(1988, 'Thanksgiving Day'), '1988-11-24');
    assert.equal(on(1970, 'Memorial Day'), '1970-05-30', 'May 30 before the Uniform Monday Holiday Act took effect');
    assert.equal(on(1971, 'Memorial Day'), '1971-05-31', 'the first last-Monday Memorial Day');
    assert.equal(on(1975, 'Memorial Day'), '1975-05-26');
    assert.equal(on(1969, 'Labor Day'), '1969-09-01');
    assert.equal(on(1984, 'Labor Day'), '1984-09-03');
    assert.deepEqual(
      usFederalHolidays(1980).map((h) => h.date),
      ['1980-01-01', '1980-05-26', '1980-07-04', '1980-09-01', '1980-11-27', '1980-12-25'],
    );
    // Invariants of the rules over the series' years: the weekday, and the range of the day.
    for (let y = 1969; y <= 1988; y++) {
      const h = Object.fromEntries(usFederalHolidays(y).map((x) => [x.name, x.date]));
      const day = (d: string) => weekday(Number(d.slice(0, 4)), Number(d.slice(5, 7)), Number(d.slice(8)));
      assert.equal(WEEKDAY_NAMES[day(h['Thanksgiving Day'])], 'Thursday');
      assert.ok(Number(h['Thanksgiving Day'].slice(8)) >= 22 && Number(h['Thanksgiving Day'].slice(8)) <= 28);
      assert.equal(WEEKDAY_NAMES[day(h['Labor Day'])], 'Monday');
      assert.ok(Number(h['Labor Day'].slice(8)) <= 7);
      if (y >= 1971) assert.ok(day(h['Memorial Day']) === 1 && Number(h['Memorial Day'].slice(8)) >= 25);
    }
    assert.equal(nthWeekday(2024, 2, 4, -1), 29, 'the last Thursday of February 2024 (a leap year)');
  });

  test('us-births: 7305 days 1969-01-01 … 1988-12-31 without a gap, 120 holidays labelled 1', () => {
    const { series, notes } = loadUsBirths();
    assert.equal(series.numSteps, 7305);
    assert.deepEqual([series.times[0], series.times.at(-1)], ['1969-01-01', '1988-12-31']);
    assert.deepEqual([series.breaks, notes], [[], []]);
    assert.equal(series.values[0], 8486, 'births on 1969-01-01 in the package’s data');
    assert.equal(
      series.labels!.reduce((s, v) => s + v, 0),
      120,
    );
    assert.equal(series.labels![series.times.indexOf('1975-11-27')], 1);
    assert.equal(series.labels![series.times.indexOf('1975-11-28')], 0);
    assert.throws(() => loadUsBirths({ columns: ['day_of_week'] }), /columns: us-births has one feature, births/);
  });
});
