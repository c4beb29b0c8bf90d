/**
 * GFLOP/s of the matrix products of one training step of the canonical MNIST VAE (784-400-20, batch
 * 128: the forward products, the backward ones with their transposes) and of a 1024³ product, on
 * each GEMM the wasm backend can use: the addon's own GEMM with each microkernel this CPU runs
 * (native/matmul.c), OpenBLAS with the kernels the environment picks (OPENBLAS_CORETYPE, or the
 * addon's pick from the CPU's feature bits) and with its SkylakeX (AVX-512) kernels (a child process:
 * OpenBLAS reads OPENBLAS_CORETYPE once, when it loads), and wasm's own XNNPACK (one thread; the
 * transposed forms through vaekit's explicit transpose, src/backend/wasm-matmul.ts). Each figure is
 * 2·m·n·k over the best of `--repeats` timings of a batch of products through `tf.matMul` on wasm
 * tensors (the kernel dispatch included), the products split over `--threads` (default: one per
 * core) as in training. Prints a table; asserts nothing.
 *
 *   node --import tsx bench/matmul.ts [--threads N] [--repeats 7] [--json FILE]
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/node/compute/backend.js';
import { GEMM_MICROKERNELS, installNativeKernels, nativeKernelsInfo } from '../src/node/compute/native-kernels.js';

const { values: a } = parseArgs({
  options: {
    threads: { type: 'string', default: '0' },
    repeats: { type: 'string', default: '7' },
    json: { type: 'string' },
    // Internal: the child process measures OpenBLAS only and prints its row as JSON.
    'openblas-only': { type: 'boolean', default: false },
  },
});
const threads = Number(a.threads);
const repeats = Number(a.repeats);

/** [label, a's shape, b's shape, transposeA, transposeB]: C = op(A)·op(B). */
const SHAPES: Array<[string, [number, number], [number, number], boolean, boolean]> = [
  ['x·W1 [128,784]×[784,400]', [128, 784], [784, 400], false, false],
  ['h·W4 [128,400]×[400,784]', [128, 400], [400, 784], false, false],
  ['h·Wμ [128,400]×[400,20]', [128, 400], [400, 20], false, false],
  ['z·W3 [128,20]×[20,400]', [128, 20], [20, 400], false, false],
  ['dW1 = xᵀ·dh [784,128]×[128,400]', [128, 784], [128, 400], true, false],
  ['dW4 = hᵀ·dy [400,128]×[128,784]', [128, 400], [128, 784], true, false],
  ['dh = dy·W4ᵀ [128,784]×[784,400]', [128, 784], [400, 784], false, true],
  ['dh = dμ·Wμᵀ [128,20]×[20,400]', [128, 20], [400, 20], false, true],
  ['1024×1024×1024', [1024, 1024], [1024, 1024], false, false],
];

/** GFLOP/s of each shape on whatever matmul kernel the wasm backend now has. */
function measure(): number[] {
  return SHAPES.map(([, aShape, bShape, ta, tb]) => {
    const x = tf.randomNormal(aShape);
    const y = tf.randomNormal(bShape);
    const m = ta ? aShape[1] : aShape[0];
    const k = ta ? aShape[0] : aShape[1];
    const n = tb ? bShape[0] : bShape[1];
    const flops = 2 * m * n * k;
    // About 20 ms of work per timing at 100 GFLOP/s, at least one product.
    const calls = Math.max(1, Math.round(2e9 / flops));
    const once = () => {
      for (let i = 0; i < calls; i++) tf.matMul(x, y, ta, tb).dispose();
    };
    once(); // warm-up: XNNPACK packs its weights, the threads start
    let best = Infinity;
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      once();
      best = Math.min(best, (performance.now() - t0) / calls);
    }
    tf.dispose([x, y]);
    return flops / (best * 1e-3) / 1e9;
  });
}

await useBackend('wasm');
if (a['openblas-only']) {
  const info = installNativeKernels('on', threads, 'wasm', { gemm: 'auto' });
  const row = info?.blas?.library === 'openblas' ? { label: `OpenBLAS ${info.blas.core}`, gflops: measure() } : null;
  console.log(JSON.stringify(row));
  process.exit(0);
}

const rows: Array<{ label: string; gflops: number[] }> = [];
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
console.log(`vaekit bench/matmul: GFLOP/s through tf.matMul on wasm tensors, best of ${repeats}; ${machine}`);

for (const gemm of GEMM_MICROKERNELS) {
  try {
    installNativeKernels('on', threads, 'wasm', { gemm });
  } catch (e) {
    console.log(`own GEMM ${gemm}: skipped (${(e as Error).message})`);
    continue;
  }
  const blas = nativeKernelsInfo()!.blas!;
  rows.push({ label: `own ${blas.core}, ${blas.threads} thr`, gflops: measure() });
}

const openblas = installNativeKernels('on', threads, 'wasm', { gemm: 'auto' })?.blas;
if (openblas?.library === 'openblas') {
  rows.push({ label: `OpenBLAS ${openblas.core} (env), ${openblas.threads} thr`, gflops: measure() });
  const env = { ...process.env, OPENBLAS_CORETYPE: 'SkylakeX' };
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--openblas-only', '--threads', String(threads), '--repeats', String(repeats)],
    {
      encoding: 'utf8',
      env,
    },
  );
  const row = child.status === 0 ? (JSON.parse(child.stdout.trim().split('\n').pop() ?? 'null') as (typeof rows)[number] | null) : null;
  if (row) rows.push({ label: `${row.label} (OPENBLAS_CORETYPE=SkylakeX), ${openblas.threads} thr`, gflops: row.gflops });
  else console.log(`OpenBLAS SkylakeX: the child failed (${child.status}): ${child.stderr.split('\n')[0]}`);
} else {
  console.log(`OpenBLAS: not loaded (${openblas?.openblasError ?? 'matmuls not native'})`);
}

await useBackend('wasm', { native: 'off' });
rows.push({ label: 'wasm XNNPACK, 1 thr', gflops: measure() });
await useBackend('wasm');

const width = Math.max(...SHAPES.map(([label]) => label.length));
console.log(`\n${'product'.padEnd(width)} | ${rows.map((r) => r.label).join(' | ')}`);
SHAPES.forEach(([label], i) => console.log(`${label.padEnd(width)} | ${rows.map((r) => r.gflops[i].toFixed(1).padStart(r.label.length)).join(' | ')}`));
if (a.json) writeFileSync(a.json, JSON.stringify({ machine, repeats, shapes: SHAPES.map(([l]) => l), rows }, null, 2));
