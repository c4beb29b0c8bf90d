/**
 * Child process of checkpoint.test.ts: starts writeCheckpoint(path) on a 784-256-8 VAE and stops
 * half-way through writing the file's bytes, tells the parent ('half-written') over IPC and waits
 * to be killed, so the parent's SIGKILL lands mid-write at a known point.
 *
 * Usage: node --import tsx test/node/checkpoint-crash-child.ts CHECKPOINT_PATH
 */
import { open, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { writeCheckpoint } from '../../src/node/formats/checkpoint.js';
import { resolveTrainOptions } from '../../src/training/options.js';
import { initialTrainerState, makeOptimizer } from '../../src/training/trainer.js';

const path = process.argv[2];
if (!path || !process.send) throw new Error('usage: node --import tsx checkpoint-crash-child.ts PATH (spawned with an IPC channel)');

await useBackend('cpu');
const vae = new VAE({ inputShape: [784], latentDim: 8, hidden: [256], seed: 1 });
const optimizer = makeOptimizer(1e-3);

// FileHandle.prototype.writeFile: write the first half of the bytes, then hang until killed.
const probePath = join(tmpdir(), `vaekit-crash-probe-${process.pid}`);
const probe = await open(probePath, 'w');
const proto = Object.getPrototypeOf(probe) as { writeFile(data: Uint8Array | string): Promise<void> };
await probe.close();
await unlink(probePath);
proto.writeFile = async function (this: { write(b: Uint8Array, o: number, l: number): Promise<unknown> }, data: Uint8Array | string) {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  await this.write(bytes, 0, bytes.length >> 1);
  process.send!('half-written');
  setInterval(() => {}, 1000); // stay alive until the parent's SIGKILL
  await new Promise(() => {});
};

await writeCheckpoint(path, { model: vae, optimizer, state: { ...initialTrainerState(), epoch: 99 }, trainOptions: resolveTrainOptions({}) });
process.send('finished'); // never reached while the patch holds
