import * as tf from '@tensorflow/tfjs';

/**
 * LeakyRelu's gradient as dy · step(x, α) (step(x, α) = 1 where x > 0, else α) in place of tfjs's
 * where(greater(x, 0), dy, dy · α). Same values, bit for bit; two cheap kernels instead of a Greater (bool
 * output) and a Select, which were ≈ 8 % of a DCGAN training step on wasm. It is also twice differentiable
 * (Step's gradient is zero), which the original is not (Greater has no gradient). Registered for every
 * backend (gradients are backend-independent); idempotent.
 */
let registered = false;

export function registerLeakyReluGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: 'LeakyRelu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const { alpha } = attrs as unknown as { alpha: number };
      return { x: () => tf.mul(dy as tf.Tensor, tf.step(x, alpha)) };
    },
  });
}
