#!/usr/bin/env node
// npm's install step for vaekit: builds the optional native kernels (native/vaekit_native.c) with
// node-gyp. They need only a C compiler and Node's headers to build; at run time they use OpenBLAS
// where it loads, else their own GEMM (native/matmul.c; src/node/compute/native-kernels.ts). A
// failed build is not an install failure: vaekit then runs on the plain wasm backend, and says how
// to get the native kernels back (`npm rebuild vaekit`).
// VAEKIT_NATIVE=off skips the build.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.env.VAEKIT_NATIVE === 'off') {
  console.log('vaekit: VAEKIT_NATIVE=off, native kernels not built');
  process.exit(0);
}
let gyp = process.env.npm_config_node_gyp;
if (!gyp) {
  try {
    gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    console.log('vaekit: node-gyp not found; native kernels not built (vaekit runs on plain wasm)');
    process.exit(0);
  }
}
const r = spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
if (r.status === 0) {
  console.log('vaekit: native kernels built (build/Release/vaekit_native.node)');
} else {
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-8).join('\n');
  console.log(
    `vaekit: native kernels not built (node-gyp exited ${r.status}); vaekit runs on plain wasm.\n` +
      `${tail}\nThey need a C compiler and Node's headers; then run \`npm rebuild vaekit\`.`,
  );
}
