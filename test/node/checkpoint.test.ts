/**
 * Training checkpoints (src/node/checkpoint.ts): exact round trip of weights, Adam's slots and the
 * trainer state; corrupt files rejected with CheckpointError naming the file and the problem; and a
 * write that dies half-way leaves the previous checkpoint readable. CPU backend, a 6-5-2 VAE.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, VaeError } from '../../src/errors.js';
import { VAE } from '../../src/models/vae.js';
import { useBackend } from '../../src/node/compute/backend.js';
import { readCheckpoint, writeCheckpoint } from '../../src/node/formats/checkpoint.js';
import { removeStaleTempFiles } from '../../src/node/formats/atomic.js';
import { negativeElboLoss } from '../../src/objectives/elbo.js';
import { restoreOptimizer } from '../../src/training/optimizer.js';
import { resolveTrainOptions } from '../../src/training/options.js';
import { initialTrainerState, makeOptimizer, type TrainerState } from '../../src/training/trainer.js';
import { assertNoTensorLeak } from '../helpers/assert.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-checkpoint-'));
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await useBackend('cpu');
});

/** 4 examples of 6 values in [0, 1]: x[b, d] = ((7b + 3d) mod 10) / 9. */
const xs = () =>
  tf.tensor2d(
    Array.from({ length: 24 }, (_, i) => ((7 * Math.floor(i / 6) + 3 * (i % 6)) % 10) / 9),
    [4, 6],
  );

/** A 6-5-2 VAE after `steps` Adam steps, so its slots are non-zero. Caller disposes both. */
function trainedModel(steps = 3): { vae: VAE; optimizer: tf.Optimizer } {
  const vae = new VAE({ inputShape: [6], latentDim: 2, hidden: [5], seed: 3 });
  const optimizer = makeOptimizer(1e-2);
  step(vae, optimizer, steps);
  return { vae, optimizer };
}

/** `n` Adam steps on xs() with ε seeds 11, 12, …. */
function step(vae: VAE, optimizer: tf.Optimizer, n: number): void {
  const x = xs();
  for (let i = 0; i < n; i++) {
    optimizer.minimize(() => negativeElboLoss(vae, { x }, { seed: 11 + i, step: i, klWeight: 1 }).loss, false, vae.trainableVariables());
  }
  x.dispose();
}

const STATE: TrainerState = {
  ...initialTrainerState(),
  epoch: 3,
  step: 2,
  partial: { examples: 8, seconds: 0.5, loss: 10.5, terms: { reconstruction: 9.25, kl: 1.25 } },
  bestValLoss: 4.125,
  bestEpoch: 2,
  epochsWithoutImprovement: 1,
};
const OPTIONS = resolveTrainOptions({ epochs: 5, batchSize: 4, seed: 9 });

/** Encoder mean and logVar of xs(), and decoder output at fixed z, as plain arrays. */
function outputs(vae: VAE): number[][] {
  return tf.tidy(() => {
    const { mean, logVar } = vae.encode(xs());
    const dec = vae.decode(tf.tensor2d([0.5, -1, 2, 0.25], [2, 2]));
    return [mean, logVar, dec].map((t) => Array.from(t.dataSync()));
  });
}

async function slotValues(ws: Array<{ name: string; tensor: tf.Tensor }>): Promise<Array<[string, number[]]>> {
  return Promise.all(ws.map(async (w) => [w.name, Array.from(await w.tensor.data())] as [string, number[]]));
}

/** A copy of a checkpoint file's bytes with its JSON header edited. */
function withHeader(buf: Buffer, edit: (h: Record<string, unknown>) => void): Buffer {
  const len = buf.readUInt32LE(8);
  const header = JSON.parse(buf.subarray(12, 12 + len).toString('utf8'));
  edit(header);
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  json = Buffer.concat([json, Buffer.alloc((4 - (json.length % 4)) % 4, 0x20)]);
  const lenBytes = Buffer.alloc(4);
  lenBytes.writeUInt32LE(json.length);
  return Buffer.concat([buf.subarray(0, 8), lenBytes, json, buf.subarray(12 + len)]);
}

/** Asserts that reading `bytes` as a checkpoint throws CheckpointError whose message names the file and matches `problem`. */
async function assertRejected(name: string, bytes: Buffer, problem: RegExp): Promise<void> {
  const path = join(root, name);
  writeFileSync(path, bytes);
  await assert.rejects(readCheckpoint(path), (e: unknown) => {
    assert.ok(e instanceof CheckpointError, `expected a CheckpointError, got ${String(e)}`);
    assert.ok(e.message.startsWith(`${path}: `), `the message does not start with the file: ${e.message}`);
    assert.match(e.message, problem);
    return true;
  });
}

const tempFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('writeCheckpoint / readCheckpoint round trip', () => {
  test('restores a model with identical encoder and decoder outputs', async () => {
    const { vae, optimizer } = trainedModel();
    const path = join(root, 'round-trip.vkc');
    await writeCheckpoint(path, { model: vae, optimizer, state: STATE, trainOptions: OPTIONS, extra: { data: 'toy' } });
    const ckpt = await readCheckpoint(path);
    const restored = (await ckpt.restoreModel()) as VAE;
    assert.deepEqual(outputs(restored), outputs(vae));
    assert.deepEqual(await restored.describe(), await vae.describe());
    restored.dispose();
    vae.dispose();
    optimizer.dispose();
  });

  test("restores Adam's slots and iteration count, so the next step is the same as without the round trip", async () => {
    const { vae, optimizer } = trainedModel();
    const path = join(root, 'slots.vkc');
    await writeCheckpoint(path, { model: vae, optimizer, state: STATE, trainOptions: OPTIONS });
    const ckpt = await readCheckpoint(path);
    const saved = ckpt.optimizerWeights();
    const original = await optimizer.getWeights();
    assert.equal(saved.length, 1 + 2 * vae.trainableVariables().length, 'iterations + first and second moments per variable');
    assert.deepEqual(await slotValues(saved), await slotValues(original));
    assert.deepEqual(Array.from(await saved[0].tensor.data()), [3], 'iterations');

    const restored = (await ckpt.restoreModel()) as VAE;
    const optimizer2 = makeOptimizer(1e-2);
    await restoreOptimizer(optimizer2, saved); // what train() does on resume
    tf.dispose([...saved.map((w) => w.tensor), original[0].tensor]);
    step(vae, optimizer, 2);
    step(restored, optimizer2, 2);
    assert.deepEqual(outputs(restored), outputs(vae), 'the models diverged after two more Adam steps');
    for (const m of [vae, restored]) m.dispose();
    optimizer.dispose();
    optimizer2.dispose();
  });

  test('keeps the trainer state, training options, extra data and model description', async () => {
    const { vae, optimizer } = trainedModel(1);
    vae.preprocessing = { scale: 255, binarize: 'dynamic' };
    const state = {
      ...STATE,
      history: [
        {
          version: 3,
          epoch: 1,
          trainLoss: 1.5,
          reconstruction: 1,
          kl: 0.5,
          terms: { reconstruction: 1, kl: 0.5 },
          klPerDimension: [0.3, 0.2],
          activeUnits: 2,
          logLikelihood: null,
        } as unknown as TrainerState['history'][number],
      ],
    };
    const path = join(root, 'state.vkc');
    await writeCheckpoint(path, { model: vae, optimizer, state, trainOptions: OPTIONS, extra: { data: 'toy', backend: 'cpu' } });
    const ckpt = await readCheckpoint(path);
    assert.deepEqual(ckpt.state, state);
    assert.deepEqual(ckpt.trainOptions, OPTIONS);
    assert.deepEqual(ckpt.extra, { data: 'toy', backend: 'cpu' });
    assert.deepEqual(ckpt.description, JSON.parse(JSON.stringify(await vae.describe())));
    assert.ok(!Number.isNaN(Date.parse(ckpt.savedAt)), `savedAt ${ckpt.savedAt}`);
    assert.deepEqual(tempFiles(root), []);
    vae.dispose();
    optimizer.dispose();
  });

  test('writing a checkpoint leaves no tensor alive', async () => {
    const { vae, optimizer } = trainedModel(1);
    await assertNoTensorLeak(() => writeCheckpoint(join(root, 'leak.vkc'), { model: vae, optimizer, state: STATE, trainOptions: OPTIONS }));
    vae.dispose();
    optimizer.dispose();
  });
});

describe('readCheckpoint on a damaged file', () => {
  let good: Buffer;
  before(async () => {
    const { vae, optimizer } = trainedModel(1);
    const path = join(root, 'good.vkc');
    await writeCheckpoint(path, { model: vae, optimizer, state: STATE, trainOptions: OPTIONS });
    good = readFileSync(path);
    vae.dispose();
    optimizer.dispose();
  });

  test('a file cut short in the tensor data throws CheckpointError saying it is truncated', async () => {
    await assertRejected('cut-data.vkc', good.subarray(0, good.length - 10), /expected \d+ bytes of tensor data, got \d+ \(truncated\)/);
  });

  test('a file cut short in the header throws CheckpointError saying the header is truncated', async () => {
    await assertRejected('cut-header.vkc', good.subarray(0, 40), /truncated header/);
  });

  test('one flipped byte in the tensor data throws CheckpointError for the checksum mismatch', async () => {
    const bad = Buffer.from(good);
    bad[bad.length - 5] ^= 0x40;
    await assertRejected('flipped.vkc', bad, /checksum mismatch/);
  });

  test('a file of another kind (wrong magic) throws CheckpointError naming the expected magic', async () => {
    const bad = Buffer.concat([Buffer.from('PK\x03\x04zip!', 'latin1'), good.subarray(8)]);
    await assertRejected('magic.vkc', bad, /expected a vaekit checkpoint \(magic 'VAEKITCK'\), got "PK\\u0003\\u0004zip!"/);
    await assertRejected('empty.vkc', Buffer.alloc(0), /expected a vaekit checkpoint/);
  });

  test('a newer format version throws CheckpointError naming both versions', async () => {
    await assertRejected(
      'version.vkc',
      withHeader(good, (h) => (h.version = 2)),
      /expected checkpoint version 1, got 2/,
    );
  });

  test('a header that is not JSON throws CheckpointError for a corrupt header', async () => {
    const bad = Buffer.from(good);
    bad.write('}}}}', 12, 'latin1');
    await assertRejected('header-json.vkc', bad, /corrupt header/);
  });

  test('a missing file throws CheckpointError naming it', async () => {
    const path = join(root, 'absent.vkc');
    await assert.rejects(readCheckpoint(path), (e: unknown) => e instanceof CheckpointError && e.message === `${path}: no such checkpoint file`);
  });

  test('weights for another architecture throw CheckpointError on restoreModel', async () => {
    const path = join(root, 'arch.vkc');
    writeFileSync(
      path,
      withHeader(good, (h) => ((h.description as { config: { encoder: { hidden: number[] } } }).config.encoder.hidden = [5, 5])),
    );
    const ckpt = await readCheckpoint(path);
    const before = tf.memory().numTensors;
    await assert.rejects(ckpt.restoreModel(), (e: unknown) => e instanceof CheckpointError && /expected 8 encoder tensors, got 6/.test(e.message));
    assert.equal(tf.memory().numTensors, before, 'tensors leaked on the failed restore');
  });
});

describe('a checkpoint write that dies half-way', () => {
  /** Writes the previous checkpoint (epoch 1) into `dir` and returns its bytes. */
  async function previous(dir: string): Promise<Buffer> {
    const { vae, optimizer } = trainedModel(1);
    await writeCheckpoint(join(dir, 'checkpoint.vkc'), { model: vae, optimizer, state: { ...STATE, epoch: 1 }, trainOptions: OPTIONS });
    vae.dispose();
    optimizer.dispose();
    return readFileSync(join(dir, 'checkpoint.vkc'));
  }

  test('a process killed (SIGKILL) in the middle of writing leaves the previous checkpoint readable and unchanged', async () => {
    const dir = mkdtempSync(join(root, 'killed-'));
    const path = join(dir, 'checkpoint.vkc');
    const old = await previous(dir);
    const childScript = fileURLToPath(new URL('./checkpoint-crash-child.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, path], {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      const first = await new Promise<unknown>((resolve) => {
        child.once('message', resolve);
        child.once('exit', () => resolve('exited'));
      });
      assert.equal(first, 'half-written', `the child did not reach the middle of the write; stderr:\n${stderr}`);
      child.kill('SIGKILL');
      const { signal } = await exit;
      assert.equal(signal, 'SIGKILL');
    } finally {
      clearTimeout(guard);
      child.kill('SIGKILL');
    }
    // The half-written new checkpoint is a temporary file beside the old one, which is untouched.
    const partial = tempFiles(dir);
    assert.equal(partial.length, 1, `expected the killed write's temporary file, found ${readdirSync(dir).join(', ')}`);
    assert.ok(statSync(join(dir, partial[0])).size > 0);
    assert.deepEqual(readFileSync(path), old);
    const ckpt = await readCheckpoint(path);
    assert.equal(ckpt.state.epoch, 1);
    // The next run in that folder clears the dead process's temporary file, and only that.
    const live = join(dir, `.checkpoint.vkc.${process.pid}.0123456789ab.tmp`);
    writeFileSync(live, 'a write in progress in a live process');
    assert.deepEqual(await removeStaleTempFiles(dir), partial);
    assert.deepEqual(tempFiles(dir), [basename(live)]);
    assert.deepEqual(readFileSync(path), old);
  });

  test('a write error half-way (disk full) rejects with VaeError naming the file, keeps the previous checkpoint and removes the temporary file', async () => {
    const dir = mkdtempSync(join(root, 'enospc-'));
    const path = join(dir, 'checkpoint.vkc');
    const old = await previous(dir);
    const probe = await open(join(dir, 'probe'), 'w');
    type Handle = { write(b: Uint8Array, o: number, l: number): Promise<unknown> };
    const proto = Object.getPrototypeOf(probe) as { writeFile: (this: Handle, data: Uint8Array | string) => Promise<void> };
    await probe.close();
    rmSync(join(dir, 'probe'));
    const original = proto.writeFile;
    proto.writeFile = async function (data) {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      await this.write(bytes, 0, bytes.length >> 1);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    const { vae, optimizer } = trainedModel(2);
    try {
      await assert.rejects(writeCheckpoint(path, { model: vae, optimizer, state: { ...STATE, epoch: 2 }, trainOptions: OPTIONS }), (e: unknown) => {
        assert.ok(e instanceof VaeError, String(e));
        assert.ok(e.message.includes(path), e.message);
        assert.match(e.message, /ENOSPC/);
        return true;
      });
    } finally {
      proto.writeFile = original;
      vae.dispose();
      optimizer.dispose();
    }
    assert.deepEqual(readdirSync(dir), ['checkpoint.vkc']);
    assert.deepEqual(readFileSync(path), old);
    assert.equal((await readCheckpoint(path)).state.epoch, 1);
  });
});
