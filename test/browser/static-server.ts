/**
 * A static HTTP server for the browser test, on 127.0.0.1 and a free port (loopback only): fixed
 * in-memory files by path, and folders on disk under URL prefixes. Anything else is a 404.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';

/** A file served from memory. */
export interface StaticFile {
  body: string;
  contentType: string;
}

export interface StaticServer {
  /** 'http://127.0.0.1:PORT', no trailing slash. */
  origin: string;
  /** Closes the server and every open connection. */
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.jsonl': 'text/plain; charset=utf-8',
  '.csv': 'text/csv',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.bin': 'application/octet-stream',
};

/**
 * Starts the server.
 * @param files - URL path ('/bundle.js') → contents
 * @param folders - URL prefix ('/model/') → folder on disk; requests outside the folder are refused
 */
export async function startStaticServer(files: Record<string, StaticFile>, folders: Record<string, string>): Promise<StaticServer> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const send = (status: number, body: string | Buffer, contentType = 'text/plain') => {
      res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
    };
    const file = files[path];
    if (file) return send(200, file.body, file.contentType);
    const prefix = Object.keys(folders).find((p) => path.startsWith(p));
    if (!prefix) return send(404, `not found: ${path}`);
    const root = resolve(folders[prefix]);
    const target = resolve(root, path.slice(prefix.length));
    if (!target.startsWith(root + sep)) return send(403, `outside ${prefix}: ${path}`);
    readFile(target).then(
      (body) => send(200, body, CONTENT_TYPES[extname(target)] ?? 'application/octet-stream'),
      () => send(404, `not found: ${path}`),
    );
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
