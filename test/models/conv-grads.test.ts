import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../models/backend.ts';
import { registerWasmConvGrads } from '../../models/kernels/conv-grads.ts';

type Case = {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  s: 1 | 2 | 3 | [number, number];
  pad: 'same' | 'valid';
};

const CASES: Case[] = [
  // The DCGAN anchor's shapes (conv 4×4 s2 on 28 and 14; convT 4×4 s2 from 7 and 14).
  { n: 2, h: 28, w: 28, ci: 1, co: 16, k: 4, s: 2, pad: 'same' },
  { n: 2, h: 14, w: 14, ci: 16, co: 32, k: 4, s: 2, pad: 'same' },
  { n: 3, h: 7, w: 7, ci: 32, co: 16, k: 4, s: 2, pad: 'same' },
  // Odd sizes, odd kernels, 'valid' with leftover rows, stride 1.
  { n: 2, h: 9, w: 7, ci: 3, co: 5, k: 3, s: 1, pad: 'same' },
  { n: 2, h: 9, w: 8, ci: 3, co: 4, k: 3, s: 2, pad: 'valid' },
  { n: 1, h: 10, w: 11, ci: 2, co: 3, k: 4, s: 2, pad: 'valid' },
  { n: 2, h: 6, w: 5, ci: 4, co: 2, k: 2, s: 1, pad: 'valid' },
  { n: 2, h: 11, w: 10, ci: 2, co: 3, k: 5, s: 2, pad: 'same' },
  // Stride 3 (sub-pixel path, kernel not a multiple of the stride); unequal strides (zero-insertion path).
  { n: 2, h: 10, w: 9, ci: 3, co: 2, k: 4, s: 3, pad: 'same' },
  { n: 2, h: 9, w: 10, ci: 2, co: 3, k: 3, s: [1, 2], pad: 'valid' },
  { n: 1, h: 8, w: 9, ci: 2, co: 2, k: 4, s: [2, 1], pad: 'same' },
];

function seeded(shape: number[], seed: number): Float32Array {
  return tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', seed).dataSync() as Float32Array);
}

/** Gradients of Σ conv2d(x, w)·g and Σ conv2dTranspose(x, w)·g wrt x and w on the current backend. */
function grads(c: Case, seed: number): Float32Array[] {
  const { n, h, w, ci, co, k, s, pad } = c;
  return tf.tidy(() => {
    const x = tf.tensor4d(seeded([n, h, w, ci], seed), [n, h, w, ci]);
    const f = tf.tensor4d(seeded([k, k, ci, co], seed + 1), [k, k, ci, co]);
    const y = tf.conv2d(x, f, s, pad);
    const g = tf.tensor(seeded(y.shape, seed + 2), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad), g)),
    )([x, f]);
    // conv2dTranspose: input has co channels, output [n,h,w,ci], filter [k,k,ci,co].
    const z = tf.tensor4d(seeded(y.shape, seed + 3), y.shape as [number, number, number, number]);
    const gz = tf.tensor(seeded([n, h, w, ci], seed + 4), [n, h, w, ci]);
    const [dz, dwt] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [n, h, w, ci], s, pad), gz)),
    )([z, f]);
    const fwdT = tf.conv2dTranspose(z, f, [n, h, w, ci], s, pad);
    return [dx, dw, dz, dwt, fwdT].map((t) => t!.dataSync() as Float32Array);
  });
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let scale = 1e-6;
  let err = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
  }
  return err / scale;
}

describe('wasm conv gradients lowered to forward convolutions', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    registerWasmConvGrads();
  });

  it.each(CASES)('equal the cpu backend: %o', async (c) => {
    await tf.setBackend('cpu');
    const ref = grads(c, 7);
    await tf.setBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    const got = grads(c, 7);
    expect(got.map((g) => g.length)).toEqual(ref.map((r) => r.length));
    for (let i = 0; i < ref.length; i++) expect(maxRelErr(got[i]!, ref[i]!)).toBeLessThan(1e-4);
  });

  it('rejects NCHW with a clear error', async () => {
    await tf.setBackend('wasm');
    const dy = tf.zeros([1, 2, 3, 3]);
    const x = tf.zeros([1, 2, 6, 6]);
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        strides: [2, 2],
        pad: 'same',
        dataFormat: 'NCHW',
        dimRoundingMode: undefined,
        filterShape: [3, 3, 2, 2],
      } as unknown as tf.NamedAttrMap),
    ).toThrow(/only dataFormat 'NHWC'/);
    tf.dispose([dy, x]);
  });

  it('keeps tf.memory().numTensors and wasm memory flat over training steps', async () => {
    await tf.setBackend('wasm');
    const f1 = tf.variable(tf.randomNormal([4, 4, 1, 8], 0, 0.1, 'float32', 1)) as tf.Variable<tf.Rank.R4>;
    const f2 = tf.variable(tf.randomNormal([4, 4, 4, 8], 0, 0.1, 'float32', 2)) as tf.Variable<tf.Rank.R4>;
    const opt = tf.train.adam(1e-3);
    const x = tf.randomNormal([4, 28, 28, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const z = tf.randomNormal([4, 7, 7, 8], 0, 1, 'float32', 4) as tf.Tensor4D;
    const step = () =>
      opt.minimize(() => {
        const a = tf.conv2d(x, f1, 2, 'same');
        const b = tf.conv2dTranspose(z, f2, [4, 14, 14, 4], 2, 'same');
        return tf.add(tf.mean(tf.square(a)), tf.mean(tf.square(b))) as tf.Scalar;
      }, false);
    for (let i = 0; i < 3; i++) step();
    const before = tf.memory();
    for (let i = 0; i < 30; i++) step();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    opt.dispose();
    tf.dispose([f1, f2, x, z]);
  });
});
