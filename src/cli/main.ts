#!/usr/bin/env node
/**
 * The vaekit command line. `run(argv, io)` is the whole CLI as a function (tests call it);
 * running this file calls it with process.argv and exits with its code:
 * 0 success, 1 runtime error (one line, a stack with --verbose), 2 usage error, 70 internal error
 * (an error vaekit did not foresee, one line too, caught or uncaught), 130 interrupted.
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
import { encodeCommand } from './commands/encode.js';
import { interpolateCommand } from './commands/interpolate.js';
import { mapCommand } from './commands/map.js';
import { reportCommand } from './commands/report.js';
import { serveCommand } from './commands/serve.js';
import { exportAppCommand } from './commands/export-app.js';
import { traverseCommand } from './commands/traverse.js';
import { useBackend } from '../node/compute/backend.js';
import { flagNamer } from './flags.js';
import { processIo, UsageError, type CliIo } from './io.js';

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  let code = 0;
  const done = (c: number) => {
    code = c;
  };
  const verbose = argv.includes('--verbose');
  // An error is one line: commander's suggestion ("(Did you mean encode?)") joins the message's line.
  const output = {
    writeOut: (s: string) => io.out(s.trimEnd()),
    writeErr: (s: string) => io.err(s.trimEnd()),
    outputError: (s: string, write: (s: string) => void) => write(s.trimEnd().replace(/\s*\n+\s*/g, ' ')),
  };
  const program = new Command('vaekit')
    .description('variational autoencoders on TensorFlow.js')
    .version(VAEKIT_VERSION)
    .option('--verbose', 'print stack traces on errors')
    .exitOverride()
    .configureOutput(output);
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
    encodeCommand,
    mapCommand,
    reportCommand,
    serveCommand,
    exportAppCommand,
  ]) {
    program.addCommand(make(io, done).exitOverride().configureOutput(output));
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
    if (!(e instanceof VaeError)) return reportInternalError(io, e, verbose);
    // vaekit's own errors name settings as flags here (training.learningRate → --lr).
    io.err(`vaekit: ${e.describe(flagNamer)}`);
    if (verbose) io.err(e.stack ?? '');
    return 1;
  }
}

/** Exit code of an error vaekit did not foresee (EX_SOFTWARE of sysexits.h). */
export const INTERNAL_ERROR_EXIT = 70;

/**
 * Reports an error vaekit did not foresee (neither a VaeError nor a usage error) in one line, with
 * the stack only under --verbose, so a bug never dumps pages (or a minified library) on the user.
 * @returns {@link INTERNAL_ERROR_EXIT}
 */
export function reportInternalError(io: CliIo, e: unknown, verbose: boolean): number {
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  io.err(`vaekit: internal error: ${message}${verbose ? '' : ' (run with --verbose for the stack)'}`);
  if (verbose && e instanceof Error) io.err(e.stack ?? '');
  return INTERNAL_ERROR_EXIT;
}

const isMain = (() => {
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1] ?? '')).href;
  } catch {
    return false;
  }
})();
if (isMain) {
  // An error no command caught (a throw in a callback, a rejected promise nobody awaits) ends the
  // process the same way as one run() catches.
  const crash = (e: unknown) => process.exit(reportInternalError(processIo, e, process.argv.includes('--verbose')));
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  // Test hook (test/cli/internal-errors.test.ts): VAEKIT_TEST_THROW=after-backend or
  // after-backend-rejection loads the wasm backend, then throws or rejects outside any command.
  const hook = process.env.VAEKIT_TEST_THROW;
  if (hook === 'after-backend' || hook === 'after-backend-rejection') {
    const e = new Error(`test hook: an unforeseen ${hook === 'after-backend' ? 'error' : 'rejection'} after the wasm backend loaded`);
    void useBackend('wasm').then(() =>
      setTimeout(() => {
        if (hook === 'after-backend') throw e;
        void Promise.reject(e);
      }, 10),
    );
  } else {
    run(process.argv.slice(2)).then((code) => process.exit(code));
  }
}
