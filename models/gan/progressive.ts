import * as tf from '@tensorflow/tfjs';

/**
 * Progressive-GAN tricks (Karras et al. 2018) as plain ops, usable in any image G/D here.
 * Options in the image trainer: `minibatchStd` (D), `pixelNorm` (G), `equalizedLr` (G and D); all off by default.
 */

/**
 * Minibatch standard deviation: the standard deviation of every feature (h, w, c) across the batch,
 * averaged over all features into one number, appended to every sample as one extra constant channel.
 * x: [B, H, W, C] → [B, H, W, C + 1]. σ = sqrt(Var_batch + 1e-8) (population variance, as in the paper's code).
 */
export function minibatchStdDev(x: tf.Tensor4D, eps = 1e-8): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w] = x.shape;
    const { variance } = tf.moments(x, 0);
    const s = tf.mean(tf.sqrt(tf.add(variance, eps)));
    const channel = tf.mul(tf.ones([b, h, w, 1]), s);
    return tf.concat([x, channel], 3) as tf.Tensor4D;
  });
}

/** Pixelwise feature normalisation: x / sqrt(mean over channels of x² + 1e-8), per pixel (last axis). */
export function pixelNorm<T extends tf.Tensor>(x: T, eps = 1e-8): T {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))) as T);
}

/** He's constant sqrt(2 / fanIn): equalised learning rate multiplies the N(0, 1)-initialised weights by it at run time. */
export function heConstant(fanIn: number, gain = Math.SQRT2): number {
  return gain / Math.sqrt(fanIn);
}

/** The weight as used in the forward pass: w · c with c = sqrt(2 / fanIn) under equalised learning rate, else w. */
export function equalizedWeight<T extends tf.Tensor>(w: T, fanIn: number, enabled: boolean): T {
  return enabled ? (tf.mul(w, heConstant(fanIn)) as T) : w;
}
