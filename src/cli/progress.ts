/**
 * Progress of a long computation on the terminal (the importance-sampled log p(x) of 10,000 test
 * images takes minutes): a bar with the time left when stderr is a terminal, else a line with the
 * time left every 30 s and one at the end, so a log shows it is alive. Work that ends within 30 s
 * prints nothing (an error after it stays one line).
 */
import cliProgress from 'cli-progress';
import type { CliIo } from './io.js';

/** Called with (done, total) as work progresses; `stop` clears the bar. */
export interface ProgressReporter {
  update(done: number, total: number): void;
  stop(): void;
}

const LINE_EVERY_MS = 30_000;

/** Seconds as '1m 05s' or '12s'. */
function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * A progress reporter for `label` (e.g. 'log p(x), K = 5000'), counting `unit`s.
 * The time left is extrapolated from the rate so far.
 * @param clock - milliseconds now (tests pass their own)
 */
export function progressReporter(io: CliIo, label: string, unit = 'examples', clock: () => number = () => performance.now()): ProgressReporter {
  const t0 = clock();
  let bar: cliProgress.SingleBar | null = null;
  let lastLine = t0;
  const left = (done: number, total: number) => ((clock() - t0) / 1000 / Math.max(done, 1)) * (total - done);
  return {
    update(done, total) {
      if (io.progressStream) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            {
              stream: io.progressStream,
              format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {left} left`,
              hideCursor: true,
              clearOnComplete: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total, 0, { left: '?' });
        }
        bar.update(done, { left: duration(left(done, total)) });
        return;
      }
      const now = clock();
      if (now - lastLine >= LINE_EVERY_MS || (done === total && now - t0 >= LINE_EVERY_MS)) {
        lastLine = now;
        io.err(`${label}: ${done}/${total} ${unit}${done < total ? `, about ${duration(left(done, total))} left` : `, ${duration((now - t0) / 1000)}`}`);
      }
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

/**
 * Runs `work` with a progress reporter for `label`, handing it the reporter's update as `onProgress`,
 * and stops the bar however the work ends.
 */
export async function withProgress<T>(io: CliIo, label: string, work: (onProgress: (done: number, total: number) => void) => Promise<T>): Promise<T> {
  const progress = progressReporter(io, label);
  try {
    return await work((done, total) => progress.update(done, total));
  } finally {
    progress.stop();
  }
}
