/**
 * The Content-Type of a served file, by its extension. A short table of the types a vaekit site holds
 * (the built app, a run folder, MNIST's IDX files); anything else is application/octet-stream, which a
 * browser downloads rather than renders (with `x-content-type-options: nosniff`, it never guesses).
 */
import { extname } from 'node:path';

/** Content types by lower-case extension (with its dot). */
export const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  // WebAssembly.instantiateStreaming accepts nothing else.
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.csv': 'text/csv; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.woff2': 'font/woff2',
});

/** Files without a known extension (IDX files, checkpoints) are bytes. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** The Content-Type of a file name or URL path: 'index.html' → 'text/html; charset=utf-8'; no extension → bytes. */
export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? DEFAULT_CONTENT_TYPE;
}
