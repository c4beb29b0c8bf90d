/**
 * For test/cli/internal-errors.test.ts: loads the wasm backend the way the bench and the worker
 * threads do (useBackend, no CLI handlers), then throws outside any caller.
 */
import { useBackend } from '../../src/node/compute/backend.js';

void useBackend('wasm').then(() =>
  setTimeout(() => {
    throw new Error('thrown after the wasm backend loaded');
  }, 10),
);
