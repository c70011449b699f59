import { describe, expect, it } from 'vitest';
import { Rng } from '../../envs/core/rng.ts';
import { Box, Discrete, flatSize } from '../../envs/core/spaces.ts';

describe('Rng', () => {
  it('replays exactly from a saved state', () => {
    const rng = new Rng(42);
    for (let i = 0; i < 10; i++) rng.uniform();
    const restored = Rng.fromState(rng.getState());
    const a = Array.from({ length: 20 }, () => [rng.uniform(), rng.normal(), rng.int(7)]);
    const b = Array.from({ length: 20 }, () => [restored.uniform(), restored.normal(), restored.int(7)]);
    expect(b).toEqual(a);
  });

  it('same seed gives the same stream, different seeds differ', () => {
    const draw = (s: number) =>
      Array.from(
        { length: 5 },
        (() => {
          const r = new Rng(s);
          return () => r.uniform();
        })(),
      );
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });

  it('uniform lies in [0, 1) with mean 1/2; normal has mean 0 and variance 1; int is unbiased', () => {
    const rng = new Rng(7);
    const n = 100_000;
    let sum = 0;
    let nSum = 0;
    let nSq = 0;
    const counts = new Array(6).fill(0);
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      const z = rng.normal();
      nSum += z;
      nSq += z * z;
      counts[rng.int(6)]++;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(nSum / n).toBeCloseTo(0, 1);
    expect(nSq / n).toBeCloseTo(1, 1);
    for (const c of counts) expect(Math.abs(c / n - 1 / 6)).toBeLessThan(0.01);
  });

  it('rejects a non-positive int range', () => {
    expect(() => new Rng(1).int(0)).toThrow(/positive integer/);
  });
});

describe('Discrete', () => {
  it('samples and contains {start, …, start + n − 1}', () => {
    const d = new Discrete(6, { start: 1, seed: 3 });
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(d.sample());
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(d.contains(0)).toBe(false);
    expect(d.contains(6)).toBe(true);
    expect(d.contains(7)).toBe(false);
    expect(d.contains(2.5)).toBe(false);
    expect(d.contains('2')).toBe(false);
    expect(d.toJSON()).toEqual({ type: 'discrete', n: 6, start: 1 });
    expect(flatSize(d)).toBe(1);
  });

  it('seed() makes sampling reproducible', () => {
    const d = new Discrete(100);
    d.seed(5);
    const a = Array.from({ length: 10 }, () => d.sample());
    d.seed(5);
    expect(Array.from({ length: 10 }, () => d.sample())).toEqual(a);
  });

  it('rejects bad sizes', () => {
    expect(() => new Discrete(0)).toThrow(/positive integer/);
  });
});

describe('Box', () => {
  it('samples inside bounded, unbounded and half-bounded dimensions', () => {
    const box = new Box([-1, -Infinity, 0, -Infinity], [1, Infinity, Infinity, 5], undefined, { seed: 1 });
    expect(box.shape).toEqual([4]);
    for (let i = 0; i < 1000; i++) {
      const x = box.sample();
      expect(box.contains(x)).toBe(true);
      expect(x[0]! >= -1 && x[0]! <= 1).toBe(true);
      expect(x[2]! >= 0).toBe(true);
      expect(x[3]! <= 5).toBe(true);
    }
  });

  it('contains checks length and bounds, at float32 precision', () => {
    const box = new Box(-1, 1, [2]);
    expect(box.contains(Float32Array.of(0, 1))).toBe(true);
    expect(box.contains([0, 1.00000001])).toBe(true); // rounds to 1 in float32
    expect(box.contains([0, 1.01])).toBe(false);
    expect(box.contains([0])).toBe(false);
    expect(box.contains([0, Number.NaN])).toBe(false);
    expect(box.contains('x')).toBe(false);
    expect(flatSize(box)).toBe(2);
  });

  it('rejects low > high and mismatched shapes', () => {
    expect(() => new Box([0, 2], [1, 1])).toThrow(/low\[1\]/);
    expect(() => new Box([0, 0, 0], [1, 1], [2])).toThrow(/low has 3 elements/);
    expect(() => new Box(0, 1)).toThrow(/shape is required/);
  });
});
