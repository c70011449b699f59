import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { Rng } from '../../envs/core/rng.ts';
import { initBackend } from '../../models/backend.ts';
import type { ImageSet } from '../../models/data/mnist.ts';
import {
  CYCLEGAN_NETS,
  CycleGanTrainer,
  cycleGanConfig,
  cycleGanGeneratorLoss,
  l1Loss,
  loadCycleGanNet,
  lsganDiscriminatorLoss,
  lsganGeneratorLoss,
} from '../../models/gan/cyclegan.ts';
import { ImagePool } from '../../models/gan/history-pool.ts';
import { instanceNorm, reflectionPad2d } from '../../models/gan/image-ops.ts';
import { registerWasmKernels } from '../../models/kernels/register.ts';
import { cycleError, spreadSubset } from '../../models/metrics/cycle.ts';

beforeAll(async () => {
  await initBackend('wasm');
  registerWasmKernels();
});

const values = (t: tf.Tensor) => Array.from(t.dataSync());

/** Random 8×8×1 images in [0, 1] (a tiny stand-in domain for the trainer tests). */
function randomSet(count: number, seed: number, size = 8): ImageSet {
  const rng = new Rng(seed);
  const images = Float32Array.from({ length: count * size * size }, () => rng.uniform());
  return { images, labels: null, count, height: size, width: size, channels: 1 };
}

const TINY = { ngf: 2, ndf: 2, resBlocks: 1, batchSize: 1, size: 8, channels: 1 as const, poolSize: 4 };

describe('instanceNorm', () => {
  it('normalises each sample and channel over H×W (hand-computed)', () => {
    // One sample, 2×2 pixels, two channels: channel 0 = 1, 2, 3, 4; channel 1 = 10, 10, 10, 14.
    const x = tf.tensor4d([1, 10, 2, 10, 3, 10, 4, 14], [1, 2, 2, 2]);
    const y = values(instanceNorm(x));
    // Channel 0: mean 2.5, biased variance 1.25; channel 1: mean 11, variance 3.
    const s0 = Math.sqrt(1.25 + 1e-5);
    const s1 = Math.sqrt(3 + 1e-5);
    const expected = [-1.5 / s0, -1 / s1, -0.5 / s0, -1 / s1, 0.5 / s0, -1 / s1, 1.5 / s0, 3 / s1];
    y.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 5);
    });
    // A second sample with other values is normalised on its own: the first one's output does not change.
    const two = tf.concat([x, tf.tensor4d([0, 0, 0, 0, 0, 0, 8, 4], [1, 2, 2, 2])]);
    const y2 = values(instanceNorm(two));
    y2.slice(0, 8).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 5);
    });
    // Sample 2, channel 0 = 0, 0, 0, 8: mean 2, variance 12.
    expect(y2[8 + 6]).toBeCloseTo(6 / Math.sqrt(12 + 1e-5), 5);
  });

  it('applies the affine γ, β per channel', () => {
    const x = tf.tensor4d([1, 10, 2, 10, 3, 10, 4, 14], [1, 2, 2, 2]);
    const y = values(instanceNorm(x, { gamma: tf.tensor1d([2, -1]), beta: tf.tensor1d([1, 0.5]) }));
    expect(y[0]).toBeCloseTo(1 + (2 * -1.5) / Math.sqrt(1.25 + 1e-5), 5);
    expect(y[7]).toBeCloseTo(0.5 - 3 / Math.sqrt(3 + 1e-5), 5);
  });

  it('has the gradient of the textbook formula (autodiff through tf.moments)', () => {
    const rng = new Rng(3);
    const x = tf.tensor4d(
      Array.from({ length: 2 * 3 * 4 * 2 }, () => rng.normal() * 2 + 1),
      [2, 3, 4, 2],
    );
    const w = tf.tensor4d(
      Array.from({ length: 2 * 3 * 4 * 2 }, () => rng.normal()),
      [2, 3, 4, 2],
    );
    const reference = (t: tf.Tensor4D) => {
      const { mean, variance } = tf.moments(t, [1, 2], true);
      return tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, 1e-5)));
    };
    const ours = values(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(instanceNorm(t as tf.Tensor4D), w)))(x));
    const theirs = values(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reference(t as tf.Tensor4D), w)))(x));
    expect(Math.max(...ours.map((v) => Math.abs(v)))).toBeGreaterThan(0.05);
    ours.forEach((v, i) => {
      expect(v).toBeCloseTo(theirs[i]!, 4);
    });
  });
});

describe('reflectionPad2d', () => {
  const x3 = () => tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);

  it('mirrors without repeating the edge (hand-computed 3×3 → 5×5)', () => {
    const y = reflectionPad2d(x3(), 1);
    expect(y.shape).toEqual([1, 5, 5, 1]);
    // prettier-ignore
    expect(values(y)).toEqual([5, 4, 5, 6, 5, 2, 1, 2, 3, 2, 5, 4, 5, 6, 5, 8, 7, 8, 9, 8, 5, 4, 5, 6, 5]);
  });

  it('sends the gradient of every copy back to its source pixel (hand case: dy = 1)', () => {
    // Row 1 and column 1 appear three times each in the padded image, the others once: dx = rowCount·colCount.
    const dx = tf.grad((t: tf.Tensor) => tf.sum(reflectionPad2d(t as tf.Tensor4D, 1)))(x3());
    expect(values(dx)).toEqual([1, 3, 1, 3, 9, 3, 1, 3, 1]);
  });

  it.each([
    [2, 5, 4, 2, 2], // bands overlap along both axes
    [1, 6, 7, 3, 2], // bands touch (h) or leave one row between them (w)
    [2, 5, 4, 1, 1],
    [1, 9, 8, 2, 3],
  ])('matches the adjoint of the index map (N %i, %i×%i, C %i, pad %i)', (n, h, w, c, p) => {
    const rng = new Rng(5);
    const x = tf.tensor4d(
      Array.from({ length: n * h * w * c }, () => rng.normal()),
      [n, h, w, c],
    );
    const dyValues = Array.from({ length: n * (h + 2 * p) * (w + 2 * p) * c }, () => rng.normal());
    const dy = tf.tensor4d(dyValues, [n, h + 2 * p, w + 2 * p, c]);
    const dx = values(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reflectionPad2d(t as tf.Tensor4D, p), dy)))(x));
    // Padded index k reads source index reflect(k − p): −1 → 1, −2 → 2, len → len − 2, len + 1 → len − 3.
    const reflect = (k: number, len: number) => (k < 0 ? -k : k >= len ? 2 * (len - 1) - k : k);
    const expected = new Array<number>(n * h * w * c).fill(0);
    const xv = values(x);
    const yv = values(reflectionPad2d(x, p));
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < h + 2 * p; i++) {
        for (let j = 0; j < w + 2 * p; j++) {
          for (let ch = 0; ch < c; ch++) {
            const src = ((b * h + reflect(i - p, h)) * w + reflect(j - p, w)) * c + ch;
            const dst = ((b * (h + 2 * p) + i) * (w + 2 * p) + j) * c + ch;
            expected[src]! += dyValues[dst]!;
            expect(yv[dst]).toBe(xv[src]); // the forward pass reads the same map
          }
        }
      }
    }
    dx.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 4);
    });
  });

  it('rejects a pad as large as the image', () => {
    expect(() => reflectionPad2d(x3(), 3)).toThrow(/smaller than the image/);
  });
});

describe('ImagePool', () => {
  const img = (v: number) => Float32Array.of(v, v);

  it('stores and returns images until full, then swaps about half of them with stored ones', () => {
    const pool = new ImagePool(3, 2, new Rng(1));
    expect(Array.from(pool.query(Float32Array.of(1, 1, 2, 2), 2))).toEqual([1, 1, 2, 2]);
    expect(pool.length).toBe(2);
    expect(Array.from(pool.query(Float32Array.of(3, 3), 1))).toEqual([3, 3]);
    expect(pool.length).toBe(3);
    // Full: each new image v is returned as is (p = ½) or a stored image comes back and v takes its place.
    const inPool = new Set([1, 2, 3]);
    let fromPool = 0;
    const trials = 2000;
    for (let v = 4; v < 4 + trials; v++) {
      const out = pool.query(img(v), 1);
      expect(out[0]).toBe(out[1]);
      if (out[0] === v) continue;
      fromPool++;
      expect(inPool.has(out[0]!)).toBe(true);
      inPool.delete(out[0]!);
      inPool.add(v);
      expect(pool.length).toBe(3);
    }
    expect(fromPool / trials).toBeGreaterThan(0.45);
    expect(fromPool / trials).toBeLessThan(0.55);
  });

  it('is reproducible from its seed, and size 0 passes batches through', () => {
    const run = (seed: number) => {
      const pool = new ImagePool(4, 2, new Rng(seed));
      return Array.from({ length: 40 }, (_, v) => pool.query(img(v), 1)[0]);
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    const none = new ImagePool(0, 2, new Rng(1));
    expect(Array.from(none.query(Float32Array.of(5, 5, 6, 6), 2))).toEqual([5, 5, 6, 6]);
    expect(() => none.query(Float32Array.of(1), 1)).toThrow(RangeError);
  });
});

describe('CycleGAN losses', () => {
  it('LSGAN discriminator and generator losses on fixed scores', () => {
    // ½·[mean((1−1)², (0.5−1)²) + mean(0², 1²)] = ½·(0.125 + 0.5).
    expect(lsganDiscriminatorLoss(tf.tensor([1, 0.5]), tf.tensor([0, 1])).dataSync()[0]).toBeCloseTo(
      0.3125,
      6,
    );
    // mean((0.5−1)², 0, (0−1)²).
    expect(lsganGeneratorLoss(tf.tensor([0.5, 1, 0])).dataSync()[0]).toBeCloseTo(1.25 / 3, 6);
    expect(l1Loss(tf.tensor([1, -1]), tf.tensor([0, 0])).dataSync()[0]).toBeCloseTo(1, 6);
  });

  it('weights cycle terms by λ and identity terms by lambdaIdentity·λ', () => {
    const t = {
      realA: tf.tensor([0, 0]),
      recA: tf.tensor([1, 0]), // L1 0.5
      realB: tf.tensor([1, 1]),
      recB: tf.tensor([1, 0]), // L1 0.5
      idtA: tf.tensor([1, 1]), // vs realB: 0
      idtB: tf.tensor([0.5, 0]), // vs realA: 0.25
      dBFakeB: tf.tensor([1]), // (1−1)² = 0
      dAFakeA: tf.tensor([0]), // (0−1)² = 1
    };
    const l = cycleGanGeneratorLoss(t, 10, 0.5);
    expect(l.gAdv.dataSync()[0]).toBeCloseTo(1, 6);
    expect(l.cycle.dataSync()[0]).toBeCloseTo(10 * (0.5 + 0.5), 5);
    expect(l.identity.dataSync()[0]).toBeCloseTo(0.5 * 10 * 0.25, 5);
    expect(l.total.dataSync()[0]).toBeCloseTo(1 + 10 + 1.25, 5);
    const noIdentity = cycleGanGeneratorLoss(t, 4, 0);
    expect(noIdentity.identity.dataSync()[0]).toBe(0);
    expect(noIdentity.total.dataSync()[0]).toBeCloseTo(1 + 4, 5);
  });
});

describe('CycleGanTrainer', () => {
  it('validates options, naming the field', () => {
    expect(() => cycleGanConfig({ a: 'mnist-thin', b: 'mnist-thick', lambdaCycle: -1 })).toThrow(
      /'lambdaCycle'/,
    );
    expect(() => cycleGanConfig({ a: 'mnist-thin', b: 'mnist-thick', size: 30 })).toThrow(/'size'/);
    expect(() => cycleGanConfig({ a: 'mnist-thin', b: 'no-such-domain' })).toThrow(/'b' must be one of/);
    expect(() => cycleGanConfig({ a: 'mnist', b: 'mnist-inverted', bogus: 1 })).toThrow(/'bogus'/);
    const c = cycleGanConfig({ a: 'mnist-thin:3', b: 'mnist-thick' });
    expect(c).toMatchObject({ lr: 2e-4, beta1: 0.5, lambdaCycle: 10, lambdaIdentity: 0.5, poolSize: 50 });
    expect(c).toMatchObject({ size: 28, channels: 1 });
  });

  it('keeps tf.memory().numTensors flat over 500 steps, is seeded, and round-trips checkpoints', async () => {
    const data = { a: randomSet(20, 1), b: randomSet(20, 2) };
    const trainer = new CycleGanTrainer({ a: 'mnist', b: 'mnist-thick', seed: 3, ...TINY }, data);
    const twin = new CycleGanTrainer({ a: 'mnist', b: 'mnist-thick', seed: 3, ...TINY }, data);
    try {
      const first = trainer.step();
      expect(twin.step()).toEqual(first);
      for (const v of Object.values(first)) expect(Number.isFinite(v)).toBe(true);
      const before = tf.memory().numTensors;
      let last = first;
      for (let i = 1; i < 500; i++) last = trainer.step();
      expect(tf.memory().numTensors).toBe(before);
      expect(trainer.steps).toBe(500);
      // Training moved the cycle loss (random images of 8×8 are not trivially reconstructed at the start).
      expect(last.cycle).toBeLessThan(first.cycle);

      const files = await trainer.checkpoint();
      expect(Object.keys(files).sort()).toEqual([...CYCLEGAN_NETS].sort());
      const x = data.a.images.subarray(0, 3 * 64);
      const expected = trainer.translate('ab', x, 3);
      await twin.restore(files);
      expect(Array.from(twin.translate('ab', x, 3))).toEqual(Array.from(expected));
      const g = await loadCycleGanNet(files.g_ab);
      const y = tf.tidy(() =>
        tf.add(
          tf.mul(g.forward(tf.sub(tf.mul(tf.tensor4d(x, [3, 8, 8, 1]), 2), 1) as tf.Tensor4D), 0.5),
          0.5,
        ),
      );
      values(y).forEach((v, i) => {
        expect(v).toBeCloseTo(expected[i]!, 5);
      });
      y.dispose();
      g.dispose();
      // Cycle error in [0, 1] pixel units: identical to the direct computation.
      const rec = trainer.translate('ba', trainer.translate('ab', x, 3), 3);
      const direct = rec.reduce((s, v, i) => s + Math.abs(v - x[i]!), 0) / rec.length;
      expect(cycleError(trainer, x, 3)).toBeCloseTo(direct, 6);
    } finally {
      trainer.dispose();
      twin.dispose();
    }
    // 500 steps of the tiny nets cost ~25 s of CPU (≈ 47 ms a step, ~3,400 kernels: six generator passes,
    // four discriminator passes, their gradients and two Adam updates); the timeout leaves room for a busy machine.
  }, 180_000);

  it('spreadSubset takes evenly spaced images with their labels', () => {
    const set: ImageSet = {
      images: Float32Array.from({ length: 10 }, (_, i) => i),
      labels: Int32Array.from({ length: 10 }, (_, i) => 100 + i),
      count: 10,
      height: 1,
      width: 1,
      channels: 1,
    };
    const s = spreadSubset(set, 4);
    expect(Array.from(s.images)).toEqual([0, 2, 5, 7]);
    expect(Array.from(s.labels!)).toEqual([100, 102, 105, 107]);
  });
});
