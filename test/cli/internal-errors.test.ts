/**
 * Errors vaekit did not foresee end the real process with one line and exit 70, also after the wasm
 * backend has loaded (its emscripten glue adds process handlers that rethrow, and Node then printed
 * the glue's minified source, tens of kB on one line, and exited 7). Uses main.ts's test hook
 * VAEKIT_TEST_THROW; worker threads and the bench get the same fix through useBackend.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, test } from 'node:test';
import { useBackend } from '../../src/node/compute/backend.js';
import { run } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const sourceMain = join(repo, 'src', 'cli', 'main.ts');

function vaekit(hook: string, args: string[] = []) {
  return spawnSync(process.execPath, ['--import', 'tsx', sourceMain, ...args], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, VAEKIT_TEST_THROW: hook },
  });
}

describe('an unforeseen error', () => {
  for (const [hook, what] of [
    ['after-backend', 'error'],
    ['after-backend-rejection', 'rejection'],
  ] as const) {
    test(`an uncaught ${what} after the wasm backend loaded prints one short line and exits 70`, () => {
      const r = vaekit(hook);
      assert.equal(r.status, 70, r.stderr.slice(0, 2000));
      assert.equal(r.stdout, '');
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      assert.equal(lines.length, 1, r.stderr.slice(0, 2000));
      assert.ok(lines[0].length < 300, `${lines[0].length} characters: ${lines[0].slice(0, 300)}`);
      assert.equal(lines[0], `vaekit: internal error: test hook: an unforeseen ${what} after the wasm backend loaded (run with --verbose for the stack)`);
    });
  }

  test('with --verbose the line is followed by the stack, not by the wasm glue', () => {
    const r = vaekit('after-backend', ['--verbose']);
    assert.equal(r.status, 70, r.stderr.slice(0, 2000));
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    assert.equal(lines[0], 'vaekit: internal error: test hook: an unforeseen error after the wasm backend loaded');
    assert.match(lines[1], /^Error: test hook/);
    assert.ok(
      lines.every((l) => l.length < 300 && !l.includes('WasmBackendModule')),
      r.stderr.slice(0, 2000),
    );
  });

  test('outside the CLI (bench, worker threads) Node reports it with its stack, not the wasm glue', async () => {
    const script = join(repo, 'test', 'cli', 'throw-after-wasm.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, r.stderr.slice(0, 2000));
    assert.match(r.stderr, /Error: thrown after the wasm backend loaded\n {4}at /);
    assert.ok(r.stderr.length < 3000 && !r.stderr.includes('WasmBackendModule'), r.stderr.slice(0, 2000));

    // A worker thread, bootstrapped through tsx as src/node/parallel/start-worker.ts does.
    const code = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(script).href)}); });`;
    const worker = new Worker(code, { eval: true });
    const error = await new Promise<Error>((resolve) => worker.on('error', resolve));
    assert.equal(error.message, 'thrown after the wasm backend loaded');
  });

  test('useBackend leaves the process handlers as it found them', async () => {
    const before = [process.listeners('uncaughtException'), process.listeners('unhandledRejection')];
    await useBackend('wasm');
    assert.deepEqual([process.listeners('uncaughtException'), process.listeners('unhandledRejection')], before);
  });

  test("run() reports an error that is not vaekit's own as internal: one line, exit 70", async () => {
    // The unforeseen error: writing the version fails.
    for (const [argv, expected] of [
      [['--version'], ['vaekit: internal error: stdout is gone (run with --verbose for the stack)']],
      [
        ['--version', '--verbose'],
        ['vaekit: internal error: stdout is gone', /^Error: stdout is gone\n {4}at /],
      ],
    ] as const) {
      const err: string[] = [];
      const io: CliIo = {
        out: () => {
          throw new Error('stdout is gone');
        },
        err: (l) => err.push(l),
        progressStream: null,
      };
      assert.equal(await run([...argv], io), 70, err.join('\n'));
      assert.equal(err.length, expected.length, err.join('\n'));
      expected.forEach((e, i) => (typeof e === 'string' ? assert.equal(err[i], e) : assert.match(err[i], e)));
    }
  });
});
