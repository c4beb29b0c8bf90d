/**
 * The webgpu backend's initialisation on Node without a GPU: the order (navigator.gpu and the GPU*
 * globals set before @tensorflow/tfjs-backend-webgpu is imported), each one-line error (no package,
 * no dawn.node, no Vulkan loader, no driver, no adapter, a backend imported too early), `auto`
 * falling back to wasm, and the native-kernel conflict. Fakes stand in for Dawn and the backend's package.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../src/errors.js';
import { BACKENDS, useBackend } from '../../src/node/compute/backend.js';
import { findVulkanDrivers, initWebGpu, NODE_WEBGPU_LOADER, type DawnModule, type GpuLike, type WebGpuLoader } from '../../src/node/compute/webgpu.js';
import { BERNOULLI_LOG_PROB_KERNEL } from '../../src/distributions/bernoulli.js';
import { BERNOULLI_LOGITS_GRAD_KERNEL } from '../../src/backend/webgpu-kernels.js';
import { isDawnInstalled } from '../helpers/backends.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-webgpu-'));
after(() => rmSync(root, { recursive: true, force: true }));

const g = globalThis as Record<string, unknown>;
const FAKE_GLOBALS = { GPUBufferUsage: { STORAGE: 128 }, GPUShaderStage: { COMPUTE: 4 }, GPUMapMode: { READ: 1 } };

interface FakeOptions {
  adapter?: boolean;
  loadDawn?: () => Promise<DawnModule>;
  vulkanLoader?: boolean | null;
  drivers?: string[];
  /** Whether the fake backend package registers a 'webgpu' factory when imported (as the real one does when navigator.gpu is set). */
  registers?: boolean;
}

/** A fake Dawn and backend package that record, in order, what happened and what the globals were. */
function fakeLoader(o: FakeOptions = {}): { loader: WebGpuLoader; events: string[]; gpu: GpuLike } {
  const events: string[] = [];
  const gpu: GpuLike = {
    requestAdapter: async () => {
      events.push('requestAdapter');
      return o.adapter === false ? null : { info: { vendor: 'fake', architecture: 'test', description: 'a fake adapter' } };
    },
  };
  const loader: WebGpuLoader = {
    loadDawn:
      o.loadDawn ??
      (async () => {
        events.push('loadDawn');
        return {
          create: (options: string[]) => {
            events.push(`create(${JSON.stringify(options)})`);
            return gpu;
          },
          globals: FAKE_GLOBALS,
        };
      }),
    loadBackend: async () => {
      const nav = g.navigator as { gpu?: unknown } | undefined;
      events.push(
        `loadBackend: navigator.gpu ${nav?.gpu === gpu ? 'set' : 'unset'}, GPUBufferUsage ${g.GPUBufferUsage === FAKE_GLOBALS.GPUBufferUsage ? 'set' : 'unset'}`,
      );
      // The factory is never called here: initWebGpu registers; useBackend would set it.
      if (o.registers !== false && nav?.gpu != null) tf.registerBackend('webgpu', () => Promise.reject(new Error('the fake backend has no device')));
    },
    hasVulkanLoader: () => {
      events.push('hasVulkanLoader');
      return o.vulkanLoader === undefined ? true : o.vulkanLoader;
    },
    vulkanDrivers: () => {
      events.push('vulkanDrivers');
      return o.drivers ?? ['/usr/share/vulkan/icd.d/fake_icd.json'];
    },
  };
  return { loader, events, gpu };
}

const hadNavigator = 'navigator' in globalThis;
afterEach(() => {
  if (tf.findBackendFactory('webgpu') != null) tf.removeBackend('webgpu');
  for (const name of [BERNOULLI_LOG_PROB_KERNEL, BERNOULLI_LOGITS_GRAD_KERNEL]) if (tf.getKernel(name, 'webgpu') != null) tf.unregisterKernel(name, 'webgpu');
  for (const name of Object.keys(FAKE_GLOBALS)) if (g[name] === FAKE_GLOBALS[name as keyof typeof FAKE_GLOBALS]) delete g[name];
  if (!hadNavigator) delete g.navigator;
  else delete (g.navigator as { gpu?: unknown }).gpu;
});

/** Asserts `p` rejects with a one-line ConfigError whose message matches `pattern`. */
async function rejectsWithOneLine(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e.constructor.name}: ${e.message}`);
    assert.doesNotMatch(e.message, /\n/, 'the message is one line');
    assert.match(e.message, pattern);
    return true;
  });
}

describe('initWebGpu with a fake Dawn', () => {
  test('sets navigator.gpu and the GPU* globals before it imports the backend package, then registers the WGSL kernels', async () => {
    const { loader, events } = fakeLoader();
    const info = await initWebGpu(loader);
    assert.deepEqual(events, ['loadDawn', 'create([])', 'requestAdapter', 'loadBackend: navigator.gpu set, GPUBufferUsage set']);
    assert.equal(info.adapter, 'fake test a fake adapter');
    assert.ok(tf.findBackendFactory('webgpu') != null);
    assert.ok(tf.getKernel(BERNOULLI_LOG_PROB_KERNEL, 'webgpu') != null, 'the Bernoulli kernel is registered for webgpu');
    assert.ok(tf.getKernel(BERNOULLI_LOGITS_GRAD_KERNEL, 'webgpu') != null, 'its gradient kernel is registered for webgpu');
    assert.equal(tf.getKernel(BERNOULLI_LOG_PROB_KERNEL, 'cpu'), undefined, 'nothing is registered for cpu');
  });

  test("passes Dawn's options to create() and keeps a GPU* global that is already defined", async () => {
    g.GPUMapMode = 'mine';
    try {
      const { loader, events } = fakeLoader();
      await initWebGpu(loader, ['backend=vulkan']);
      assert.ok(events.includes('create(["backend=vulkan"])'), events.join(', '));
      assert.equal(g.GPUMapMode, 'mine');
    } finally {
      delete g.GPUMapMode;
    }
  });

  test('a missing webgpu package is one line naming the package and the install command', async () => {
    const missing = Object.assign(new Error("Cannot find package 'webgpu' imported from …"), { code: 'ERR_MODULE_NOT_FOUND' });
    const { loader, events } = fakeLoader({ loadDawn: () => Promise.reject(missing) });
    await rejectsWithOneLine(
      initWebGpu(loader),
      /^backend: 'webgpu' needs the optional package webgpu \(Dawn\), which is not installed; npm install webgpu@0\.6\.2, or use compute\.backend 'wasm'$/,
    );
    assert.deepEqual(events, [], 'nothing else was tried');
  });

  test('a dawn.node that does not load is one line with the loader error and the platform', async () => {
    const { loader } = fakeLoader({ loadDawn: () => Promise.reject(new Error('dawn.node: invalid ELF header\n  at more detail')) });
    await rejectsWithOneLine(
      initWebGpu(loader),
      /^backend: 'webgpu': the webgpu package's dawn\.node does not load on \w+-\w+ \(dawn\.node: invalid ELF header\); reinstall webgpu@0\.6\.2$/,
    );
  });

  test('no adapter and no Vulkan loader: says libvulkan.so.1 is missing and which packages to install', async () => {
    const { loader, events } = fakeLoader({ adapter: false, vulkanLoader: false });
    await rejectsWithOneLine(
      initWebGpu(loader),
      /^backend: 'webgpu' found no GPU adapter: no Vulkan loader \(libvulkan\.so\.1 does not load\); apt-get install libvulkan1 libglvnd0 libgl1 libglx0 libegl1 and the GPU vendor's Vulkan driver$/,
    );
    assert.ok(!events.some((e) => e.startsWith('loadBackend')), 'the backend package is not imported without an adapter');
  });

  test('no adapter, a Vulkan loader but no driver: says no ICD was found and to install the vendor driver', async () => {
    const { loader } = fakeLoader({ adapter: false, vulkanLoader: true, drivers: [] });
    await rejectsWithOneLine(
      initWebGpu(loader),
      /^backend: 'webgpu' found no GPU adapter: no Vulkan driver \(no ICD manifest in .*\); install the GPU vendor's Vulkan driver \(NVIDIA: .*libglvnd0 libgl1 libglx0 libegl1\)$/,
    );
  });

  test('no adapter with a loader and a driver: says requestAdapter() returned null and how to check', async () => {
    const { loader } = fakeLoader({ adapter: false });
    await rejectsWithOneLine(
      initWebGpu(loader),
      /^backend: 'webgpu' found no GPU adapter: Dawn's requestAdapter\(\) returned null although a Vulkan loader and driver are present; check the driver with vulkaninfo/,
    );
  });

  test('no adapter off Linux (no Vulkan to check) gives the generic reason', async () => {
    const { loader, events } = fakeLoader({ adapter: false, vulkanLoader: null });
    await rejectsWithOneLine(initWebGpu(loader), /requestAdapter\(\) returned null/);
    assert.ok(!events.includes('vulkanDrivers'));
  });

  test('a backend package that registers nothing (imported before navigator.gpu was set) is one line saying so', async () => {
    const { loader } = fakeLoader({ registers: false });
    await rejectsWithOneLine(
      initWebGpu(loader),
      /^backend: 'webgpu': @tensorflow\/tfjs-backend-webgpu registered no backend \(it was imported before navigator\.gpu was set\)/,
    );
  });
});

describe("useBackend('webgpu' | 'auto') without a GPU", () => {
  test('webgpu and auto are backend choices (the CLI and the bench take theirs from BACKENDS)', () => {
    assert.ok(BACKENDS.includes('webgpu'));
    assert.ok(BACKENDS.includes('auto'));
  });

  test("native: 'on' with webgpu is refused like with cpu, before anything is loaded", async () => {
    const { loader, events } = fakeLoader();
    await rejectsWithOneLine(
      useBackend('webgpu', { native: 'on', webgpuLoader: loader }),
      /native 'on': native kernels run on the wasm backend, not compute\.backend 'webgpu'/,
    );
    assert.deepEqual(events, []);
  });

  test('auto falls back to wasm when there is no adapter, and says why', async () => {
    const { loader } = fakeLoader({ adapter: false, vulkanLoader: false });
    const reasons: string[] = [];
    assert.equal(await useBackend('auto', { webgpuLoader: loader, onAutoFallback: (r) => reasons.push(r) }), 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(reasons.length, 1);
    assert.match(reasons[0], /no Vulkan loader/);
  });

  test("auto with native: 'on' goes to wasm without looking for a GPU", async () => {
    const { loader, events } = fakeLoader();
    try {
      assert.equal(await useBackend('auto', { native: 'on', webgpuLoader: loader }), 'wasm');
    } catch (e) {
      // Where the native addon is not built, native 'on' is refused: the message names the native kernels, not the GPU.
      assert.match((e as Error).message, /^native/);
    }
    assert.deepEqual(events, [], 'no GPU probe');
  });

  test('auto falls back to wasm on this machine with the real loader', { skip: isDawnInstalled ? 'the webgpu package is installed here' : false }, async () => {
    const reasons: string[] = [];
    assert.equal(await useBackend('auto', { onAutoFallback: (r) => reasons.push(r) }), 'wasm');
    assert.match(reasons[0], /needs the optional package webgpu/);
  });

  test(
    "useBackend('webgpu') on this machine names the missing package",
    { skip: isDawnInstalled ? 'the webgpu package is installed here' : false },
    async () => {
      await rejectsWithOneLine(
        useBackend('webgpu'),
        /^backend: 'webgpu' needs the optional package webgpu \(Dawn\), which is not installed; npm install webgpu@0\.6\.2/,
      );
    },
  );
});

describe('the Vulkan checks', () => {
  test('hasVulkanLoader answers true or false on Linux (dlopen of libvulkan.so.1), null elsewhere', () => {
    const has = NODE_WEBGPU_LOADER.hasVulkanLoader();
    if (process.platform === 'linux') assert.equal(typeof has, 'boolean');
    else assert.equal(has, null);
  });

  test('findVulkanDrivers reads VK_DRIVER_FILES (or VK_ICD_FILENAMES) when set, keeping files that exist', () => {
    const icd = join(root, 'nvidia_icd.json');
    writeFileSync(icd, '{}');
    assert.deepEqual(findVulkanDrivers({ VK_DRIVER_FILES: `${icd}:${join(root, 'absent.json')}` }), [icd]);
    assert.deepEqual(findVulkanDrivers({ VK_ICD_FILENAMES: icd }), [icd]);
  });

  test("findVulkanDrivers searches the loader's folders: XDG_DATA_DIRS/vulkan/icd.d among them", () => {
    const data = join(root, 'share');
    mkdirSync(join(data, 'vulkan/icd.d'), { recursive: true });
    writeFileSync(join(data, 'vulkan/icd.d/lvp_icd.x86_64.json'), '{}');
    const found = findVulkanDrivers({ XDG_DATA_DIRS: data, XDG_CONFIG_DIRS: join(root, 'none'), XDG_DATA_HOME: join(root, 'none') });
    assert.ok(found.includes(join(data, 'vulkan/icd.d/lvp_icd.x86_64.json')), found.join(', '));
  });
});
