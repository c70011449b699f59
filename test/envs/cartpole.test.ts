import { describe, expect, it } from 'vitest';
import { CartPole } from '../../envs/cartpole/cartpole.ts';
import { makeEnv } from '../../envs/registry.ts';

describe('CartPole-v1', () => {
  it('first Euler step from rest matches the hand-computed Gymnasium dynamics', () => {
    const env = new CartPole();
    env.reset({ seed: 0, options: { low: 0, high: 0 } });
    const { obs, reward, terminated } = env.step(1);
    // temp = 10/1.1; θ̈ = −temp / (0.5·(4/3 − 0.1/1.1)); ẍ = temp − 0.05·θ̈/1.1; Euler with τ = 0.02.
    const temp = 10 / 1.1;
    const thetaAcc = -temp / (0.5 * (4 / 3 - 0.1 / 1.1));
    const xAcc = temp - (0.05 * thetaAcc) / 1.1;
    expect(obs[0]).toBe(0); // Euler moves x with the old velocity (0)
    expect(obs[1]).toBeCloseTo(0.02 * xAcc, 6);
    expect(obs[1]).toBeCloseTo(0.195122, 5);
    expect(obs[2]).toBe(0);
    expect(obs[3]).toBeCloseTo(0.02 * thetaAcc, 6);
    expect(obs[3]).toBeCloseTo(-0.292683, 5);
    expect(reward).toBe(1);
    expect(terminated).toBe(false);
  });

  it('semi-implicit Euler updates position with the new velocity', () => {
    const env = new CartPole({ integrator: 'semi-implicit-euler' });
    env.reset({ seed: 0, options: { low: 0, high: 0 } });
    const { obs } = env.step(1);
    expect(obs[0]).toBeCloseTo(0.02 * obs[1]!, 7);
  });

  it('terminates past ±12°, pays 1 on the terminal step and 0 beyond', () => {
    const env = new CartPole();
    env.reset({ seed: 1 });
    let r = env.step(1);
    let steps = 1;
    while (!r.terminated) {
      r = env.step(1);
      steps++;
    }
    expect(Math.abs(r.obs[2]!) > (12 * Math.PI) / 180 || Math.abs(r.obs[0]!) > 2.4).toBe(true);
    expect(r.reward).toBe(1);
    expect(steps).toBeLessThan(60);
    expect(env.step(0).reward).toBe(0);
  });

  it('Sutton–Barto reward: 0 per step, −1 on failure', () => {
    const env = new CartPole({ suttonBartoReward: true });
    env.reset({ seed: 1 });
    let r = env.step(1);
    expect(r.reward).toBe(0);
    while (!r.terminated) r = env.step(1);
    expect(r.reward).toBe(-1);
  });

  it('initial state is uniform in ±0.05 and the time limit truncates at 500', () => {
    const env = makeEnv('CartPole-v1');
    const first = env.reset({ seed: 2 }).obs as Float32Array;
    for (const v of first) expect(Math.abs(v)).toBeLessThanOrEqual(0.05);
    // A balancing controller survives until the TimeLimit wrapper truncates.
    let obs = first;
    let t = 0;
    for (;;) {
      const a = 0.1 * obs[0]! + 0.5 * obs[1]! + 10 * obs[2]! + 2 * obs[3]! > 0 ? 1 : 0;
      const r = env.step(a);
      t++;
      obs = r.obs as Float32Array;
      if (r.terminated || r.truncated) {
        expect(r.truncated).toBe(true);
        expect(r.terminated).toBe(false);
        break;
      }
    }
    expect(t).toBe(500);
  });

  it('rejects bad actions and options', () => {
    const env = new CartPole();
    env.reset({ seed: 0 });
    expect(() => env.step(2)).toThrow(/action must be 0 or 1/);
    expect(() => new CartPole({ gravity: -1 } as never)).toThrow(/'gravity' must be in \(0, 100\]/);
    expect(() => env.reset({ options: { low: 1, high: 0 } })).toThrow(/low/);
  });
});
