/**
 * Bundles a module for the browser with esbuild (platform 'browser', format 'esm'), in memory, and
 * refuses Node built-ins: an import of 'node:fs' (or bare 'fs', 'path', …) from vaekit's own code
 * fails the build with the importing file and line. Third-party packages resolve as esbuild does for
 * a browser (their package.json "browser" maps may stub a built-in out; an unmapped one still fails).
 */
import { builtinModules } from 'node:module';
import { relative } from 'node:path';
import * as esbuild from 'esbuild';

/** A built bundle: its text and the source files it holds (paths relative to the working directory). */
export interface BrowserBundle {
  code: string;
  inputs: string[];
}

const BUILTIN_NAMES = builtinModules.filter((m) => !m.startsWith('_')).map((m) => m.replace(/^node:/, ''));
/** 'node:anything', or a built-in's bare name with an optional subpath ('fs', 'fs/promises'). */
const NODE_BUILTIN = new RegExp(`^(node:.*|(${BUILTIN_NAMES.map((m) => m.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})(/.*)?)$`);

/** Fails the build on a Node built-in imported from outside node_modules, naming the importer. */
const noNodeBuiltins: esbuild.Plugin = {
  name: 'no-node-builtins',
  setup(build) {
    build.onResolve({ filter: NODE_BUILTIN }, (args) => {
      if (/[\\/]node_modules[\\/]/.test(args.importer)) return undefined;
      const importer = args.importer ? relative(process.cwd(), args.importer) : '<entry>';
      return {
        errors: [
          { text: `${importer} imports the Node built-in '${args.path}': browser-safe code must not (Node-only code belongs in src/node/ or src/cli/)` },
        ],
      };
    });
  },
};

/** One esbuild message as 'file:line:column: text'. */
function formatMessage(m: esbuild.Message): string {
  const at = m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : '';
  return `${at}${m.text}`;
}

/**
 * Bundles `entry` (a file, or `{ contents, resolveDir }` for a module given as text) for the browser.
 * @throws Error listing every build error ('file:line:column: text') when it does not build
 */
export async function bundleForBrowser(entry: string | { contents: string; resolveDir: string }): Promise<BrowserBundle> {
  const where = typeof entry === 'string' ? entry : '<module text>';
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      ...(typeof entry === 'string'
        ? { entryPoints: [entry] }
        : { stdin: { contents: entry.contents, resolveDir: entry.resolveDir, sourcefile: 'stdin.ts', loader: 'ts' } }),
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      outfile: 'bundle.js',
      metafile: true,
      logLevel: 'silent',
      plugins: [noNodeBuiltins],
    });
  } catch (e) {
    const errors = (e as esbuild.BuildFailure).errors;
    if (!Array.isArray(errors)) throw e;
    throw new Error(`the browser bundle of ${where} does not build:\n  ${errors.map(formatMessage).join('\n  ')}`, { cause: e });
  }
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  if (!js) throw new Error(`the browser bundle of ${where}: esbuild wrote no .js file`);
  return { code: js.text, inputs: Object.keys(result.metafile.inputs) };
}
