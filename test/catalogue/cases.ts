/**
 * The catalogue of bad inputs (issue 13): each case writes a small synthetic input into its own temp
 * folder, names the vaekit command that reads it, and says how vaekit must refuse it: the exit code
 * (1 bad data, 2 bad usage) and a pattern the one-line message must match (the file or flag, and the
 * position where one exists: line, column, byte offset, example index). A few cases are controls:
 * inputs that look odd but are valid (a BOM), expected to succeed (exit 0).
 *
 * Run by test/catalogue/bad-inputs.test.ts (assertions) and bench/bad-inputs.ts (the README table).
 */
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng } from '../../src/node/formats/png.js';
import { idxBytes } from '../data/write-idx.js';
import { runCli } from '../cli/cli-helpers.js';

/** What a case is about. */
export type Category = 'IDX' | 'CSV' | 'images' | 'series' | 'run folder' | 'flags' | 'config file' | 'divergence';

/** The folders a case works in. */
export interface CaseContext {
  /** The case's own empty folder: inputs, copied runs, and `out` (the --out that must not appear). */
  dir: string;
  /** A tiny trained table run (2 epochs, with its checkpoint); read-only: copy it with {@link copyRun}. */
  templateRun: string;
}

/** One bad input and how vaekit must refuse it. */
export interface BadInputCase {
  id: string;
  category: Category;
  /** Short description of the input, e.g. "IDX: wrong magic number". */
  input: string;
  /** Writes the case's files into ctx.dir. */
  setup?: (ctx: CaseContext) => void;
  /** The vaekit command line. */
  argv: (ctx: CaseContext) => string[];
  /** 1 for bad data, 2 for bad usage; 0 for a control (a valid input). */
  exit: 0 | 1 | 2;
  /** The one error line must match this (controls: unused). */
  message: RegExp;
  /** The command may write files (training that diverges, controls); `check` says what must hold. */
  mayWrite?: boolean;
  /** Further checks after the command; returns a problem, or null. */
  check?: (ctx: CaseContext) => string | null;
  /**
   * A shortfall of the product this catalogue found but could not fix in its own files (the file to
   * change is another's): the case runs and is reported, and the test marks it `todo`.
   */
  knownGap?: string;
  /** A reason the case cannot run here (e.g. root reads a chmod 000 file), or null. */
  skip?: () => string | null;
}

// ---------------------------------------------------------------------------------------------
// Small synthetic inputs

const IDX_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** 5 train and 4 test images of 3×3 pixels, and their labels, as the four MNIST files in `dir/idx`. */
function writeIdxFolder(ctx: CaseContext): string {
  const dir = join(ctx.dir, 'idx');
  mkdirSync(dir, { recursive: true });
  const pixels = (n: number) => Array.from({ length: n * 9 }, (_, i) => (i * 37) % 256);
  writeFileSync(join(dir, IDX_NAMES.trainImages), idxBytes(0x08, [5, 3, 3], pixels(5)));
  writeFileSync(join(dir, IDX_NAMES.trainLabels), idxBytes(0x08, [5], [0, 1, 2, 1, 0]));
  writeFileSync(join(dir, IDX_NAMES.testImages), idxBytes(0x08, [4, 3, 3], pixels(4)));
  writeFileSync(join(dir, IDX_NAMES.testLabels), idxBytes(0x08, [4], [2, 1, 0, 1]));
  return dir;
}

/** Writes the IDX folder, then replaces one file with `bytes(original)`. */
function idxWith(name: keyof typeof IDX_NAMES, bytes: (b: Buffer) => Buffer): (ctx: CaseContext) => void {
  return (ctx) => {
    const file = join(writeIdxFolder(ctx), IDX_NAMES[name]);
    writeFileSync(file, bytes(readFileSync(file)));
  };
}

const trainIdx = (ctx: CaseContext, extra: string[] = []) => [
  'train',
  '--data',
  join(ctx.dir, 'idx'),
  '--val',
  '0',
  '--epochs',
  '1',
  '--hidden',
  '8',
  '--latent',
  '2',
  '--out',
  join(ctx.dir, 'out'),
  '--backend',
  'cpu',
  ...extra,
];

/** A good table: 30 rows of a, b, c (numbers) and label (0–2), LF line ends. */
const goodRows = (): string[][] => Array.from({ length: 30 }, (_, i) => [((i * 7) % 11) / 10, ((i * 5) % 13) - 6, Math.sin(i).toFixed(4), i % 3].map(String));

function csvOf(header: string[], rows: string[][]): string {
  return [header, ...rows].map((r) => r.join(',')).join('\n') + '\n';
}

/** Writes `t.csv` into the case folder: the good table with the data rows changed by `edit`. */
function tableWith(edit: (rows: string[][]) => string[][] = (r) => r, header = ['a', 'b', 'c', 'label']): (ctx: CaseContext) => void {
  return (ctx) => writeFileSync(join(ctx.dir, 't.csv'), csvOf(header, edit(goodRows())));
}

/** Sets row `i` (0-based data row, so file line i + 2), column `col` to `value`. */
const cell = (i: number, col: number, value: string) => (rows: string[][]) => {
  rows[i][col] = value;
  return rows;
};

const trainCsv = (ctx: CaseContext, extra: string[] = [], file = 't.csv') => [
  'train',
  '--data',
  join(ctx.dir, file),
  '--epochs',
  '1',
  '--hidden',
  '8',
  '--latent',
  '2',
  '--out',
  join(ctx.dir, 'out'),
  '--backend',
  'cpu',
  ...extra,
];

/** A 4×4 gray PNG whose pixels depend on `seed`, or `h`×`w`. */
function png(seed: number, h = 4, w = 4): Buffer {
  const data = Uint8Array.from({ length: h * w }, (_, i) => (i * 31 + seed * 17) % 256);
  return encodePng({ width: w, height: h, channels: 1, data });
}

/** Writes `dir/png` with 6 good 4×4 PNGs, then lets `edit` change it. */
function pngFolderWith(edit: (dir: string) => void = () => {}): (ctx: CaseContext) => void {
  return (ctx) => {
    const dir = join(ctx.dir, 'png');
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 6; i++) writeFileSync(join(dir, `img${i}.png`), png(i));
    edit(dir);
  };
}

const trainPng = (ctx: CaseContext) => [
  'train',
  '--data',
  join(ctx.dir, 'png'),
  '--epochs',
  '1',
  '--hidden',
  '8',
  '--latent',
  '2',
  '--out',
  join(ctx.dir, 'out'),
  '--backend',
  'cpu',
];

/** A series CSV `s.csv`: columns day (YYYY-MM-DD from 2020-01-01) and v, 40 rows, edited by `edit`. */
function seriesWith(edit: (rows: string[][]) => string[][] = (r) => r): (ctx: CaseContext) => void {
  return (ctx) => {
    const day = (i: number) => new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10);
    const rows = Array.from({ length: 40 }, (_, i) => [day(i), Math.cos(i / 3).toFixed(4)]);
    writeFileSync(join(ctx.dir, 's.csv'), csvOf(['day', 'v'], edit(rows)));
  };
}

const trainSeries = (ctx: CaseContext, extra: string[] = []) => [
  'train',
  '--data',
  join(ctx.dir, 's.csv'),
  '--time-column',
  'day',
  '--window',
  '5',
  '--epochs',
  '1',
  '--hidden',
  '8',
  '--latent',
  '2',
  '--out',
  join(ctx.dir, 'out'),
  '--backend',
  'cpu',
  ...extra,
];

/** Copies the template run to `dir/run` and returns its path. */
export function copyRun(ctx: CaseContext): string {
  const run = join(ctx.dir, 'run');
  cpSync(ctx.templateRun, run, { recursive: true });
  return run;
}

/** Copies the template run, then lets `edit` corrupt it. */
function runWith(edit: (run: string) => void = () => {}): (ctx: CaseContext) => void {
  return (ctx) => edit(copyRun(ctx));
}

const RUN = (ctx: CaseContext) => join(ctx.dir, 'run');

function editJson(path: string, edit: (v: Record<string, unknown>) => void): void {
  const v = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(v);
  writeFileSync(path, JSON.stringify(v, null, 2));
}

function flipByte(path: string, at: (length: number) => number): void {
  const b = readFileSync(path);
  const i = at(b.length);
  b[i] ^= 0xff;
  writeFileSync(path, b);
}

/** True when this process reads a file whatever its mode (root). */
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

// ---------------------------------------------------------------------------------------------
// The catalogue

const idxCases: BadInputCase[] = [
  {
    id: 'idx-magic',
    category: 'IDX',
    input: 'IDX: wrong magic number',
    setup: idxWith('trainImages', (b) => Buffer.concat([Buffer.from([0x50, 0x4b]), b.subarray(2)])),
    argv: (c) => trainIdx(c),
    exit: 1,
    message: /train-images-idx3-ubyte: bad magic number at byte 0/,
  },
  {
    id: 'idx-type-code',
    category: 'IDX',
    input: 'IDX: unknown type code',
    setup: idxWith('trainImages', (b) => ((b[2] = 0x07), b)),
    argv: (c) => trainIdx(c),
    exit: 1,
    message: /train-images-idx3-ubyte: unknown IDX type code at byte 2/,
  },
  {
    id: 'idx-dims',
    category: 'IDX',
    input: 'IDX: dimensions disagree with the size',
    setup: idxWith('testImages', (b) => (b.writeUInt32BE(4, 8), b)),
    argv: (c) => trainIdx(c),
    exit: 1,
    message: /t10k-images-idx3-ubyte: truncated file: expected 48 bytes of data for dims \[4, 4, 3\], got 36 .*byte 52/,
  },
  {
    id: 'idx-truncated',
    category: 'IDX',
    input: 'IDX: truncated data',
    setup: idxWith('trainImages', (b) => b.subarray(0, b.length - 3)),
    argv: (c) => trainIdx(c),
    exit: 1,
    message: /train-images-idx3-ubyte: truncated file: .*ends at byte 58/,
  },
  {
    id: 'idx-truncated-header',
    category: 'IDX',
    input: 'IDX: truncated header',
    setup: idxWith('trainLabels', (b) => b.subarray(0, 6)),
    argv: (c) => trainIdx(c),
    exit: 1,
    message: /train-labels-idx1-ubyte: truncated header: .*ends at byte 6/,
  },
  {
    id: 'idx-trailing',
    category: 'IDX',
    input: 'IDX: trailing bytes',
    setup: idxWith('testLabels', (b) => Buffer.concat([b, Buffer.from([1, 2])])),
    argv: (c) => trainIdx(c),
    exit: 1,
    message: /t10k-labels-idx1-ubyte: 2 bytes of trailing garbage.*byte 12/,
  },
  {
    id: 'idx-empty',
    category: 'IDX',
    input: 'IDX: empty file',
    setup: idxWith('trainLabels', () => Buffer.alloc(0)),
    argv: (c) => trainIdx(c),
    exit: 1,
    message: /train-labels-idx1-ubyte: bad magic number at byte 0: .*got 0 bytes/,
  },
  {
    id: 'idx-count-mismatch',
    category: 'IDX',
    input: 'IDX: labels and images of different counts',
    setup: idxWith('trainLabels', () => idxBytes(0x08, [4], [0, 1, 2, 1])),
    argv: (c) => trainIdx(c),
    exit: 1,
    message: /train-images-idx3-ubyte has 5 images but train-labels-idx1-ubyte has 4 labels/,
  },
  {
    id: 'idx-labels-rank',
    category: 'IDX',
    input: 'IDX: labels of rank 2',
    setup: idxWith('testLabels', () => idxBytes(0x08, [4, 1], [2, 1, 0, 1])),
    argv: (c) => trainIdx(c),
    exit: 1,
    message: /t10k-labels-idx1-ubyte: expected labels of rank 1 \[N\], got dims \[4, 1\]/,
  },
  {
    id: 'idx-images-rank',
    category: 'IDX',
    input: 'IDX: images of rank 2',
    setup: idxWith('trainImages', () =>
      idxBytes(
        0x08,
        [5, 9],
        Array.from({ length: 45 }, () => 1),
      ),
    ),
    argv: (c) => trainIdx(c),
    exit: 1,
    message: /train-images-idx3-ubyte: expected images of rank 3 \[N, H, W\], got dims \[5, 9\]/,
  },
  {
    id: 'idx-float-labels',
    category: 'IDX',
    input: 'IDX: floating-point labels',
    setup: idxWith('trainLabels', () => idxBytes(0x0d, [5], [0, 1, 2.5, 1, 0])),
    argv: (c) => trainIdx(c),
    exit: 1,
    message: /train-labels-idx1-ubyte: expected integer labels, got a floating-point IDX file/,
  },
  {
    id: 'idx-bad-gzip',
    category: 'IDX',
    input: 'IDX: corrupt gzip file',
    setup: (c) => {
      const dir = writeIdxFolder(c);
      rmSync(join(dir, IDX_NAMES.testImages));
      writeFileSync(join(dir, `${IDX_NAMES.testImages}.gz`), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad]));
    },
    argv: (c) => trainIdx(c),
    exit: 1,
    message: /t10k-images-idx3-ubyte\.gz: corrupt gzip data/,
  },
  {
    id: 'idx-missing',
    category: 'IDX',
    input: 'IDX: one of the four files missing',
    setup: (c) => rmSync(join(writeIdxFolder(c), IDX_NAMES.testLabels)),
    argv: (c) => trainIdx(c),
    exit: 1,
    message: /idx: missing t10k-labels-idx1-ubyte; expected /,
  },
  {
    id: 'idx-directory',
    category: 'IDX',
    input: 'IDX: a folder where a file is expected',
    setup: (c) => {
      const dir = writeIdxFolder(c);
      rmSync(join(dir, IDX_NAMES.testImages));
      mkdirSync(join(dir, IDX_NAMES.testImages));
    },
    argv: (c) => trainIdx(c),
    exit: 1,
    message: /t10k-images-idx3-ubyte: expected a file, got a folder/,
  },
  {
    id: 'idx-unreadable',
    category: 'IDX',
    input: 'IDX: unreadable file (chmod 000)',
    setup: (c) => chmodSync(join(writeIdxFolder(c), IDX_NAMES.trainImages), 0o000),
    argv: (c) => trainIdx(c),
    exit: 1,
    message: /train-images-idx3-ubyte: cannot read file \(permission denied\)/,
    skip: () => (isRoot() ? 'running as root, which reads a chmod 000 file' : null),
  },
  {
    id: 'csv-binary',
    category: 'CSV',
    input: 'CSV: a binary file (an IDX file as --data images.bin)',
    setup: (c) => writeFileSync(join(c.dir, 'images.bin'), idxBytes(0x08, [1, 1, 1], [0])),
    argv: (c) => trainCsv(c, [], 'images.bin'),
    exit: 1,
    message: /images\.bin: line 1, byte 0: expected a text \(CSV\) file, got a NUL byte/,
  },
];

const csvCases: BadInputCase[] = [
  {
    id: 'csv-empty',
    category: 'CSV',
    input: 'CSV: empty file',
    setup: (c) => writeFileSync(join(c.dir, 't.csv'), ''),
    argv: (c) => trainCsv(c),
    exit: 1,
    message: /t\.csv: .*(empty|no header)/,
  },
  {
    id: 'csv-header-only',
    category: 'CSV',
    input: 'CSV: header only',
    setup: tableWith(() => []),
    argv: (c) => trainCsv(c),
    exit: 1,
    message: /t\.csv: expected at least 2 data rows after the header, got 0/,
  },
  {
    id: 'csv-one-row',
    category: 'CSV',
    input: 'CSV: one data row',
    setup: tableWith((r) => r.slice(0, 1)),
    argv: (c) => trainCsv(c),
    exit: 1,
    message: /t\.csv: expected at least 2 data rows after the header, got 1/,
  },
  {
    id: 'csv-ragged',
    category: 'CSV',
    input: 'CSV: a row with a missing cell',
    setup: tableWith((r) => ((r[4] = r[4].slice(0, 3)), r)),
    argv: (c) => trainCsv(c),
    exit: 1,
    message: /t\.csv: line 6: expected 4 cells as in the header, got 3/,
  },
  {
    id: 'csv-ragged-long',
    category: 'CSV',
    input: 'CSV: a row with an extra cell',
    setup: tableWith((r) => (r[9].push('7'), r)),
    argv: (c) => trainCsv(c),
    exit: 1,
    message: /t\.csv: line 11: expected 4 cells as in the header, got 5/,
  },
  {
    id: 'csv-text',
    category: 'CSV',
    input: 'CSV: text in a numeric column (--columns)',
    setup: tableWith(cell(6, 1, 'abc')),
    argv: (c) => trainCsv(c, ['--columns', 'a,b,c']),
    exit: 1,
    message: /t\.csv: line 8, column 2 \('b'\): expected a number, got 'abc'/,
  },
  {
    id: 'csv-nan',
    category: 'CSV',
    input: 'CSV: NaN cell',
    setup: tableWith(cell(3, 0, 'NaN')),
    argv: (c) => trainCsv(c),
    exit: 1,
    message: /t\.csv: line 5, column 1 \('a'\): expected a finite number, got 'NaN'/,
  },
  {
    id: 'csv-inf',
    category: 'CSV',
    input: 'CSV: Inf cell',
    setup: tableWith(cell(12, 2, 'Infinity')),
    argv: (c) => trainCsv(c),
    exit: 1,
    message: /t\.csv: line 14, column 3 \('c'\): expected a finite number, got 'Infinity'/,
  },
  {
    id: 'csv-empty-cell',
    category: 'CSV',
    input: 'CSV: empty cell',
    setup: tableWith(cell(20, 1, '')),
    argv: (c) => trainCsv(c),
    exit: 1,
    message: /t\.csv: line 22, column 2 \('b'\): empty cell; expected a number/,
  },
  {
    id: 'csv-duplicate-columns',
    category: 'CSV',
    input: 'CSV: duplicate column names',
    setup: tableWith(undefined, ['a', 'b', 'a', 'label']),
    argv: (c) => trainCsv(c),
    exit: 1,
    message: /t\.csv: line 1: column name 'a' appears twice \(columns 1 and 3\)/,
  },
  {
    id: 'csv-empty-column-name',
    category: 'CSV',
    input: 'CSV: an empty column name',
    setup: tableWith(undefined, ['a', '', 'c', 'label']),
    argv: (c) => trainCsv(c),
    exit: 1,
    message: /t\.csv: line 1, column 2: .*empty/,
  },
  {
    id: 'csv-columns-unknown',
    category: 'CSV',
    input: 'CSV: --columns names a missing column',
    setup: tableWith(),
    argv: (c) => trainCsv(c, ['--columns', 'a,zz']),
    exit: 1,
    message: /t\.csv: column 'zz' not found; the header has a, b, c, label/,
  },
  {
    id: 'csv-label-unknown',
    category: 'CSV',
    input: 'CSV: --label-column names a missing column',
    setup: tableWith(),
    argv: (c) => trainCsv(c, ['--label-column', 'klass']),
    exit: 1,
    message: /t\.csv: label column 'klass' not found; the header has a, b, c, label/,
  },
  {
    id: 'csv-label-fraction',
    category: 'CSV',
    input: 'CSV: non-integer label',
    setup: tableWith(cell(10, 3, '1.5')),
    argv: (c) => trainCsv(c, ['--label-column', 'label']),
    exit: 1,
    message: /t\.csv: line 12, column 4 \('label', the label column\): expected an integer class label, got '1\.5'/,
  },
  {
    id: 'csv-condition-unknown',
    category: 'CSV',
    input: 'CSV: --condition-columns names a missing column',
    setup: tableWith(),
    argv: (c) => trainCsv(c, ['--condition-columns', 'age']),
    exit: 1,
    message: /--condition-columns.*'age'/,
  },
  {
    id: 'csv-quote',
    category: 'CSV',
    input: 'CSV: an unclosed quote',
    setup: tableWith(cell(15, 0, '"0.5')),
    argv: (c) => trainCsv(c),
    exit: 1,
    message: /t\.csv: line 17, column 1: a quoted cell opens here and is never closed/,
  },
  {
    id: 'csv-latin1',
    category: 'CSV',
    input: 'CSV: not UTF-8 (Latin-1 bytes)',
    setup: (c) => writeFileSync(join(c.dir, 't.csv'), Buffer.from(csvOf(['a', 'b', 'c', 'caf\u00e9'], goodRows()), 'latin1')),
    argv: (c) => trainCsv(c),
    exit: 1,
    message: /t\.csv: line 1, byte 9: expected UTF-8 text, got the byte 0xe9/,
  },
  {
    id: 'csv-overflow',
    category: 'CSV',
    input: 'CSV: values beyond float32 (the standardisation would overflow)',
    setup: tableWith((r) => r.map((row, i) => ((row[1] = i % 2 ? '1e39' : '-1e39'), row))),
    argv: (c) => trainCsv(c),
    exit: 1,
    message: /t\.csv: line 2, column 2 \('b'\): expected a number within float32's range \(±3\.4e38\), got '-1e39'/,
  },
  {
    id: 'csv-scale-overflow',
    category: 'CSV',
    input: 'CSV: --scale so small the values overflow',
    setup: tableWith(),
    argv: (c) => trainCsv(c, ['--scale', '1e-40']),
    exit: 1,
    message: /--scale 1e-40: .*t\.csv: example 0, column 2 \('b'\): -6 \/ 1e-40 is beyond float32's range/,
  },
  {
    id: 'csv-huge-values',
    category: 'CSV',
    input: "CSV: values near float32's limit, ±3e38 (control: standardised)",
    setup: tableWith((r) => r.map((row, i) => ((row[1] = i % 2 ? '3e38' : '-3e38'), row))),
    argv: (c) => trainCsv(c),
    exit: 0,
    message: /./,
    mayWrite: true,
  },
  {
    id: 'csv-constant',
    category: 'CSV',
    input: 'CSV: a constant column (control: trained, with a warning)',
    setup: tableWith((r) => r.map((row) => ((row[2] = '4'), row))),
    argv: (c) => trainCsv(c),
    exit: 0,
    message: /./,
    mayWrite: true,
  },
  {
    id: 'csv-numeric-header',
    category: 'CSV',
    input: 'CSV: a header of all numbers',
    setup: tableWith(undefined, ['1', '2', '3', '4']),
    argv: (c) => trainCsv(c),
    exit: 1,
    message: /t\.csv: line 1: .*number/,
  },
  {
    id: 'csv-bom',
    category: 'CSV',
    input: 'CSV: a UTF-8 BOM (control: accepted)',
    setup: (c) => writeFileSync(join(c.dir, 't.csv'), '\ufeff' + csvOf(['a', 'b', 'c', 'label'], goodRows())),
    argv: (c) => trainCsv(c, ['--columns', 'a,b']),
    exit: 0,
    message: /./,
    mayWrite: true,
  },
];

const imageCases: BadInputCase[] = [
  {
    id: 'png-corrupt',
    category: 'images',
    input: 'PNG folder: a corrupt PNG',
    setup: pngFolderWith((d) => {
      const b = png(3);
      writeFileSync(join(d, 'img3.png'), b.subarray(0, b.length - 20));
    }),
    argv: trainPng,
    exit: 1,
    message: /img3\.png: not a readable PNG file/,
  },
  {
    id: 'png-not-png',
    category: 'images',
    input: 'PNG folder: a text file named .png',
    setup: pngFolderWith((d) => writeFileSync(join(d, 'img4.png'), 'hello, not an image\n')),
    argv: trainPng,
    exit: 1,
    message: /img4\.png: not a readable PNG file/,
  },
  {
    id: 'png-sizes',
    category: 'images',
    input: 'PNG folder: images of different sizes',
    setup: pngFolderWith((d) => writeFileSync(join(d, 'img5.png'), png(5, 5, 4))),
    argv: trainPng,
    exit: 1,
    message: /png: images differ in size: img0\.png is 4×4, img5\.png is 5×4/,
  },
  {
    id: 'png-stray-file',
    category: 'images',
    input: 'PNG folder: a notes.txt beside the images (control: ignored)',
    setup: pngFolderWith((d) => writeFileSync(join(d, 'notes.txt'), 'taken on a Tuesday\n')),
    argv: trainPng,
    exit: 0,
    message: /./,
    mayWrite: true,
  },
  {
    id: 'data-empty-folder',
    category: 'images',
    input: '--data names an empty folder',
    setup: (c) => mkdirSync(join(c.dir, 'png')),
    argv: trainPng,
    exit: 1,
    message: /png: expected a folder of MNIST-format IDX files \(missing train-images-idx3-ubyte, .*\) or of PNG images .*got neither/,
  },
  {
    id: 'png-one-image',
    category: 'images',
    input: 'PNG folder: a single image',
    setup: pngFolderWith((d) => {
      for (let i = 1; i < 6; i++) rmSync(join(d, `img${i}.png`));
    }),
    argv: trainPng,
    exit: 1,
    message: /png: expected at least 2 images.*got 1/,
  },
  {
    id: 'png-empty-class',
    category: 'images',
    input: 'PNG folder: a class folder without PNGs',
    setup: (c) => {
      const d = join(c.dir, 'png');
      mkdirSync(join(d, 'cats'), { recursive: true });
      mkdirSync(join(d, 'dogs'));
      for (let i = 0; i < 3; i++) writeFileSync(join(d, 'cats', `c${i}.png`), png(i));
      writeFileSync(join(d, 'dogs', 'notes.txt'), 'no images here\n');
    },
    argv: trainPng,
    exit: 1,
    message: /dogs: expected PNG files in the class folder 'dogs', got none/,
  },
];

const seriesCases: BadInputCase[] = [
  {
    id: 'series-duplicate-time',
    category: 'series',
    input: 'series: a duplicated time',
    setup: seriesWith((r) => ((r[7][0] = r[6][0]), r)),
    argv: (c) => trainSeries(c),
    exit: 1,
    message: /s\.csv: lines 8 and 9: duplicate time '2020-01-07'/,
  },
  {
    id: 'series-bad-time',
    category: 'series',
    input: 'series: a time that is not a date',
    setup: seriesWith((r) => ((r[11][0] = 'someday'), r)),
    argv: (c) => trainSeries(c),
    exit: 1,
    message: /s\.csv, column 1 \('day'\), line 13: expected a date \(YYYY-MM-DD\).*got 'someday'/,
  },
  {
    id: 'series-window',
    category: 'series',
    input: 'series: window longer than the series',
    setup: seriesWith(),
    argv: (c) => trainSeries(c, ['--window', '50']),
    exit: 1,
    message: /--window 50: .*s\.csv: the training part \(steps 0–31, .*\) holds no window of 50 steps/,
  },
  {
    id: 'series-time-column',
    category: 'series',
    input: 'series: --time-column names a missing column',
    setup: seriesWith(),
    argv: (c) => trainSeries(c, ['--time-column', 'date']),
    exit: 1,
    message: /s\.csv: time column 'date' not found; the header has day, v/,
  },
  {
    id: 'series-nan',
    category: 'series',
    input: 'series: a NaN value',
    setup: seriesWith((r) => ((r[4][1] = 'NaN'), r)),
    argv: (c) => trainSeries(c),
    exit: 1,
    message: /s\.csv: line 6, column 2 \('v'\): expected a finite number, got 'NaN'/,
  },
  {
    id: 'series-unordered',
    category: 'series',
    input: 'series: rows out of time order (control: sorted)',
    setup: seriesWith((r) => [...r.slice(10), ...r.slice(0, 10)].reverse()),
    argv: (c) => trainSeries(c),
    exit: 0,
    message: /./,
    mayWrite: true,
  },
];

const runCases: BadInputCase[] = [
  {
    id: 'run-missing',
    category: 'run folder',
    input: 'run: no such folder',
    argv: (c) => ['evaluate', join(c.dir, 'nowhere'), '--backend', 'cpu'],
    exit: 1,
    message: /nowhere: /,
  },
  {
    id: 'run-no-model',
    category: 'run folder',
    input: 'run: model folder missing',
    setup: runWith((r) => rmSync(join(r, 'model'), { recursive: true })),
    argv: (c) => ['evaluate', RUN(c), '--backend', 'cpu'],
    exit: 1,
    message: /run: no saved model here \(expected .*run\/model\/vaekit\.json/,
  },
  {
    id: 'run-no-config',
    category: 'run folder',
    input: 'run: config.json missing (--resume)',
    setup: runWith((r) => rmSync(join(r, 'config.json'))),
    argv: (c) => ['train', '--resume', '--out', RUN(c), '--epochs', '3'],
    exit: 1,
    message: /run.*config\.json/,
  },
  {
    id: 'ckpt-missing',
    category: 'run folder',
    input: 'run: checkpoint missing (--resume)',
    setup: runWith((r) => rmSync(join(r, 'checkpoint.vkc'))),
    argv: (c) => ['train', '--resume', '--out', RUN(c), '--epochs', '3'],
    exit: 1,
    message: /checkpoint\.vkc/,
  },
  {
    id: 'run-config-json',
    category: 'run folder',
    input: 'run: config.json not JSON',
    setup: runWith((r) => writeFileSync(join(r, 'config.json'), '{"kind": "vae-run", ')),
    argv: (c) => ['info', RUN(c)],
    exit: 1,
    message: /run\/config\.json: line 1, column 21: not JSON \(Expected double-quoted property name\); expected the run's configuration/,
  },
  {
    id: 'run-vaekit-json',
    category: 'run folder',
    input: 'run: corrupt vaekit.json',
    setup: runWith((r) => writeFileSync(join(r, 'model', 'vaekit.json'), '{"format": "vaekit-model", "vers')),
    argv: (c) => ['evaluate', RUN(c), '--backend', 'cpu'],
    exit: 1,
    message: /vaekit\.json: .*JSON.*position \d+/,
  },
  {
    id: 'run-format-version',
    category: 'run folder',
    input: 'run: unknown model format version',
    setup: runWith((r) => editJson(join(r, 'model', 'vaekit.json'), (v) => (v.version = 99))),
    argv: (c) => ['sample', RUN(c), '--backend', 'cpu'],
    exit: 1,
    message: /vaekit\.json: .*version.*99/,
  },
  {
    id: 'run-config-version',
    category: 'run folder',
    input: 'run: unknown config.json version',
    setup: runWith((r) => editJson(join(r, 'config.json'), (v) => (v.version = 42))),
    argv: (c) => ['score', RUN(c), '--backend', 'cpu'],
    exit: 1,
    message: /config\.json: .*version.*42/,
  },
  {
    id: 'run-weights-size',
    category: 'run folder',
    input: 'run: weights.bin of the wrong size',
    setup: runWith((r) => truncateSync(join(r, 'model', 'decoder', 'weights.bin'), 100)),
    argv: (c) => ['evaluate', RUN(c), '--backend', 'cpu'],
    exit: 1,
    message: /decoder\/weights\.bin: .*100/,
  },
  {
    id: 'run-weights-flipped',
    category: 'run folder',
    input: 'run: weights.bin overwritten with 0xFF',
    setup: runWith((r) => writeFileSync(join(r, 'model', 'encoder', 'weights.bin'), Buffer.alloc(304, 0xff))),
    argv: (c) => ['score', RUN(c), '--backend', 'cpu'],
    exit: 1,
    message: /encoder\/weights\.bin: .*(checksum|sha|corrupt)/,
  },
  {
    id: 'run-weights-missing',
    category: 'run folder',
    input: 'run: weights.bin missing',
    setup: runWith((r) => rmSync(join(r, 'model', 'encoder', 'weights.bin'))),
    argv: (c) => ['reconstruct', RUN(c), '--backend', 'cpu'],
    exit: 1,
    message: /encoder\/weights\.bin: no such file/,
  },
  {
    id: 'run-latent-edited',
    category: 'run folder',
    input: 'run: latentDim edited in vaekit.json',
    setup: runWith((r) => editJson(join(r, 'model', 'vaekit.json'), (v) => ((v.config as Record<string, unknown>).latentDim = 5))),
    argv: (c) => ['sample', RUN(c), '--backend', 'cpu'],
    exit: 1,
    message: /vaekit\.json|weights\.bin|model\.json/,
  },
  {
    id: 'ckpt-truncated',
    category: 'run folder',
    input: 'run: truncated checkpoint (--resume)',
    setup: runWith((r) => {
      const p = join(r, 'checkpoint.vkc');
      truncateSync(p, readFileSync(p).length - 100);
    }),
    argv: (c) => ['train', '--resume', '--out', RUN(c), '--epochs', '3'],
    exit: 1,
    message: /checkpoint\.vkc: .*truncated/,
  },
  {
    id: 'ckpt-flipped',
    category: 'run folder',
    input: 'run: bit-flipped checkpoint (--resume)',
    setup: runWith((r) => flipByte(join(r, 'checkpoint.vkc'), (n) => n - 9)),
    argv: (c) => ['train', '--resume', '--out', RUN(c), '--epochs', '3'],
    exit: 1,
    message: /checkpoint\.vkc: checksum mismatch/,
  },
  {
    id: 'ckpt-magic',
    category: 'run folder',
    input: 'run: checkpoint that is not one (--resume)',
    setup: runWith((r) => writeFileSync(join(r, 'checkpoint.vkc'), 'not a checkpoint at all')),
    argv: (c) => ['train', '--resume', '--out', RUN(c), '--epochs', '3'],
    exit: 1,
    message: /checkpoint\.vkc: expected a vaekit checkpoint/,
  },
  {
    id: 'resume-latent',
    category: 'run folder',
    input: 'run: --resume with a changed --latent',
    setup: runWith(),
    argv: (c) => ['train', '--resume', '--out', RUN(c), '--epochs', '3', '--latent', '3'],
    exit: 2,
    message: /--resume: the run was trained with --latent 2; this command gives --latent 3/,
  },
  {
    id: 'resume-lr',
    category: 'run folder',
    input: 'run: --resume with a changed --lr',
    setup: runWith(),
    argv: (c) => ['train', '--resume', '--out', RUN(c), '--epochs', '3', '--lr', '0.01'],
    exit: 2,
    message: /--lr.*0\.01/,
  },
  {
    id: 'evaluate-other-columns',
    category: 'run folder',
    input: 'run: evaluate --data with other columns',
    setup: (c) => {
      copyRun(c);
      writeFileSync(
        join(c.dir, 'other.csv'),
        csvOf(
          ['x', 'y'],
          goodRows().map((r) => r.slice(0, 2)),
        ),
      );
    },
    argv: (c) => ['evaluate', RUN(c), '--data', join(c.dir, 'other.csv'), '--backend', 'cpu'],
    exit: 1,
    message: /other\.csv.*'a'/,
  },
];

/** A numeric flag given a bad value: `train`, or a command on a copy of the template run. */
function flagCase(command: 'train' | 'evaluate' | 'score' | 'sample', flag: string, value: string, message: RegExp): BadInputCase {
  return {
    id: `flag-${command}-${flag.slice(2)}-${value}`,
    category: 'flags',
    input: `${command} ${flag} ${value}`,
    setup: command === 'train' ? tableWith() : runWith(),
    argv: (c) => (command === 'train' ? trainCsv(c, [flag, value]) : [command, RUN(c), flag, value, '--backend', 'cpu']),
    exit: 2,
    message,
  };
}

const POSITIVE_INT = (flag: string, v: string) => new RegExp(`${flag}: expected an integer ≥ 1, got '${v}'`);

const flagCases: BadInputCase[] = [
  flagCase('train', '--epochs', '-1', POSITIVE_INT('--epochs', '-1')),
  flagCase('train', '--epochs', '0', POSITIVE_INT('--epochs', '0')),
  flagCase('train', '--epochs', '2.5', POSITIVE_INT('--epochs', '2.5')),
  flagCase('train', '--epochs', 'NaN', POSITIVE_INT('--epochs', 'NaN')),
  flagCase('train', '--epochs', 'Infinity', POSITIVE_INT('--epochs', 'Infinity')),
  flagCase('train', '--epochs', 'ten', POSITIVE_INT('--epochs', 'ten')),
  flagCase('train', '--batch-size', '0', POSITIVE_INT('--batch-size', '0')),
  flagCase('train', '--batch-size', '1e400', POSITIVE_INT('--batch-size', '1e400')),
  flagCase('train', '--latent', '-2', /--latent: expected an integer ≥ 1, got '-2'/),
  flagCase('train', '--lr', '-0.1', /--lr: expected a positive number, got '-0.1'/),
  flagCase('train', '--lr', 'Infinity', /--lr: expected a positive number, got 'Infinity'/),
  flagCase('train', '--lr', 'fast', /--lr: expected a positive number, got 'fast'/),
  flagCase('train', '--beta', '-1', /--beta: expected a number ≥ 0, got '-1'/),
  flagCase('train', '--val', '-5', /--val: expected an integer ≥ 0, got '-5'/),
  flagCase('train', '--val', '0.5', /--val: expected an integer ≥ 0, got '0.5'/),
  flagCase('train', '--limit', '0', POSITIVE_INT('--limit', '0')),
  flagCase('train', '--seed', '1.5', /--seed: expected an integer.*got '1\.5'/),
  flagCase('train', '--seed', '-1', /--seed: expected an integer.*got '-1'/),
  flagCase('train', '--samples', '0', POSITIVE_INT('--samples', '0')),
  flagCase('train', '--kl-ratio', '2', /--kl-ratio: expected a number in \(0, 1\], got '2'/),
  flagCase('train', '--free-bits', '-0.5', /--free-bits: expected .*got '-0\.5'/),
  flagCase('train', '--kl-warmup', '-3', /--kl-warmup: expected .*got '-3'/),
  flagCase('train', '--patience', '0', POSITIVE_INT('--patience', '0')),
  flagCase('train', '--threads', '0', POSITIVE_INT('--threads', '0')),
  flagCase('train', '--hidden', '8,-1', /--hidden: expected positive integers separated by commas, got '8,-1'/),
  flagCase('train', '--variance', '-1', /--variance: expected a positive number, 'learned' or 'learned-diag', got '-1'/),
  flagCase('train', '--scale', '0', /--scale: expected a positive number, got '0'/),
  flagCase('train', '--window', '0', POSITIVE_INT('--window', '0')),
  flagCase('evaluate', '--samples', '-1', /--samples: expected an integer ≥ 0, got '-1'/),
  flagCase('evaluate', '--limit', '0', POSITIVE_INT('--limit', '0')),
  flagCase('evaluate', '--threads', '1.5', POSITIVE_INT('--threads', '1.5')),
  flagCase('evaluate', '--seed', 'abc', /--seed: expected an integer.*got 'abc'/),
  flagCase('score', '--samples', 'NaN', /--samples: expected an integer ≥ 0, got 'NaN'/),
  flagCase('score', '--seed', 'Infinity', /--seed: expected an integer.*got 'Infinity'/),
  flagCase('sample', '--n', 'Infinity', POSITIVE_INT('--n', 'Infinity')),
  flagCase('sample', '--n', '-4', POSITIVE_INT('--n', '-4')),
  flagCase('sample', '--temperature', '0', /--temperature: expected a positive number, got '0'/),
  flagCase('sample', '--components', '0', POSITIVE_INT('--components', '0')),
  flagCase('sample', '--seed', '-1', /--seed: expected an integer ≥ 0, got '-1'/),
  flagCase('sample', '--n', '2.5', POSITIVE_INT('--n', '2.5')),
  flagCase('sample', '--temperature', 'Infinity', /--temperature: expected a positive number, got 'Infinity'/),
  flagCase('score', '--samples', '1.5', /--samples: expected an integer ≥ 0, got '1\.5'/),
  flagCase('evaluate', '--samples', 'many', /--samples: expected an integer ≥ 0, got 'many'/),
  flagCase('score', '--threads', '0', POSITIVE_INT('--threads', '0')),
  flagCase('evaluate', '--iwae-samples', '0.5', /--iwae-samples: expected an integer ≥ \d, got '0\.5'/),
  {
    id: 'flag-evaluate-split',
    category: 'flags',
    input: 'evaluate --split validation (not a split)',
    setup: runWith(),
    argv: (c) => ['evaluate', RUN(c), '--split', 'validation', '--backend', 'cpu'],
    exit: 2,
    message: /--split: expected one of test, train, all, got 'validation'|argument 'validation' is invalid/,
  },
  {
    id: 'flag-reconstruct-n',
    category: 'flags',
    input: 'reconstruct --n 0',
    setup: runWith(),
    argv: (c) => ['reconstruct', RUN(c), '--n', '0', '--backend', 'cpu'],
    exit: 2,
    message: POSITIVE_INT('--n', '0'),
  },
  {
    id: 'flag-fa-latent',
    category: 'flags',
    input: 'train --model fa --latent 9 on 4 columns',
    setup: tableWith(),
    argv: (c) => ['train', '--data', join(c.dir, 't.csv'), '--model', 'fa', '--latent', '9', '--out', join(c.dir, 'out')],
    exit: 1,
    message: /--latent 9: expected at most 3 \(fa on data of dimension D = 4\)/,
  },
  {
    id: 'flag-gmm-components',
    category: 'flags',
    input: 'train --model gmm --components 100 on 24 training rows',
    setup: tableWith(),
    argv: (c) => ['train', '--data', join(c.dir, 't.csv'), '--model', 'gmm', '--components', '100', '--out', join(c.dir, 'out')],
    exit: 1,
    message: /--components 100: expected at most 24 \(the training examples\)/,
  },
  {
    id: 'flag-hidden-huge',
    category: 'flags',
    input: 'train --hidden 200000,200000 (a model too large for memory)',
    setup: tableWith(),
    argv: (c) => trainCsv(c, ['--hidden', '200000,200000']),
    exit: 1,
    message: /the model needs about [\d.]+ GB .*use smaller widths than --hidden 200000,200000/,
  },
  {
    id: 'flag-unknown-train',
    category: 'flags',
    input: 'train --bogus (unknown flag)',
    argv: (c) => trainCsv(c, ['--bogus']),
    exit: 2,
    message: /unknown option '--bogus'/,
  },
  {
    id: 'flag-unknown-evaluate',
    category: 'flags',
    input: 'evaluate --epochs (a flag of another command)',
    setup: runWith(),
    argv: (c) => ['evaluate', RUN(c), '--epochs', '3'],
    exit: 2,
    message: /unknown option '--epochs'/,
  },
  {
    id: 'flag-missing-value',
    category: 'flags',
    input: 'train --epochs without a value',
    argv: (c) => ['train', '--out', join(c.dir, 'out'), '--epochs'],
    exit: 2,
    message: /option '--epochs <n>' argument missing/,
  },
];

const configCases: BadInputCase[] = [
  {
    id: 'config-not-json',
    category: 'config file',
    input: 'config file: not JSON',
    setup: (c) => writeFileSync(join(c.dir, 'cfg.json'), 'epochs = 3\n'),
    argv: (c) => trainCsv(c, ['--config', join(c.dir, 'cfg.json')]),
    exit: 2,
    message: /--config .*cfg\.json: line 1, column 1: not JSON \(Unexpected token 'e'/,
  },
  {
    id: 'config-unknown-key',
    category: 'config file',
    input: 'config file: unknown key',
    setup: (c) => writeFileSync(join(c.dir, 'cfg.json'), JSON.stringify({ epochs: 1, latentDim: 3 })),
    argv: (c) => trainCsv(c, ['--config', join(c.dir, 'cfg.json')]),
    exit: 2,
    message: /--config .*cfg\.json: unknown option 'latentDim'/,
  },
  {
    id: 'config-wrong-type',
    category: 'config file',
    input: 'config file: a number given as text',
    setup: (c) => writeFileSync(join(c.dir, 'cfg.json'), JSON.stringify({ batchSize: 'ten' })),
    argv: (c) => trainCsv(c, ['--config', join(c.dir, 'cfg.json')]),
    exit: 2,
    message: /cfg\.json.*batchSize.*'ten'/,
  },
  {
    id: 'config-negative',
    category: 'config file',
    input: 'config file: a negative learning rate',
    setup: (c) => writeFileSync(join(c.dir, 'cfg.json'), JSON.stringify({ lr: -1 })),
    argv: (c) => ['train', '--config', join(c.dir, 'cfg.json'), '--data', join(c.dir, 'none.csv'), '--out', join(c.dir, 'out')],
    exit: 2,
    message: /cfg\.json.*lr.*-1/,
  },
  {
    id: 'config-array',
    category: 'config file',
    input: 'config file: a JSON array',
    setup: (c) => writeFileSync(join(c.dir, 'cfg.json'), '[1, 2]'),
    argv: (c) => trainCsv(c, ['--config', join(c.dir, 'cfg.json')]),
    exit: 2,
    message: /--config .*cfg\.json: expected a JSON object/,
  },
  {
    id: 'config-missing',
    category: 'config file',
    input: 'config file: no such file',
    argv: (c) => trainCsv(c, ['--config', join(c.dir, 'cfg.json')]),
    exit: 2,
    message: /--config .*cfg\.json: .*no such file/,
  },
];

/** Training that diverges: one line with the epoch, the step and a hint; no model or checkpoint saved from NaN weights. */
const divergenceCases: BadInputCase[] = [
  {
    id: 'diverge-lr',
    category: 'divergence',
    input: 'training diverges (--lr 1e4)',
    setup: (c) => {
      writeFileSync(
        join(c.dir, 'big.csv'),
        csvOf(
          ['a', 'b', 'c'],
          Array.from({ length: 200 }, (_, i) => [Math.sin(i), Math.cos(i * 1.3), ((i * 7) % 11) - 5].map(String)),
        ),
      );
    },
    argv: (c) => [
      'train',
      '--data',
      join(c.dir, 'big.csv'),
      '--epochs',
      '3',
      '--batch-size',
      '8',
      '--lr',
      '1e4',
      '--hidden',
      '8',
      '--latent',
      '2',
      '--out',
      join(c.dir, 'out'),
      '--backend',
      'cpu',
    ],
    exit: 1,
    message: /training: the loss became NaN at epoch 1, step \d+ of \d+ .*try a lower --lr; the last checkpoint is unchanged/,
    mayWrite: true,
    check: (c) =>
      existsSync(join(c.dir, 'out', 'model')) || existsSync(join(c.dir, 'out', 'checkpoint.vkc')) ? 'a diverged run saved a model or a checkpoint' : null,
  },
  {
    id: 'diverge-lr-one-step',
    category: 'divergence',
    input: 'training diverges in the last step of an epoch (--lr 10, one step an epoch)',
    setup: tableWith(),
    argv: (c) => trainCsv(c, ['--epochs', '3', '--lr', '10']),
    exit: 1,
    message: /the (test |validation )?loss became NaN (at|after) epoch 1.*--lr/,
    mayWrite: true,
    check: (c) => (existsSync(join(c.dir, 'out', 'model')) ? 'a diverged run saved a model (NaN weights)' : null),
  },
  {
    id: 'diverge-1e30',
    category: 'divergence',
    input: 'training diverges (IDX pixels near 1e30, --scale 1)',
    setup: (c) => {
      const dir = writeIdxFolder(c);
      const big = (n: number) => Array.from({ length: n * 9 }, (_, i) => (i % 2 ? 3e30 : -2e30));
      writeFileSync(join(dir, IDX_NAMES.trainImages), idxBytes(0x0d, [5, 3, 3], big(5)));
      writeFileSync(join(dir, IDX_NAMES.testImages), idxBytes(0x0d, [4, 3, 3], big(4)));
    },
    argv: (c) => trainIdx(c, ['--scale', '1', '--likelihood', 'gaussian']),
    exit: 1,
    message: /training: the loss became NaN at epoch 1, step 1 of 1 .*check the data for extreme values/,
    mayWrite: true,
    check: (c) =>
      existsSync(join(c.dir, 'out', 'model')) || existsSync(join(c.dir, 'out', 'checkpoint.vkc')) ? 'a diverged run saved a model or a checkpoint' : null,
  },
];

/** Every case of the catalogue, controls included. */
export const CASES: readonly BadInputCase[] = [
  ...idxCases,
  ...csvCases,
  ...imageCases,
  ...seriesCases,
  ...runCases,
  ...flagCases,
  ...configCases,
  ...divergenceCases,
];

/** The template run: 2 epochs of a 30-row table (a, b, c, label), MLP 4-8-2 on the cpu backend. */
export async function prepareCatalogue(): Promise<{ root: string; templateRun: string; cleanup: () => void }> {
  const root = mkdtempSync(join(tmpdir(), 'vaekit-catalogue-'));
  const template = join(root, 'template');
  mkdirSync(template);
  writeFileSync(join(template, 't.csv'), csvOf(['a', 'b', 'c', 'label'], goodRows()));
  const templateRun = join(template, 'run');
  const r = await runCli([
    'train',
    '--data',
    join(template, 't.csv'),
    '--epochs',
    '2',
    '--hidden',
    '8',
    '--latent',
    '2',
    '--out',
    templateRun,
    '--backend',
    'cpu',
  ]);
  if (r.code !== 0) throw new Error(`the catalogue's template run failed:\n${r.err.join('\n')}`);
  return { root, templateRun, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Every file under `dir` (relative path → bytes as base64; folders as '<dir>'), for a before/after comparison. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    const abs = join(dir, rel);
    let names: string[];
    try {
      names = readdirNames(abs);
    } catch {
      out.set(rel, '<unreadable>');
      return;
    }
    for (const n of names) {
      const r = rel === '' ? n : join(rel, n);
      const p = join(dir, r);
      if (isDirectory(p)) {
        out.set(r, '<dir>');
        walk(r);
      } else {
        try {
          out.set(r, readFileSync(p).toString('base64'));
        } catch {
          out.set(r, '<unreadable>');
        }
      }
    }
  };
  walk('');
  return out;
}

const readdirNames = (p: string) => readdirSync(p).sort();
const isDirectory = (p: string) => statSync(p).isDirectory();

/** The paths that differ between two snapshots (added, removed or changed). */
export function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).sort();
}

/**
 * The stderr lines that report an error: not blank, not the resolved-config echo, and, for a command
 * that trains (`mayWrite`), not the `data: …` notes a run prints before its first step.
 */
export function errorLinesOf(err: readonly string[], isTraining: boolean): string[] {
  return err.filter((l) => l.trim() !== '' && !/^config: \{/.test(l) && !(isTraining && /^data: /.test(l)));
}

/** The result of running one case. */
export interface CaseResult {
  case: BadInputCase;
  skipped: string | null;
  code: number;
  /** stderr lines that report the error (no blank lines, no config echo). */
  lines: string[];
  /** all of stderr */
  err: string[];
  /** files added, removed or changed in the case folder */
  changed: string[];
  /** problem found by the case's own check */
  problem: string | null;
}

/** Runs one case in `root/<id>`, in-process. */
export async function runCase(c: BadInputCase, root: string, templateRun: string): Promise<CaseResult> {
  const skipped = c.skip?.() ?? null;
  if (skipped) return { case: c, skipped, code: -1, lines: [], err: [], changed: [], problem: null };
  const dir = join(root, c.id);
  mkdirSync(dir, { recursive: true });
  const ctx: CaseContext = { dir, templateRun };
  c.setup?.(ctx);
  const before = snapshot(dir);
  const r = await runCli(c.argv(ctx));
  const after = snapshot(dir);
  const lines = errorLinesOf(r.err, c.mayWrite === true);
  return { case: c, skipped: null, code: r.code, lines, err: r.err, changed: changedPaths(before, after), problem: c.check?.(ctx) ?? null };
}
