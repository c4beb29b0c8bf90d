/**
 * `vaekit export-app RUN --out DIR`: the latent-space explorer with the run as a static folder, for
 * any static file host (GitHub Pages, a bucket, python3 -m http.server).
 */
import { Command } from 'commander';
import { relative } from 'node:path';
import { exportApp } from '../../node/serve/export-app.js';
import type { CliIo } from '../io.js';
import { withExplorerOptions } from './serve.js';

interface ExportAppFlags {
  out: string;
  examples: number;
  app?: string;
}

export function exportAppCommand(io: CliIo, done: (code: number) => void): Command {
  return withExplorerOptions(
    new Command('export-app')
      .description('write the latent-space explorer with a VAE run as a static site folder')
      .argument('<run>', 'a VAE run folder')
      .requiredOption('--out <dir>', 'the site folder to write (new, or empty)'),
  ).action(async (run: string, o: ExportAppFlags) => {
    const r = await exportApp(run, o.out, { numExamples: o.examples, appFolder: o.app, onWarning: (m) => io.err(`note: ${m}`) });
    const shown = relative(process.cwd(), r.out) || '.';
    io.out(`wrote ${shown}/: the explorer app, site.json, run/ (${r.runEntries.join(', ')}); ${r.files.length} files, ${r.manifest.numExamples} examples`);
    io.out(
      `view it: serve the folder with any static file server, e.g. python3 -m http.server 8000 --directory ${shown}, then open http://localhost:8000/ ` +
        '(opening index.html as a file does not work: pages cannot fetch file:// URLs)',
    );
    done(0);
  });
}
