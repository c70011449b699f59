import { describe, expect, it } from 'vitest';
import { DEFAULT_REWARD_WEIGHTS, heuristicPolicy, LunarLander } from '../../envs/lunar-lander/index.ts';

const dist = (o: Float32Array) => Math.hypot(o[0]!, o[1]!);

/** Two envs with different weights but the same seed step in lockstep: weights never change the physics. */
function pair(weights: Record<string, number>, seed = 4) {
  const base = new LunarLander();
  const other = new LunarLander({ rewardWeights: weights });
  const o0 = base.reset({ seed }).obs;
  expect(other.reset({ seed }).obs).toEqual(o0);
  return { base, other, o0 };
}

describe('LunarLander reward weights', () => {
  it('defaults are Gymnasium’s and getRewardWeights returns a copy', () => {
    const env = new LunarLander();
    expect(env.getRewardWeights()).toEqual(DEFAULT_REWARD_WEIGHTS);
    env.getRewardWeights().distance = 1;
    expect(env.getRewardWeights().distance).toBe(100);
  });

  it('mainEngine and sideEngine are the fuel costs of actions 2 and 1/3', () => {
    const { base, other } = pair({ mainEngine: 0, sideEngine: 0 });
    const a = base.step(2);
    const b = other.step(2);
    expect(b.obs).toEqual(a.obs);
    expect(b.reward - a.reward).toBeCloseTo(0.3, 12);
    const c = base.step(1);
    const d = other.step(1);
    expect(d.reward - c.reward).toBeCloseTo(0.03, 12);
  });

  it('doubling distance doubles the distance part of shaping', () => {
    const { base, other, o0 } = pair({ distance: 200 });
    const a = base.step(0);
    const b = other.step(0);
    expect(b.obs).toEqual(a.obs);
    // Shaping uses the float64 state; the float32 observation is within 1e-6 of it.
    expect(b.reward - a.reward).toBeCloseTo(-100 * (dist(a.obs) - dist(o0)), 3);
    expect(Math.abs(b.reward - a.reward)).toBeGreaterThan(0.01);
  });

  it('speed and angle weight their terms', () => {
    const { base, other, o0 } = pair({ speed: 0, angle: 0 });
    const a = base.step(3);
    const b = other.step(3);
    const speed = (o: Float32Array) => Math.hypot(o[2]!, o[3]!);
    const expected = 100 * (speed(a.obs) - speed(o0)) + 100 * (Math.abs(a.obs[4]!) - Math.abs(o0[4]!));
    expect(b.reward - a.reward).toBeCloseTo(expected, 3);
  });

  it('legContact adds its weight per leg that touches', () => {
    const { base, other } = pair({ legContact: 25 }, 1);
    let obs = base.reset({ seed: 1 }).obs;
    other.reset({ seed: 1 });
    let legs = 0;
    for (let t = 0; t < 1000; t++) {
      const action = heuristicPolicy(obs);
      const a = base.step(action);
      const b = other.step(action);
      const now = a.obs[6]! + a.obs[7]!;
      if (!a.terminated) expect(b.reward - a.reward).toBeCloseTo(15 * (now - legs), 9);
      if (now !== legs && now > 0) return;
      legs = now;
      obs = a.obs;
    }
    throw new Error('no leg touched down');
  });

  it('crash is the reward of the crashing step', () => {
    const env = new LunarLander({ rewardWeights: { crash: -42 } });
    env.reset({ seed: 0 });
    for (let t = 0; t < 1000; t++) {
      const r = env.step(0);
      if (r.terminated) {
        expect(r.info.outcome).toBe('crashed');
        expect(r.reward).toBe(-42);
        return;
      }
    }
    throw new Error('free fall did not crash');
  });

  it('landed is the reward of the step that comes to rest', () => {
    const env = new LunarLander({ rewardWeights: { landed: 55 } });
    let obs = env.reset({ seed: 1 }).obs;
    for (let t = 0; t < 1000; t++) {
      const r = env.step(heuristicPolicy(obs));
      obs = r.obs;
      if (r.terminated) {
        expect(r.info.outcome).toBe('landed');
        expect(r.reward).toBe(55);
        return;
      }
    }
    throw new Error('heuristic did not land');
  });

  it('setRewardWeights validates and changes nothing on error', () => {
    const env = new LunarLander();
    const before = env.getRewardWeights();
    expect(() => env.setRewardWeights({ fuel: 1 } as never)).toThrow(/"fuel".*distance, speed, angle/);
    expect(() => env.setRewardWeights({ speed: 2, angle: Number.NaN })).toThrow(/"angle"/);
    expect(() => env.setRewardWeights({ speed: Number.POSITIVE_INFINITY })).toThrow(/"speed"/);
    expect(env.getRewardWeights()).toEqual(before);
    env.setRewardWeights({ crash: -7 });
    expect(env.getRewardWeights()).toEqual({ ...before, crash: -7 });
  });

  it('a mid-episode shaping change takes effect at the next step without a jump', () => {
    const { base, other } = pair({});
    for (let t = 0; t < 10; t++) {
      base.step(0);
      other.step(0);
    }
    const o0 = base.step(0).obs;
    other.step(0);
    other.setRewardWeights({ distance: 200 });
    const a = base.step(0);
    const b = other.step(0);
    // Only the change in distance over this one step is weighted twice, not the whole distance.
    expect(b.reward - a.reward).toBeCloseTo(-100 * (dist(a.obs) - dist(o0)), 3);
  });
});
