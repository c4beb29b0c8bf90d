/**
 * Registers vaekit's WGSL kernels on TensorFlow.js's WebGPU backend: the Bernoulli log-likelihood
 * (src/backend/webgpu-bernoulli.ts) under the name vaekit's likelihood asks for, and its logits
 * gradient. Adam's in-place update (src/backend/webgpu-adam.ts) is not a kernel: the entry point hands
 * it to the trainer's optimizer.
 *
 * Browser-safe: depends only on @tensorflow/tfjs. Idempotent. Call once the webgpu backend's package
 * is imported (its kernels registered); registering needs no device.
 */
import * as tf from '@tensorflow/tfjs';
import { bernoulliLogitsGradKernel, bernoulliLogProbKernel } from './webgpu-bernoulli.js';

/**
 * Name of the logits-gradient kernel: inputs { dy [...], x [..., D], logits [..., D] }, output
 * logits.shape, dy·(x − σ(logits)). Registered for webgpu only.
 */
export const BERNOULLI_LOGITS_GRAD_KERNEL = 'VaekitBernoulliLogitsGrad';

/** The kernel names vaekit registers on WebGPU, by role. */
export interface WebGpuKernelNames {
  /** The fused Bernoulli log-likelihood's name (src/distributions/bernoulli.ts: `VaekitBernoulliLogProb`). */
  bernoulliLogProb: string;
  /** Its logits gradient's name; {@link BERNOULLI_LOGITS_GRAD_KERNEL} unless given. */
  bernoulliLogitsGrad?: string;
}

/**
 * Registers the WGSL kernels for `backendName` where nothing is registered under their names yet.
 * @returns the names now registered for `backendName` (registered here or before)
 */
export function registerWebGpuKernels(names: WebGpuKernelNames, backendName = 'webgpu'): string[] {
  const kernels: Array<[string, tf.KernelFunc]> = [
    [names.bernoulliLogProb, bernoulliLogProbKernel(names.bernoulliLogProb)],
    [names.bernoulliLogitsGrad ?? BERNOULLI_LOGITS_GRAD_KERNEL, bernoulliLogitsGradKernel(names.bernoulliLogitsGrad ?? BERNOULLI_LOGITS_GRAD_KERNEL)],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    if (tf.getKernel(kernelName, backendName) == null) tf.registerKernel({ kernelName, backendName, kernelFunc });
  }
  return kernels.map(([kernelName]) => kernelName);
}
