/**
 * Starting a worker script that sits beside this module. Under tsx (tests, bench) the modules are
 * .ts files and a worker does not inherit tsx's loader, so a small bootstrap registers it first;
 * in dist the .js file starts directly.
 */
import { nativeKernelsInfo } from '../compute/native-kernels.js';
import { Worker, type MessagePort } from 'node:worker_threads';
import { availableParallelism } from 'node:os';

/**
 * @param name - the script's base name, e.g. 'gradient-worker'
 * @param workerData - structured-cloned to the worker (SharedArrayBuffers are shared)
 */
export function startWorker(name: string, workerData: unknown, transferList: MessagePort[] = []): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, import.meta.url), { workerData, transferList });
  const script = new URL(`./${name}.ts`, import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(script)}); });`;
  return new Worker(code, { eval: true, workerData, transferList });
}

/** Default number of threads to compute on: one per core, at most 4. */
export function defaultNumThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * Threads and worker backend for an estimate on `backend`: worker threads run the wasm or cpu
 * backend; with tfjs-node (`tensorflow`) or vaekit's native matmuls (OpenBLAS or the addon's own GEMM) (they and the native
 * likelihood already use every core) the work stays on this thread unless the user asks for more.
 * @param requested - the user's --threads, if given (default {@link defaultNumThreads}, or 1 with native matmuls)
 */
export function workerThreadsFor(backend: string, requested?: number): { numThreads: number; backend?: 'wasm' | 'cpu' } {
  if (backend !== 'wasm' && backend !== 'cpu') return { numThreads: 1 };
  const native = backend === 'wasm' && nativeKernelsInfo()?.blas != null;
  return { numThreads: requested ?? (native ? 1 : defaultNumThreads()), backend };
}
