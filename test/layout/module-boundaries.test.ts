import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = new URL('../../src/', import.meta.url).pathname;
const ORDER = ['math', 'distributions', 'likelihoods', 'nets', 'models', 'objectives', 'training', 'evaluation', 'latent', 'data', 'render', 'backend'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const browserSafe = files(SRC).filter((p) => !/^(node|cli)\//.test(relative(SRC, p)));

test('browser-safe modules (everything outside src/node and src/cli) import no node:* module and nothing from node/ or cli/', () => {
  assert.ok(browserSafe.length > 20, `expected the library's modules, found ${browserSafe.length}`);
  for (const p of browserSafe) {
    const src = readFileSync(p, 'utf8');
    const imports = [...src.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    for (const i of imports) {
      assert.ok(!i.startsWith('node:'), `${relative(SRC, p)} imports ${i}`);
      assert.ok(!/(^|\/)(node|cli)\//.test(i), `${relative(SRC, p)} imports ${i}`);
    }
    assert.doesNotMatch(src, /\bprocess\.|\bBuffer\b|console\./, `${relative(SRC, p)} uses a Node global or the console`);
  }
});

test('no module imports upward: math and distributions depend on nothing above them', () => {
  for (const p of browserSafe) {
    const dir = relative(SRC, p).split('/')[0];
    const level = ORDER.indexOf(dir);
    if (level < 0 || level > 1) continue;
    const imports = [...readFileSync(p, 'utf8').matchAll(/from '\.\.\/([a-z-]+)\//g)].map((m) => m[1]);
    for (const i of imports) assert.ok(ORDER.indexOf(i) >= 0 && ORDER.indexOf(i) <= level, `${relative(SRC, p)} imports ../${i}/`);
  }
});
