import { createRequire } from 'node:module';

/** vaekit's version, from its package.json (works from src/ and dist/). */
export const VAEKIT_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
