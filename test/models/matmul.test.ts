import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../models/backend.ts';
import { registerWasmFastMatMul } from '../../models/kernels/matmul.ts';

const CASES: [number[], number[], boolean, boolean][] = [
  [[5, 7], [7, 3], false, false],
  [[7, 5], [7, 3], true, false],
  [[5, 7], [3, 7], false, true],
  [[7, 5], [3, 7], true, true],
  [[2, 6, 4], [2, 6, 5], true, false],
  [[2, 4, 6], [2, 5, 6], false, true],
];

function products(): Float32Array[] {
  return CASES.map(([sa, sb, ta, tb], i) =>
    tf.tidy(() => {
      const a = tf.randomNormal(sa, 0, 1, 'float32', 2 * i + 1); // seed 0 means unseeded in tfjs
      const b = tf.randomNormal(sb, 0, 1, 'float32', 2 * i + 2);
      return tf.matMul(a, b, ta, tb).dataSync() as Float32Array;
    }),
  );
}

describe('transpose-first wasm BatchMatMul', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    registerWasmFastMatMul();
  });

  it('equals the cpu backend with and without transposes, batched too', async () => {
    await tf.setBackend('cpu');
    const want = products();
    await tf.setBackend('wasm');
    const got = products();
    got.forEach((g, i) => {
      expect(g.length).toBe(want[i]!.length);
      for (let j = 0; j < g.length; j++) expect(g[j]).toBeCloseTo(want[i]![j]!, 4);
    });
  });

  it('frees its transposed operands', async () => {
    await tf.setBackend('wasm');
    const a = tf.randomNormal([8, 4]);
    const b = tf.randomNormal([8, 3]);
    tf.tidy(() => tf.matMul(a, b, true, false));
    const before = tf.memory();
    for (let i = 0; i < 20; i++) tf.tidy(() => tf.matMul(a, b, true, false).dataSync());
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    tf.dispose([a, b]);
  });
});
