/**
 * The layout's dependency order, checked for every module: each folder imports only from the folders
 * below it (or its own), the browser-safe part imports nothing Node-only, and nothing imports the CLI.
 * The order is the one the README's Layout section draws.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = new URL('../../src/', import.meta.url).pathname;

/**
 * Every unit (a folder of src/, a folder of src/node/, or a file at the top) and the units it may
 * import besides itself. A unit may import what the units it may import may import.
 */
const ALLOWED: Record<string, string[]> = {
  errors: [],
  validate: ['errors'],
  math: ['errors', 'validate'],
  backend: ['errors', 'validate'],
  data: ['math'],
  distributions: ['math'],
  likelihoods: ['distributions'],
  nets: ['math'],
  models: ['likelihoods', 'nets', 'data'],
  objectives: ['models'],
  evaluation: ['objectives'],
  latent: ['evaluation'],
  training: ['evaluation'],
  render: ['data'],
  io: ['models'],
  index: ['training', 'latent', 'render', 'io', 'backend'],
  'node/compute': ['index'],
  'node/formats': ['index'],
  'node/datasets': ['node/formats'],
  'node/parallel': ['node/compute', 'node/formats'],
  'node/runs': ['node/datasets', 'node/parallel', 'node/version'],
  'node/version': [],
  'node/serve': ['node/runs', 'node/datasets', 'node/version'],
  'node/index': ['node/runs', 'node/serve'],
  cli: ['node/index'],
};

/** The units a unit may import, itself included: the closure of ALLOWED. */
function reachable(unit: string, seen = new Set<string>()): Set<string> {
  if (seen.has(unit)) return seen;
  seen.add(unit);
  for (const u of ALLOWED[unit] ?? []) reachable(u, seen);
  return seen;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The unit a source file belongs to: 'models', 'node/runs', 'errors' (src/errors.ts), 'node/index'. */
function unitOf(path: string): string {
  const parts = relative(SRC, path).replace(/\.ts$/, '').split('/');
  if (parts[0] === 'node') return parts.length > 2 ? `node/${parts[1]}` : `node/${parts[1]}`;
  return parts[0];
}

const all = files(SRC);
const importsOf = (p: string) => [...readFileSync(p, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]);

test('every source file belongs to a unit of the layout', () => {
  assert.ok(all.length > 60, `expected the library's modules, found ${all.length}`);
  for (const p of all) assert.ok(unitOf(p) in ALLOWED, `${relative(SRC, p)} is in no unit of the layout (add its folder to ALLOWED, in its place)`);
});

test('no module imports upward: each imports only its own unit and the units below it', () => {
  const violations: string[] = [];
  for (const p of all) {
    const unit = unitOf(p);
    const ok = reachable(unit);
    for (const spec of importsOf(p).filter((s) => s.startsWith('.'))) {
      const target = unitOf(resolve(dirname(p), spec.replace(/\.js$/, '.ts')));
      if (!ok.has(target)) violations.push(`${relative(SRC, p)} (${unit}) imports ${spec} (${target})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('browser-safe modules (everything outside src/node and src/cli) import no node:* module and use no Node global or the console', () => {
  const browserSafe = all.filter((p) => !/^(node|cli)\//.test(relative(SRC, p)));
  assert.ok(browserSafe.length > 40, `expected the browser-safe modules, found ${browserSafe.length}`);
  for (const p of browserSafe) {
    const src = readFileSync(p, 'utf8');
    for (const i of importsOf(p)) {
      assert.ok(!i.startsWith('node:'), `${relative(SRC, p)} imports ${i}`);
      assert.ok(!/(^|\/)(node|cli)\//.test(i), `${relative(SRC, p)} imports ${i}`);
    }
    assert.doesNotMatch(src, /\bprocess\.|\bBuffer\b|console\./, `${relative(SRC, p)} uses a Node global or the console`);
  }
});

test('browser-safe modules read no tensor synchronously (dataSync, arraySync, bufferSync)', () => {
  for (const p of all.filter((q) => !/^(node|cli)\//.test(relative(SRC, q)))) {
    const code = readFileSync(p, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''); // comments may name them
    assert.doesNotMatch(code, /\.(dataSync|arraySync|bufferSync)\(/, `${relative(SRC, p)} reads a tensor synchronously`);
  }
});

test('library code names no CLI flag in its messages (the CLI maps settings to flags)', () => {
  for (const p of all.filter((q) => !/^cli\//.test(relative(SRC, q)))) {
    const code = readFileSync(p, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    const strings = [...code.matchAll(/(['`])((?:\\.|(?!\1).)*)\1/g)].map((m) => m[2]);
    for (const s of strings) assert.doesNotMatch(s, /(^|[\s(])--[a-z][a-z-]+/, `${relative(SRC, p)} names a CLI flag in '${s}'`);
  }
});

test("package.json's sideEffects lists every module that registers something when it is imported", () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { sideEffects: string[] };
  const declared = new Set(pkg.sideEffects);
  for (const p of all) {
    const code = readFileSync(p, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    // A statement at the top level that calls something (not a declaration), or an import for its effect.
    const effects = code.split('\n').filter((l) => /^(import\s+'[^']+';|[A-Za-z_$][\w$.]*\()/.test(l) && !/^(export|import\s+(type\s+)?[{*\w])/.test(l));
    if (effects.length === 0 || /^(cli)\//.test(relative(SRC, p))) continue;
    const dist = `./dist/${relative(SRC, p).replace(/\.ts$/, '.js')}`;
    assert.ok(declared.has(dist), `${relative(SRC, p)} runs '${effects[0].trim()}' when imported; add ${dist} to package.json's sideEffects`);
    // The explorer (app/) bundles the browser-safe sources: without this its bundler drops the import as unused.
    const src = `./src/${relative(SRC, p)}`;
    assert.ok(
      /^node\//.test(relative(SRC, p)) || declared.has(src),
      `${relative(SRC, p)} runs '${effects[0].trim()}' when imported; add ${src} to package.json's sideEffects (the app bundles src/)`,
    );
  }
});

test("the explorer (app/src) imports vaekit only through the package's browser entry, and reads no tensor synchronously", () => {
  const APP = new URL('../../app/src/', import.meta.url).pathname;
  const appFiles = files(APP);
  assert.ok(appFiles.length > 10, `expected the explorer's sources under ${APP}`);
  for (const p of appFiles) {
    const code = readFileSync(p, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const m of code.matchAll(/from\s+'([^']+)'/g)) {
      assert.ok(!/(^|\/)src\/|^\.\.\/\.\./.test(m[1]), `app/src/${relative(APP, p)} imports '${m[1]}': import the library as 'vaekit' (its browser entry)`);
      assert.ok(!/^vaekit\//.test(m[1]), `app/src/${relative(APP, p)} imports '${m[1]}': only 'vaekit' itself (the browser entry), not a subpath`);
    }
    assert.doesNotMatch(code, /\.(dataSync|arraySync|bufferSync)\(/, `app/src/${relative(APP, p)} reads a tensor synchronously`);
  }
});
