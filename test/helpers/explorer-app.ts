/**
 * The explorer app (app/) built for a test: `vite build` with the app's own config into a temporary
 * folder, so a test always runs the app as its sources are now (not a stale dist/app).
 */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const CONFIG = fileURLToPath(new URL('../../app/vite.config.ts', import.meta.url));

/**
 * Builds the explorer into `outDir` (index.html, assets/).
 * @throws the bundler's error when the app does not build
 */
export async function buildExplorerApp(outDir: string): Promise<void> {
  await build({ configFile: CONFIG, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
}
