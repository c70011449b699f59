import { registerWasmConvGrads } from './conv-grads.ts';
import { registerLeakyReluGradient } from './leaky-relu-grad.ts';
import { registerWasmFastMatMul } from './matmul.ts';

/**
 * Registers gymlab's wasm kernels (conv gradients lowered to forward convolutions; transpose-first
 * BatchMatMul) and a cheaper LeakyRelu gradient. Idempotent; harmless when another backend is active. Call
 * after `initBackend()`.
 */
export function registerWasmKernels(): void {
  registerWasmConvGrads();
  registerWasmFastMatMul();
  registerLeakyReluGradient();
}
