import * as tf from '@tensorflow/tfjs';

/**
 * The wasm backend's BatchMatMul is fast only without transposes (XNNPACK); with transposeA or transposeB —
 * every dense layer's backward pass — it falls to a slow loop (measured here: 143 ms for the 512×512 weight
 * gradient of a batch of 256, against ~1 ms to transpose the operand first). This wrapper transposes the
 * operand(s) with wasm's Transpose kernel, calls the original kernel without transposes and frees the
 * intermediates with `backend.disposeData`.
 */

type Info = tf.TensorInfo;

let registered = false;

/** Replaces the 'wasm' BatchMatMul with the transpose-first wrapper. Idempotent. */
export function registerWasmFastMatMul(): void {
  if (registered) return;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) return;
  registered = true;
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = (attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    if (!transposeA && !transposeB) return original.kernelFunc({ inputs, backend, attrs });
    const owned: Info[] = [];
    const flip = (x: Info): Info => {
      const rank = x.shape.length;
      const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
      const t = transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as Info;
      owned.push(t);
      return t;
    };
    const a = transposeA ? flip(inputs['a'] as Info) : (inputs['a'] as Info);
    const b = transposeB ? flip(inputs['b'] as Info) : (inputs['b'] as Info);
    const out = original.kernelFunc({
      inputs: { a, b },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    }) as Info;
    for (const t of owned) (backend as { disposeData(id: object): boolean }).disposeData(t.dataId);
    return out;
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc,
    ...(original.setupFunc ? { setupFunc: original.setupFunc } : {}),
    ...(original.disposeFunc ? { disposeFunc: original.disposeFunc } : {}),
  });
}
