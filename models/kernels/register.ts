import { registerWasmConvGrads } from './conv-grads.ts';
import { registerLeakyReluGradient } from './leaky-relu-grad.ts';
import { registerWasmFastMatMul } from './matmul.ts';
import { registerWasmFastReductions } from './reduce.ts';

/**
 * Registers gymlab's wasm kernels (conv gradients lowered to forward convolutions; transpose-first
 * BatchMatMul; leading-axis Sum/Mean as a matrix product) and a cheaper LeakyRelu gradient. Idempotent; harmless when another backend is active. Call after `initBackend()`.
 */
export function registerWasmKernels(): void {
  registerWasmConvGrads();
  registerWasmFastMatMul();
  registerWasmFastReductions();
  registerLeakyReluGradient();
}
