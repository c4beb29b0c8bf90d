/**
 * The addon's own GEMM (native/matmul.c), used for the native matmuls and convolutions where no
 * OpenBLAS loads: every microkernel this CPU runs (AVX-512, AVX2 + FMA, portable C) against a
 * float64 product computed here, over edge sizes, the four transpose forms, bias and every
 * activation, broadcast batches and thread splits; then through tfjs (matMul, a fused matMul, a
 * VAE's training steps) against the `cpu` backend, and the fresh-machine fallback in a child process.
 *
 * The own GEMM is forced even where OpenBLAS exists (`load(threads, 'own', kernel)` on the addon,
 * `installNativeKernels(…, { gemm: 'own' })` for tfjs). Skipped where the addon is not built, and
 * says so; VAEKIT_NATIVE=on (CI, .ci/run) makes that a failure.
 */
import { test } from 'node:test';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/node/compute/backend.js';
import {
  describeNativeKernels,
  installNativeKernels,
  nativeKernelsInfo,
  GEMM_MICROKERNELS,
  type GemmMicrokernel,
} from '../../src/node/compute/native-kernels.js';
import { ConfigError } from '../../src/errors.js';
import { makeOptimizer } from '../../src/training/optimizer.js';
import { VAE } from '../../src/models/vae.js';
import { negativeElboLoss } from '../../src/objectives/elbo.js';
import { assertAllClose } from '../helpers/assert.js';
import { MATMUL_CASES, wasmAndCpu, nativeSkip } from '../helpers/backends.js';

await useBackend('wasm');
const skip = nativeSkip('addon');

interface Addon {
  load(threads: number, library?: string, kernel?: string): { library: string; core: string; threads: number; openblasError?: string };
  gemm(heap: ArrayBuffer, ...args: number[]): void;
}
const addon = (): Addon => createRequire(import.meta.url)('../../build/Release/vaekit_native.node') as Addon;

/** The microkernels this CPU runs, with their tiles [mr, nr]; the others with why they are skipped. */
function microkernels(): Array<{ kernel: GemmMicrokernel; tile: [number, number]; skip: string | false }> {
  return GEMM_MICROKERNELS.map((kernel) => {
    if (skip) return { kernel, tile: [4, 16], skip };
    try {
      const { core } = addon().load(0, 'own', kernel); // core: 'avx512 12x32'
      const [mr, nr] = core.split(' ')[1].split('x').map(Number);
      return { kernel, tile: [mr, nr], skip: false };
    } catch (e) {
      return { kernel, tile: [4, 16], skip: `this CPU cannot run the ${kernel} microkernel (${(e as Error).message})` };
    }
  });
}
const KERNELS = microkernels();
/** Puts the GEMM back as installNativeKernels chose it (OpenBLAS where it loads), for the tests that follow. */
const restore = () => {
  if (!skip) installNativeKernels('auto');
};
restore();

/** A deterministic pseudo-random float32 in [-1, 1) (a fixed LCG), so failures reproduce. */
function filler(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround(s / 2 ** 31 - 1);
  };
}

const ACTIVATIONS = ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu'] as const;
type Activation = (typeof ACTIVATIONS)[number];
const LEAKY_ALPHA = 0.2;
function activate(x: number, activation: Activation): number {
  switch (activation) {
    case 'relu':
      return Math.max(x, 0);
    case 'relu6':
      return Math.min(Math.max(x, 0), 6);
    case 'leakyrelu':
      return x > 0 ? x : LEAKY_ALPHA * x;
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
    case 'elu':
      return x > 0 ? x : Math.expm1(x);
    default:
      return x;
  }
}

interface Product {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** A or B is one matrix shared by every batch entry (stride 0). */
  broadcast?: 'a' | 'b';
  bias?: boolean;
  activation?: Activation;
}

/**
 * Runs one product on the addon over a fresh heap: A [batchA, m, k] (stored [k, m] per entry when
 * transposed), B [batchB, k, n] (stored [n, k] when transposed), C [batch, m, n] filled with NaN
 * first (a GEMM that read C would keep it). Returns C and the float64 reference act(op(A)·op(B) + bias)
 * with Σ_p |op(A)_ip op(B)_pj| + |bias_j| per element, the scale a float32 sum's error grows with.
 */
function runProduct(p: Product, seed: number): { out: Float32Array; expected: Float64Array; scale: Float64Array } {
  const { batch, m, n, k, transA, transB } = p;
  const batchA = p.broadcast === 'a' ? 1 : batch;
  const batchB = p.broadcast === 'b' ? 1 : batch;
  const sizes = [batchA * m * k, batchB * k * n, batch * m * n, n];
  const offsets = [0];
  for (const s of sizes) offsets.push(offsets[offsets.length - 1] + s * 4);
  const heap = new ArrayBuffer(offsets[4]);
  const [a, b, c, bias] = sizes.map((s, i) => new Float32Array(heap, offsets[i], s));
  const next = filler(seed);
  a.forEach((_, i) => (a[i] = next()));
  b.forEach((_, i) => (b[i] = next()));
  bias.forEach((_, i) => (bias[i] = next()));
  c.fill(NaN);
  const activation = p.activation ?? 'linear';
  addon().gemm(
    heap,
    batch,
    m,
    n,
    k,
    transA ? 1 : 0,
    transB ? 1 : 0,
    offsets[0],
    batchA === 1 ? 0 : m * k * 4,
    offsets[1],
    batchB === 1 ? 0 : k * n * 4,
    offsets[2],
    p.bias ? offsets[3] : -1,
    ACTIVATIONS.indexOf(activation),
    LEAKY_ALPHA,
  );
  const expected = new Float64Array(batch * m * n);
  const scale = new Float64Array(batch * m * n);
  for (let e = 0; e < batch; e++) {
    const aBase = batchA === 1 ? 0 : e * m * k;
    const bBase = batchB === 1 ? 0 : e * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = p.bias ? bias[j] : 0;
        let abs = p.bias ? Math.abs(bias[j]) : 0;
        for (let q = 0; q < k; q++) {
          const x = a[aBase + (transA ? q * m + i : i * k + q)] * b[bBase + (transB ? j * k + q : q * n + j)];
          sum += x;
          abs += Math.abs(x);
        }
        expected[(e * m + i) * n + j] = activate(sum, activation);
        scale[(e * m + i) * n + j] = abs;
      }
    }
  }
  return { out: Float32Array.from(c), expected, scale };
}

/**
 * |out − expected| ≤ 1e-5 · Σ|terms| + 1e-6 for every element: a float32 sum of k terms errs by at
 * most about k·2⁻²⁴·Σ|terms| (k ≤ 600 here: 3.6e-5), typically by √k·2⁻²⁴ (1.5e-6); the activations
 * here have slope at most 1. No NaN survives from the NaN-filled output.
 */
function assertProductClose(p: Product, seed: number, label: string): void {
  const { out, expected, scale } = runProduct(p, seed);
  for (let i = 0; i < out.length; i++) {
    const err = Math.abs(out[i] - expected[i]);
    if (!(err <= 1e-5 * scale[i] + 1e-6)) {
      assert.fail(`${label}: element ${i} is ${out[i]}, expected ${expected[i]} (error ${err}, tolerance ${1e-5 * scale[i] + 1e-6})`);
    }
  }
}

for (const { kernel, tile, skip: why } of KERNELS) {
  const [mr, nr] = tile;
  test(`the own GEMM's ${kernel} microkernel equals a float64 product at edge sizes, for all four transpose forms`, { skip: why }, () => {
    addon().load(1, 'own', kernel);
    try {
      // 1, a tile less one, a tile plus one, and sizes past the blocks (kc = 256 deep, mc = 144 tall, nc = 4096 wide).
      const ms = [1, mr - 1, mr + 1, 2 * mr + 3, 145];
      const ns = [1, nr - 1, nr + 1, 2 * nr + 5];
      const ks = [1, 7, 257, 300];
      let seed = 1;
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const m of ms) {
            for (const n of ns) {
              for (const k of ks) {
                if (m * n * k > 3_000_000) continue; // the float64 reference runs in JS
                assertProductClose({ batch: 1, m, n, k, transA, transB }, seed++, `${kernel} ${m}×${k}·${k}×${n} tA ${transA} tB ${transB}`);
              }
            }
          }
          assertProductClose({ batch: 1, m: 3, n: 4100, k: 5, transA, transB }, seed++, `${kernel} 3×5·5×4100 tA ${transA} tB ${transB}`);
        }
      }
    } finally {
      restore();
    }
  });

  test(`the own GEMM's ${kernel} microkernel adds the bias and applies each activation after the product`, { skip: why }, () => {
    addon().load(1, 'own', kernel);
    try {
      let seed = 100;
      for (const activation of ACTIVATIONS) {
        for (const [transA, transB] of [
          [false, false],
          [true, true],
        ]) {
          // The products here are around ±2, so sigmoid, relu6 and elu each see both sides.
          assertProductClose({ batch: 1, m: mr + 1, n: nr + 3, k: 33, transA, transB, bias: true, activation }, seed++, `${kernel} ${activation}`);
        }
      }
    } finally {
      restore();
    }
  });

  test(`the own GEMM's ${kernel} microkernel multiplies batches, with either operand broadcast (stride 0)`, { skip: why }, () => {
    addon().load(1, 'own', kernel);
    try {
      let seed = 200;
      for (const broadcast of [undefined, 'a', 'b'] as const) {
        for (const [transA, transB] of [
          [false, true],
          [true, false],
        ]) {
          assertProductClose(
            { batch: 3, m: mr + 2, n: nr - 1, k: 19, transA, transB, broadcast, bias: true, activation: 'relu' },
            seed++,
            `${kernel} batch 3 broadcast ${broadcast}`,
          );
        }
      }
    } finally {
      restore();
    }
  });

  test(`the own GEMM's ${kernel} microkernel with k = 0 gives zeros, or the bias through the activation`, { skip: why }, () => {
    addon().load(1, 'own', kernel);
    try {
      const { out } = runProduct({ batch: 1, m: 3, n: 5, k: 0, transA: false, transB: false }, 300);
      assert.deepEqual(Array.from(out), new Array(15).fill(0));
      assertProductClose({ batch: 2, m: 3, n: 5, k: 0, transA: true, transB: false, bias: true, activation: 'sigmoid' }, 301, `${kernel} k = 0`);
    } finally {
      restore();
    }
  });

  test(`the own GEMM's ${kernel} microkernel split over threads, by rows or by columns, gives the one-thread result bit for bit`, { skip: why }, () => {
    try {
      // m·n·k ≥ 2²² is split over the threads: by rows when m ≥ n, else by columns; the shares' edges
      // fall on tiles, but every element is summed in the same order wherever its tile is.
      for (const [m, n, k, transA, transB] of [
        [301, 150, 120, false, true],
        [70, 333, 200, true, false],
      ] as const) {
        addon().load(1, 'own', kernel);
        const one = runProduct({ batch: 1, m, n, k, transA, transB, bias: true }, 400).out;
        addon().load(2, 'own', kernel);
        const two = runProduct({ batch: 1, m, n, k, transA, transB, bias: true }, 400);
        assert.deepEqual(two.out, one, `${m}×${k}·${k}×${n} on 2 threads`);
        for (let i = 0; i < one.length; i++) assert.ok(Math.abs(one[i] - two.expected[i]) <= 1e-5 * two.scale[i] + 1e-6, `element ${i}`);
      }
    } finally {
      restore();
    }
  });
}

/** Runs `f` with VAEKIT_GEMM set to `value` (so every useBackend('wasm') in it installs that GEMM), then puts it back. */
async function withGemm<T>(value: string, f: () => Promise<T>): Promise<T> {
  const saved = process.env.VAEKIT_GEMM;
  process.env.VAEKIT_GEMM = value;
  try {
    return await f();
  } finally {
    if (saved == null) delete process.env.VAEKIT_GEMM;
    else process.env.VAEKIT_GEMM = saved;
    await useBackend('wasm');
  }
}

test('the own GEMM through tfjs: matMul in every form and a fused matMul equal the cpu backend', { skip }, async () => {
  const values = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
  const size = (shape: number[]) => shape.reduce((p, q) => p * q, 1);
  await withGemm('own', async () => {
    const cases: Array<[string, number[], number[], boolean, boolean]> = [...MATMUL_CASES, ['MNIST weight gradient', [128, 400], [128, 784], true, false]];
    for (const [name, aShape, bShape, ta, tb] of cases) {
      const av = values(size(aShape), (i) => Math.sin(i * 0.37));
      const bv = values(size(bShape), (i) => Math.cos(i * 0.11));
      const [out, ref] = await wasmAndCpu(() => tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape), ta, tb), { native: 'on' });
      assert.equal(nativeKernelsInfo()?.blas?.library, 'vaekit');
      assertAllClose(out, ref, { rtol: 1e-4, atol: 1e-4, message: name });
    }
    const [out, ref] = await wasmAndCpu(
      () =>
        tf.fused.matMul({
          a: tf.tensor(
            values(130 * 70, (i) => Math.sin(i)),
            [130, 70],
          ),
          b: tf.tensor(
            values(90 * 70, (i) => Math.cos(i * 0.3)),
            [90, 70],
          ),
          transposeB: true,
          bias: tf.tensor(values(90, (i) => i * 0.01 - 0.4)),
          activation: 'elu',
        }),
      { native: 'on' },
    );
    assertAllClose(out, ref, { rtol: 1e-5, atol: 1e-5 });
  });
});

test('a VAE trains on wasm with the own GEMM as on the cpu backend (losses and weights)', { skip }, async () => {
  /** Losses of `steps` Adam steps and the weights after them, on the backend now active. */
  const run = (): { losses: number[]; weights: Float32Array[] } => {
    const vae = new VAE({ inputShape: [64], latentDim: 4, hidden: [32], seed: 7 });
    const x = tf.tensor2d(
      Float32Array.from({ length: 40 * 64 }, (_, i) => (Math.sin(i * 1.9) > 0.25 ? 1 : 0)),
      [40, 64],
    );
    const optimizer = makeOptimizer(1e-2);
    const losses: number[] = [];
    for (let s = 1; s <= 10; s++) {
      const cost = optimizer.minimize(() => negativeElboLoss(vae, { x }, { seed: s, step: 0, klWeight: 1 }).loss, true, vae.trainableVariables());
      losses.push(cost!.dataSync()[0]);
      cost!.dispose();
    }
    const weights = vae.trainableVariables().map((v) => v.dataSync() as Float32Array);
    tf.dispose([x]);
    optimizer.dispose();
    vae.dispose();
    return { losses, weights };
  };
  await withGemm('own', async () => {
    await useBackend('cpu');
    const cpu = run();
    await useBackend('wasm', { native: 'on' });
    assert.equal(nativeKernelsInfo()?.blas?.library, 'vaekit');
    const kernel = tf.getKernel('_FusedMatMul', 'wasm') as unknown as Record<symbol, boolean>;
    assert.equal(kernel[Symbol.for('vaekit.nativeMatMul')], true, 'the native matmul is registered');
    const before = tf.memory().numTensors;
    const own = run();
    assert.equal(tf.memory().numTensors, before, 'training left tensors behind');
    assert.ok(cpu.losses[9] < cpu.losses[0] - 1, 'training reduced the loss');
    assertAllClose(own.losses, cpu.losses, { rtol: 1e-4, atol: 1e-4 });
    own.weights.forEach((w, i) => assertAllClose(w, cpu.weights[i], { rtol: 1e-3, atol: 1e-4, message: `variable ${i}` }));
  });
});

test('without OpenBLAS the native matmuls run on the own GEMM, and the description line says which and why', { skip }, () => {
  const script = `
    const { useBackend } = await import('./src/node/compute/backend.ts');
    const nk = await import('./src/node/compute/native-kernels.ts');
    await useBackend('wasm', { native: 'on' });
    console.log(JSON.stringify(nk.nativeKernelsInfo().blas));
    console.log(nk.describeNativeKernels(nk.nativeKernelsInfo()));`;
  const env: NodeJS.ProcessEnv = { ...process.env, VAEKIT_OPENBLAS: '/nonexistent/libopenblas.so' };
  delete env.VAEKIT_GEMM;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000, env });
  assert.equal(r.status, 0, r.stderr);
  const [json, line] = r.stdout.trim().split('\n');
  const blas = JSON.parse(json) as { library: string; core: string; openblasError: string };
  assert.equal(blas.library, 'vaekit');
  assert.match(blas.core, /^(avx512 12x32|avx2 6x16|portable 6x8)$/);
  assert.match(blas.openblasError, /OpenBLAS not found at VAEKIT_OPENBLAS=\/nonexistent\/libopenblas\.so/);
  assert.match(
    line,
    /^own GEMM \((avx512|avx2|portable) \d+x\d+, \d+ threads; OpenBLAS not found at VAEKIT_OPENBLAS=.*\) matmuls, convolutions and their bias gradients, Adam, Bernoulli likelihood$/,
  );
});

test('the description line names OpenBLAS or the own GEMM with its microkernel', () => {
  const info = { conv: [], threads: 2 };
  assert.equal(
    describeNativeKernels({ ...info, blas: { library: 'openblas', core: 'SkylakeX', threads: 2 } }),
    'OpenBLAS (SkylakeX, 2 threads) matmuls, Adam, Bernoulli likelihood',
  );
  assert.equal(
    describeNativeKernels({ ...info, blas: { library: 'vaekit', core: 'avx2 6x16', threads: 2 } }),
    'own GEMM (avx2 6x16, 2 threads) matmuls, Adam, Bernoulli likelihood',
  );
});

test('an unknown gemm choice is a ConfigError, from the option and from VAEKIT_GEMM', { skip }, () => {
  assert.throws(
    () => installNativeKernels('on', 0, 'wasm', { gemm: 'sse' as 'own' }),
    (e: Error) => e instanceof ConfigError && /native: gemm: expected one of auto, own, avx512, avx2, portable, got 'sse'/.test(e.message),
  );
  const saved = process.env.VAEKIT_GEMM;
  process.env.VAEKIT_GEMM = 'fast';
  try {
    assert.throws(
      () => installNativeKernels('on'),
      (e: Error) => e instanceof ConfigError && /VAEKIT_GEMM: expected one of .*got 'fast'/.test(e.message),
    );
  } finally {
    if (saved == null) delete process.env.VAEKIT_GEMM;
    else process.env.VAEKIT_GEMM = saved;
    restore();
  }
});
