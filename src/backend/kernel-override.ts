/**
 * Replacing a registered tfjs kernel with a wrapper around it, and putting it back: the one
 * mechanism behind vaekit's wasm matmul fix (src/backend/wasm-matmul.ts) and its native kernels
 * (src/node/native-kernels.ts). Browser-safe: depends only on @tensorflow/tfjs.
 */
import * as tf from '@tensorflow/tfjs';

type Override = tf.KernelConfig & { previous?: tf.KernelConfig } & Record<symbol, boolean>;

/**
 * Registers, in place of the kernel `kernelName` on `backendName`, the kernel `make(previous)`
 * returns; `previous` is the one registered until now (the wrapper may hand it what it does not
 * cover). Marked with `marker`, so a second call with the same marker changes nothing. The wrapper
 * keeps the previous kernel's setup function (run when the backend initialises).
 * @returns false when no such kernel is registered (the backend's package was not imported)
 */
export function overrideKernel(kernelName: string, backendName: string, marker: symbol, make: (previous: tf.KernelConfig) => tf.KernelFunc): boolean {
  const previous = tf.getKernel(kernelName, backendName);
  if (previous == null) return false;
  if ((previous as Override)[marker]) return true;
  const config: Override = { ...previous, kernelFunc: make(previous), previous };
  config[marker] = true;
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(config);
  return true;
}

/** Puts back the kernel an {@link overrideKernel} with `marker` replaced; a no-op when none did. */
export function restoreKernel(kernelName: string, backendName: string, marker: symbol): void {
  const current = tf.getKernel(kernelName, backendName) as Override | undefined;
  if (current == null || !current[marker] || current.previous == null) return;
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(current.previous);
}
