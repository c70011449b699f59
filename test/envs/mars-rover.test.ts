import { describe, expect, it } from 'vitest';
import { MarsRover } from '../../envs/mars-rover/mars-rover.ts';
import { solveMarsRover } from '../../envs/mars-rover/solver.ts';
import { makeEnv } from '../../envs/registry.ts';

describe('MarsRover-v0 exact solver', () => {
  it('γ = 0.5: optimal returns 100, 50, 25, 12.5, 20, 40 and state 5 goes right', () => {
    const { v, q, policy } = solveMarsRover({ gamma: 0.5 });
    for (const [i, expected] of [100, 50, 25, 12.5, 20, 40].entries()) expect(v[i]).toBeCloseTo(expected, 10);
    expect(q[3]).toEqual([12.5, 10]); // Q(4, left), Q(4, right)
    expect(policy).toEqual(['terminal', 'left', 'left', 'left', 'right', 'terminal']);
  });

  it('γ = 0.9: going left from state 4 returns 72.9', () => {
    const { q, policy } = solveMarsRover({ gamma: 0.9 });
    expect(q[3]![0]).toBeCloseTo(72.9, 10);
    expect(policy.slice(1, 5)).toEqual(['left', 'left', 'left', 'left']);
  });

  it('misstep probability lowers the values and stays a fixed point of the Bellman equation', () => {
    const p = 0.1;
    const gamma = 0.9;
    const { q, v } = solveMarsRover({ gamma, misstepProbability: p });
    expect(v[3]!).toBeLessThan(solveMarsRover({ gamma }).v[3]!);
    for (let s = 2; s <= 5; s++) {
      const left = gamma * ((1 - p) * v[s - 2]! + p * v[s]!);
      const right = gamma * ((1 - p) * v[s]! + p * v[s - 2]!);
      expect(q[s - 1]![0]).toBeCloseTo(left, 9);
      expect(q[s - 1]![1]).toBeCloseTo(right, 9);
    }
  });

  it('rejects bad γ and probabilities', () => {
    expect(() => solveMarsRover({ gamma: 1.5 })).toThrow(/gamma/);
    expect(() => solveMarsRover({ gamma: 0.5, misstepProbability: -0.1 })).toThrow(/misstep/);
  });
});

describe('MarsRover-v0 env', () => {
  it('pays R(s) of the state acted in, so the return from 4 going left at γ = 0.5 is 12.5', () => {
    const env = new MarsRover();
    let { obs } = env.reset({ options: { startState: 4 } });
    expect(obs).toBe(4);
    const rewards: number[] = [];
    for (;;) {
      const r = env.step(0);
      rewards.push(r.reward);
      obs = r.obs;
      if (r.terminated) break;
    }
    expect(rewards).toEqual([0, 0, 0, 100]);
    expect(rewards.reduce((g, r, t) => g + 0.5 ** t * r, 0)).toBe(12.5);
  });

  it('episodes start in every state when no start is fixed', () => {
    const env = makeEnv('MarsRover-v0');
    const starts = new Set<number>();
    for (let s = 0; s < 60; s++) starts.add(env.reset({ seed: s }).obs as number);
    expect([...starts].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('Monte Carlo returns under a misstep of 0.2 match the exact Q', () => {
    const p = 0.2;
    const gamma = 0.9;
    const { q, policy } = solveMarsRover({ gamma, misstepProbability: p });
    const env = new MarsRover({ misstepProbability: p });
    env.reset({ seed: 0 });
    const episodes = 20_000;
    let sum = 0;
    let slips = 0;
    let moves = 0;
    for (let i = 0; i < episodes; i++) {
      env.reset({ options: { startState: 3 } });
      let g = 0;
      let discount = 1;
      let action = 1; // Q(3, right): first step right, then optimal
      for (;;) {
        const r = env.step(action);
        g += discount * r.reward;
        discount *= gamma;
        if (r.info['misstep'] !== undefined) {
          moves++;
          if (r.info['misstep']) slips++;
        }
        if (r.terminated) break;
        action = policy[(r.obs as number) - 1] === 'right' ? 1 : 0;
      }
      sum += g;
    }
    expect(slips / moves).toBeCloseTo(p, 1);
    expect(Math.abs(sum / episodes - q[2]![1]) / q[2]![1]).toBeLessThan(0.02);
  });

  it('rejects bad options with the field named', () => {
    expect(() => makeEnv('MarsRover-v0', { misstepProbability: 2 })).toThrow(
      /'misstepProbability' must be in \[0, 1\]/,
    );
    expect(() => makeEnv('MarsRover-v0', { rewards: [1, 2] })).toThrow(/'rewards' must have length/);
    expect(() => new MarsRover().reset({ options: { startState: 9 } })).toThrow(/startState/);
  });
});
