/** Where the CLI writes; tests pass their own to capture output. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** The stream progress bars draw on (stderr in a terminal); null disables bars. */
  progressStream: NodeJS.WriteStream | null;
}

/**
 * A line writer on `stream` that outlives its reader: once the reader has gone (`vaekit train | head -1`
 * closes the pipe, EPIPE) the lines are dropped, so the work goes on and ends with its own exit code.
 * Any other write error is rethrown, an internal error.
 */
function lineWriter(stream: NodeJS.WriteStream): (line: string) => void {
  let isClosed = false;
  let isGuarded = false;
  return (line) => {
    if (isClosed) return;
    if (!isGuarded) {
      isGuarded = true;
      stream.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
        isClosed = true;
      });
    }
    stream.write(line + '\n');
  };
}

export const processIo: CliIo = {
  out: lineWriter(process.stdout),
  err: lineWriter(process.stderr),
  progressStream: process.stderr.isTTY ? process.stderr : null,
};

/** Thrown for a usage error (bad flag value); the CLI exits 2. */
export class UsageError extends Error {}
