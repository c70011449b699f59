import { describe, expect, it } from 'vitest';
import { checkEnv } from '../../envs/core/checker.ts';
import type { Env } from '../../envs/core/env.ts';
import { Box } from '../../envs/core/spaces.ts';
import { ENV_IDS, envSpec, makeEnv } from '../../envs/registry.ts';
import { CountingEnv } from '../helpers/counting-env.ts';

describe('registry', () => {
  it('registers the four envs with their time limits and thresholds', () => {
    expect(ENV_IDS).toEqual(['LunarLander-v3', 'LunarLanderContinuous-v3', 'CartPole-v1', 'MarsRover-v0']);
    expect(envSpec('LunarLander-v3').maxEpisodeSteps).toBe(1000);
    expect(envSpec('LunarLander-v3').rewardThreshold).toBe(200);
    expect(envSpec('CartPole-v1').maxEpisodeSteps).toBe(500);
    expect(envSpec('CartPole-v1').rewardThreshold).toBe(475);
  });

  it('rejects unknown ids listing the valid ones', () => {
    expect(() => makeEnv('LunarLander-v2')).toThrow(
      "unknown env id 'LunarLander-v2'; valid ids: LunarLander-v3, LunarLanderContinuous-v3, CartPole-v1, MarsRover-v0",
    );
  });

  it('rejects invalid options listing what is valid', () => {
    expect(() => makeEnv('CartPole-v1', { gravty: 9 })).toThrow(
      /unknown field 'gravty'; valid: suttonBartoReward, gravity, forceMag, integrator/,
    );
    expect(() => makeEnv('CartPole-v1', { integrator: 'rk4' })).toThrow(
      /'integrator' must be one of "euler"/,
    );
    expect(() => makeEnv('LunarLander-v3', { gravity: 3 })).toThrow(/'gravity' must be in \(-12, 0\)/);
    expect(() => makeEnv('LunarLanderContinuous-v3', { continuous: false })).toThrow(
      /unknown field 'continuous'/,
    );
  });

  it('continuous and discrete lander ids build the right action spaces', () => {
    expect(makeEnv('LunarLander-v3').actionSpace.toJSON()).toEqual({ type: 'discrete', n: 4, start: 0 });
    expect(makeEnv('LunarLanderContinuous-v3').actionSpace.toJSON()).toEqual({
      type: 'box',
      shape: [2],
      low: [-1, -1],
      high: [1, 1],
    });
  });

  it('wraps in a time limit that can be overridden', () => {
    const env = makeEnv('LunarLander-v3', {}, { maxEpisodeSteps: 3 });
    env.reset({ seed: 0 });
    env.step(0);
    env.step(0);
    expect(env.step(0).truncated).toBe(true);
  });
});

describe('env checker', () => {
  for (const id of ENV_IDS) {
    it(`${id} passes every check`, () => {
      const report = checkEnv(() => makeEnv(id), { seed: 123, steps: 400 });
      const failures = report.checks.filter((c) => !c.ok);
      expect(failures).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.checks.length).toBeGreaterThanOrEqual(7);
    });
  }

  it('catches an env whose steps use an unseeded random source', () => {
    class Noisy extends CountingEnv {
      override step(action: number) {
        const r = super.step(action);
        return { ...r, reward: Math.random() };
      }
    }
    const report = checkEnv(() => new Noisy());
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name.startsWith('step determinism'))?.ok).toBe(false);
  });

  it('catches observations outside the declared space and non-JSON render states', () => {
    class Wrong extends CountingEnv {
      override readonly observationSpace = new Box(-1, 1, [2]);
      override renderState() {
        return { kind: 'wrong', bad: Number.NaN } as never;
      }
    }
    const report = checkEnv(() => new Wrong() as Env);
    const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failed.some((n) => n.startsWith('step()'))).toBe(true);
    expect(failed.some((n) => n.startsWith('renderState()'))).toBe(true);
  });
});
