#!/usr/bin/env node
/**
 * The vaekit command line. `run(argv, io)` is the whole CLI as a function (tests call it);
 * running this file calls it with process.argv and exits with its code:
 * 0 success, 1 runtime error (one line, a stack with --verbose), 2 usage error, 130 interrupted.
 */
import { Command, CommanderError } from 'commander';
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { VaeError } from '../errors.js';
import { VAEKIT_VERSION } from '../node/version.js';
import { calibrateCommand } from './commands/calibrate.js';
import { evaluateCommand } from './commands/evaluate.js';
import { infoCommand } from './commands/info.js';
import { reconstructCommand } from './commands/reconstruct.js';
import { sampleCommand } from './commands/sample.js';
import { scoreCommand } from './commands/score.js';
import { trainCommand } from './commands/train.js';
import { attributeCommand } from './commands/attribute.js';
import { interpolateCommand } from './commands/interpolate.js';
import { mapCommand } from './commands/map.js';
import { reportCommand } from './commands/report.js';
import { serveCommand } from './commands/serve.js';
import { exportAppCommand } from './commands/export-app.js';
import { traverseCommand } from './commands/traverse.js';
import { flagNamer } from './flags.js';
import { processIo, UsageError, type CliIo } from './io.js';

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  let code = 0;
  const done = (c: number) => {
    code = c;
  };
  const verbose = argv.includes('--verbose');
  const program = new Command('vaekit')
    .description('variational autoencoders on TensorFlow.js')
    .version(VAEKIT_VERSION)
    .option('--verbose', 'print stack traces on errors')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  for (const make of [
    trainCommand,
    sampleCommand,
    reconstructCommand,
    infoCommand,
    evaluateCommand,
    scoreCommand,
    calibrateCommand,
    interpolateCommand,
    traverseCommand,
    attributeCommand,
    mapCommand,
    reportCommand,
    serveCommand,
    exportAppCommand,
  ]) {
    program.addCommand(
      make(io, done)
        .exitOverride()
        .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) }),
    );
  }
  try {
    await program.parseAsync(
      argv.filter((a) => a !== '--verbose'),
      { from: 'user' },
    );
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UsageError) {
      io.err(`vaekit: ${e.message}`);
      return 2;
    }
    // vaekit's own errors name settings as flags here (training.learningRate → --lr).
    const msg = e instanceof VaeError ? e.describe(flagNamer) : e instanceof Error ? e.message : String(e);
    io.err(`vaekit: ${e instanceof VaeError ? '' : 'error: '}${msg}`);
    if (verbose && e instanceof Error) io.err(e.stack ?? '');
    return 1;
  }
}

const isMain = (() => {
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1] ?? '')).href;
  } catch {
    return false;
  }
})();
if (isMain) {
  run(process.argv.slice(2)).then((code) => process.exit(code));
}
