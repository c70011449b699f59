import { describe, expect, it } from 'vitest';
import { Rng } from '../../envs/core/rng.ts';
import { LunarLander } from '../../envs/lunar-lander/index.ts';

interface Trace {
  obs: Uint8Array[];
  rewards: number[];
  flags: boolean[];
}

function newTrace(): Trace {
  return { obs: [], rewards: [], flags: [] };
}

function record(t: Trace, obs: Float32Array, reward = 0, terminated = false) {
  t.obs.push(new Uint8Array(obs.buffer.slice(0)));
  t.rewards.push(reward);
  t.flags.push(terminated);
}

/** A generator of (env, trace) work: `episodes` seeded episodes of random actions, one step per `next()`. */
function* run(env: LunarLander, trace: Trace, seed: number, episodes: number, continuous = false) {
  const actions = new Rng(seed + 7);
  for (let e = 0; e < episodes; e++) {
    record(trace, env.reset({ seed: seed + e }).obs);
    for (let t = 0; t < 200; t++) {
      const a = continuous
        ? Float32Array.of(actions.uniformRange(-1, 1), actions.uniformRange(-1, 1))
        : actions.int(4);
      const r = env.step(a);
      record(trace, r.obs, r.reward, r.terminated);
      yield;
      if (r.terminated) break;
    }
  }
}

function drain(g: Generator) {
  while (!g.next().done) {}
}

describe('LunarLander determinism', () => {
  it('same seed and actions give bit-identical observations, rewards and flags, across many resets', () => {
    for (const continuous of [false, true]) {
      const a = newTrace();
      const b = newTrace();
      drain(run(new LunarLander({ continuous }), a, 11, 12, continuous));
      drain(run(new LunarLander({ continuous }), b, 11, 12, continuous));
      expect(b.obs.length).toBeGreaterThan(100);
      expect(b).toEqual(a);
    }
  });

  it('two envs stepping interleaved, with a third created in between, match solo runs', () => {
    const soloA = newTrace();
    const soloB = newTrace();
    drain(run(new LunarLander(), soloA, 3, 6));
    drain(run(new LunarLander(), soloB, 40, 6));
    const a = newTrace();
    const b = newTrace();
    const ga = run(new LunarLander(), a, 3, 6);
    const gb = run(new LunarLander(), b, 40, 6);
    let k = 0;
    let doneA = false;
    let doneB = false;
    while (!(doneA && doneB)) {
      if (!doneA) doneA = !!ga.next().done;
      if (!doneB) doneB = !!gb.next().done;
      // A third env (new matter bodies, global ids advancing) mid-run must not disturb the other two.
      if (++k === 150) drain(run(new LunarLander({ enableWind: true }), newTrace(), 99, 2));
    }
    expect(a).toEqual(soloA);
    expect(b).toEqual(soloB);
  });

  it('reset without a seed continues the Rng deterministically', () => {
    const runUnseeded = () => {
      const env = new LunarLander();
      env.reset({ seed: 5 });
      const out: number[] = [];
      for (let e = 0; e < 3; e++) out.push(...env.reset().obs);
      return out;
    };
    const first = runUnseeded();
    expect(runUnseeded()).toEqual(first);
    // The three unseeded episodes differ from each other.
    expect(first.slice(0, 8)).not.toEqual(first.slice(8, 16));
  });

  it('calling renderState does not change the dynamics', () => {
    const plain = newTrace();
    drain(run(new LunarLander(), plain, 21, 3));
    const env = new LunarLander();
    const watched = newTrace();
    const g = run(env, watched, 21, 3);
    while (!g.next().done) JSON.stringify(env.renderState());
    expect(watched).toEqual(plain);
  });
});
