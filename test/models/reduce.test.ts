import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../models/backend.ts';
import { registerWasmFastReductions } from '../../models/kernels/reduce.ts';

// [shape, axes, keepDims]: leading-axis reductions take the matrix-product path; the rest fall back.
const CASES: [number[], number | number[], boolean][] = [
  [[16, 7, 7, 8], [0, 1, 2], false], // a conv bias gradient
  [[16, 7, 7, 8], [0, 1, 2], true], // batch-norm moments
  [[300, 5], 0, false],
  [[300, 5], [0], true],
  [[2, 300, 3], [1, 0], false], // unsorted axes
  [[4, 8, 9, 3], [-4, -3], false], // negative axes
  [[5, 300], 1, false], // inner axis: original kernel
  [[40, 3, 5], [0, 2], true], // mixed: original kernel
  [[10, 5], 0, false], // few rows: original kernel
];

function reductions(): Float32Array[] {
  return CASES.flatMap(([shape, axes, keepDims], i) =>
    tf.tidy(() => {
      const x = tf.randomNormal(shape, 1, 2, 'float32', i + 1);
      return [tf.sum(x, axes, keepDims), tf.mean(x, axes, keepDims)].map((t) => t.dataSync() as Float32Array);
    }),
  );
}

describe('leading-axis Sum and Mean on wasm', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    registerWasmFastReductions();
  });

  it('equal the cpu backend (values and shapes), keepDims or not', async () => {
    await tf.setBackend('cpu');
    const want = reductions();
    const shapes = CASES.map(([shape, axes, keepDims]) =>
      tf.tidy(() => tf.sum(tf.zeros(shape), axes, keepDims).shape),
    );
    await tf.setBackend('wasm');
    const got = reductions();
    got.forEach((g, i) => {
      expect(g.length).toBe(want[i]!.length);
      for (let j = 0; j < g.length; j++) expect(g[j]).toBeCloseTo(want[i]![j]!, 2);
    });
    CASES.forEach(([shape, axes, keepDims], i) => {
      expect(tf.tidy(() => tf.sum(tf.zeros(shape), axes, keepDims).shape)).toEqual(shapes[i]);
    });
    // int32 sums stay exact (original kernel).
    expect(Array.from(tf.tidy(() => tf.sum(tf.ones([400, 2], 'int32'), 0).dataSync()))).toEqual([400, 400]);
  });

  it('gradients through them match, and nothing leaks', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([32, 4, 4, 6], 0, 1, 'float32', 7);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.mean(v, [0, 1, 2]))))(x);
    const manual = tf.tidy(() => tf.div(tf.mul(2, tf.mean(x, [0, 1, 2])), 32 * 4 * 4));
    const gv = g.dataSync();
    const mv = manual.dataSync();
    for (let i = 0; i < gv.length; i++) expect(gv[i]).toBeCloseTo(mv[i % 6]!, 6);
    const before = tf.memory();
    for (let i = 0; i < 10; i++) tf.tidy(() => tf.sum(x, [0, 1, 2]).dataSync());
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    tf.dispose([x, g, manual]);
  });
});
