import { beforeAll, describe, expect, it } from 'vitest';

import { initBackend } from '../../models/backend.ts';
import { ToyGanTrainer } from '../../models/gan/toy-gan.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('a short wgan-gp run on 8gaussians', () => {
  // CI-sized: 3×32 MLPs, batch 64, lr 2e-3 (the default networks and budget are for BENCHMARKS.md runs).
  it('covers ≥ 6 of 8 modes and moves towards the data', () => {
    const t = new ToyGanTrainer({
      variant: 'wgan-gp',
      data: '8gaussians',
      seed: 0,
      hidden: 32,
      batchSize: 64,
      lr: 2e-3,
    });
    const before = t.evaluate();
    for (let i = 0; i < 150; i++) t.step();
    const after = t.evaluate();
    t.dispose();
    expect(after.modesCovered).toBeGreaterThanOrEqual(6);
    expect(after.energyDistance).toBeLessThan(0.1);
    expect(after.energyDistance).toBeLessThan(before.energyDistance / 5);
  });
});
