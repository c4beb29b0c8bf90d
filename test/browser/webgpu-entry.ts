/**
 * The page's bundle for the WebGPU kernel test: tfjs, its webgpu backend (registered on import where
 * the page has navigator.gpu), vaekit's WGSL kernels, the trainer's Adam hook and the cases.
 */
export * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
export { registerWebGpuKernels, BERNOULLI_LOGITS_GRAD_KERNEL } from '../../src/backend/webgpu-kernels.js';
export { webGpuAdamUpdate } from '../../src/backend/webgpu-adam.js';
export { BERNOULLI_LOG_PROB_KERNEL } from '../../src/distributions/bernoulli.js';
export { setInPlaceAdamUpdate } from '../../src/training/optimizer.js';
export * as cases from './webgpu-cases.js';
