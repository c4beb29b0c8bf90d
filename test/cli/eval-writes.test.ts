/**
 * Where `evaluate`, `score`, `sample` and `reconstruct` write, and what they do when they cannot
 * (issue 13): an output that cannot be written is named in one line (exit 1) before the long work,
 * `--out` names a file (a folder is an error, no temporary is left beside it), `evaluate` and
 * `score` print their figures before they write, and `evaluate --split train` keeps the test split's
 * evaluation.json. On a 200-example PCA run; the tests run as root, where permission
 * bits stop nothing, so unwritable paths are ones under a file or under /proc.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { errorLines, runCli } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-eval-writes-'));
after(() => rmSync(root, { recursive: true, force: true }));
const run = join(root, 'pca');
/** A regular file, so that `${notAFolder}/x` has a parent that is not a folder. */
const notAFolder = join(root, 'plain-file');

before(async () => {
  const r = await runCli(['train', '--model', 'pca', '--data', 'mnist', '--limit', '200', '--latent', '4', '--out', run]);
  assert.equal(r.code, 0, r.err.join('\n'));
  writeFileSync(notAFolder, 'not a folder\n');
});

/** Temporaries of src/node/formats/atomic.ts (and the writability probe) in `dir`. */
const temporaries = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.tmp'));

/** The run exits 1 with one error line matching `re`, and printed nothing on stdout. */
function assertFailsBeforeWork(r: { code: number; out: string[]; err: string[] }, re: RegExp): void {
  assert.equal(r.code, 1, r.out.join('\n'));
  const lines = errorLines(r.err);
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0], re);
  assert.deepEqual(r.out, []);
}

describe('evaluate', () => {
  test('--help names the data source as name|dir|file', async () => {
    const r = await runCli(['evaluate', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.out.join('\n'), /--data <name\|dir\|file>/);
  });

  test('RUN/evaluation.json that cannot be written is named before the evaluation, exit 1', async () => {
    const blocked = join(run, 'evaluation.json');
    mkdirSync(blocked);
    try {
      const r = await runCli(['evaluate', run]);
      // The write itself would fail with writeFileAtomic's message, after the table: this is the check before it.
      assertFailsBeforeWork(r, new RegExp(`^vaekit: evaluate: expected a file to write, got the folder ${blocked}$`));
    } finally {
      rmSync(blocked, { recursive: true });
    }
    assert.deepEqual(temporaries(run), []);
  });

  test('a run folder that is fine evaluates and says where it wrote', async () => {
    const r = await runCli(['evaluate', run]);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.equal(r.out.at(-1)?.startsWith(`wrote ${join(run, 'evaluation.json')} (test split;`), true, r.out.join('\n'));
  });

  test("--split train writes RUN/evaluation-train.json and leaves the test split's evaluation.json as it was", async () => {
    const before = readFileSync(join(run, 'evaluation.json'), 'utf8');
    const r = await runCli(['evaluate', run, '--split', 'train']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.equal(r.out.at(-1)?.startsWith(`wrote ${join(run, 'evaluation-train.json')} (train split;`), true, r.out.join('\n'));
    assert.equal(readFileSync(join(run, 'evaluation.json'), 'utf8'), before);
    assert.equal(JSON.parse(readFileSync(join(run, 'evaluation-train.json'), 'utf8')).split, 'train');
    assert.match((await runCli(['evaluate', '--help'])).out.join('\n'), /evaluation-<split>\.json/);
  });

  test('--out FILE writes there and not in the run folder; --out under a file fails before the evaluation', async () => {
    const out = join(root, 'elsewhere.json');
    const before = readFileSync(join(run, 'evaluation.json'), 'utf8');
    const r = await runCli(['evaluate', run, '--out', out]);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).model, 'pca');
    assert.equal(readFileSync(join(run, 'evaluation.json'), 'utf8'), before);
    const bad = join(notAFolder, 'e.json');
    assertFailsBeforeWork(await runCli(['evaluate', run, '--out', bad]), new RegExp(`^vaekit: --out: expected to be able to write ${bad}, `));
  });
});

describe('score', () => {
  for (const [name, out] of [
    ['whose parent is a file', join(notAFolder, 'scores.csv')],
    ['under /proc', '/proc/self/no-such-folder/scores.csv'],
  ] as const) {
    test(`--out ${name}: one line naming it before scoring, exit 1`, async () => {
      const r = await runCli(['score', run, '--out', out]);
      assertFailsBeforeWork(r, new RegExp(`^vaekit: --out: expected to be able to write ${out}, got an error creating a file in `));
    });
  }

  test('--out a folder is an error naming it', async () => {
    const dir = join(root, 'scores-folder');
    mkdirSync(dir);
    assertFailsBeforeWork(await runCli(['score', run, '--out', dir]), new RegExp(`^vaekit: --out: expected a file to write, got the folder ${dir}$`));
  });

  test('prints its figures before writing: a label-metrics file that cannot be written loses no figures', async () => {
    const out = join(root, 'labelled.csv');
    mkdirSync(join(root, 'labelled-metrics.json')); // writeLabelMetrics's JSON, a folder: that write fails
    const r = await runCli(['score', run, '--out', out, '--normal-labels', '0']);
    assert.equal(r.code, 1);
    const text = r.out.join('\n');
    assert.match(text, /^200 squaredError scores \(pca, test, recon-error\)\nhighest: #\d+ /);
    assert.match(text, /ROC-AUC 0\.\d{4}, PR-AUC \(average precision\) 0\.\d{4}/);
    assert.match(text, new RegExp(`wrote 200 scores to ${out}$`));
    assert.match(errorLines(r.err).join('\n'), /labelled-metrics\.json/);
  });
});

describe('sample and reconstruct: --out names a file', () => {
  for (const cmd of ['sample', 'reconstruct'] as const) {
    test(`${cmd} --out a folder: an error naming it, no temporary beside it, exit 1`, async () => {
      const parent = join(root, `${cmd}-parent`);
      const dir = join(parent, 'pictures');
      mkdirSync(dir, { recursive: true });
      assertFailsBeforeWork(await runCli([cmd, run, '--out', dir]), new RegExp(`^vaekit: --out: expected a file to write, got the folder ${dir}$`));
      assert.deepEqual(readdirSync(parent), ['pictures']);
      assert.deepEqual(readdirSync(dir), []);
    });

    test(`${cmd} --out under a file: an error naming it, exit 1`, async () => {
      const out = join(notAFolder, `${cmd}.png`);
      assertFailsBeforeWork(await runCli([cmd, run, '--out', out]), new RegExp(`^vaekit: --out: expected to be able to write ${out}, `));
    });
  }

  test('sample --csv a folder is an error naming it', async () => {
    const dir = join(root, 'csv-folder');
    mkdirSync(dir);
    assertFailsBeforeWork(await runCli(['sample', run, '--csv', dir]), new RegExp(`^vaekit: --csv: expected a file to write, got the folder ${dir}$`));
  });

  test('sample --out a file writes it with no temporary left beside it', async () => {
    const dir = join(root, 'sample-ok');
    mkdirSync(dir);
    const out = join(dir, 's.png');
    const r = await runCli(['sample', run, '--out', out, '--n', '4']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.deepEqual(readdirSync(dir), ['s.png']);
  });
});
