/**
 * The explorer's build: `vite build --config app/vite.config.ts` writes dist/app/ (shipped in the
 * npm package, served by `vaekit serve`, copied by `vaekit export-app`). Paths are relative (base
 * './'), so the built app works from any folder of any static host. The app imports vaekit's browser
 * entry by the package's name; here that name points at its source (src/index.ts), so the app builds
 * before or without `tsc`.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  resolve: { alias: { vaekit: fileURLToPath(new URL('../src/index.ts', import.meta.url)) } },
  build: {
    outDir: fileURLToPath(new URL('../dist/app', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    assetsInlineLimit: 0,
  },
});
