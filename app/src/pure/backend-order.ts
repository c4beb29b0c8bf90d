/**
 * The order the explorer tries TensorFlow.js backends in (app/src/backend.ts starts them): pure, so
 * it is unit-tested in Node.
 */

export const BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

/**
 * The backends to try, in order: `asked` first when it is one of them; WebGL after wasm when it is
 * drawn in software (unless asked for).
 */
export function backendCandidates(asked: string | null, isSoftwareGl = false): BackendName[] {
  const order: BackendName[] = isSoftwareGl ? ['webgpu', 'wasm', 'webgl', 'cpu'] : [...BACKEND_ORDER];
  const first = order.find((b) => b === asked);
  return first ? [first, ...order.filter((b) => b !== first)] : order;
}

/** True when the browser's WebGL is drawn in software (no GPU): its renderer names SwiftShader, llvmpipe or a software rasterizer. */
export function isSoftwareRenderer(renderer: string): boolean {
  return /swiftshader|llvmpipe|softpipe|software/i.test(renderer);
}
