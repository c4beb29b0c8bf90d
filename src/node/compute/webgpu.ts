/**
 * TensorFlow.js's WebGPU backend on Node through Dawn, Chrome's WebGPU implementation, which the
 * optional npm package `webgpu` ships prebuilt (dawn.node). vaekit never requires the package: this
 * module imports it only when asked for the backend.
 *
 * Order matters: @tensorflow/tfjs-backend-webgpu registers its backend only if `navigator.gpu`
 * exists when the module is evaluated, so `initWebGpu` sets `navigator.gpu = create([])` and the
 * `GPU*` globals (GPUBufferUsage, GPUShaderStage, …) first, and imports the backend's package after,
 * dynamically (a static import would be hoisted above the assignment and register nothing).
 *
 * On Linux Dawn runs on Vulkan: it needs the Vulkan loader (libvulkan.so.1) and the GPU vendor's
 * Vulkan driver (an ICD; NVIDIA's needs the glvnd libraries libGLX/libEGL). Without them
 * `requestAdapter()` returns null, and the error says which part is missing. Mesa's lavapipe
 * (a CPU Vulkan driver) in Debian bookworm lacks a feature Dawn requires, so there is no CPU stand-in.
 *
 * After initialising, vaekit's WGSL kernels are registered for 'webgpu' (src/backend/webgpu-*.ts):
 * the fused Bernoulli log-likelihood and its logits gradient, and Adam's in-place update.
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, setting } from '../../errors.js';
import { registerWebGpuKernels } from '../../backend/webgpu-kernels.js';
import { webGpuAdamUpdate } from '../../backend/webgpu-adam.js';
import { BERNOULLI_LOG_PROB_KERNEL } from '../../distributions/bernoulli.js';
import { setInPlaceAdamUpdate } from '../../training/optimizer.js';

/** The package versions vaekit was measured with (the install hint names them). */
export const WEBGPU_PACKAGE = 'webgpu@0.6.2';

/** What vaekit uses of a WebGPU adapter. */
export interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
}

/** The `navigator.gpu` object (GPU) that Dawn's `create()` returns, as far as vaekit uses it. */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

/** The `webgpu` package's exports. */
export interface DawnModule {
  create(options: string[]): GpuLike;
  globals: Record<string, unknown>;
}

/**
 * Where `initWebGpu` gets what it loads; a parameter so tests can hand it fakes and watch the order.
 * Each function is called at most once per `initWebGpu`.
 */
export interface WebGpuLoader {
  /** `import('webgpu')`. */
  loadDawn(): Promise<DawnModule>;
  /** `import('@tensorflow/tfjs-backend-webgpu')`, which registers the backend if `navigator.gpu` is set. */
  loadBackend(): Promise<unknown>;
  /** Whether the Vulkan loader (libvulkan.so.1) loads; null where Vulkan is not how Dawn reaches the GPU (macOS, Windows). */
  hasVulkanLoader(): boolean | null;
  /** The Vulkan drivers' ICD manifests the loader would find (paths). */
  vulkanDrivers(): string[];
}

/** What `initWebGpu` found. */
export interface WebGpuInfo {
  /** The adapter's vendor, architecture and description, as Dawn reports them ('' where it does not). */
  adapter: string;
}

/** Whether the shared library `name` loads (dlopen, honouring LD_LIBRARY_PATH and the ld cache). */
function sharedLibraryLoads(name: string): boolean {
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, name);
    return true;
  } catch (e) {
    // A library that loads but is no Node addon: "Module did not self-register".
    return !/cannot open shared object file|image not found|cannot find|No such file/i.test((e as Error).message);
  }
}

/** The Vulkan loader's driver manifests: VK_DRIVER_FILES / VK_ICD_FILENAMES, else its search folders. */
export function findVulkanDrivers(env: NodeJS.ProcessEnv = process.env): string[] {
  const listed = (env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES ?? '').split(':').filter((p) => p !== '');
  const added = (env.VK_ADD_DRIVER_FILES ?? '').split(':').filter((p) => p !== '');
  if (listed.length > 0) return [...listed, ...added].filter((p) => existsSync(p));
  const config = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  const data = [env.XDG_DATA_HOME || join(homedir(), '.local/share'), ...(env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':')];
  const folders = [...config.map((d) => join(d, 'vulkan/icd.d')), '/etc/vulkan/icd.d', ...data.map((d) => join(d, 'vulkan/icd.d'))];
  const found = folders.flatMap((dir) => {
    try {
      return readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => join(dir, f));
    } catch {
      return [];
    }
  });
  return [...found, ...added.filter((p) => existsSync(p))];
}

/** The real loader: the installed packages and this machine's Vulkan. */
export const NODE_WEBGPU_LOADER: WebGpuLoader = {
  loadDawn: () => {
    const name = 'webgpu'; // through a variable: an optional package TypeScript need not resolve
    return import(name) as Promise<DawnModule>;
  },
  loadBackend: () => import('@tensorflow/tfjs-backend-webgpu'),
  hasVulkanLoader: () => (process.platform === 'linux' ? sharedLibraryLoads('libvulkan.so.1') : null),
  vulkanDrivers: () => (process.platform === 'linux' ? findVulkanDrivers() : []),
};

const APT_VULKAN = 'apt-get install libvulkan1 libglvnd0 libgl1 libglx0 libegl1';

/** Why Dawn found no adapter, with the fix, from what the machine has. */
function noAdapterReason(loader: WebGpuLoader): string {
  const hasLoader = loader.hasVulkanLoader();
  if (hasLoader === false) {
    return `no Vulkan loader (libvulkan.so.1 does not load); ${APT_VULKAN} and the GPU vendor's Vulkan driver`;
  }
  if (hasLoader === true && loader.vulkanDrivers().length === 0) {
    return (
      'no Vulkan driver (no ICD manifest in VK_DRIVER_FILES, /etc/vulkan/icd.d or /usr/share/vulkan/icd.d); ' +
      `install the GPU vendor's Vulkan driver (NVIDIA: the driver's nvidia_icd.json and libGLX_nvidia.so.0, with ${APT_VULKAN.replace('apt-get install ', '')})`
    );
  }
  return (
    "Dawn's requestAdapter() returned null although a Vulkan loader and driver are present; check the driver with vulkaninfo " +
    "(Mesa's lavapipe lacks features Dawn needs, so a CPU-only machine has no adapter)"
  );
}

/** Sets `navigator.gpu` (keeping a navigator Node already has) and each `GPU*` global not yet defined. */
function installGlobals(dawn: DawnModule, gpu: GpuLike): void {
  const g = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (g[name] === undefined) Object.defineProperty(g, name, { value, configurable: true, writable: true });
  }
  const existing = g.navigator as object | undefined;
  if (existing != null) Object.defineProperty(existing, 'gpu', { value: gpu, configurable: true, writable: true });
  else Object.defineProperty(g, 'navigator', { value: { gpu }, configurable: true, writable: true });
}

/**
 * Makes TensorFlow.js's 'webgpu' backend available on Node (registered, not yet set): loads Dawn,
 * sets `navigator.gpu` and the `GPU*` globals, checks that an adapter exists, then imports
 * @tensorflow/tfjs-backend-webgpu and registers vaekit's WGSL kernels.
 * @param loader - where the packages and the Vulkan checks come from (tests pass fakes)
 * @param dawnOptions - Dawn's `create()` options, e.g. ['backend=vulkan']
 * @returns the adapter found
 * @throws ConfigError, one line saying what is missing and how to fix it: the `webgpu` package, its
 *   dawn.node, the Vulkan loader, a Vulkan driver, an adapter, or a backend registration (the
 *   backend's package imported before `navigator.gpu` was set)
 */
export async function initWebGpu(loader: WebGpuLoader = NODE_WEBGPU_LOADER, dawnOptions: string[] = []): Promise<WebGpuInfo> {
  let dawn: DawnModule;
  try {
    dawn = await loader.loadDawn();
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new ConfigError(
        `backend: 'webgpu' needs the optional package webgpu (Dawn), which is not installed; npm install ${WEBGPU_PACKAGE}, or use ${setting('compute.backend', 'wasm')}`,
        { cause },
      );
    }
    const first = String((cause as Error).message ?? cause).split('\n')[0];
    throw new ConfigError(
      `backend: 'webgpu': the webgpu package's dawn.node does not load on ${process.platform}-${process.arch} (${first}); reinstall ${WEBGPU_PACKAGE}`,
      {
        cause,
      },
    );
  }
  const gpu = dawn.create(dawnOptions);
  installGlobals(dawn, gpu);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter == null) throw new ConfigError(`backend: 'webgpu' found no GPU adapter: ${noAdapterReason(loader)}`);
  await loader.loadBackend();
  if (tf.findBackendFactory('webgpu') == null) {
    throw new ConfigError(
      "backend: 'webgpu': @tensorflow/tfjs-backend-webgpu registered no backend (it was imported before navigator.gpu was set); import it only through useBackend('webgpu')",
    );
  }
  registerWebGpuKernels({ bernoulliLogProb: BERNOULLI_LOG_PROB_KERNEL });
  setInPlaceAdamUpdate(webGpuAdamUpdate('webgpu'));
  const info = adapter.info ?? {};
  return { adapter: [info.vendor, info.architecture, info.description || info.device].filter((s) => s != null && s !== '').join(' ') };
}
