/**
 * `vaekit serve`: the explorer's site served over HTTP from a tiny trained run (startExplorerServer,
 * and the command through the whole CLI). Traversal attempts are sent as raw requests and each must
 * be refused without the secret file beside the run ever being sent.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EXPLORER_FORMAT, SITE_FORMAT, SITE_VERSION, type SiteIndex } from '../../src/io/explorer-data.js';
import { ConfigError } from '../../src/errors.js';
import { trainRun } from '../../src/node/runs/kinds.js';
import { MNIST_FILES, mnistDataDir } from '../../src/node/datasets/mnist.js';
import { startExplorerServer, type ExplorerServer } from '../../src/node/serve/explorer-site.js';
import { parseRequestPath, startStaticServer } from '../../src/node/serve/static-server.js';
import { VAEKIT_VERSION } from '../../src/node/version.js';
import type { CliIo } from '../../src/cli/io.js';
import { run as runCli } from '../../src/cli/main.js';
import { errorLines, runCli as runCliCaptured } from '../cli/cli-helpers.js';
import { FAKE_APP, rawRequest, trainTinyRun, writeFakeApp } from './serve-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'vaekit-serve-'));
const runDir = join(root, 'run');
const appDir = join(root, 'app');
const SECRET = 'the secret beside the run folder\n';
let server: ExplorerServer;

before(async () => {
  writeFakeApp(appDir);
  await trainTinyRun(runDir);
  writeFileSync(join(root, 'secret.txt'), SECRET);
  symlinkSync(join(root, 'secret.txt'), join(runDir, 'leak.txt')); // a file link leading out of the run
  symlinkSync(root, join(runDir, 'up')); // a folder link leading out of the run
  mkdirSync(join(runDir, 'inside'));
  symlinkSync(join(runDir, 'config.json'), join(runDir, 'inside', 'config-link.json')); // a link that stays inside
  server = await startExplorerServer({ run: runDir, appFolder: appDir, port: 0, numExamples: 20 });
});
after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('startExplorerServer', () => {
  test('listens on 127.0.0.1 by default, at the URL it reports', () => {
    assert.equal(server.address, '127.0.0.1');
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(server.url, `http://127.0.0.1:${server.port}/`);
    assert.ok(server.port > 0);
  });

  test('serves the app at / and its assets, with the content type of each file and no-store, nosniff', async () => {
    const cases: Array<[string, string, string]> = [
      ['/', 'text/html; charset=utf-8', FAKE_APP['index.html']],
      ['/index.html', 'text/html; charset=utf-8', FAKE_APP['index.html']],
      ['/assets/app.js', 'text/javascript; charset=utf-8', FAKE_APP['assets/app.js']],
      ['/assets/kernels.wasm', 'application/wasm', FAKE_APP['assets/kernels.wasm']],
    ];
    for (const [path, type, body] of cases) {
      const r = await rawRequest(server.url, path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers['content-type'], type, path);
      assert.equal(r.headers['cache-control'], 'no-store', path);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
      assert.equal(r.body.toString('utf8'), body, path);
    }
  });

  test("serves the run's files under /run/ with their content types, byte for byte", async () => {
    const cases: Array<[string, string]> = [
      ['model/vaekit.json', 'application/json; charset=utf-8'],
      ['explorer/explorer.json', 'application/json; charset=utf-8'],
      ['explorer/examples.bin', 'application/octet-stream'],
      ['reconstructions.png', 'image/png'],
      ['loss-curve.svg', 'image/svg+xml'],
      ['metrics.jsonl', 'application/x-ndjson; charset=utf-8'],
      ['config.json', 'application/json; charset=utf-8'],
    ];
    for (const [name, type] of cases) {
      const r = await rawRequest(server.url, `/run/${name}`);
      assert.equal(r.status, 200, name);
      assert.equal(r.headers['content-type'], type, name);
      assert.deepEqual(r.body, readFileSync(join(runDir, name)), name);
      assert.equal(Number(r.headers['content-length']), r.body.length, name);
    }
    const manifest = JSON.parse((await rawRequest(server.url, '/run/explorer/explorer.json')).body.toString('utf8'));
    assert.equal(manifest.format, EXPLORER_FORMAT);
    assert.equal(manifest.numExamples, 20);
    assert.deepEqual(manifest, server.manifest);
  });

  test('serves site.json: the run at run/, MNIST at data/mnist, this vaekit', async () => {
    const r = await rawRequest(server.url, '/site.json');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    const site = JSON.parse(r.body.toString('utf8')) as SiteIndex;
    assert.deepEqual(site, { format: SITE_FORMAT, version: SITE_VERSION, run: 'run', datasets: { mnist: 'data/mnist' }, vaekitVersion: VAEKIT_VERSION });
  });

  test("serves MNIST's four IDX files under /data/mnist/ as bytes, and nothing else of that folder", async () => {
    for (const name of Object.values(MNIST_FILES)) {
      const r = await rawRequest(server.url, `/data/mnist/${name}`, 'HEAD');
      assert.equal(r.status, 200, name);
      assert.equal(r.headers['content-type'], 'application/octet-stream', name);
    }
    const labels = await rawRequest(server.url, `/data/mnist/${MNIST_FILES.trainLabels}`);
    assert.deepEqual(labels.body, readFileSync(join(mnistDataDir(), MNIST_FILES.trainLabels)));
    assert.equal(labels.body.readUInt32BE(0), 0x801); // IDX magic: unsigned bytes, rank 1
    assert.equal((await rawRequest(server.url, '/data/mnist/../package.json')).status, 403);
    assert.equal((await rawRequest(server.url, '/data/mnist/README.md')).status, 404);
  });

  test('answers HEAD with the headers of GET and no body', async () => {
    const get = await rawRequest(server.url, '/run/model/vaekit.json');
    const head = await rawRequest(server.url, '/run/model/vaekit.json', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['content-length'], String(get.body.length));
    assert.equal(head.headers['content-type'], get.headers['content-type']);
  });

  test('refuses every method but GET and HEAD with 405 and Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      const r = await rawRequest(server.url, '/index.html', method);
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'GET, HEAD', method);
    }
  });

  test("serves only the run's files the explorer shows: not the checkpoint, nor anything else put in the folder", async () => {
    for (const name of ['checkpoint.vkc', 'inside/config-link.json', 'leak.txt']) {
      assert.ok(existsSync(join(runDir, name)), name);
      assert.equal((await rawRequest(server.url, `/run/${name}`)).status, 404, name);
    }
  });

  test('lists no folder and answers 404 for files it does not have', async () => {
    for (const path of ['/run/', '/run', '/run/model/', '/run/model', '/assets/', '/run/no-such-file.json', '/nope.html']) {
      const r = await rawRequest(server.url, path);
      assert.equal(r.status, 404, path);
      assert.doesNotMatch(r.body.toString('utf8'), /vaekit\.json|metrics/, path);
    }
  });

  test('refuses every traversal attempt: dot segments plain, percent-encoded, double-encoded, with backslashes, absolute, NUL, symlinks out', async () => {
    const attempts = [
      '/run/../secret.txt',
      '/run/%2e%2e/secret.txt',
      '/run/%2E%2E/secret.txt',
      '/run/.%2e/secret.txt',
      '/run/%252e%252e/secret.txt',
      '/run/..%2fsecret.txt',
      '/run/..%2Fsecret.txt',
      '/run/..%5csecret.txt',
      '/run/..\\secret.txt',
      '/run/%5c..%5csecret.txt',
      '/..%2fsecret.txt',
      '//etc/passwd',
      '/run//etc/passwd',
      '/run/%2fetc%2fpasswd',
      '/%2fetc%2fpasswd',
      '/run/%00',
      '/%00',
      '/run/config.json%00.png',
      '/run/%c0%ae%c0%ae/secret.txt', // overlong UTF-8 dots: not valid UTF-8, refused
      '/C:/Windows/win.ini',
      '/run/leak.txt', // a symlink to a file outside the run
      '/run/up/secret.txt', // a symlink to a folder outside the run
      'http://127.0.0.1/run/../secret.txt',
    ];
    for (const path of attempts) {
      const r = await rawRequest(server.url, path);
      assert.ok(r.status === 403 || r.status === 404, `${path}: status ${r.status}`);
      assert.ok(!r.body.toString('latin1').includes('secret'), `${path}: sent the secret`);
      assert.ok(!r.body.toString('latin1').includes('root:'), `${path}: sent /etc/passwd`);
    }
  });

  test('answers only requests that name a loopback host (no DNS rebinding)', async () => {
    assert.equal((await rawRequest(server.url, '/site.json', 'GET', { host: 'attacker.example' })).status, 403);
    assert.equal((await rawRequest(server.url, '/site.json', 'GET', { host: `attacker.example:${server.port}` })).status, 403);
    assert.equal((await rawRequest(server.url, '/site.json', 'GET', { host: `localhost:${server.port}` })).status, 200);
    assert.equal((await rawRequest(server.url, '/site.json', 'GET', { host: `[::1]:${server.port}` })).status, 200);
  });
});

describe('parseRequestPath', () => {
  test('decodes each segment once and refuses dot, empty and separator segments', () => {
    assert.deepEqual(parseRequestPath('/'), { segments: [] });
    assert.deepEqual(parseRequestPath('/run/model/vaekit.json?x=1'), { segments: ['run', 'model', 'vaekit.json'] });
    assert.deepEqual(parseRequestPath('/run/scores%20test.csv'), { segments: ['run', 'scores test.csv'] });
    assert.deepEqual(parseRequestPath('/run/'), { status: 404 });
    for (const bad of ['', 'run', '/run/..', '/run/.', '/run/.hidden', '/a//b', '/%2e%2e', '/%2f', '/%5c', '/a\\b', '/%00', '/%25', '/%E0%A4%A', '/c:'])
      assert.deepEqual(parseRequestPath(bad), { status: 403 }, bad);
  });
});

describe('startStaticServer', () => {
  test('a mount limited to some names serves only those, and in-memory files win over mounts', async () => {
    const dir = join(root, 'limited');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    for (const name of ['a.bin', 'b.bin', 'sub/a.bin']) writeFileSync(join(dir, name), name);
    const s = await startStaticServer({ mounts: [{ urlPath: '/data/x', folder: dir, only: ['a.bin'] }], files: { '/data/x/b.bin': 'memory' } }, { port: 0 });
    try {
      assert.equal((await rawRequest(s.url, '/data/x/a.bin')).body.toString(), 'a.bin');
      assert.equal((await rawRequest(s.url, '/data/x/b.bin')).body.toString(), 'memory');
      assert.equal((await rawRequest(s.url, '/data/x/sub/a.bin')).status, 404);
      assert.equal((await rawRequest(s.url, '/')).status, 404);
    } finally {
      await s.close();
    }
  });

  test('a port in use is a ConfigError naming the port', async () => {
    await assert.rejects(
      startStaticServer({ mounts: [] }, { port: server.port }),
      (e: unknown) => e instanceof ConfigError && e.message === `port '${server.port}': the port is in use on 127.0.0.1 (another server?); choose another port`,
    );
  });
});

describe('startExplorerServer refuses', () => {
  test('a folder without a run, a linear run, an app folder without index.html, a port out of range', async () => {
    await assert.rejects(
      startExplorerServer({ run: join(root, 'no-such-run'), appFolder: appDir, port: 0 }),
      /no-such-run: expected a run folder, got nothing there/,
    );
    await assert.rejects(startExplorerServer({ run: appDir, appFolder: appDir, port: 0 }), /no saved model here/);
    const pca = join(root, 'pca');
    await trainRun({ out: pca, data: { source: 'mnist', limit: 100 }, model: { kind: 'pca', latentDim: 2 } });
    await assert.rejects(startExplorerServer({ run: pca, appFolder: appDir, port: 0 }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /the explorer shows VAE runs; this is a pca run/);
      return true;
    });
    await assert.rejects(
      startExplorerServer({ run: runDir, appFolder: join(root, 'no-app'), port: 0 }),
      /expected the built explorer app \(index\.html\), got none; run npm run build/,
    );
    await assert.rejects(startExplorerServer({ run: runDir, appFolder: appDir, port: 70000 }), /port: expected an integer in \[0, 65535\], got 70000/);
  });
});

describe('vaekit serve', () => {
  test('a missing run folder is a one-line error with exit code 1', async () => {
    const r = await runCliCaptured(['serve', join(root, 'missing'), '--port', '0', '--app', appDir]);
    assert.equal(r.code, 1);
    assert.deepEqual(errorLines(r.err), [`vaekit: ${join(root, 'missing')}: expected a run folder, got nothing there`]);
    assert.deepEqual(r.out, []);
  });

  test('a missing app build is a one-line error saying to run npm run build', async () => {
    const r = await runCliCaptured(['serve', runDir, '--port', '0', '--app', join(root, 'no-app')]);
    assert.equal(r.code, 1);
    const lines = errorLines(r.err);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /run npm run build$/);
  });

  test('a port out of range is a usage error (exit 2)', async () => {
    const r = await runCliCaptured(['serve', runDir, '--port', '65536']);
    assert.equal(r.code, 2);
    assert.deepEqual(errorLines(r.err), ["vaekit: --port: expected an integer in [0, 65535], got '65536'"]);
  });

  test('says where to point the browser, serves until SIGTERM, then exits 0', async () => {
    const out: string[] = [];
    const err: string[] = [];
    let announced: (line: string) => void = () => undefined;
    const serving = new Promise<string>((resolve) => (announced = resolve));
    const io: CliIo = {
      out: (l) => {
        out.push(l);
        if (l.startsWith('serving ')) announced(l);
      },
      err: (l) => err.push(l),
      progressStream: null,
    };
    const exited = runCli(['serve', runDir, '--port', '0', '--examples', '10', '--app', appDir], io);
    const line = await Promise.race([serving, exited.then((code) => assert.fail(`exited ${code} before serving: ${err.join(' | ')}`))]);
    const m = /^serving (.+) at (http:\/\/127\.0\.0\.1:\d+\/) \(Ctrl-C stops\)$/.exec(line);
    assert.ok(m, line);
    assert.equal(m[1], runDir);
    const site = await rawRequest(m[2], '/site.json');
    assert.equal(site.status, 200);
    assert.equal(JSON.parse((await rawRequest(m[2], '/run/explorer/explorer.json')).body.toString('utf8')).numExamples, 10);
    process.emit('SIGTERM', 'SIGTERM');
    assert.equal(await exited, 0);
    await assert.rejects(rawRequest(m[2], '/site.json'), /ECONNREFUSED/);
  });
});
