/**
 * Helpers for the CLI tests: run the whole CLI in-process with captured output, tiny training
 * flags, and readers for the files a run folder holds.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import type { RasterImage } from '../../src/render/grid.js';
import type { EpochMetrics } from '../../src/training/trainer.js';

export interface CliResult {
  code: number;
  /** stdout, one entry per line (multi-line writes split). */
  out: string[];
  /** stderr, one entry per line. */
  err: string[];
}

/** Runs `vaekit argv…` in this process, capturing stdout and stderr; no progress bars. */
export async function runCli(argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (l) => out.push(...l.split('\n')),
    err: (l) => err.push(...l.split('\n')),
    progressStream: null,
  };
  const code = await run(argv, io);
  return { code, out, err };
}

/** The resolved-config echo `vaekit train` prints on stderr at the start of a run. */
export const CONFIG_ECHO = /^config: \{/;

/** stderr lines that report the error: everything but the resolved-config echo. */
export function errorLines(err: string[]): string[] {
  return err.filter((l) => l.trim() !== '' && !CONFIG_ECHO.test(l));
}

/** Flags of a tiny MNIST run: 500 train, 100 validation, 600 test examples (with `limit` 600), MLP 784-32-4, wasm. */
export function tinyTrainArgs(out: string, epochs: number, extra: string[] = [], limit = 600): string[] {
  return [
    'train',
    '--data',
    'mnist',
    '--limit',
    String(limit),
    '--val',
    '100',
    '--epochs',
    String(epochs),
    '--hidden',
    '32',
    '--latent',
    '4',
    '--out',
    out,
    '--backend',
    'wasm',
    ...extra,
  ];
}

/** Parses RUN/metrics.jsonl. */
export function readMetrics(runDir: string): EpochMetrics[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EpochMetrics);
}

/** The fields of an epoch's metrics that depend only on the numbers, not on the clock. */
export const LOSS_FIELDS = [
  'epoch',
  'trainLoss',
  'reconstruction',
  'kl',
  'beta',
  'valLoss',
  'valReconstruction',
  'valKl',
  'testLoss',
  'testReconstruction',
  'testKl',
] as const satisfies readonly (keyof EpochMetrics)[];

/** Loss fields of each epoch, for bit-exact comparison with assert.deepEqual (Object.is per number). */
export function lossFields(metrics: EpochMetrics[]): Array<Record<string, number | null>> {
  return metrics.map((m) => Object.fromEntries(LOSS_FIELDS.map((k) => [k, m[k]])));
}

/** Width or height of a grid of `tiles` 28-pixel tiles with 2-pixel borders (the grid layout rule). */
export const gridSide = (tiles: number) => tiles * 28 + (tiles + 1) * 2;

/** The 28×28 gray tile at grid position (row, col) of a grid with 2-pixel borders, as bytes. */
export function gridTile(img: RasterImage, row: number, col: number): number[] {
  assert.equal(img.channels, 1);
  const x0 = 2 + col * 30;
  const y0 = 2 + row * 30;
  const out: number[] = [];
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) out.push(img.data[(y0 + y) * img.width + x0 + x]);
  return out;
}

/** Intensities in [0, 1] as the bytes the grid renderer writes: round(clip(v)·255). */
export const toBytes = (v: ArrayLike<number>) => Array.from(v, (x) => Math.round(Math.min(1, Math.max(0, x)) * 255));
