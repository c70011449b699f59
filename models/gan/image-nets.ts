import * as tf from '@tensorflow/tfjs';

import { powerIteration, spectralSigma } from './losses.ts';
import { equalizedWeight, minibatchStdDev, pixelNorm } from './progressive.ts';

/** Shape and tricks of the DCGAN-style image networks. */
export interface ImageNetSpec {
  /** Image height and width (multiples of 4) and channels. */
  height: number;
  width: number;
  channels: number;
  noiseDim: number;
  /** G's channels after the first transposed conv (the 1/4-size map has twice as many). */
  gChannels: number;
  /** D's channels in its first conv (the second has twice as many). */
  dChannels: number;
  /** G's normalisation after the dense layer and the first transposed conv: pixel norm replaces batch norm. */
  pixelNorm: boolean;
  batchNorm: boolean;
  /** Batch norm after D's second conv (DCGAN's D). */
  dBatchNorm: boolean;
  minibatchStd: boolean;
  equalizedLr: boolean;
  /** sngan: spectral normalisation of every D kernel, one power iteration per D step. */
  spectralNorm: boolean;
  /**
   * Class-conditional nets when > 0 (the number of classes): G reads [z, one-hot(y)], D adds a projection
   * term ⟨V·one-hot(y), φ(x)⟩ + b_y to its score (Miyato & Koyama 2018, sngan_projection). 0: unconditional.
   */
  classes: number;
}

/** A dense, conv or transposed-conv layer's parameters. */
export interface Layer {
  kind: 'dense' | 'conv' | 'convT' | 'embed';
  w: tf.Variable;
  b: tf.Variable;
  fanIn: number;
  /** sngan: the running singular-vector estimate ([out]), kept across steps. */
  u?: tf.Variable<tf.Rank.R1>;
  /** batch norm scale/shift applied after this layer. */
  gamma?: tf.Variable;
  beta?: tf.Variable;
}

const KERNEL = 4;

/**
 * Builds G and D. Kernels are U(±1/sqrt(fanIn)) (PyTorch's default; DCGAN's N(0, 0.02) starves a D without
 * batch norm: its activations shrink layer by layer and it learned far more slowly here), or N(0, 1) scaled at
 * run time by sqrt(2 / fanIn) under equalised learning rate; biases zero. `seed()` gives tfjs seeds (never 0).
 */
export function buildImageNets(spec: ImageNetSpec, seed: () => number): { g: Layer[]; d: Layer[] } {
  const { height: H, width: W, channels: C, noiseDim, gChannels: g, dChannels: d } = spec;
  if (H % 4 !== 0 || W % 4 !== 0) throw new RangeError(`image size must be a multiple of 4 (got ${H}×${W})`);

  const make = (
    kind: Layer['kind'],
    shape: number[],
    fanIn: number,
    out: number,
    norm: boolean,
    sn: boolean,
  ) => {
    // Inside tidy: tf.variable keeps its own handle, the initial tensors are freed.
    const layer: Layer = {
      kind,
      w: tf.tidy(() =>
        tf.variable(
          spec.equalizedLr
            ? tf.randomNormal(shape, 0, 1, 'float32', seed())
            : tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), 'float32', seed()),
        ),
      ),
      b: tf.tidy(() => tf.variable(tf.zeros([out]))),
      fanIn,
    };
    if (norm) {
      layer.gamma = tf.tidy(() => tf.variable(tf.ones([out])));
      layer.beta = tf.tidy(() => tf.variable(tf.zeros([out])));
    }
    if (sn) {
      const u = tf.tidy(() => {
        const r = tf.randomNormal([out], 0, 1, 'float32', seed());
        return tf.div(r, tf.norm(r));
      });
      layer.u = tf.variable(u, false) as tf.Variable<tf.Rank.R1>;
      u.dispose();
    }
    return layer;
  };
  const bn = spec.batchNorm && !spec.pixelNorm;
  const h4 = H / 4;
  const w4 = W / 4;
  const zIn = noiseDim + spec.classes;
  const gen: Layer[] = [
    make('dense', [zIn, h4 * w4 * 2 * g], zIn, h4 * w4 * 2 * g, false, false),
    // conv2dTranspose filters are [kh, kw, outChannels, inChannels]; fan-in as seen by each output pixel.
    make('convT', [KERNEL, KERNEL, g, 2 * g], (KERNEL * KERNEL * 2 * g) / 4, g, bn, false),
    make('convT', [KERNEL, KERNEL, C, g], (KERNEL * KERNEL * g) / 4, C, false, false),
  ];
  if (bn) {
    // The dense layer's batch norm works per channel of the reshaped map.
    gen[0]!.gamma = tf.tidy(() => tf.variable(tf.ones([2 * g])));
    gen[0]!.beta = tf.tidy(() => tf.variable(tf.zeros([2 * g])));
  }
  const sn = spec.spectralNorm;
  const flat = h4 * w4 * (2 * d + (spec.minibatchStd ? 1 : 0));
  const dis: Layer[] = [
    make('conv', [KERNEL, KERNEL, C, d], KERNEL * KERNEL * C, d, false, sn),
    make('conv', [KERNEL, KERNEL, d, 2 * d], KERNEL * KERNEL * d, 2 * d, spec.dBatchNorm, sn),
    make('dense', [flat, 1], flat, 1, false, sn),
  ];
  if (spec.classes > 0) {
    // The class embedding V [classes, φ] and a per-class bias; under sngan V is normalised like the kernels.
    const embed = make('embed', [spec.classes, flat], flat, flat, false, sn);
    embed.b.dispose();
    embed.b = tf.tidy(() => tf.variable(tf.zeros([spec.classes])));
    dis.push(embed);
  }
  return { g: gen, d: dis };
}

/** Every trainable variable of a network. */
export function trainableOf(layers: Layer[]): tf.Variable[] {
  return layers.flatMap((l) => [l.w, l.b, ...(l.gamma ? [l.gamma, l.beta!] : [])]);
}

/** A layer's variables by role (w, b, gamma, beta, u), for saving and restoring state. */
export function layerVariables(l: Layer): [string, tf.Variable][] {
  return [
    ['w', l.w],
    ['b', l.b],
    ...(l.gamma
      ? ([
          ['gamma', l.gamma],
          ['beta', l.beta!],
        ] as [string, tf.Variable][])
      : []),
    ...(l.u ? ([['u', l.u]] as [string, tf.Variable][]) : []),
  ];
}

/** Non-trainable copies of a network's parameters (for a weight average). */
export function cloneLayers(layers: Layer[]): Layer[] {
  const copy = (v: tf.Variable) => tf.variable(v, false);
  return layers.map((l) => ({
    kind: l.kind,
    w: copy(l.w),
    b: copy(l.b),
    fanIn: l.fanIn,
    ...(l.gamma ? { gamma: copy(l.gamma), beta: copy(l.beta!) } : {}),
  }));
}

export function disposeLayers(layers: Layer[]): void {
  for (const l of layers)
    tf.dispose([l.w, l.b, ...(l.u ? [l.u] : []), ...(l.gamma ? [l.gamma, l.beta!] : [])]);
}

/** A kernel as a matrix [fan-in, out] for spectral normalisation ([kh·kw·cin, cout] for convs). */
export function kernelMatrix(w: tf.Tensor): tf.Tensor2D {
  const out = w.shape[w.rank - 1]!;
  return tf.reshape(w, [w.size / out, out]) as tf.Tensor2D;
}

/**
 * sngan: one power iteration per D layer (the stored u advances when `advance`), returning σ as a function
 * of the live kernels with u, v held constant. Call inside a tidy.
 */
export function spectralSigmas(d: Layer[], advance: boolean): () => tf.Scalar[] {
  const uv = d.map((layer) => {
    const { u, v } = powerIteration(kernelMatrix(layer.w), layer.u!);
    if (advance) layer.u!.assign(u);
    return { u, v };
  });
  return () => d.map((layer, i) => spectralSigma(kernelMatrix(layer.w), uv[i]!.u, uv[i]!.v));
}

function batchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const axes = x.rank === 4 ? [0, 1, 2] : [0];
  const { mean, variance } = tf.moments(x, axes);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
}

/**
 * G: z [B, noiseDim] (and one-hot classes [B, classes] for conditional nets) → images [B, H, W, C] in (−1, 1)
 * (tanh; batch statistics in every call).
 */
export function generatorForward(
  spec: ImageNetSpec,
  g: Layer[],
  noise: tf.Tensor2D,
  classes?: tf.Tensor2D,
): tf.Tensor4D {
  const B = noise.shape[0];
  if (spec.classes > 0 && !classes) throw new Error('a class-conditional generator needs one-hot classes');
  const z = spec.classes > 0 ? (tf.concat([noise, classes!], 1) as tf.Tensor2D) : noise;
  const [l0, l1, l2] = g as [Layer, Layer, Layer];
  const eq = spec.equalizedLr;
  const h4 = spec.height / 4;
  const w4 = spec.width / 4;
  const norm = (x: tf.Tensor, l: Layer) =>
    spec.pixelNorm ? pixelNorm(x) : l.gamma ? batchNorm(x, l.gamma, l.beta!) : x;
  let h: tf.Tensor = tf.add(tf.matMul(z, equalizedWeight(l0.w as tf.Tensor2D, l0.fanIn, eq)), l0.b);
  h = tf.reshape(h, [B, h4, w4, l0.b.shape[0]! / (h4 * w4)]);
  h = tf.relu(norm(h, l0));
  const c1 = l1.w.shape[2]!;
  h = tf.conv2dTranspose(
    h as tf.Tensor4D,
    equalizedWeight(l1.w as tf.Tensor4D, l1.fanIn, eq),
    [B, 2 * h4, 2 * w4, c1],
    2,
    'same',
  );
  h = tf.relu(norm(tf.add(h, l1.b), l1));
  h = tf.conv2dTranspose(
    h as tf.Tensor4D,
    equalizedWeight(l2.w as tf.Tensor4D, l2.fanIn, eq),
    [B, spec.height, spec.width, spec.channels],
    2,
    'same',
  );
  return tf.tanh(tf.add(h, l2.b)) as tf.Tensor4D;
}

/**
 * LeakyReLU 0.2 as 0.2·x + 0.8·relu(x): tfjs's own LeakyRelu gradient goes through `greater`, which has no
 * gradient, so the second-order gradients of the penalty would fail; Relu's goes through Step (zero gradient).
 */
export function leakyRelu(x: tf.Tensor, alpha = 0.2): tf.Tensor {
  return tf.add(tf.mul(alpha, x), tf.mul(1 - alpha, tf.relu(x)));
}

/**
 * D: images [B, H, W, C] in [−1, 1] → scores [B, 1] (logits; no sigmoid or tanh inside, so second-order
 * gradients for the penalty are right). `sigmas` (sngan) divides each kernel by its spectral norm.
 */
export function discriminatorForward(
  spec: ImageNetSpec,
  d: Layer[],
  x: tf.Tensor4D,
  sigmas?: tf.Scalar[],
  classes?: tf.Tensor2D,
): tf.Tensor2D {
  const B = x.shape[0];
  if (spec.classes > 0 && !classes)
    throw new Error('a class-conditional discriminator needs one-hot classes');
  const eq = spec.equalizedLr;
  const kernel = (i: number) => {
    const l = d[i]!;
    const w = equalizedWeight(l.w, l.fanIn, eq);
    return sigmas ? tf.div(w, sigmas[i]!) : w;
  };
  let h: tf.Tensor = leakyRelu(tf.add(tf.conv2d(x, kernel(0) as tf.Tensor4D, 2, 'same'), d[0]!.b));
  h = tf.add(tf.conv2d(h as tf.Tensor4D, kernel(1) as tf.Tensor4D, 2, 'same'), d[1]!.b);
  if (d[1]!.gamma) h = batchNorm(h, d[1]!.gamma, d[1]!.beta!);
  h = leakyRelu(h);
  if (spec.minibatchStd) h = minibatchStdDev(h as tf.Tensor4D);
  const phi = tf.reshape(h, [B, -1]) as tf.Tensor2D;
  const score = tf.add(tf.matMul(phi, kernel(2) as tf.Tensor2D), d[2]!.b) as tf.Tensor2D;
  if (spec.classes === 0) return score;
  // Projection: ⟨V[y], φ(x)⟩ + b[y], with V[y] and b[y] picked by the one-hot rows.
  const v = tf.matMul(classes!, kernel(3) as tf.Tensor2D);
  const projection = tf.sum(tf.mul(v, phi), 1, true);
  const bias = tf.matMul(classes!, tf.reshape(d[3]!.b, [-1, 1]));
  return tf.add(score, tf.add(projection, bias)) as tf.Tensor2D;
}
