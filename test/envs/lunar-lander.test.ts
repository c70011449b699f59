import { describe, expect, it } from 'vitest';
import { Rng } from '../../envs/core/rng.ts';
import { Box, Discrete } from '../../envs/core/spaces.ts';
import {
  type LanderRenderState,
  LunarLander,
  lunarLanderOptionsSchema,
} from '../../envs/lunar-lander/index.ts';

const W = 20;
const H = 400 / 30;
const MASS = 4.816666666666666 + (2 * (4 * 16)) / 900; // hull + legs (kg), Box2D densities 5 and 1

describe('LunarLander API and options', () => {
  it('has Gymnasium v3 spaces and metadata', () => {
    const env = new LunarLander();
    expect(env.metadata).toEqual({ renderFps: 50, rewardThreshold: 200 });
    expect(env.actionSpace).toBeInstanceOf(Discrete);
    expect(env.actionSpace.toJSON()).toEqual({ type: 'discrete', n: 4, start: 0 });
    const high = [2.5, 2.5, 10, 10, 2 * Math.PI, 10, 1, 1].map(Math.fround);
    expect(env.observationSpace.toJSON()).toEqual({
      type: 'box',
      shape: [8],
      low: high.map((v, i) => (i >= 6 ? 0 : -v)),
      high,
    });
    const cont = new LunarLander({ continuous: true });
    expect(cont.actionSpace).toBeInstanceOf(Box);
    expect(cont.actionSpace.toJSON()).toEqual({ type: 'box', shape: [2], low: [-1, -1], high: [1, 1] });
  });

  it('rejects bad options with a message naming the field', () => {
    for (const gravity of [-15, 0, 'x']) {
      expect(() => new LunarLander({ gravity } as never)).toThrow(/gravity/);
    }
    expect(() => new LunarLander({ windPower: 25 })).toThrow(/windPower/);
    expect(() => new LunarLander({ turbulencePower: -1 })).toThrow(/turbulencePower/);
    expect(() => new LunarLander({ foo: 1 } as never)).toThrow(/foo/);
    expect(() => new LunarLander({ rewardWeights: { fuel: 1 } } as never)).toThrow(/fuel/);
    expect(lunarLanderOptionsSchema.parse({})).toMatchObject({
      continuous: false,
      gravity: -10,
      windPower: 15,
    });
  });

  it('rejects actions outside the space and stepping before reset', () => {
    const env = new LunarLander();
    expect(() => env.step(0)).toThrow(/reset/);
    env.reset({ seed: 0 });
    expect(() => env.step(4)).toThrow(/action/);
    expect(() => env.step(1.5)).toThrow(/action/);
    expect(() => env.step(new Float32Array(2))).toThrow(/action/);
    const cont = new LunarLander({ continuous: true });
    cont.reset({ seed: 0 });
    expect(() => cont.step(1)).toThrow(/Float32Array/);
  });

  it('the reset observation follows Gymnasium’s normalisation of the initial push', () => {
    for (const seed of [0, 1, 2, 3]) {
      const { obs } = new LunarLander().reset({ seed });
      // Replay the env's draws: 12 terrain heights, then the initial force.
      const rng = new Rng(seed);
      for (let i = 0; i < 12; i++) rng.uniform();
      const fx = rng.uniformRange(-1000, 1000);
      const fy = rng.uniformRange(-1000, 1000);
      const vx = (fx * 0.02) / MASS;
      const vy = (fy * 0.02) / MASS - 10 * 0.02;
      expect(obs[2]).toBeCloseTo((vx * (W / 2)) / 50, 2);
      expect(obs[3]).toBeCloseTo((vy * (H / 2)) / 50, 2);
      expect(Math.abs(obs[0]!)).toBeLessThan(0.02);
      expect(obs[1]).toBeGreaterThan(1.38);
      expect(obs[1]).toBeLessThan(1.45);
      expect(Math.abs(obs[4]!)).toBeLessThan(0.02);
      expect([obs[6], obs[7]]).toEqual([0, 0]);
      expect(obs).toBeInstanceOf(Float32Array);
    }
  });

  it('returns a fresh observation array each call', () => {
    const env = new LunarLander();
    const a = env.reset({ seed: 0 }).obs;
    const b = env.step(0).obs;
    expect(a).not.toBe(b);
  });

  it('wind changes the trajectory; weaker gravity falls slower', () => {
    const fall = (options: ConstructorParameters<typeof LunarLander>[0]) => {
      const env = new LunarLander(options);
      env.reset({ seed: 8 });
      let obs: Float32Array = new Float32Array(8);
      for (let t = 0; t < 30; t++) obs = env.step(0).obs;
      return obs;
    };
    const calm = fall({});
    expect(fall({ enableWind: true })).not.toEqual(calm);
    const moon = fall({ gravity: -5 });
    expect(moon[3]).toBeGreaterThan(calm[3]!);
    expect(moon[1]).toBeGreaterThan(calm[1]!);
  });

  it('reports each kind of ending in info.outcome, and stepping on after it is safe', () => {
    const env = new LunarLander();
    const rng = new Rng(5);
    const seen = new Set<string>();
    for (let e = 0; e < 200 && seen.size < 2; e++) {
      env.reset({ seed: e });
      for (let t = 0; t < 1000; t++) {
        const r = env.step(rng.int(4));
        if (!r.terminated) {
          expect(r.info).toEqual({});
          continue;
        }
        seen.add(r.info.outcome as string);
        for (let k = 0; k < 50; k++) {
          const after = env.step(rng.int(4));
          expect(after.obs.every(Number.isFinite)).toBe(true);
        }
        break;
      }
    }
    expect([...seen].sort()).toEqual(['crashed', 'outOfBounds']);
  });
});

describe('LunarLander renderState', () => {
  it('is plain JSON with the fields a viewer draws from', () => {
    const env = new LunarLander({ enableWind: true });
    env.reset({ seed: 3 });
    for (let t = 0; t < 20; t++) env.step(2);
    const s: LanderRenderState = env.renderState();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(s.kind).toBe('lunar-lander');
    expect(s.viewport).toEqual({ w: W, h: H });
    expect(s.terrain).toHaveLength(11);
    expect(s.helipad.x2).toBeGreaterThan(s.helipad.x1);
    expect(s.flags).toHaveLength(2);
    expect(s.lander.vertices).toHaveLength(6);
    expect(s.legs).toHaveLength(2);
    expect(s.legs[0]!.vertices).toHaveLength(4);
    expect(s.engines.main).toBe(1);
    expect(s.engines.left + s.engines.right).toBe(0);
    expect(s.particles.length).toBeGreaterThan(0);
    expect(s.particles.length).toBeLessThanOrEqual(48);
    expect(s.wind).not.toBe(0);
    expect(s.step).toBe(20);
    expect(s.gameOver).toBe(false);
    expect(s.landed).toBe(false);
  });

  it('places the lander where the observation says', () => {
    const env = new LunarLander();
    env.reset({ seed: 6 });
    let obs: Float32Array = new Float32Array(8);
    for (let t = 0; t < 40; t++) obs = env.step(t % 3).obs;
    const s = env.renderState();
    expect((s.lander.x - W / 2) / (W / 2)).toBeCloseTo(obs[0]!, 5);
    expect((s.lander.y - (s.helipad.y + 18 / 30)) / (H / 2)).toBeCloseTo(obs[1]!, 5);
    expect(s.lander.angle).toBeCloseTo(obs[4]!, 5);
    // LANDER_POLY's first vertex (−14, 17) px, rotated by the angle about the body origin.
    const c = Math.cos(s.lander.angle);
    const sn = Math.sin(s.lander.angle);
    const [lx, ly] = [-14 / 30, 17 / 30];
    expect(s.lander.vertices[0]!.x).toBeCloseTo(s.lander.x + c * lx - sn * ly, 9);
    expect(s.lander.vertices[0]!.y).toBeCloseTo(s.lander.y + sn * lx + c * ly, 9);
  });
});
