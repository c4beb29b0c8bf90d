/**
 * The latent-space explorer end to end in headless Chromium: a tiny MNIST run (trained, evaluated,
 * calibrated and scored by the CLI) served by `vaekit serve`'s server, and the same run exported by
 * `vaekit export-app` and served by a plain static file server. On each: the page loads without
 * console errors; moving a slider changes the decoder's canvas; hovering the map decodes live;
 * drawing on the pad encodes the drawing (ELBO shown, marker on the map), and picking the MAP code
 * (100 Adam steps from the encoder mean) changes its reconstruction and mark and shows a gain in
 * log p(x|z) + log p(z) ≥ 0; the lerp and slerp strips render. On the served one, a few epochs of
 * in-page training on MNIST lower the loss, and the model the page downloads loads in Node (`vaekit
 * info`, `evaluate`, `sample`, `loadModel`); a table run and a conditional run load and respond.
 * Screenshots go to test-output/explorer/ (ignored by git).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { unzipSync } from 'fflate';
import { loadModel } from '../../src/node/index.js';
import { exportApp, startExplorerServer } from '../../src/node/serve/index.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { runCli, tinyTrainArgs } from '../cli/cli-helpers.js';
import { collectPageErrors, launchChromium, skipBrowser } from '../helpers/chromium.js';
import { buildExplorerApp } from '../helpers/explorer-app.js';
import { startStaticServer, type StaticServer } from '../browser/static-server.js';

const SHOTS = fileURLToPath(new URL('../../test-output/explorer/', import.meta.url));

/** RGBA bytes of the first canvas under `selector`. */
async function canvasPixels(page: Page, selector: string): Promise<number[]> {
  return page.$eval(selector, (c) => {
    const canvas = c as HTMLCanvasElement;
    return Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data);
  });
}

/** A 32-bit FNV-1a hash of the RGBA bytes of the first canvas under `selector`, computed in the page (cheap for a large canvas). */
async function canvasDigest(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (c) => {
    const canvas = c as HTMLCanvasElement;
    const bytes = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let h = 0x811c9dc5;
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
    return h >>> 0;
  });
}

/** Σ |a − b| over bytes (the arrays' lengths must agree). */
function pixelDifference(a: number[], b: number[]): number {
  assert.equal(a.length, b.length, 'canvas sizes differ');
  return a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0);
}

/** Waits until the decoder's canvas differs from `before` and returns its pixels. */
async function decodedAfter(page: Page, before: number[]): Promise<number[]> {
  await page.waitForFunction(
    (b) => {
      const c = document.querySelector('#decoded canvas') as HTMLCanvasElement | null;
      if (!c) return false;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      return d.some((v, i) => v !== b[i]);
    },
    before,
    { timeout: 15_000 },
  );
  return canvasPixels(page, '#decoded canvas');
}

/** The checks every served copy of the explorer passes; screenshots named `name-*.png`. */
async function checkExplorer(page: Page, url: string, name: string, errors: string[]): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.state === 'ready' || document.body.dataset.state === 'error', undefined, { timeout: 60_000 });
  assert.equal(await page.$eval('body', (b) => b.dataset.state), 'ready', `the page did not load: ${await page.textContent('#status')}`);
  await page.screenshot({ path: join(SHOTS, `${name}-loaded.png`), fullPage: true });

  // A slider moves the decoder output (drawn first at example 0's code).
  await page.waitForSelector('#decoded canvas', { timeout: 15_000 });
  const start = await canvasPixels(page, '#decoded canvas');
  await page.$eval('#sliders-list input[type=range]', (s) => {
    const slider = s as HTMLInputElement;
    slider.value = '2.5';
    slider.dispatchEvent(new Event('input', { bubbles: true }));
  });
  const moved = await decodedAfter(page, start);
  assert.ok(pixelDifference(start, moved) > 0);

  // Hovering the map decodes the point under the cursor, live.
  await page.locator('#map-canvas').scrollIntoViewIfNeeded();
  const box = (await page.locator('#map-canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.3);
  const hoverA = await decodedAfter(page, moved);
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.7);
  const hoverB = await decodedAfter(page, hoverA);
  assert.ok(pixelDifference(hoverA, hoverB) > 0, 'two map points decode alike');

  // Drawing on the pad encodes the drawing: its ELBO, and a mark on the map.
  const mapBefore = await canvasPixels(page, '#map-canvas');
  await page.locator('#pad-canvas').scrollIntoViewIfNeeded();
  const pad = (await page.locator('#pad-canvas').boundingBox())!;
  await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * 0.2);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * (0.2 + 0.06 * i));
  await page.mouse.up();
  await page.waitForFunction(() => /ELBO\s*−?-?\d/.test(document.querySelector('#pad-elbo')?.textContent ?? ''), undefined, { timeout: 15_000 });
  const mapAfter = await canvasPixels(page, '#map-canvas');
  assert.ok(pixelDifference(mapBefore, mapAfter) > 0, 'the encoding does not show on the map');

  // The MAP code instead of the encoder mean: another reconstruction and mark, and a gain in log p(x|z) + log p(z) ≥ 0.
  await page.waitForSelector('#pad-reconstruction canvas', { timeout: 15_000 });
  const reconMean = await canvasPixels(page, '#pad-reconstruction canvas');
  const markMean = await canvasDigest(page, '#map-canvas');
  assert.equal(await page.isHidden('#pad-map-gain'), true, 'a gain shown for the encoder mean');
  await page.selectOption('#pad-code', 'map');
  await page.waitForSelector('#pad-map-gain[data-gain]', { timeout: 30_000 });
  const gain = Number(await page.getAttribute('#pad-map-gain', 'data-gain'));
  assert.ok(gain >= 0, `the MAP code's gain over the encoder mean: ${gain} nats`);
  assert.match((await page.textContent('#pad-map-gain')) ?? '', /\+\d+\.\d nats over μ\(x\)/);
  assert.match((await page.textContent('#pad-elbo')) ?? '', /ELBO\s*−?\d/);
  const reconMap = await canvasPixels(page, '#pad-reconstruction canvas');
  assert.ok(pixelDifference(reconMean, reconMap) > 0, 'the MAP code decodes like the encoder mean');
  assert.notEqual(await canvasDigest(page, '#map-canvas'), markMean, 'the MAP code is not marked on the map');
  // Back to the encoder mean: its reconstruction again, and no gain.
  await page.selectOption('#pad-code', 'mean');
  await page.waitForSelector('#pad-map-gain', { state: 'hidden', timeout: 15_000 });
  assert.deepEqual(await canvasPixels(page, '#pad-reconstruction canvas'), reconMean, 'the encoder mean decodes differently the second time');

  // The interpolation strips render: lerp and slerp side by side.
  for (const strip of ['#interp-lerp', '#interp-slerp']) {
    const n = await page.locator(`${strip} canvas`).count();
    assert.ok(n >= 2, `${strip}: expected a strip of decoded images, got ${n}`);
  }
  await page.screenshot({ path: join(SHOTS, `${name}-explored.png`), fullPage: true });
  assert.deepEqual(errors, [], 'the page reported errors');
}

describe('the explorer in headless Chromium', { skip: skipBrowser, timeout: 600_000 }, () => {
  let tmp: string;
  let run: string;
  let browser: Browser;
  let stopServe: (() => Promise<void>) | undefined;
  let plain: StaticServer | undefined;
  let serveUrl: string;
  let appDir: string;

  before(async () => {
    await useBackend('wasm');
    tmp = mkdtempSync(join(tmpdir(), 'vaekit-explorer-'));
    mkdirSync(SHOTS, { recursive: true });
    appDir = join(tmp, 'app');
    run = join(tmp, 'run');
    await buildExplorerApp(appDir);
    for (const argv of [
      tinyTrainArgs(run, 2, ['--latent', '2']),
      ['evaluate', run, '--samples', '20', '--limit', '200'],
      ['calibrate', run, '--contamination', '0.05'],
      ['score', run],
    ]) {
      const r = await runCli(argv);
      assert.equal(r.code, 0, `vaekit ${argv[0]}: ${r.err.join('\n')}`);
    }
    const served = await startExplorerServer({ run, port: 0, appFolder: appDir, numExamples: 300 });
    serveUrl = served.url;
    stopServe = served.close;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await stopServe?.();
    await plain?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('vaekit serve: the map, sliders, hover decoding, the drawing pad and interpolation work without console errors', async () => {
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    await checkExplorer(page, serveUrl, 'served', errors);
    await page.close();
  });

  test('vaekit serve: training on MNIST in the page lowers the loss, and the downloaded model loads in Node', async () => {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors = collectPageErrors(page);
    await page.goto(serveUrl);
    await page.waitForFunction(() => document.body.dataset.state === 'ready', undefined, { timeout: 60_000 });
    await page.selectOption('#train-source', 'mnist');
    await page.fill('#train-count', '1000');
    await page.fill('#train-latent', '2');
    await page.fill('#train-epochs', '3');
    await page.click('#train-start');
    const lossAt = async (epoch: number) => {
      await page.waitForFunction((e) => Number(document.querySelector('#train-status')?.getAttribute('data-epoch')) >= e, epoch, { timeout: 120_000 });
      return Number(await page.getAttribute('#train-status', 'data-loss'));
    };
    const first = await lossAt(1);
    const last = await lossAt(3);
    assert.ok(Number.isFinite(first) && last < first, `the in-page training loss went from ${first} to ${last}`);
    await page.screenshot({ path: join(SHOTS, 'trained-in-page.png'), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#train-download')]);
    const zip = join(tmp, 'model.zip');
    await download.saveAs(zip);
    const folder = join(tmp, 'downloaded');
    for (const [path, bytes] of Object.entries(unzipSync(readFileSync(zip)))) {
      if (path.endsWith('/')) continue;
      mkdirSync(dirname(join(folder, path)), { recursive: true });
      writeFileSync(join(folder, path), bytes);
    }
    const info = await runCli(['info', join(folder, 'model')]);
    assert.equal(info.code, 0, info.err.join('\n'));
    assert.match(info.out.join('\n'), /latent/i);
    for (const argv of [
      ['evaluate', join(folder, 'model'), '--data', 'mnist', '--limit', '100'],
      ['sample', join(folder, 'model'), '--out', join(tmp, 'page-samples.png')],
    ]) {
      const r = await runCli(argv);
      assert.equal(r.code, 0, `vaekit ${argv.join(' ')}: ${r.err.join('\n')}`);
    }
    const model = await loadModel(join(folder, 'model'));
    assert.equal(model.latentDim, 2);
    model.dispose();
    assert.deepEqual(errors, [], 'the page reported errors');
    await page.close();
  });

  test('a table run (Boston) shows decoded rows in raw units, and a slider changes them; a conditional run gets a class picker that changes the decoding', async () => {
    const table = join(tmp, 'boston');
    const conditional = join(tmp, 'conditional');
    for (const argv of [
      ['train', '--data', 'boston', '--epochs', '2', '--latent', '2', '--out', table, '--backend', 'wasm'],
      tinyTrainArgs(conditional, 1, ['--latent', '2', '--condition', 'label']),
    ]) {
      const r = await runCli(argv);
      assert.equal(r.code, 0, `vaekit ${argv.join(' ')}: ${r.err.join('\n')}`);
    }
    for (const [dir, name] of [
      [table, 'table'],
      [conditional, 'conditional'],
    ] as const) {
      const served = await startExplorerServer({ run: dir, port: 0, appFolder: appDir, numExamples: 100 });
      const page = await browser.newPage();
      const errors = collectPageErrors(page);
      try {
        await page.goto(served.url);
        await page.waitForFunction(() => document.body.dataset.state !== 'loading', undefined, { timeout: 60_000 });
        assert.equal(await page.$eval('body', (b) => b.dataset.state), 'ready', `${name}: ${await page.textContent('#status')}`);
        if (name === 'table') {
          // The decoded row: one row per column, named as in the CSV, values in raw units.
          await page.waitForSelector('#decoded table');
          const rows = await page.$$eval('#decoded table tr', (trs) => trs.map((tr) => [tr.children[0].textContent, Number(tr.children[1].textContent)]));
          assert.ok(
            rows.some(([column]) => column === 'rm'),
            `expected Boston's columns, got ${rows.map((r) => r[0]).join(', ')}`,
          );
          const rm = rows.find(([column]) => column === 'rm')![1] as number;
          assert.ok(rm > 3 && rm < 10, `rooms per dwelling in raw units, got ${rm}`);
          const before = await page.textContent('#decoded table');
          await page.$eval('#sliders-list input[type=range]', (el) => {
            const slider = el as HTMLInputElement;
            slider.value = '-2.5';
            slider.dispatchEvent(new Event('input', { bubbles: true }));
          });
          await page.waitForFunction((b) => document.querySelector('#decoded table')?.textContent !== b, before, { timeout: 15_000 });
        } else {
          await page.waitForSelector('#decoded canvas', { timeout: 15_000 });
          const start = await canvasPixels(page, '#decoded canvas');
          const classes = await page.$$eval('#condition-class option', (os) => os.map((o) => (o as HTMLOptionElement).value));
          assert.equal(classes.length, 10, 'a class picker with the ten digits');
          const current = await page.$eval('#condition-class', (el) => (el as HTMLSelectElement).value);
          await page.selectOption(
            '#condition-class',
            classes.find((c) => c !== current)!,
          );
          await decodedAfter(page, start);
        }
        await page.screenshot({ path: join(SHOTS, `${name}-run.png`), fullPage: true });
        assert.deepEqual(errors, [], `${name}: the page reported errors`);
      } finally {
        await page.close();
        await served.close();
      }
    }
  });

  test('vaekit export-app: the static folder works from a plain static file server', async () => {
    const site = join(tmp, 'site');
    await exportApp(run, site, { appFolder: appDir, numExamples: 300 });
    plain = await startStaticServer({}, { '/': site });
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    await checkExplorer(page, `${plain.origin}/index.html`, 'exported', errors);
    await page.close();
  });
});
