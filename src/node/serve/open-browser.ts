/**
 * Opening a URL in the user's browser with the platform's opener: `open` (macOS), `start` (Windows),
 * `xdg-open` (elsewhere). The opener runs detached with its output ignored; a missing opener is
 * reported, never thrown.
 */
import { spawn } from 'node:child_process';

/** The opener command and its arguments for a URL on this platform. */
export function browserOpener(url: string, platform: NodeJS.Platform = process.platform): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [url] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', url] };
  return { command: 'xdg-open', args: [url] };
}

/**
 * Asks the platform's opener to show `url`.
 * @returns null once the opener started, or why it could not start (e.g. 'xdg-open: spawn xdg-open ENOENT')
 */
export function openInBrowser(url: string): Promise<string | null> {
  const { command, args } = browserOpener(url);
  return new Promise((resolve) => {
    try {
      const child = spawn(command, args, { detached: true, stdio: 'ignore' });
      child.once('error', (e) => resolve(`${command}: ${e.message}`));
      child.once('spawn', () => {
        child.unref();
        resolve(null);
      });
    } catch (e) {
      resolve(`${command}: ${(e as Error).message}`);
    }
  });
}
