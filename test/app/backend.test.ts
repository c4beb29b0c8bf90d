/**
 * The explorer's backend order (app/src/pure/backend-order.ts): WebGPU, WebGL, wasm, cpu; WebGL after wasm when
 * the browser draws it in software; a backend asked for in the URL first.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendCandidates, isSoftwareRenderer } from '../../app/src/pure/backend-order.js';

test('tries WebGPU, WebGL, wasm, cpu; a software WebGL after wasm; an asked-for backend first', () => {
  assert.deepEqual(backendCandidates(null), ['webgpu', 'webgl', 'wasm', 'cpu']);
  assert.deepEqual(backendCandidates(null, true), ['webgpu', 'wasm', 'webgl', 'cpu']);
  assert.deepEqual(backendCandidates('webgl', true), ['webgl', 'webgpu', 'wasm', 'cpu']);
  assert.deepEqual(backendCandidates('cpu'), ['cpu', 'webgpu', 'webgl', 'wasm']);
  assert.deepEqual(backendCandidates('no-such'), ['webgpu', 'webgl', 'wasm', 'cpu']);
});

test('names SwiftShader and llvmpipe renderers as software, GPUs not', () => {
  assert.equal(isSoftwareRenderer('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)'), true);
  assert.equal(isSoftwareRenderer('llvmpipe (LLVM 15.0.6, 256 bits)'), true);
  assert.equal(isSoftwareRenderer('ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 Direct3D11 vs_5_0 ps_5_0, D3D11)'), false);
});
