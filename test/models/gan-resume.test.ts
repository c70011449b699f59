import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../models/backend.ts';
import type { GanVariant } from '../../models/gan/losses.ts';
import { ToyGanTrainer } from '../../models/gan/toy-gan.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

const tiny = (variant: GanVariant) => ({
  variant,
  data: '8gaussians',
  seed: 5,
  hidden: 16,
  depth: 2,
  batchSize: 32,
  lrDecaySteps: 20,
});

describe('toy GAN state: a resumed run continues exactly as an uninterrupted one', () => {
  // Adam (wgan-gp), RMSProp with the warm-up schedule (wgan), and sngan's kept u vectors.
  it.each(['wgan-gp', 'wgan', 'sngan'] as const)(
    '%s: 3 + 3 steps through saveState/loadState = 6 steps',
    async (variant) => {
      const straight = new ToyGanTrainer(tiny(variant));
      for (let i = 0; i < 6; i++) straight.step();
      const first = new ToyGanTrainer(tiny(variant));
      for (let i = 0; i < 3; i++) first.step();
      const { state, data } = await first.saveState();
      first.dispose();
      const resumed = new ToyGanTrainer(tiny(variant));
      await resumed.loadState(JSON.parse(JSON.stringify(state)), data.slice());
      expect(resumed.steps).toBe(3);
      for (let i = 0; i < 3; i++) resumed.step();
      const a = (await straight.saveState()).data;
      const b = (await resumed.saveState()).data;
      expect(b.length).toBe(a.length);
      expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
      expect(resumed.generate(8)).toEqual(straight.generate(8));
      straight.dispose();
      resumed.dispose();
    },
  );

  it('rejects a state whose shapes do not match the configuration', async () => {
    const t = new ToyGanTrainer(tiny('gan'));
    t.step();
    const { state, data } = await t.saveState();
    t.dispose();
    const wider = new ToyGanTrainer({ ...tiny('gan'), hidden: 24 });
    await expect(wider.loadState(state, data)).rejects.toThrow(
      /'g\/0\/w' missing or shaped \[2,16\] instead of \[2,24\]/,
    );
    wider.dispose();
  });

  it('lrDecaySteps: the learning rate falls linearly; at the end the generator stops moving', async () => {
    const t = new ToyGanTrainer({ ...tiny('wgan-gp'), lrDecaySteps: 3 });
    const generatorWeights = async () => {
      const { state, data } = await t.saveState();
      const count = state.tensors
        .filter((x) => x.name.startsWith('g/'))
        .reduce((s, x) => s + x.shape.reduce((a, b) => a * b, 1), 0);
      return Array.from(new Float32Array(data.buffer, 0, count));
    };
    const w0 = await generatorWeights();
    for (let i = 0; i < 3; i++) t.step();
    const w3 = await generatorWeights();
    expect(w3).not.toEqual(w0);
    t.step(); // lr factor 1 − 3/3 = 0
    expect(await generatorWeights()).toEqual(w3);
    t.dispose();
  });

  it('a trainer built, stepped, saved and disposed leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    for (const variant of ['sngan', 'wgan-gp'] as const) {
      const t = new ToyGanTrainer(tiny(variant));
      t.step();
      await t.saveState();
      t.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
