/**
 * Picks and initialises the TensorFlow.js compute backend for Node entry points (CLI, bench,
 * tests). The library itself never calls tf.setBackend.
 *
 * - `wasm` (default): @tensorflow/tfjs-backend-wasm, SIMD, with vaekit's transposed-matmul fix.
 * - `cpu`: the plain JavaScript backend (about 7× slower for training; the reference for tests).
 * - `tensorflow`: @tensorflow/tfjs-node (native TensorFlow), used only if the user installed it;
 *   vaekit never depends on it.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors.js';
import { installWasmMatMulFix } from '../backend/wasm-matmul.js';

export const BACKENDS = ['wasm', 'cpu', 'tensorflow'] as const;
export type BackendName = (typeof BACKENDS)[number];

/**
 * Makes `name` the active backend and waits until it is ready.
 * @returns the name tfjs reports as active
 * @throws ConfigError for an unknown name, or `tensorflow` when @tensorflow/tfjs-node is not installed
 */
export async function useBackend(name: BackendName = 'wasm'): Promise<string> {
  if (!BACKENDS.includes(name)) {
    throw new ConfigError(`backend: expected one of ${BACKENDS.join(', ')}, got '${name}'`);
  }
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    installWasmMatMulFix('wasm');
  } else if (name === 'tensorflow') {
    try {
      const modName = '@tensorflow/tfjs-node';
      await import(modName);
    } catch (cause) {
      throw new ConfigError(
        "backend: 'tensorflow' needs @tensorflow/tfjs-node, which is not installed " +
          '(npm install @tensorflow/tfjs-node where its native binary can be downloaded); use --backend wasm',
        { cause },
      );
    }
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new ConfigError(`backend: '${name}' failed to initialise`);
  await tf.ready();
  if (name === 'cpu') {
    // The cpu backend prints a banner advising tfjs-node on its first tensor; vaekit's README and
    // --backend help already say what each backend gives, so keep the CLI's output clean.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  }
  return tf.getBackend();
}
