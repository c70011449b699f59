import { describe, expect, it } from 'vitest';
import { SyncVectorEnv } from '../../envs/core/vector-env.ts';
import { TimeLimit } from '../../envs/core/wrappers/time-limit.ts';
import { makeEnv, makeVectorEnv } from '../../envs/registry.ts';
import { CountingEnv } from '../helpers/counting-env.ts';

describe('SyncVectorEnv', () => {
  it('batches observations row by row and seeds env i with seed + i', () => {
    const vec = new SyncVectorEnv([
      () => new CountingEnv(),
      () => new CountingEnv(),
      () => new CountingEnv(),
    ]);
    const { obs } = vec.reset({ seed: 10 });
    expect(obs).toBeInstanceOf(Float32Array);
    expect(obs.length).toBe(3 * 2);
    for (let i = 0; i < 3; i++) {
      const single = new CountingEnv().reset({ seed: 10 + i }).obs;
      expect(Array.from(obs.subarray(2 * i, 2 * i + 2))).toEqual(Array.from(single));
    }
  });

  it('same-step autoreset: a finished env returns its next first obs, with the final obs in finalObs', () => {
    // env 0 ends every 2 steps, env 1 every 3.
    const vec = new SyncVectorEnv([() => new CountingEnv(2), () => new CountingEnv(3)]);
    vec.reset({ seed: 0 });
    const s1 = vec.step([0, 0]);
    expect(Array.from(s1.terminated)).toEqual([0, 0]);
    const s2 = vec.step([1, 2]);
    expect(Array.from(s2.terminated)).toEqual([1, 0]);
    expect(s2.finalObs[0]).toBe(2); // last obs of env 0's episode: t = 2
    expect(s2.obs[0]).toBe(0); // already reset: t = 0
    expect(s2.obs[2]).toBe(2); // env 1 carries on
    expect(Array.from(s2.rewards)).toEqual([2, 3]); // the actions of the ending step were applied
    expect(s2.infos[0]!['resetInfo']).toBeDefined();
    const s3 = vec.step([0, 0]);
    expect(Array.from(s3.terminated)).toEqual([0, 1]);
    expect(s3.obs[0]).toBe(1);
    expect(s3.finalObs[2]).toBe(3);
  });

  it('reports truncation separately from termination', () => {
    const vec = new SyncVectorEnv([() => new TimeLimit(new CountingEnv(), 2)]);
    vec.reset({ seed: 0 });
    vec.step([0]);
    const r = vec.step([0]);
    expect(r.truncated[0]).toBe(1);
    expect(r.terminated[0]).toBe(0);
  });

  it('matches stepping the envs one by one (CartPole, 300 steps with resets)', () => {
    const n = 4;
    const vec = makeVectorEnv('CartPole-v1', n);
    const singles = Array.from({ length: n }, () => makeEnv('CartPole-v1'));
    let batch = vec.reset({ seed: 3 }).obs;
    const obs = singles.map((e, i) => e.reset({ seed: 3 + i }).obs as Float32Array);
    for (let t = 0; t < 300; t++) {
      const actions = Array.from({ length: n }, (_, i) => (t * 7 + i * 3) % 2);
      const r = vec.step(actions);
      for (let i = 0; i < n; i++) {
        const s = singles[i]!.step(actions[i]!);
        expect(r.rewards[i]).toBe(s.reward);
        expect(r.terminated[i]).toBe(s.terminated ? 1 : 0);
        obs[i] = (s.terminated || s.truncated ? singles[i]!.reset().obs : s.obs) as Float32Array;
        expect(Array.from(r.obs.subarray(4 * i, 4 * i + 4))).toEqual(Array.from(obs[i]!));
      }
      batch = r.obs;
    }
    expect(batch.length).toBe(4 * n);
  });

  it('rejects a wrong number of actions', () => {
    const vec = makeVectorEnv('CartPole-v1', 2);
    vec.reset({ seed: 0 });
    expect(() => vec.step([0])).toThrow(/expected 2 action values/);
    expect(() => makeVectorEnv('CartPole-v1', 0)).toThrow(/numEnvs/);
  });
});
