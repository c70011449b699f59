import { describe, expect, it } from 'vitest';
import { PrioritizedReplayBuffer } from '../../agents/dqn/prioritized-buffer.ts';
import { allocateBatch, ReplayBuffer } from '../../agents/dqn/replay-buffer.ts';
import { SumMinTree } from '../../agents/dqn/sum-tree.ts';
import { Rng } from '../../envs/core/rng.ts';

/** Adds transition k: obs [k, −k], action k % 3, reward k, next obs [k + 1, −k − 1]. */
function addNumbered(buffer: ReplayBuffer, k: number, terminated = false, truncated = false): void {
  buffer.add([k, -k], 0, k % 3, k, [k + 1, -k - 1], 0, terminated, truncated);
}

describe('ReplayBuffer', () => {
  it('is a ring: the oldest transitions are overwritten once full', () => {
    const buffer = new ReplayBuffer(5, 2);
    for (let k = 0; k < 7; k++) addNumbered(buffer, k);
    expect(buffer.size).toBe(5);
    expect(buffer.position).toBe(2);
    // Slots 0 and 1 now hold transitions 5 and 6; slots 2..4 still hold 2..4.
    expect([0, 1, 2, 3, 4].map((slot) => buffer.get(slot).reward)).toEqual([5, 6, 2, 3, 4]);
    const t = buffer.get(1);
    expect(Array.from(t.obs)).toEqual([6, -6]);
    expect(Array.from(t.nextObs)).toEqual([7, -7]);
    expect(t.action).toBe(0);
  });

  it('keeps terminated and truncated apart', () => {
    const buffer = new ReplayBuffer(4, 2);
    addNumbered(buffer, 0, true, false);
    addNumbered(buffer, 1, false, true);
    addNumbered(buffer, 2, false, false);
    expect([0, 1, 2].map((s) => [buffer.get(s).terminated, buffer.get(s).truncated])).toEqual([
      [true, false],
      [false, true],
      [false, false],
    ]);
    // The batch's `terminated` (what the target masks with) is 1 only for the terminal transition.
    const batch = allocateBatch(3, 2);
    batch.indices.set([0, 1, 2]);
    const rng = new Rng(0);
    buffer.sample(batch, rng);
    for (let i = 0; i < 3; i++) {
      expect(batch.terminated[i]).toBe(buffer.get(batch.indices[i]!).terminated ? 1 : 0);
    }
  });

  it('samples uniformly from the stored transitions, reproducibly from the seed', () => {
    const buffer = new ReplayBuffer(100, 2);
    for (let k = 0; k < 40; k++) addNumbered(buffer, k);
    const batch = allocateBatch(64, 2);
    const counts = new Array(40).fill(0);
    const rng = new Rng(123);
    let mismatches = 0;
    for (let draw = 0; draw < 500; draw++) {
      buffer.sample(batch, rng);
      for (let i = 0; i < batch.size; i++) {
        const slot = batch.indices[i]!;
        // The batch rows are the stored transition of that slot.
        const ok =
          slot >= 0 &&
          slot < 40 &&
          batch.rewards[i] === slot &&
          batch.obs[2 * i + 1] === -slot &&
          batch.nextObs[2 * i] === slot + 1 &&
          batch.actions[i] === slot % 3 &&
          batch.weights[i] === 1;
        if (!ok) mismatches++;
        counts[slot]++;
      }
    }
    expect(mismatches).toBe(0);
    // 32,000 draws over 40 slots: 800 expected each; a 5-sigma band is ±141.
    for (const c of counts) expect(Math.abs(c - 800)).toBeLessThan(141);
    const a = allocateBatch(16, 2);
    const b = allocateBatch(16, 2);
    buffer.sample(a, new Rng(7));
    buffer.sample(b, new Rng(7));
    expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
  });

  it('serialises and restores its contents and position', () => {
    const buffer = new ReplayBuffer(6, 2);
    for (let k = 0; k < 9; k++) addNumbered(buffer, k, k % 4 === 0, k % 5 === 0);
    const { header, data } = buffer.serialize();
    const copy = new ReplayBuffer(6, 2);
    copy.restore(header, data);
    expect(copy.size).toBe(buffer.size);
    expect(copy.position).toBe(buffer.position);
    for (let s = 0; s < 6; s++) expect(copy.get(s)).toEqual(buffer.get(s));
    expect(() => new ReplayBuffer(6, 3).restore(header, data)).toThrow(/holds 6 of 3/);
  });

  it('rejects sampling an empty buffer and bad sizes', () => {
    expect(() => new ReplayBuffer(4, 2).sample(allocateBatch(2, 2), new Rng(0))).toThrow(/empty/);
    expect(() => new ReplayBuffer(0, 2)).toThrow(/capacity/);
  });
});

describe('PrioritizedReplayBuffer', () => {
  it('the sum tree finds leaves by prefix sum and tracks the minimum', () => {
    const tree = new SumMinTree(5);
    for (let i = 0; i < 5; i++) tree.set(i, i + 1);
    expect(tree.total).toBe(15);
    expect(tree.min).toBe(1);
    expect([0, 0.99, 1, 2.99, 3, 5.99, 6, 9.99, 10, 14.99].map((x) => tree.find(x))).toEqual([
      0, 0, 1, 1, 2, 2, 3, 3, 4, 4,
    ]);
  });

  it('samples in proportion to priority^α with normalised importance weights', () => {
    const alpha = 0.5;
    const buffer = new PrioritizedReplayBuffer(8, 2, { alpha, beta: 0.4, betaSteps: 1000, epsilon: 0 });
    for (let k = 0; k < 4; k++) addNumbered(buffer, k);
    // |δ| = 1, 4, 9, 16 → priorities^α = 1, 2, 3, 4 → P = 0.1, 0.2, 0.3, 0.4
    buffer.updatePriorities(Int32Array.from([0, 1, 2, 3]), Float32Array.from([1, -4, 9, -16]), 4);
    const batch = allocateBatch(50, 2);
    const rng = new Rng(5);
    const counts = [0, 0, 0, 0];
    for (let draw = 0; draw < 400; draw++) {
      buffer.sample(batch, rng, 0);
      for (let i = 0; i < batch.size; i++) {
        const slot = batch.indices[i]!;
        counts[slot]!++;
        // w = (N·P)^−β / max w, max w at the smallest P (0.1).
        const p = (slot + 1) / 10;
        expect(batch.weights[i]).toBeCloseTo((4 * p) ** -0.4 / (4 * 0.1) ** -0.4, 6);
        expect(batch.rewards[i]).toBe(slot);
      }
    }
    const total = counts.reduce((a, b) => a + b, 0);
    expect(counts.map((c) => c / total)).toEqual([0.1, 0.2, 0.3, 0.4].map((p) => expect.closeTo(p, 2)));
    expect(buffer.beta(500)).toBeCloseTo(0.7, 12);
    expect(buffer.beta(5000)).toBe(1);
  });

  it('gives new transitions the largest priority so far and round-trips through serialise', () => {
    const buffer = new PrioritizedReplayBuffer(8, 2, { alpha: 1, beta: 1, betaSteps: 1, epsilon: 0 });
    addNumbered(buffer, 0);
    buffer.updatePriorities(Int32Array.from([0]), Float32Array.from([5]), 1);
    addNumbered(buffer, 1);
    const { header, data } = buffer.serialize();
    const copy = new PrioritizedReplayBuffer(8, 2, { alpha: 1, beta: 1, betaSteps: 1, epsilon: 0 });
    copy.restore(header, data);
    const batch = allocateBatch(2000, 2);
    copy.sample(batch, new Rng(1));
    // Both have priority 5: equal chances and equal weights.
    const ones = batch.indices.filter((s) => s === 1).length;
    expect(ones / 2000).toBeGreaterThan(0.4);
    expect(ones / 2000).toBeLessThan(0.6);
    expect(new Set(batch.weights).size).toBe(1);
  });
});
