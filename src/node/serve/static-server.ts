/**
 * A static file server on node:http for a vaekit site: folders on disk mounted under URL paths, plus
 * a few files held in memory. It serves files and nothing else, and only files inside their mount:
 *
 *   - GET and HEAD only (405 otherwise); no directory listings ('/' serves the site's index file);
 *   - a request path is split on '/' first and each segment percent-decoded once; a segment that is
 *     empty, starts with '.' ('..', '.', hidden files), or holds '/', '\', '%', ':', or a control
 *     character (NUL) after decoding is refused (403), so '..', '%2e%2e', '%252e%252e', '..%2f',
 *     '..%5c', '//etc/passwd' and '%00' never reach the file system;
 *   - the file's real path (symlinks resolved) must lie inside the mount's real folder (403 otherwise),
 *     and it is opened without following a final symlink;
 *   - bound to a loopback address, it answers only requests whose Host names a loopback host
 *     (localhost, 127.x.x.x, [::1]), so a web page cannot read the site through DNS rebinding;
 *   - every answer carries `cache-control: no-store` and `x-content-type-options: nosniff`.
 */
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ConfigError, setting, VaeError } from '../../errors.js';
import { check, intBetween, nonEmptyString } from '../../validate.js';
import { contentTypeOf } from './content-type.js';

/** A folder on disk served under a URL path. */
export interface StaticMount {
  /** The URL path it is served under: '/' (the site's root), '/run', '/data/mnist'. */
  urlPath: string;
  /** The folder on disk; it must exist when the server starts. */
  folder: string;
  /** Serve only these entries of the folder (files, or folders with the files under them); default: every file under it. */
  only?: readonly string[];
}

/** What a static server serves. */
export interface StaticSite {
  /** Folders by URL path; a request goes to the mount with the longest matching URL path. */
  mounts: readonly StaticMount[];
  /** Files held in memory, by URL path ('/site.json'); they take precedence over the mounts. */
  files?: Readonly<Record<string, string | Uint8Array>>;
  /** The file of the root URL path that '/' serves. Default 'index.html'. */
  index?: string;
}

/** Where a static server listens. */
export interface ListenOptions {
  /** Host name or address to bind; default 127.0.0.1 (this machine only). */
  host?: string;
  /** TCP port in [0, 65535]; 0 picks a free one. Default 8080. */
  port?: number;
}

export const LISTEN_DEFAULTS = Object.freeze({ host: '127.0.0.1', port: 8080 });

/** A listening server. */
export interface RunningServer {
  /** Where to point a browser, e.g. 'http://127.0.0.1:8080/'. */
  url: string;
  /** The address and port bound (the port chosen when 0 was asked for). */
  address: string;
  port: number;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

/** A request path checked: its percent-decoded segments ([] for '/'), or the status that refuses it. */
export type RequestPath = { segments: string[] } | { status: 403 | 404 };

const FORBIDDEN = { status: 403 } as const;
const NOT_FOUND = { status: 404 } as const;

/** A decoded path segment that names a file or folder and nothing else: not empty, no leading '.', no separators, '%', ':' or control characters. */
function isPlainSegment(s: string): boolean {
  if (s === '' || s.startsWith('.')) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x2f /* / */ || c === 0x5c /* \ */ || c === 0x25 /* % */ || c === 0x3a /* : */) return false;
  }
  return true;
}

/**
 * Checks a request target ('/run/model/vaekit.json?x=1') and decodes its path, segment by segment.
 * @returns the decoded segments ([] for '/'), 404 for a folder ('/run/'), 403 for anything that is not
 *   a plain relative path: no '/' start, a backslash, an empty or dot segment, a bad percent escape, or a
 *   decoded segment holding '/', '\', '%', ':' or a control character
 */
export function parseRequestPath(target: string): RequestPath {
  const path = target.split(/[?#]/, 1)[0];
  if (!path.startsWith('/') || path.includes('\\')) return FORBIDDEN;
  if (path === '/') return { segments: [] };
  const raw = path.slice(1).split('/');
  if (raw.length > 1 && raw[raw.length - 1] === '' && raw.slice(0, -1).every((r) => r !== '')) return NOT_FOUND; // a folder: no listings
  const segments: string[] = [];
  for (const r of raw) {
    let s: string;
    try {
      s = decodeURIComponent(r);
    } catch {
      return FORBIDDEN;
    }
    if (!isPlainSegment(s)) return FORBIDDEN;
    segments.push(s);
  }
  return { segments };
}

/** True when `child` is `parent` or lies inside it (both absolute, resolved). */
function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + sep) && !isAbsolute(rel));
}

/** Loopback host names a browser cannot be made to resolve elsewhere. */
function isLoopbackName(hostHeader: string): boolean {
  const h = hostHeader.toLowerCase();
  const name = h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.split(':')[0];
  return name === 'localhost' || name.endsWith('.localhost') || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** True for an IPv4 or IPv6 loopback address (127.0.0.0/8, ::1). */
export const isLoopbackAddress = (a: string) => a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.');

interface Mounted {
  segments: string[];
  real: string;
  only: ReadonlySet<string> | null;
}

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
} as const;

function sendStatus(res: ServerResponse, status: number, extra: Record<string, string> = {}): void {
  const body = `${status} ${STATUS_CODES[status] ?? ''}\n`;
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** Opens the file `rest` of a mount if its real path lies inside the mount: the handle and size, or a status. */
async function openInside(mount: Mounted, rest: string[]): Promise<{ status: 403 | 404 } | { handle: Awaited<ReturnType<typeof open>>; size: number }> {
  const candidate = join(mount.real, ...rest);
  if (!isInside(mount.real, candidate)) return FORBIDDEN;
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    return NOT_FOUND;
  }
  if (!isInside(mount.real, real)) return FORBIDDEN; // a symlink leading out of the mount
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return NOT_FOUND;
  }
  const stats = await handle.stat().catch(() => null);
  if (!stats?.isFile()) {
    await handle.close();
    return NOT_FOUND; // folders are not listed
  }
  return { handle, size: stats.size };
}

async function respond(req: IncomingMessage, res: ServerResponse, mounts: Mounted[], files: Map<string, Uint8Array>, index: string, checkHost: boolean) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendStatus(res, 405, { allow: 'GET, HEAD' });
  if (checkHost && req.headers.host !== undefined && !isLoopbackName(req.headers.host)) return sendStatus(res, 403);
  const parsed = parseRequestPath(req.url ?? '');
  if ('status' in parsed) return sendStatus(res, parsed.status);
  const segments = parsed.segments.length === 0 ? [index] : parsed.segments;
  const memory = files.get('/' + segments.join('/'));
  if (memory) {
    res.writeHead(200, { ...COMMON_HEADERS, 'content-type': contentTypeOf(segments[segments.length - 1]), 'content-length': memory.byteLength });
    return res.end(req.method === 'HEAD' ? undefined : memory);
  }
  const mount = mounts.find((m) => m.segments.length < segments.length && m.segments.every((s, i) => s === segments[i]));
  if (!mount) return sendStatus(res, 404);
  const rest = segments.slice(mount.segments.length);
  if (mount.only && !mount.only.has(rest[0])) return sendStatus(res, 404);
  const opened = await openInside(mount, rest);
  if ('status' in opened) return sendStatus(res, opened.status);
  res.writeHead(200, { ...COMMON_HEADERS, 'content-type': contentTypeOf(rest[rest.length - 1]), 'content-length': opened.size });
  if (req.method === 'HEAD') {
    await opened.handle.close();
    return res.end();
  }
  await pipeline(opened.handle.createReadStream(), res).catch(() => res.destroy()); // the client went away, or a read failed
}

const urlSegments = (urlPath: string) => urlPath.split('/').filter((s) => s !== '');

/**
 * Starts serving `site` over HTTP.
 * @returns the running server: its URL (an unspecified bind address shows as the loopback one) and `close()`
 * @throws ConfigError for a bad host or port, a mount folder that does not exist, or an address that
 *   cannot be bound (in use, not this machine's)
 */
export async function startStaticServer(site: StaticSite, opts: ListenOptions = {}): Promise<RunningServer> {
  const host = check('host', opts.host ?? LISTEN_DEFAULTS.host, nonEmptyString);
  const port = check('port', opts.port ?? LISTEN_DEFAULTS.port, intBetween(0, 65535));
  const mounts: Mounted[] = [];
  for (const m of site.mounts) {
    const real = await realpath(m.folder).catch((cause: unknown) => {
      throw new ConfigError(`${m.folder}: expected a folder to serve at ${m.urlPath}, got none`, { cause });
    });
    mounts.push({ segments: urlSegments(m.urlPath), real, only: m.only ? new Set(m.only) : null });
  }
  mounts.sort((a, b) => b.segments.length - a.segments.length); // the longest URL path wins
  const files = new Map(Object.entries(site.files ?? {}).map(([k, v]) => ['/' + urlSegments(k).join('/'), typeof v === 'string' ? Buffer.from(v, 'utf8') : v]));
  const index = site.index ?? 'index.html';
  let checkHost = true;
  const server: Server = createServer((req, res) => {
    respond(req, res, mounts, files, index, checkHost).catch(() => {
      if (!res.headersSent) sendStatus(res, 500);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((cause: NodeJS.ErrnoException) => {
    const why =
      cause.code === 'EADDRINUSE'
        ? `${setting('port', port)}: the port is in use on ${host} (another server?); choose another port`
        : `${setting('host', host)}, ${setting('port', port)}: expected an address to listen on, got ${cause.code ?? 'an error'} (${cause.message})`;
    throw new ConfigError(why, { cause });
  });
  const bound = server.address() as AddressInfo;
  checkHost = isLoopbackAddress(bound.address);
  const shown = bound.address === '0.0.0.0' ? '127.0.0.1' : bound.address === '::' ? '::1' : bound.address;
  const url = `http://${shown.includes(':') ? `[${shown}]` : shown}:${bound.port}/`;
  return {
    url,
    address: bound.address,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(new VaeError(`${url}: expected the server to close, got ${e.message}`, { cause: e })) : resolve()));
        server.closeAllConnections();
      }),
  };
}
