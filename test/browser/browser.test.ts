/**
 * vaekit's browser entry (src/index.ts) in a real browser: it bundles for the browser with no Node
 * built-in, and in headless Chromium, on tfjs's cpu backend, a model saved by Node loads over HTTP
 * and gives Node's numbers for encoding, the dataset ELBO and two epochs of training.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium); without it the browser
 * tests skip, unless VAEKIT_BROWSER=on (set by .ci/run when Chromium is there), which makes a
 * missing Chromium a failure.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, launchChromium, skipBrowser } from '../helpers/chromium.js';
import { VAE } from '../../src/node/index.js'; // the Node entry registers the file-system store
import { useBackend } from '../../src/node/compute/backend.js';
import { assertAllClose } from '../helpers/assert.js';
import { bundleForBrowser, type BrowserBundle } from './bundle.js';
import { startStaticServer, type StaticServer } from './static-server.js';
import { elboOfData, encodeDecode, encodeFixed, MODEL_OPTIONS, SAVED_MODEL_KINDS, trainBriefly } from './scenario.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ENTRY = join(HERE, 'entry.ts');
const PAGE = `<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>vaekit in the browser</title>
<script type="module" src="/bundle.js"></script>
`;

type Scenario = typeof import('./scenario.js');
/** The scenario's functions of a model: what the page can run on the model it loads. */
type ScenarioCall = { [K in keyof Scenario]: Scenario[K] extends (vae: VAE) => Promise<unknown> ? K : never }[keyof Scenario];

/** The bundle of test/browser/entry.ts, built once per file. */
let bundled: Promise<BrowserBundle> | undefined;
const bundle = (): Promise<BrowserBundle> => (bundled ??= bundleForBrowser(ENTRY));

describe('the browser bundle', () => {
  test('src/index.ts bundles for the browser with no Node built-in and no file from src/node/ or src/cli/', async () => {
    const { code, inputs } = await bundle();
    assert.ok(
      inputs.some((p) => /(^|\/)src\/index\.ts$/.test(p)),
      `expected src/index.ts among the bundle's inputs, got ${inputs.length} files`,
    );
    assert.deepEqual(
      inputs.filter((p) => /(^|\/)src\/(node|cli)\//.test(p)),
      [],
      'the browser bundle holds Node-only modules',
    );
    assert.ok(code.length > 0);
  });

  test('the bundle check rejects a node:* or bare built-in import and names the importing file and line', async () => {
    for (const [name, contents] of [
      ['node:fs', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n"],
      ['path', "export { join } from 'path';\n"],
    ]) {
      await assert.rejects(bundleForBrowser({ contents, resolveDir: HERE }), (e: Error) => {
        assert.match(e.message, /does not build/);
        assert.match(e.message, new RegExp(`stdin\\.ts:\\d+:\\d+: .*imports the Node built-in '${name}': browser-safe code must not`));
        return true;
      });
    }
  });
});

describe('vaekit in headless Chromium, cpu backend', { timeout: 120_000 }, () => {
  let tmp: string | undefined;
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let modelDir: string;
  let modelUrl: string;
  /** The model as Node made it, never trained. */
  let vae: VAE;
  /** Page errors and console errors not yet reported, in order. */
  const pageProblems: string[] = [];

  /**
   * Evaluates `expression` in the page (awaiting a promise) and returns its value.
   * @throws when it throws, or when the page has reported an error or a console error
   */
  async function inPage<T>(expression: string): Promise<T> {
    let value: T;
    try {
      value = (await page.evaluate(expression)) as T;
    } catch (e) {
      throw new Error(`in the page: ${(e as Error).message}${pageProblems.length ? `\n${pageProblems.join('\n')}` : ''}`, { cause: e });
    }
    assert.deepEqual(pageProblems.splice(0), [], 'the page reported errors');
    return value;
  }

  /**
   * The page loads the model from the server, then runs `call` ('encodeFixed', …) from the scenario on it.
   * @throws when loading or the call reads a tensor synchronously (dataSync, arraySync, bufferSync)
   */
  async function loadedInPage<K extends ScenarioCall>(call: K, url = modelUrl): Promise<Awaited<ReturnType<Scenario[K]>>> {
    const { value, syncReads } = await inPage<{ value: Awaited<ReturnType<Scenario[K]>>; syncReads: string[] }>(`(async () => {
      const m = await import('/bundle.js');
      m.syncReads.takeSyncReads();
      const vae = await m.VAE.load(${JSON.stringify(url)});
      const value = await m.scenario.${call}(vae);
      return { value, syncReads: m.syncReads.takeSyncReads() };
    })()`);
    assert.equal(syncReads.length, 0, `VAE.load and ${call} read tensors synchronously in the browser:\n${syncReads.join('\n')}`);
    return value;
  }

  before(async () => {
    if (skipBrowser) return;
    if (!existsSync(CHROMIUM)) throw new Error(`VAEKIT_BROWSER=on, and there is no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    await useBackend('cpu');
    vae = new VAE(MODEL_OPTIONS);
    tmp = mkdtempSync(join(tmpdir(), 'vaekit-browser-'));
    modelDir = join(tmp, 'model');
    await vae.save(modelDir);
    for (const [name, options] of Object.entries(SAVED_MODEL_KINDS)) {
      const other = new VAE(options);
      await other.save(join(tmp, 'models', name));
      other.dispose();
    }
    const { code } = await bundle();
    server = await startStaticServer(
      { '/': { body: PAGE, contentType: 'text/html; charset=utf-8' }, '/bundle.js': { body: code, contentType: 'text/javascript; charset=utf-8' } },
      { '/model/': modelDir, '/models/': join(tmp, 'models') },
    );
    modelUrl = `${server.origin}/model`;
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', (e) => pageProblems.push(`page error: ${e.stack ?? e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageProblems.push(`console error: ${m.text()}`);
    });
    await page.goto(`${server.origin}/`);
    const backend = await inPage<string>(`(async () => {
      const m = await import('/bundle.js');
      if (!(await m.tf.setBackend('cpu'))) throw new Error("tf.setBackend('cpu') failed");
      await m.tf.ready();
      m.syncReads.watchSyncReads();
      return m.tf.getBackend();
    })()`);
    assert.equal(backend, 'cpu');
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      try {
        await server?.close();
      } finally {
        if (tmp) rmSync(tmp, { recursive: true, force: true });
      }
    }
  });

  test('a model saved by Node loads over HTTP and encodes fixed inputs to the same numbers', { skip: skipBrowser }, async () => {
    const inBrowser = await loadedInPage('encodeFixed');
    const inNode = await encodeFixed(vae);
    assertAllClose(inBrowser.mean, inNode.mean, { rtol: 1e-6, message: 'mean' });
    assertAllClose(inBrowser.logVar, inNode.logVar, { rtol: 1e-6, message: 'logVar' });
  });

  test("the dataset ELBO (evaluateElbo) of the loaded model equals Node's", { skip: skipBrowser }, async () => {
    const inBrowser = await loadedInPage('elboOfData');
    const inNode = await elboOfData(vae);
    assert.equal(inBrowser.numExamples, inNode.numExamples);
    for (const key of ['loss', 'reconstructionLoss', 'kl'] as const) {
      assert.ok(Number.isFinite(inNode[key]), `Node's ${key} is ${inNode[key]}`);
      assertAllClose(inBrowser[key], inNode[key], { rtol: 1e-5, message: key });
    }
  });

  test("two epochs of training in the page give Node's per-epoch losses and weights", { skip: skipBrowser }, async () => {
    const inBrowser = await loadedInPage('trainBriefly');
    const inNode = await trainBriefly(await VAE.load(modelDir)); // a fresh copy of the saved weights, through the file store
    assert.equal(inNode.trainLoss.length, 2);
    assert.ok(inNode.trainLoss.every(Number.isFinite), `Node's losses: ${inNode.trainLoss}`);
    assertAllClose(inBrowser.trainLoss, inNode.trainLoss, { rtol: 1e-5, message: 'trainLoss per epoch' });
    assertAllClose(inBrowser.encodedAfter.mean, inNode.encodedAfter.mean, { rtol: 1e-5, message: 'mean after training' });
    assertAllClose(inBrowser.encodedAfter.logVar, inNode.encodedAfter.logVar, { rtol: 1e-5, message: 'logVar after training' });
  });

  for (const name of Object.keys(SAVED_MODEL_KINDS) as (keyof typeof SAVED_MODEL_KINDS)[]) {
    test(`a ${name} model saved by Node loads over HTTP and encodes and decodes to the same numbers`, { skip: skipBrowser }, async () => {
      const inBrowser = await loadedInPage('encodeDecode', `${server!.origin}/models/${name}`);
      const loaded = await VAE.load(join(tmp!, 'models', name));
      const inNode = await encodeDecode(loaded);
      loaded.dispose();
      assert.equal(inBrowser.decoded.length, 2 * loaded.dataDim);
      assertAllClose(inBrowser.mean, inNode.mean, { rtol: 1e-5, atol: 1e-6, message: 'mean' });
      assertAllClose(inBrowser.decoded, inNode.decoded, { rtol: 1e-5, atol: 1e-6, message: 'decoded' });
    });
  }
});
