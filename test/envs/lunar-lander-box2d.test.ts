import { describe, expect, it } from 'vitest';
import { heuristicPolicy, LunarLander } from '../../envs/lunar-lander/index.ts';
import { Box2DLander } from '../reference/box2d-lander.ts';

type Outcome = string;

function heuristicEpisode(
  step: (a: number | Float32Array) => {
    obs: Float32Array;
    reward: number;
    terminated: boolean;
    outcome?: Outcome;
  },
  first: Float32Array,
  continuous: boolean,
): { total: number; outcome: Outcome } {
  let obs = first;
  let total = 0;
  for (let t = 0; t < 1000; t++) {
    const r = step(heuristicPolicy(obs, continuous));
    total += r.reward;
    obs = r.obs;
    if (r.terminated) return { total, outcome: r.outcome ?? '?' };
  }
  return { total, outcome: 'timeLimit' };
}

function compare(continuous: boolean, seeds: number) {
  const mine = new LunarLander({ continuous });
  const ref = new Box2DLander(continuous);
  const rows: { seed: number; mine: Outcome; ref: Outcome }[] = [];
  let mineSum = 0;
  let refSum = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const a = heuristicEpisode(
      (act) => {
        const r = mine.step(act);
        return { ...r, outcome: r.info['outcome'] as Outcome };
      },
      mine.reset({ seed }).obs,
      continuous,
    );
    const b = heuristicEpisode((act) => ref.step(act), ref.reset(seed), continuous);
    mineSum += a.total;
    refSum += b.total;
    rows.push({ seed, mine: a.outcome, ref: b.outcome });
  }
  const count = (key: 'mine' | 'ref', o: Outcome) => rows.filter((r) => r[key] === o).length;
  const summary = (key: 'mine' | 'ref', sum: number) =>
    `mean ${(sum / seeds).toFixed(1)}, landed ${count(key, 'landed')}, crashed ${count(key, 'crashed')}, ` +
    `out of bounds ${count(key, 'outOfBounds')}, time limit ${count(key, 'timeLimit')}`;
  console.log(
    `heuristic ${continuous ? 'continuous' : 'discrete'}, seeds 0..${seeds - 1}\n` +
      `  gymlab (matter-js): ${summary('mine', mineSum)}\n  Box2D (planck.js):  ${summary('ref', refSum)}`,
  );
  return { rows, mineMean: mineSum / seeds, refMean: refSum / seeds };
}

describe('LunarLander on matter-js against a Box2D oracle (planck.js, same random draws)', () => {
  it('same seed and actions: the flight tracks Box2D closely for the first 60 steps', () => {
    let worst = 0;
    for (let seed = 0; seed < 10; seed++) {
      const mine = new LunarLander();
      const ref = new Box2DLander();
      let obs = ref.reset(seed);
      const ours = mine.reset({ seed }).obs;
      for (let i = 0; i < 6; i++) worst = Math.max(worst, Math.abs(ours[i]! - obs[i]!));
      for (let t = 0; t < 60; t++) {
        const action = heuristicPolicy(obs, false);
        const r = ref.step(action);
        const m = mine.step(action);
        if (r.terminated || m.terminated) break;
        for (let i = 0; i < 6; i++) worst = Math.max(worst, Math.abs(m.obs[i]! - r.obs[i]!));
        obs = r.obs;
      }
    }
    // Observations are normalised (x, y in ±1-ish; velocities ±1-ish): 0.02 is well under a centimetre-scale
    // drift in position and a few mm/s in speed.
    console.log(
      `largest normalised-observation difference over 60 steps × 10 seeds: ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThan(0.02);
  });

  it('the heuristic ends each seed as in Box2D (discrete, seeds 0..99)', () => {
    const { rows, mineMean, refMean } = compare(false, 100);
    const agree = rows.filter((r) => r.mine === r.ref).length;
    expect(agree).toBeGreaterThanOrEqual(85);
    expect(Math.abs(mineMean - refMean)).toBeLessThan(15);
  }, 120_000);

  it('the heuristic ends each seed as in Box2D (continuous, seeds 0..99)', () => {
    const { rows, mineMean, refMean } = compare(true, 100);
    const agree = rows.filter((r) => r.mine === r.ref).length;
    expect(agree).toBeGreaterThanOrEqual(90);
    expect(Math.abs(mineMean - refMean)).toBeLessThan(15);
  }, 120_000);
});
