import * as tf from '@tensorflow/tfjs';

/**
 * Sum and Mean over leading axes for the wasm backend, as one matrix product. The wasm kernels reduce only the
 * innermost axes, so a reduction over [0, 1, 2] of an NHWC tensor — every conv bias gradient, every batch-norm
 * moment — first transposes the whole tensor. Reducing the leading axes of x viewed as [M, C] is instead
 * ones[1, M] · x[M, C] (÷ M for Mean): one BatchMatMul (XNNPACK), no copy. Other reductions (inner or mixed
 * axes, small M, non-float32) go to the original kernels.
 */

type Info = tf.TensorInfo;
interface WasmBackend {
  disposeData(dataId: object): boolean;
  makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number, values?: Float32Array): Info;
}

/** Below this many rows the original kernel is as fast. */
const MIN_ROWS = 256;

let registered = false;

export function registerWasmFastReductions(): void {
  if (registered) return;
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  const reshape = tf.getKernel('Reshape', 'wasm');
  if (!matMul || !reshape) return;
  registered = true;
  for (const name of ['Sum', 'Mean'] as const) {
    const original = tf.getKernel(name, 'wasm');
    if (!original) continue;
    const kernelFunc: tf.KernelFunc = (args) => {
      const { inputs, backend, attrs } = args;
      const x = inputs['x'] as Info;
      const { axis, keepDims } = (attrs ?? {}) as { axis: number | number[]; keepDims: boolean };
      const shape = x.shape as number[];
      const axes = tf.util.parseAxisParam(axis, shape).sort((a, b) => a - b);
      const k = axes.length;
      const leading = k > 0 && k < shape.length && axes.every((a, i) => a === i);
      const rows = shape.slice(0, k).reduce((a, b) => a * b, 1);
      if (!leading || x.dtype !== 'float32' || rows < MIN_ROWS) return original.kernelFunc(args);
      const cols = shape.slice(k).reduce((a, b) => a * b, 1);
      const wasm = backend as unknown as WasmBackend;
      const run = (kernel: tf.KernelConfig, kernelInputs: tf.NamedTensorInfoMap, kernelAttrs: object) =>
        kernel.kernelFunc({ inputs: kernelInputs, backend, attrs: kernelAttrs as tf.NamedAttrMap }) as Info;
      const weights = new Float32Array(rows).fill(name === 'Mean' ? 1 / rows : 1);
      const ones = wasm.makeOutput([1, 1, rows], 'float32', undefined, weights);
      const matrix = run(reshape, { x }, { shape: [1, rows, cols] });
      const product = run(matMul, { a: ones, b: matrix }, { transposeA: false, transposeB: false });
      const outShape = keepDims ? shape.map((d, i) => (i < k ? 1 : d)) : shape.slice(k);
      const out = run(reshape, { x: product }, { shape: outShape });
      for (const t of [ones, matrix, product]) wasm.disposeData(t.dataId);
      return out;
    };
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc,
      ...(original.setupFunc ? { setupFunc: original.setupFunc } : {}),
      ...(original.disposeFunc ? { disposeFunc: original.disposeFunc } : {}),
    });
  }
}
