/**
 * `vaekit serve RUN`: writes RUN/explorer/ and serves the latent-space explorer with the run (and
 * MNIST, to train on in the page) on this machine until Ctrl-C; `--open` shows it in the browser.
 */
import { Command } from 'commander';
import { EXPLORER_DEFAULTS } from '../../node/runs/explorer.js';
import { startExplorerServer } from '../../node/serve/explorer-site.js';
import { openInBrowser } from '../../node/serve/open-browser.js';
import { isLoopbackAddress, LISTEN_DEFAULTS } from '../../node/serve/static-server.js';
import { int } from '../flags.js';
import { UsageError, type CliIo } from '../io.js';

interface ServeFlags {
  port: number;
  host: string;
  open?: boolean;
  examples: number;
  app?: string;
}

/** A TCP port: an integer in [0, 65535]. */
function portFlag(raw: string): number {
  const p = int('--port', 0)(raw);
  if (p > 65535) throw new UsageError(`--port: expected an integer in [0, 65535], got '${raw}'`);
  return p;
}

/** Milliseconds within which a repeated SIGINT counts as the same Ctrl-C (relayed by a launcher, as in train). */
const SIGINT_REPEAT_MS = 1000;

/** Resolves at the first SIGINT or SIGTERM; a launcher's relayed copy of the same Ctrl-C is swallowed for a moment after. */
function untilStopped(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', stop);
      setTimeout(() => process.off('SIGINT', stop), SIGINT_REPEAT_MS).unref();
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** The options `serve` and `export-app` share: how many examples the explorer maps, and where the built app is. */
export function withExplorerOptions(command: Command): Command {
  return command
    .option('--examples <n>', 'test examples the explorer maps (the first n)', int('--examples', 2), EXPLORER_DEFAULTS.numExamples)
    .option('--app <dir>', 'the built explorer app [the package’s dist/app]');
}

export function serveCommand(io: CliIo, done: (code: number) => void): Command {
  return withExplorerOptions(
    new Command('serve')
      .description('serve the latent-space explorer with a VAE run (and MNIST to train on) on this machine, until Ctrl-C')
      .argument('<run>', 'a VAE run folder')
      .option('--port <n>', 'TCP port (0: any free port)', portFlag, LISTEN_DEFAULTS.port)
      .option('--host <name>', `address to listen on; ${LISTEN_DEFAULTS.host} is this machine only, 0.0.0.0 every network it is on`, LISTEN_DEFAULTS.host)
      .option('--open', 'open the page in the browser'),
  ).action(async (run: string, o: ServeFlags) => {
    const server = await startExplorerServer({
      run,
      host: o.host,
      port: o.port,
      numExamples: o.examples,
      appFolder: o.app,
      onWarning: (m) => io.err(`note: ${m}`),
    });
    const stopped = untilStopped();
    io.out(`serving ${run} at ${server.url} (Ctrl-C stops)`);
    if (!isLoopbackAddress(server.address))
      io.err(`note: --host ${o.host}: anyone who can reach this machine on port ${server.port} can read the run's model and data`);
    if (o.open) {
      const failed = await openInBrowser(server.url);
      if (failed) io.err(`--open: could not start a browser (${failed}); open ${server.url} yourself`);
    }
    const signal = await stopped;
    await server.close();
    io.err(`${signal}: stopped serving ${run}`);
    done(0);
  });
}
