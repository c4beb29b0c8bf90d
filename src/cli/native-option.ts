/** The `--native` flag of the commands that compute with a VAE (train, evaluate, score). */
import { Option } from 'commander';
import { NATIVE_CHOICES } from '../node/compute/native-kernels.js';
import { oneOf } from './parse.js';

export function nativeOption(): Option {
  return new Option(
    '--native <mode>',
    `native kernels on the wasm backend: OpenBLAS matmuls, Adam, Bernoulli likelihood (${NATIVE_CHOICES.join(', ')}; auto: when built and OpenBLAS is installed)`,
  )
    .argParser(oneOf('--native', NATIVE_CHOICES))
    .default('auto');
}
