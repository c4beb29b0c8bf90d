/**
 * The entry the browser test bundles: vaekit's browser entry as it is, the tfjs it runs on (the page
 * picks the backend; vaekit never does), the scenario the page runs, and the watch on synchronous reads.
 */
export * from '../../src/index.js';
export * as tf from '@tensorflow/tfjs';
export * as scenario from './scenario.js';
export * as syncReads from './sync-reads.js';
