import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { Rng } from '../../envs/core/rng.ts';
import {
  EIGHT_SCALE,
  loadPoints,
  PointsFileError,
  parsePointsCsv,
  parsePointsJson,
  sampleToy,
  TOY_SETS,
  toyModes,
} from '../../models/data/toy.ts';
import {
  energyDistance,
  MODE_SAMPLES,
  modeStats,
  slicedWasserstein,
  toyMetrics,
} from '../../models/metrics/toy.ts';

describe('toy data', () => {
  it('is seeded and finite for every set', () => {
    for (const set of TOY_SETS) {
      const a = sampleToy(set, 500, new Rng(3));
      const b = sampleToy(set, 500, new Rng(3));
      const c = sampleToy(set, 500, new Rng(4));
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
      expect(a.every(Number.isFinite)).toBe(true);
      // All sets live roughly in [-3, 3]² like gan_toy.py's plots.
      expect(Math.max(...a.map(Math.abs))).toBeLessThan(3);
    }
  });

  it('uses gan_toy.py scalings', () => {
    const eight = toyModes('8gaussians')!;
    expect(eight.centers.length).toBe(16);
    expect(Math.hypot(eight.centers[0]!, eight.centers[1]!)).toBeCloseTo(2 / EIGHT_SCALE, 6);
    expect(eight.std).toBeCloseTo(0.02 / EIGHT_SCALE, 8);
    const grid = toyModes('25gaussians')!;
    expect(grid.centers.length).toBe(50);
    expect(Math.max(...grid.centers)).toBeCloseTo(4 / 2.828, 6);
    expect(toyModes('swissroll')).toBeUndefined();
    expect(toyModes('twomoons')).toBeUndefined();
  });
});

describe('user points', () => {
  it('reads CSV with and without header, and JSON pairs or objects', () => {
    expect(Array.from(parsePointsCsv('x,y\n1,2\n\n3.5,-4\n'))).toEqual([1, 2, 3.5, -4]);
    expect(Array.from(parsePointsCsv('1,2\n3,4'))).toEqual([1, 2, 3, 4]);
    expect(Array.from(parsePointsJson('[[1,2],[3,4]]'))).toEqual([1, 2, 3, 4]);
    expect(Array.from(parsePointsJson('[{"x":1,"y":2}]'))).toEqual([1, 2]);
    const dir = mkdtempSync(join(tmpdir(), 'gymlab-points-'));
    writeFileSync(join(dir, 'p.json'), '[\n  [0, 1],\n  [2, 3]\n]\n');
    writeFileSync(join(dir, 'p.csv'), 'x,y\n0,1\n2,3\n');
    expect(Array.from(loadPoints(join(dir, 'p.json')))).toEqual([0, 1, 2, 3]);
    expect(Array.from(loadPoints(join(dir, 'p.csv')))).toEqual([0, 1, 2, 3]);
  });

  it('rejects malformed files naming the line', () => {
    const line = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(PointsFileError);
        return (err as PointsFileError).line;
      }
      throw new Error('did not throw');
    };
    expect(line(() => parsePointsCsv('x,y\n1,2\n3,abc\n'))).toBe(3);
    expect(line(() => parsePointsCsv('1,2\n3,4,5\n'))).toBe(2);
    expect(line(() => parsePointsCsv('a,b\n1,2\n'))).toBe(1);
    expect(line(() => parsePointsCsv('\n\n'))).toBe(1);
    expect(line(() => parsePointsJson('[\n  [0, 1],\n  [2, "x"],\n  [4, 5]\n]'))).toBe(3);
    expect(line(() => parsePointsJson('[\n  [0, 1],\n  {"x": 1}\n]'))).toBe(3);
    expect(line(() => parsePointsJson('[\n  [0, 1],\n  [2, 3\n'))).toBeGreaterThanOrEqual(3);
    expect(() => parsePointsCsv('1,2\n3,x', 'my.csv')).toThrow(/my\.csv:2: 'x' is not a finite number/);
  });
});

describe('toy metrics', () => {
  it('real vs real: all modes, HQ ≈ 3σ mass, distances ≈ 0', () => {
    for (const set of ['8gaussians', '25gaussians', 'ring'] as const) {
      const modes = toyModes(set)!;
      const fake = sampleToy(set, MODE_SAMPLES, new Rng(1));
      const real = sampleToy(set, MODE_SAMPLES, new Rng(2));
      const m = toyMetrics(fake, real, modes);
      expect(m.modesCovered).toBe(modes.centers.length / 2);
      // 2-D Gaussian mass within 3σ: 1 − e^{−4.5} ≈ 0.989.
      expect(m.highQualityRate).toBeGreaterThan(0.98);
      expect(m.energyDistance).toBeLessThan(0.01);
      expect(m.slicedWasserstein).toBeLessThan(0.05);
    }
  });

  it('a collapsed generator covers one mode and is far away', () => {
    const modes = toyModes('8gaussians')!;
    const rng = new Rng(5);
    const fake = new Float32Array(2 * MODE_SAMPLES);
    for (let i = 0; i < MODE_SAMPLES; i++) {
      fake[2 * i] = modes.centers[0]! + 0.005 * rng.normal();
      fake[2 * i + 1] = modes.centers[1]! + 0.005 * rng.normal();
    }
    const real = sampleToy('8gaussians', MODE_SAMPLES, new Rng(2));
    const m = toyMetrics(fake, real, modes);
    expect(m.modesCovered).toBe(1);
    expect(m.highQualityRate).toBe(1);
    expect(m.energyDistance).toBeGreaterThan(0.5);
    expect(m.slicedWasserstein).toBeGreaterThan(0.3);
  });

  it('noise far from the modes is low quality', () => {
    const modes = toyModes('8gaussians')!;
    const s = modeStats(Float32Array.from([0, 0, 5, 5]), modes);
    expect(s).toEqual({ modesCovered: 0, highQualityRate: 0 });
  });

  it('energy distance and sliced W1 match closed forms on point masses', () => {
    const a = Float32Array.from([0, 0, 0, 0, 0, 0]);
    const b = Float32Array.from([3, 4, 3, 4, 3, 4]);
    expect(energyDistance(a, b)).toBeCloseTo(10, 5);
    // W1 of the projection onto a random unit direction u is |u·(3,4)|; its mean over the angle is 5·2/π.
    expect(slicedWasserstein(a, b, 2000, 1)).toBeCloseTo(10 / Math.PI, 1);
    expect(slicedWasserstein(a, a)).toBe(0);
    // Metrics without modes.
    expect(toyMetrics(a, b, undefined).modesCovered).toBeNull();
  });
});
