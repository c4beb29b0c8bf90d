/**
 * `vaekit export-app`: the explorer's site as a static folder from a tiny trained run: the app, site.json
 * and run/ with the model, explorer data and listed files, but not the training checkpoint; an --out
 * that holds anything is refused in one line and left as it was.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SITE_FORMAT, SITE_VERSION, parseExplorerManifest, parseSiteIndex } from '../../src/io/explorer-data.js';
import { exportApp } from '../../src/node/serve/export-app.js';
import { VAEKIT_VERSION } from '../../src/node/version.js';
import { errorLines, runCli } from '../cli/cli-helpers.js';
import { FAKE_APP, trainTinyRun, writeFakeApp } from './serve-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-export-app-'));
const runDir = join(root, 'run');
const appDir = join(root, 'app');

before(async () => {
  writeFakeApp(appDir);
  await trainTinyRun(runDir);
  writeFileSync(join(runDir, '.model.123.abcdefabcdef.tmp'), 'a temporary file a killed write left');
});
after(() => rmSync(root, { recursive: true, force: true }));

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('exportApp', () => {
  test("writes the app, site.json (no datasets) and run/ with the model, explorer data and the run's files, without the checkpoint", async () => {
    const out = join(root, 'site');
    const r = await exportApp(runDir, out, { appFolder: appDir, numExamples: 12 });
    assert.equal(r.out, out);
    for (const [name, text] of Object.entries(FAKE_APP)) assert.equal(readFileSync(join(out, name), 'utf8'), text, name);
    const site = parseSiteIndex(readJson(join(out, 'site.json')), 'site.json');
    assert.deepEqual(site, { format: SITE_FORMAT, version: SITE_VERSION, run: 'run', datasets: { mnist: null }, vaekitVersion: VAEKIT_VERSION });
    assert.deepEqual(r.site, site);
    assert.deepEqual(readJson(join(out, 'run/model/vaekit.json')), readJson(join(runDir, 'model/vaekit.json')));
    const manifest = parseExplorerManifest(readJson(join(out, 'run/explorer/explorer.json')), 'explorer.json');
    assert.equal(manifest.numExamples, 12);
    assert.deepEqual(readFileSync(join(out, 'run/explorer/examples.bin')), readFileSync(join(runDir, 'explorer/examples.bin')));
    assert.equal(readFileSync(join(out, 'run/explorer/examples.bin')).length, 12 * 784 * 4);
    // Every file the manifest lists is there.
    const f = manifest.files;
    for (const name of [f.model, f.metrics, f.evaluation, f.scores, f.calibration, f.latentPrior, ...f.figures].filter((n) => n !== null))
      assert.ok(existsSync(join(out, 'run', name)), name);
    assert.ok(f.figures.includes('reconstructions.png') && f.figures.includes('loss-curve.svg'), f.figures.join(', '));
    assert.deepEqual(r.runEntries, readdirSync(join(out, 'run')).sort());
    assert.deepEqual(r.runEntries, [
      'config.json',
      'explorer',
      'loss-curve.svg',
      'metrics.jsonl',
      'model',
      'reconstructions.png',
      'samples.png',
      'summary.json',
    ]);
    assert.ok(existsSync(join(runDir, 'checkpoint.vkc')));
    assert.ok(!r.files.some((p) => p.endsWith('checkpoint.vkc') || p.split('/').some((s) => s.startsWith('.'))), r.files.join(', '));
    assert.ok(r.files.includes('run/model/vaekit.json') && r.files.includes('index.html') && r.files.includes('site.json'));
    assert.deepEqual(
      readdirSync(root).filter((n) => n.endsWith('.tmp')),
      [],
    );
  });

  test('writes into an empty folder, and into a new one whose parents it makes', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await exportApp(runDir, empty, { appFolder: appDir, numExamples: 2 });
    assert.ok(existsSync(join(empty, 'run/explorer/explorer.json')));
    const nested = join(root, 'a/b/site');
    await exportApp(runDir, nested, { appFolder: appDir, numExamples: 2 });
    assert.ok(existsSync(join(nested, 'index.html')));
  });

  test('refuses an out folder that holds anything, and leaves it as it was', async () => {
    const full = join(root, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'mine');
    await assert.rejects(exportApp(runDir, full, { appFolder: appDir }), / out '.*full': expected a new or empty folder, got one holding 1 entry$/);
    assert.deepEqual(readdirSync(full), ['keep.txt']);
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    await assert.rejects(exportApp(runDir, file, { appFolder: appDir }), /a-file': expected a new or empty folder, got a file$/);
  });
});

describe('vaekit export-app', () => {
  test('writes the site and says how to view it', async () => {
    const out = join(root, 'cli-site');
    const r = await runCli(['export-app', runDir, '--out', out, '--examples', '5', '--app', appDir]);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.match(r.out[0], /^wrote .*cli-site\/: the explorer app, site\.json, run\/ \(config\.json, explorer, .*model.*\); \d+ files, 5 examples$/);
    assert.match(r.out[1], /^view it: serve the folder with any static file server, e.g. python3 -m http.server/);
    assert.equal(readJson(join(out, 'run/explorer/explorer.json')).numExamples, 5);
    assert.ok(!existsSync(join(out, 'run/checkpoint.vkc')));
  });

  test('refuses a non-empty --out in one line (exit 1), naming the flag', async () => {
    const out = join(root, 'cli-full');
    mkdirSync(out);
    writeFileSync(join(out, 'a'), '');
    writeFileSync(join(out, 'b'), '');
    const r = await runCli(['export-app', runDir, '--out', out, '--app', appDir]);
    assert.equal(r.code, 1);
    assert.deepEqual(errorLines(r.err), [`vaekit: --out ${out}: expected a new or empty folder, got one holding 2 entries`]);
    assert.deepEqual(readdirSync(out), ['a', 'b']);
  });

  test('a missing run folder is a one-line error; a missing --out a usage error', async () => {
    const missing = join(root, 'no-run');
    const r = await runCli(['export-app', missing, '--out', join(root, 'x'), '--app', appDir]);
    assert.equal(r.code, 1);
    assert.deepEqual(errorLines(r.err), [`vaekit: ${missing}: expected a run folder, got nothing there`]);
    assert.ok(!existsSync(join(root, 'x')));
    assert.equal((await runCli(['export-app', runDir])).code, 2);
  });
});
