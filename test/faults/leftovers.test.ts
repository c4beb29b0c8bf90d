/**
 * What processes killed mid-write leave behind, and who clears it (defects found by `npm run faults`):
 * the temporary file of a command killed while writing its output outlived the rerun, and a kill
 * between the two renames of a model folder swap left RUN/model.old for good (and a run resumed from
 * its last checkpoint then wrote no pictures). Deterministic: the kill's leftovers are made by hand.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { removeStaleTempFiles, replaceDirAtomic, writeFileAtomic } from '../../src/node/formats/atomic.js';
import { lossFields, readMetrics, runCli, tinyTrainArgs } from '../cli/cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-leftovers-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The pid of a process that has ended (its temporary files are stale). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('temporary files of killed writers', () => {
  test('writeFileAtomic removes the temporary files of its file that dead processes left, and keeps a live writer’s and other files’', async () => {
    const dir = join(root, 'files');
    mkdirSync(dir);
    const dead = deadPid();
    const names = {
      deadOwn: `.evaluation.json.${dead}.0123456789ab.tmp`,
      liveOwn: `.evaluation.json.${process.pid}.0123456789ab.tmp`,
      deadOther: `.scores-test.csv.${dead}.0123456789ab.tmp`,
      deadSimilar: `.x-evaluation.json.${dead}.0123456789ab.tmp`,
    };
    for (const n of Object.values(names)) writeFileSync(join(dir, n), '{"half');
    await writeFileAtomic(join(dir, 'evaluation.json'), '{}\n');
    assert.deepEqual(readdirSync(dir).sort(), [names.liveOwn, names.deadOther, names.deadSimilar, 'evaluation.json'].sort());
  });

  test('replaceDirAtomic first moves back the previous version a kill between its two renames left in NAME.old, so it is never the copy removed', async () => {
    const dir = join(root, 'swap');
    mkdirSync(join(dir, 'model.old'), { recursive: true });
    writeFileSync(join(dir, 'model.old', 'vaekit.json'), '"previous"');
    await replaceDirAtomic(join(dir, 'model'), async (tmp) => {
      // While the new version is being written, the previous one is complete in its own place.
      assert.equal(readFileSync(join(dir, 'model', 'vaekit.json'), 'utf8'), '"previous"');
      assert.equal(existsSync(join(dir, 'model.old')), false);
      mkdirSync(tmp);
      writeFileSync(join(tmp, 'vaekit.json'), '"new"');
    });
    assert.equal(readFileSync(join(dir, 'model', 'vaekit.json'), 'utf8'), '"new"');
    assert.deepEqual(readdirSync(dir), ['model']);
  });

  test('removeStaleTempFiles completes half-done folder swaps: NAME.old moved back when NAME is missing, removed when NAME is there', async () => {
    const dir = join(root, 'settle');
    mkdirSync(join(dir, 'a.old'), { recursive: true });
    writeFileSync(join(dir, 'a.old', 'f'), 'previous a');
    mkdirSync(join(dir, 'b.old'), { recursive: true });
    mkdirSync(join(dir, 'b'), { recursive: true });
    writeFileSync(join(dir, 'b', 'f'), 'new b');
    mkdirSync(join(dir, `.b.${deadPid()}.0123456789ab.tmp`));
    const cleared = await removeStaleTempFiles(dir);
    assert.equal(cleared.length, 3);
    assert.deepEqual(readdirSync(dir).sort(), ['a', 'b']);
    assert.equal(readFileSync(join(dir, 'a', 'f'), 'utf8'), 'previous a');
    assert.equal(readFileSync(join(dir, 'b', 'f'), 'utf8'), 'new b');
  });
});

describe('vaekit train --resume after a kill at the end of the last epoch', () => {
  const reference = join(root, 'reference');
  before(async () => {
    assert.equal((await runCli(tinyTrainArgs(reference, 2))).code, 0);
  });

  /** A copy of the finished reference run as a kill after the last checkpoint leaves it: no pictures, no summary. */
  function killedAfterLastCheckpoint(name: string): string {
    const run = join(root, name);
    cpSync(reference, run, { recursive: true });
    for (const f of ['reconstructions.png', 'samples.png', 'summary.json']) rmSync(join(run, f));
    return run;
  }

  test('with the model swap half done (RUN/model.old only), the resumed run writes the same pictures and leaves no model.old', async () => {
    const run = killedAfterLastCheckpoint('swap-half-done');
    renameSync(join(run, 'model'), join(run, 'model.old'));
    const r = await runCli([...tinyTrainArgs(run, 2), '--resume']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.equal(existsSync(join(run, 'model.old')), false);
    for (const f of ['reconstructions.png', 'samples.png']) assert.ok(readFileSync(join(run, f)).equals(readFileSync(join(reference, f))), f);
  });

  test('with metrics.jsonl one row short (killed between the checkpoint and the metrics write), the resumed run writes every row', async () => {
    const run = killedAfterLastCheckpoint('metrics-short');
    const rows = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(join(run, 'metrics.jsonl'), rows.slice(0, -1).join('\n') + '\n');
    const r = await runCli([...tinyTrainArgs(run, 2), '--resume']);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.deepEqual(lossFields(readMetrics(run)), lossFields(readMetrics(reference)));
  });
});
