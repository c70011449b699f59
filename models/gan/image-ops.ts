import * as tf from '@tensorflow/tfjs';

/** tf.customGrad's argument, for a function of one tensor (its declared type takes rest parameters). */
type CustomGradFn = Parameters<typeof tf.customGrad>[0];

/** Instance normalisation's ε, as in PyTorch's InstanceNorm2d (used by the CycleGAN reference). */
export const INSTANCE_NORM_EPS = 1e-5;

/**
 * Instance normalisation of an NHWC batch: each sample's each channel is normalised over its H×W pixels,
 * (x − mean) / √(var + ε) with the biased variance, then optionally scaled and shifted by a learnable
 * per-channel γ and β ([C] each). Differentiable with respect to x, γ and β. TensorFlow.js has no such layer.
 */
export function instanceNorm(
  x: tf.Tensor4D,
  affine?: { gamma: tf.Tensor1D; beta: tf.Tensor1D },
  eps = INSTANCE_NORM_EPS,
): tf.Tensor4D {
  const y = normalize(x, eps);
  if (!affine) return y;
  return tf.tidy(() => tf.add(tf.mul(y, affine.gamma), affine.beta) as tf.Tensor4D);
}

/**
 * y = (x − μ)/σ over axes 1, 2 with its analytic gradient dx = (dy − mean(dy) − y·mean(dy·y))/σ: a few
 * kernels instead of the dozen that differentiating tf.moments records (it is the most frequent op here).
 */
function normalize(x: tf.Tensor4D, eps: number): tf.Tensor4D {
  const f = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    const mean = spatialMean(input);
    const centred = tf.sub(input, mean);
    const inv = tf.rsqrt(tf.add(spatialMean(tf.square(centred)), eps));
    const value = tf.mul(centred, inv);
    save([value, inv]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [y, s] = saved as [tf.Tensor, tf.Tensor];
        const meanDy = spatialMean(dy);
        const meanDyY = spatialMean(tf.mul(dy, y));
        return tf.mul(tf.sub(tf.sub(dy, meanDy), tf.mul(y, meanDyY)), s);
      },
    };
  }) as CustomGradFn);
  return f(x) as tf.Tensor4D;
}

/**
 * The mean over axes 1 and 2 of an NHWC tensor, [N, 1, 1, C], as a batched matmul of a row of 1/(H·W) with the
 * [N, H·W, C] view: 2–3× faster than tf.mean over two non-innermost axes on wasm (which transposes first).
 */
function spatialMean(x: tf.Tensor): tf.Tensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const row = tf.fill([n, 1, h * w], 1 / (h * w));
  return tf.reshape(tf.matMul(row, tf.reshape(x, [n, h * w, c]) as tf.Tensor3D), [n, 1, 1, c]);
}

/**
 * Reflection padding of the spatial axes of an NHWC batch by `pad` pixels on every side (PyTorch's
 * ReflectionPad2d: the edge pixel is not repeated, so `pad` must be < H and < W).
 *
 * The forward pass is tf.mirrorPad 'reflect'. Its gradient is written here: tfjs's registered MirrorPad
 * gradient only slices the centre out of dy and drops what flowed through the reflected border pixels
 * (checked in tfjs-core 4.22, MirrorPad_grad.js), which is wrong for every pixel that was mirrored.
 */
export function reflectionPad2d(x: tf.Tensor4D, pad: number): tf.Tensor4D {
  if (!Number.isInteger(pad) || pad < 0) throw new RangeError(`reflectionPad2d: pad must be an integer ≥ 0`);
  if (pad === 0) return x.clone();
  const [, h, w] = x.shape;
  if (pad >= h || pad >= w) {
    throw new RangeError(`reflectionPad2d: pad ${pad} must be smaller than the image (${h}×${w})`);
  }
  const f = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    const value = tf.mirrorPad(
      input as tf.Tensor4D,
      [
        [0, 0],
        [pad, pad],
        [pad, pad],
        [0, 0],
      ],
      'reflect',
    );
    return { value, gradFunc: (dy: tf.Tensor) => foldReflect(foldReflect(dy, 2, pad, w), 1, pad, h) };
  }) as CustomGradFn);
  return f(x) as tf.Tensor4D;
}

/**
 * The adjoint of reflection padding along one axis: the centre of dy plus, for the padded border, dy's
 * mirrored rows added back onto the source rows they copied (padded row k < p came from row p − k; padded row
 * p + n + k from row n − 2 − k). Assembled as one concat of the untouched rows and the two corrected bands,
 * which copies dy about twice (padding the bands to full size and summing would copy it five times).
 */
function foldReflect(dy: tf.Tensor, axis: number, p: number, n: number): tf.Tensor {
  return tf.tidy(() => {
    const take = (start: number, len: number) =>
      tf.slice(
        dy,
        dy.shape.map((_, i) => (i === axis ? start : 0)),
        dy.shape.map((d, i) => (i === axis ? len : d)),
      );
    // Reversed, the leading border maps onto source rows 1..p, the trailing one onto rows n−1−p..n−2.
    const lead = tf.reverse(take(0, p), axis);
    const trail = tf.reverse(take(p + n, p), axis);
    if (n < 2 * p + 2) {
      // The two bands overlap (tiny images): pad each to full size and sum.
      const padding = (before: number, after: number) =>
        dy.shape.map((_, i) => (i === axis ? [before, after] : [0, 0]) as [number, number]);
      return tf.addN([take(p, n), tf.pad(lead, padding(1, n - 1 - p)), tf.pad(trail, padding(n - 1 - p, 1))]);
    }
    const parts = [
      take(p, 1), // source row 0
      tf.add(take(p + 1, p), lead), // rows 1..p
      ...(n - 2 - 2 * p > 0 ? [take(2 * p + 1, n - 2 - 2 * p)] : []), // rows p+1..n−2−p
      tf.add(take(n - 1, p), trail), // rows n−1−p..n−2
      take(n + p - 1, 1), // row n−1
    ];
    return tf.concat(parts, axis);
  });
}
