/**
 * vaekit's WGSL kernels (src/backend/webgpu-*.ts) on a real WebGPU implementation: headless Chromium
 * with its software adapter (SwiftShader's Vulkan under Dawn), tfjs's webgpu backend, against tfjs's
 * cpu backend in Node. The Bernoulli log-likelihood and its logits gradient, and Adam's in-place update
 * over several steps (taking the in-place path, and declining where a buffer is shared).
 *
 * Needs Debian's Chromium at /usr/bin/chromium; skips without it (unless VAEKIT_BROWSER=on), and skips
 * when this Chromium offers no WebGPU adapter, unless VAEKIT_WEBGPU=on, which makes that a failure.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, launchChromium, skipBrowser } from '../helpers/chromium.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { setInPlaceAdamUpdate } from '../../src/training/optimizer.js';
import { assertAllClose } from '../helpers/assert.js';
import { bundleForBrowser } from './bundle.js';
import { startStaticServer, type StaticServer } from './static-server.js';
import { adamSteps, BERNOULLI_CASES, bernoulliLogitsGradient, bernoulliValue, logitsGradKernel, trainScenarioModel, type AdamResult } from './webgpu-cases.js';

const ENTRY = join(fileURLToPath(new URL('.', import.meta.url)), 'webgpu-entry.ts');
/** WebGPU in headless Chromium on its software adapter (SwiftShader). */
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader', '--use-angle=swiftshader'];
const isWebGpuRequired = process.env.VAEKIT_WEBGPU === 'on';
const PAGE =
  '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>vaekit WGSL kernels</title><script type="module" src="/bundle.js"></script>';

describe('WGSL kernels in headless Chromium (webgpu) against the cpu backend', { timeout: 300_000 }, () => {
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  /** Why the page has no webgpu backend, or null when it has one. */
  let noAdapter: string | null = null;
  const problems: string[] = [];

  async function inPage<T>(expression: string): Promise<T> {
    const value = (await page.evaluate(expression)) as T;
    assert.deepEqual(problems.splice(0), [], 'the page reported errors');
    return value;
  }

  /** Skips the test where the page has no WebGPU adapter; fails instead when VAEKIT_WEBGPU=on. */
  function needsAdapter(t: TestContext): boolean {
    if (noAdapter == null) return true;
    if (isWebGpuRequired) throw new Error(`VAEKIT_WEBGPU=on, and Chromium has no WebGPU backend: ${noAdapter}`);
    t.skip(noAdapter);
    return false;
  }

  before(async () => {
    if (skipBrowser) return;
    if (!existsSync(CHROMIUM)) throw new Error(`VAEKIT_BROWSER=on, and there is no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    await useBackend('cpu');
    setInPlaceAdamUpdate(null); // the reference is tfjs's own Adam
    const { code } = await bundleForBrowser(ENTRY);
    server = await startStaticServer(
      { '/': { body: PAGE, contentType: 'text/html; charset=utf-8' }, '/bundle.js': { body: code, contentType: 'text/javascript; charset=utf-8' } },
      {},
    );
    browser = await launchChromium(WEBGPU_FLAGS);
    page = await browser.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.stack ?? e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    await page.goto(`${server.origin}/`);
    noAdapter = await inPage<string | null>(`(async () => {
      if (!navigator.gpu) return 'no navigator.gpu';
      const adapter = await navigator.gpu.requestAdapter();
      if (!adapter) return 'requestAdapter() returned null';
      const m = await import('/bundle.js');
      if (!(await m.tf.setBackend('webgpu'))) return "tf.setBackend('webgpu') failed";
      await m.tf.ready();
      m.registerWebGpuKernels({ bernoulliLogProb: m.BERNOULLI_LOG_PROB_KERNEL });
      const update = m.webGpuAdamUpdate('webgpu');
      globalThis.inPlaceSteps = [];
      m.setInPlaceAdamUpdate((slots, scalars) => { const ok = update(slots, scalars); globalThis.inPlaceSteps.push(ok); return ok; });
      return null;
    })()`);
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.close();
    }
  });

  test('the page runs on the webgpu backend with a software adapter, and bernoulliLogProb is one WGSL kernel there', { skip: skipBrowser }, async (t) => {
    if (!needsAdapter(t)) return;
    const info = await inPage<{ backend: string; vendor: string; architecture: string; kernelNames: string[] }>(`(async () => {
      const m = await import('/bundle.js');
      const a = await navigator.gpu.requestAdapter();
      const profile = await m.tf.profile(() => m.cases.bernoulliValue(m.cases.BERNOULLI_CASES[1]));
      return { backend: m.tf.getBackend(), vendor: a.info?.vendor ?? '', architecture: a.info?.architecture ?? '', kernelNames: profile.kernelNames };
    })()`);
    assert.equal(info.backend, 'webgpu');
    assert.deepEqual(
      info.kernelNames.filter((k) => !['Reshape', 'Identity'].includes(k)),
      ['VaekitBernoulliLogProb'],
      `bernoulliLogProb runs the WGSL kernel, one dispatch (kernels: ${info.kernelNames.join(', ')})`,
    );
    t.diagnostic(`adapter: ${info.vendor} ${info.architecture}`);
  });

  for (const c of BERNOULLI_CASES) {
    test(`the Bernoulli log-likelihood kernel equals the cpu backend's stable form: ${c.name}`, { skip: skipBrowser }, async (t) => {
      if (!needsAdapter(t)) return;
      const inPageValue = await inPage<{ shape: number[]; values: number[] }>(
        `import('/bundle.js').then((m) => m.cases.bernoulliValue(m.cases.BERNOULLI_CASES[${BERNOULLI_CASES.indexOf(c)}]))`,
      );
      const ref = await bernoulliValue(c);
      assert.deepEqual(inPageValue.shape, ref.shape);
      assert.ok(ref.values.every(Number.isFinite), 'the reference is finite');
      assertAllClose(inPageValue.values, ref.values, { rtol: 1e-4, atol: 1e-4, message: c.name });
    });

    test(`the logits gradient kernel equals dy·(x − σ(l)) on the cpu backend: ${c.name}`, { skip: skipBrowser }, async (t) => {
      if (!needsAdapter(t)) return;
      const got = await inPage<number[]>(
        `import('/bundle.js').then((m) => m.cases.logitsGradKernel(m.cases.BERNOULLI_CASES[${BERNOULLI_CASES.indexOf(c)}], m.BERNOULLI_LOGITS_GRAD_KERNEL))`,
      );
      assertAllClose(got, await logitsGradKernel(c, null), { rtol: 1e-5, atol: 1e-6, message: c.name });
    });
  }

  test('the gradient of the fused log-likelihood (training path) equals the cpu backend', { skip: skipBrowser }, async (t) => {
    if (!needsAdapter(t)) return;
    for (const c of BERNOULLI_CASES.slice(0, 3)) {
      const got = await inPage<number[]>(
        `import('/bundle.js').then((m) => m.cases.bernoulliLogitsGradient(m.cases.BERNOULLI_CASES[${BERNOULLI_CASES.indexOf(c)}]))`,
      );
      assertAllClose(got, await bernoulliLogitsGradient(c), { rtol: 1e-4, atol: 1e-6, message: c.name });
    }
  });

  for (const isShared of [false, true]) {
    test(
      isShared
        ? "Adam's WGSL update declines while a weight shares its buffer, then goes in place, and matches tfjs's Adam on cpu"
        : "Adam's WGSL update, in place for 4 steps, matches tfjs's Adam on cpu (weights, moments, losses)",
      { skip: skipBrowser },
      async (t) => {
        if (!needsAdapter(t)) return;
        const { result, steps } = await inPage<{ result: AdamResult; steps: boolean[] }>(`(async () => {
          const m = await import('/bundle.js');
          globalThis.inPlaceSteps = [];
          const result = await m.cases.adamSteps(4, ${isShared});
          return { result, steps: globalThis.inPlaceSteps };
        })()`);
        const ref = await adamSteps(4, isShared);
        assert.deepEqual(steps, isShared ? [false, true, true, true] : [true, true, true, true], 'which steps went in place');
        assertAllClose(result.losses, ref.losses, { rtol: 1e-4, message: 'losses' });
        assertAllClose(result.w, ref.w, { rtol: 1e-4, atol: 1e-6, message: 'w' });
        assertAllClose(result.b, ref.b, { rtol: 1e-4, atol: 1e-6, message: 'b' });
        assert.equal(result.moments.length, ref.moments.length);
        result.moments.forEach((m, i) => assertAllClose(m, ref.moments[i], { rtol: 1e-4, atol: 1e-7, message: `moment ${i}` }));
      },
    );
  }

  test("two epochs of vaekit's trainer on webgpu (WGSL likelihood and Adam) give the cpu backend's losses and encodings", { skip: skipBrowser }, async (t) => {
    if (!needsAdapter(t)) return;
    const { result, steps } = await inPage<{ result: Awaited<ReturnType<typeof trainScenarioModel>>; steps: boolean[] }>(`(async () => {
      const m = await import('/bundle.js');
      globalThis.inPlaceSteps = [];
      const result = await m.cases.trainScenarioModel();
      return { result, steps: globalThis.inPlaceSteps };
    })()`);
    const ref = await trainScenarioModel();
    assertAllClose(result.before.mean, ref.before.mean, { rtol: 1e-5, atol: 1e-6, message: 'encodings before training (same seeded weights)' });
    assert.equal(steps.length, 6, 'one Adam update per step: 3 batches × 2 epochs');
    assert.ok(steps.slice(1).every(Boolean), `every update after the first goes in place: ${JSON.stringify(steps)}`);
    assertAllClose(result.trainLoss, ref.trainLoss, { rtol: 1e-4, message: 'trainLoss per epoch' });
    assertAllClose(result.after.mean, ref.after.mean, { rtol: 1e-4, atol: 1e-5, message: 'mean after training' });
    assertAllClose(result.after.logVar, ref.after.logVar, { rtol: 1e-4, atol: 1e-5, message: 'logVar after training' });
  });
});
