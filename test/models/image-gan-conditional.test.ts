import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { Rng } from '../../envs/core/rng.ts';
import { initBackend } from '../../models/backend.ts';
import type { ImageSet } from '../../models/data/mnist.ts';
import { type ImageGanOptionsInput, ImageGanTrainer } from '../../models/gan/image-gan.ts';
import { trainableOf } from '../../models/gan/image-nets.ts';
import { GAN_VARIANTS } from '../../models/gan/losses.ts';
import { registerWasmKernels } from '../../models/kernels/register.ts';

beforeAll(async () => {
  await initBackend('wasm');
  registerWasmKernels();
});

/** Random 8×8 grey "images" labelled with the given classes in turn. */
function labelledSet(classes: number[], count = 40, seed = 1): ImageSet {
  const rng = new Rng(seed);
  const images = Float32Array.from({ length: count * 64 }, () => rng.uniform());
  const labels = Int32Array.from({ length: count }, (_, i) => classes[i % classes.length]!);
  return { images, labels, count, height: 8, width: 8, channels: 1 };
}

const TINY: Partial<ImageGanOptionsInput> = { batchSize: 8, noiseDim: 4, gChannels: 2, dChannels: 2 };

describe('generator weight average (gEma)', () => {
  it('starts as G, then moves by the ramped decay min(β, (1 + t)/(10 + t)); samples and checkpoints use it', async () => {
    const t = new ImageGanTrainer(
      { variant: 'gan', data: 'mnist', seed: 2, gEma: 0.999, ...TINY },
      labelledSet([0]),
    );
    const avg = t.generatorEma!;
    const before = trainableOf(t.generator).map((v) => v.dataSync().slice());
    trainableOf(avg).forEach((v, i) => {
      expect(Array.from(v.dataSync())).toEqual(Array.from(before[i]!));
    });
    t.step(); // t = 0: β = 1/10
    const after = trainableOf(t.generator).map((v) => v.dataSync().slice());
    trainableOf(avg).forEach((v, i) => {
      const got = v.dataSync();
      for (let k = 0; k < got.length; k++) {
        expect(got[k]).toBeCloseTo(0.1 * before[i]![k]! + 0.9 * after[i]![k]!, 6);
      }
    });
    expect(t.sampler).toBe(avg);
    const files = await t.checkpoint();
    const firstKernel = new Float32Array(files.generator.weightData.buffer, 0, avg[0]!.w.size);
    expect(Array.from(firstKernel)).toEqual(Array.from(avg[0]!.w.dataSync()));
    t.step();
    const n = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) t.step();
    expect(tf.memory().numTensors).toBe(n);
    t.dispose();
    const plain = new ImageGanTrainer({ variant: 'gan', data: 'mnist', seed: 2, ...TINY }, labelledSet([0]));
    expect(plain.generatorEma).toBeNull();
    expect(plain.sampler).toBe(plain.generator);
    plain.dispose();
  });
});

describe('class-conditional image GANs', () => {
  it('every variant trains on labelled data; samples carry classes drawn from the training labels only', () => {
    for (const variant of GAN_VARIANTS) {
      const t = new ImageGanTrainer(
        {
          variant,
          data: 'mnist:3,5',
          seed: 3,
          conditional: true,
          criticSteps: 1,
          wganWarmup: false,
          ...TINY,
        },
        labelledSet([3, 5]),
      );
      expect(t.spec.classes).toBe(6);
      // G reads [z, one-hot]; D gains the class embedding and a per-class bias.
      expect(t.generator[0]!.w.shape).toEqual([4 + 6, 2 * 2 * 2 * 2]);
      expect(t.discriminator).toHaveLength(4);
      expect(t.discriminator[3]!.kind).toBe('embed');
      expect(t.discriminator[3]!.b.shape).toEqual([6]);
      t.step();
      const n = tf.memory().numTensors;
      const s = t.step();
      expect(Number.isFinite(s.dLoss) && Number.isFinite(s.gLoss), variant).toBe(true);
      expect(tf.memory().numTensors, variant).toBe(n);
      const out = t.generate(30);
      expect(out.labels).not.toBeNull();
      expect(new Set(out.labels)).toEqual(new Set([3, 5]));
      expect(t.presentClasses).toEqual([3, 5]);
      const asked = Int32Array.from({ length: 12 }, (_, k) => (k % 3 === 0 ? 3 : 5));
      expect(Array.from(t.generate(12, asked).labels!)).toEqual(Array.from(asked));
      t.dispose();
    }
  });

  it("D's score depends on the class through the projection ⟨V[y], φ(x)⟩ + b[y]", () => {
    const t = new ImageGanTrainer(
      { variant: 'gan', data: 'mnist', seed: 4, conditional: true, ...TINY },
      labelledSet([0, 1]),
    );
    const x = tf.randomUniform([3, 8, 8, 1], -1, 1, 'float32', 9) as tf.Tensor4D;
    const a = t.critic(x, Int32Array.from([0, 0, 0])).dataSync();
    const b = t.critic(x, Int32Array.from([1, 1, 1])).dataSync();
    // Shifting class 1's bias by 0.5 moves only class-1 scores, by exactly 0.5.
    const bias = t.discriminator[3]!.b;
    bias.assign(tf.add(bias, tf.tensor1d([0, 0.5])));
    const b2 = t.critic(x, Int32Array.from([1, 1, 1])).dataSync();
    const a2 = t.critic(x, Int32Array.from([0, 0, 0])).dataSync();
    for (let i = 0; i < 3; i++) {
      expect(a[i]).not.toBeCloseTo(b[i]!, 4);
      expect(b2[i]! - b[i]!).toBeCloseTo(0.5, 5);
      expect(a2[i]).toBeCloseTo(a[i]!, 6);
    }
    x.dispose();
    t.dispose();
  });

  it('needs labelled images; asking an unconditional run for classes is an error', () => {
    const plain = new ImageGanTrainer({ variant: 'gan', data: 'mnist', seed: 1, ...TINY }, labelledSet([0]));
    expect(() => plain.generate(2, Int32Array.from([0, 0]))).toThrow(/classes need a conditional run/);
    expect(plain.presentClasses).toEqual([]);
    plain.dispose();
    const unlabelled = { ...labelledSet([0]), labels: null };
    expect(
      () =>
        new ImageGanTrainer({ variant: 'gan', data: 'my-folder', conditional: true, ...TINY }, unlabelled),
    ).toThrow(/conditional needs labelled images \(an MNIST domain\); 'my-folder' has no labels/);
  });
});
