/**
 * Helpers for the tests of `vaekit serve` and `vaekit export-app`: a tiny trained VAE run, a stand-in
 * for the built app (dist/app may not be built when the tests run), and raw HTTP requests (fetch
 * normalises '..' and percent escapes before sending, so it cannot send the paths an attacker would).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { useBackend } from '../../src/node/compute/backend.js';
import { trainRun } from '../../src/node/runs/kinds.js';

/**
 * Trains a VAE run into `out`: MNIST, 200 train (50 of them validation) and 200 test examples, MLP
 * 784-8-2, one epoch of 3 steps on wasm; a second or two.
 */
export async function trainTinyRun(out: string): Promise<string> {
  await useBackend('wasm');
  await trainRun({
    out,
    data: { source: 'mnist', scale: 255, val: 50, limit: 200 },
    model: { latentDim: 2, hidden: [8] },
    training: { epochs: 1, batchSize: 50 },
    compute: { backend: 'wasm' },
  });
  return out;
}

/** The stand-in app's files: what the tests expect to be served from '/'. */
export const FAKE_APP = {
  'index.html': '<!doctype html><title>vaekit explorer (test)</title><script type="module" src="./assets/app.js"></script>\n',
  'assets/app.js': 'console.log("explorer");\n',
  'assets/kernels.wasm': '\0asm\x01\0\0\0',
} as const;

/** Writes the stand-in for dist/app into `dir`. */
export function writeFakeApp(dir: string): string {
  for (const [name, text] of Object.entries(FAKE_APP)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * Sends `method path` to the server at `url` exactly as written (no normalisation of '..' or escapes).
 * @param headers - extra request headers (a Host header replaces node's)
 */
export function rawRequest(url: string, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname.replace(/^\[|\]$/g, ''), port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
