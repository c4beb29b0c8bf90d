/** Where the CLI writes; tests pass their own to capture output. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** The stream progress bars draw on (stderr in a terminal); null disables bars. */
  progressStream: NodeJS.WriteStream | null;
}

export const processIo: CliIo = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
  progressStream: process.stderr.isTTY ? process.stderr : null,
};

/** Thrown for a usage error (bad flag value); the CLI exits 2. */
export class UsageError extends Error {}
