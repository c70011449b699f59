import { describe, expect, it } from 'vitest';
import { unwrap } from '../../envs/core/wrapper.ts';
import { OrderEnforcing } from '../../envs/core/wrappers/order-enforcing.ts';
import {
  type EpisodeStatistics,
  RecordEpisodeStatistics,
} from '../../envs/core/wrappers/record-episode-statistics.ts';
import { TimeLimit } from '../../envs/core/wrappers/time-limit.ts';
import { CountingEnv } from '../helpers/counting-env.ts';

describe('TimeLimit', () => {
  it('sets truncated (not terminated) exactly at the limit and restarts the count on reset', () => {
    const env = new TimeLimit(new CountingEnv(), 5);
    for (let episode = 0; episode < 2; episode++) {
      env.reset({ seed: episode });
      for (let t = 1; t <= 5; t++) {
        const r = env.step(0);
        expect(r.truncated).toBe(t === 5);
        expect(r.terminated).toBe(false);
      }
      expect(env.elapsedSteps).toBe(5);
    }
  });

  it('lets a natural termination through as terminated', () => {
    const env = new TimeLimit(new CountingEnv(3), 10);
    env.reset();
    env.step(0);
    env.step(0);
    const r = env.step(0);
    expect(r.terminated).toBe(true);
    expect(r.truncated).toBe(false);
  });

  it('rejects a non-positive limit', () => {
    expect(() => new TimeLimit(new CountingEnv(), 0)).toThrow(/positive integer/);
  });
});

describe('RecordEpisodeStatistics', () => {
  it('adds info.episode = {return, length, time} on the final step only', () => {
    const env = new RecordEpisodeStatistics(new TimeLimit(new CountingEnv(), 4));
    env.reset({ seed: 0 });
    const actions = [0, 1, 2, 1];
    let last: EpisodeStatistics | undefined;
    actions.forEach((a, i) => {
      const r = env.step(a);
      if (i < 3) expect(r.info['episode']).toBeUndefined();
      else last = r.info['episode'] as EpisodeStatistics;
    });
    expect(last?.return).toBe(1 + 2 + 3 + 2);
    expect(last?.length).toBe(4);
    expect(last?.time).toBeGreaterThanOrEqual(0);
    expect(env.returnQueue).toEqual([8]);
    expect(env.episodeCount).toBe(1);
  });

  it('keeps the inner info fields', () => {
    const env = new RecordEpisodeStatistics(new CountingEnv(1));
    env.reset();
    const r = env.step(0);
    expect(r.info['t']).toBe(1);
    expect(r.info['episode']).toBeDefined();
  });
});

describe('OrderEnforcing and unwrap', () => {
  it('refuses step before reset', () => {
    const env = new OrderEnforcing(new CountingEnv());
    expect(() => env.step(0)).toThrow(/before reset/);
    env.reset();
    expect(() => env.step(0)).not.toThrow();
  });

  it('unwrap reaches the innermost env through any depth', () => {
    const inner = new CountingEnv();
    const env = new RecordEpisodeStatistics(new TimeLimit(new OrderEnforcing(inner), 3));
    expect(unwrap(env)).toBe(inner);
    expect(env.unwrapped).toBe(inner);
    expect(env.observationSpace).toBe(inner.observationSpace);
  });
});
