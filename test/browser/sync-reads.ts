/**
 * Records synchronous tensor reads (`Tensor.prototype.dataSync`, `arraySync`, `bufferSync`) where
 * the browser test runs vaekit: browser-safe code must read with `await data()`, since the WebGPU
 * backend cannot read synchronously at all. Reads still happen; each is recorded with its stack.
 */
import * as tf from '@tensorflow/tfjs';

const SYNC_READS = ['dataSync', 'arraySync', 'bufferSync'] as const;
const seen: string[] = [];
let isWatching = false;

/** From now on, records every synchronous read of any tensor of this tfjs. */
export function watchSyncReads(): void {
  if (isWatching) return;
  isWatching = true;
  const proto = tf.Tensor.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of SYNC_READS) {
    const original = proto[name];
    proto[name] = function (this: tf.Tensor, ...args: unknown[]) {
      const stack = (new Error().stack ?? '').split('\n').slice(2, 10).join('\n');
      seen.push(`${name}() of a [${this.shape.join(', ')}] tensor\n${stack}`);
      return original.apply(this, args);
    };
  }
}

/** The reads recorded since the last call, each distinct one once with its count, oldest first; clears the record. */
export function takeSyncReads(): string[] {
  const counts = new Map<string, number>();
  for (const read of seen.splice(0)) counts.set(read, (counts.get(read) ?? 0) + 1);
  return [...counts].map(([read, n]) => (n > 1 ? `${n}× ${read}` : read));
}
