import { describe, expect, it } from 'vitest';
import type { CartPoleRenderState } from '../../envs/cartpole/cartpole.ts';
import type { LanderRenderState } from '../../envs/lunar-lander/render-state.ts';
import type { MarsRoverRenderState } from '../../envs/mars-rover/mars-rover.ts';
import { makeEnv } from '../../envs/registry.ts';
import { actionOfState } from '../../viewer/src/hud/actions.ts';
import { cartPoleScene } from '../../viewer/src/scene/cartpole-mapping.ts';
import {
  landerActionOf,
  landerScene,
  particleTint,
  terrainKey,
} from '../../viewer/src/scene/lander-mapping.ts';
import { lerpAngle } from '../../viewer/src/scene/math.ts';
import { roverScene } from '../../viewer/src/scene/rover-mapping.ts';

/** Real render states from the env, after `actions`. */
function landerStates(seed: number, actions: number[]): LanderRenderState[] {
  const env = makeEnv('LunarLander-v3');
  env.reset({ seed });
  const out = [env.renderState() as LanderRenderState];
  for (const a of actions) {
    const r = env.step(a);
    out.push(env.renderState() as LanderRenderState);
    if (r.terminated || r.truncated) break;
  }
  return out;
}

describe('lander state → scene', () => {
  it('puts the hull at the body origin and angle, and each leg at its box centre along its edge', () => {
    const states = landerStates(1, Array(40).fill(1));
    const s = states.at(-1)!;
    const scene = landerScene(s, s, 0);
    expect(scene.hull).toEqual({ x: s.lander.x, y: s.lander.y, rotation: s.lander.angle });
    scene.legs.forEach((leg, i) => {
      const v = s.legs[i]!.vertices;
      expect(leg.x).toBeCloseTo((v[0]!.x + v[1]!.x + v[2]!.x + v[3]!.x) / 4, 9);
      expect(leg.y).toBeCloseTo((v[0]!.y + v[1]!.y + v[2]!.y + v[3]!.y) / 4, 9);
      // The shared leg geometry's +x edge runs from corner 0 to corner 1: the rotation must agree with it.
      expect(leg.rotation).toBeCloseTo(Math.atan2(v[1]!.y - v[0]!.y, v[1]!.x - v[0]!.x), 6);
      expect(leg.contact).toBe(s.legs[i]!.contact);
    });
    // Firing the left engine for 40 steps has turned the lander.
    expect(Math.abs(scene.hull.rotation)).toBeGreaterThan(0.05);
  });

  it('interpolates bodies between two states and takes discrete things from the nearer one', () => {
    const [a, , b] = landerStates(2, [2, 0]);
    const mid = landerScene(a!, b!, 0.5);
    expect(mid.hull.x).toBeCloseTo((a!.lander.x + b!.lander.x) / 2, 9);
    expect(mid.hull.y).toBeCloseTo((a!.lander.y + b!.lander.y) / 2, 9);
    expect(landerScene(a!, b!, 0.25).flames).toEqual({ main: a!.engines.main, left: 0, right: 0 });
    expect(landerScene(a!, b!, 0.75).particles).toHaveLength(b!.particles.length);
  });

  it('scales flames by the firing level of each engine, and reads the action back from them', () => {
    for (const action of [0, 1, 2, 3]) {
      const s = landerStates(3, [action]).at(-1)!;
      const f = landerScene(s, s, 0).flames;
      expect([f.main > 0, f.left > 0, f.right > 0]).toEqual([action === 2, action === 1, action === 3]);
      for (const v of Object.values(f)) expect(v).toBeGreaterThanOrEqual(0);
      expect(landerActionOf(s)).toBe(action);
      expect(actionOfState(s)).toBe(action);
    }
  });

  it('fades and cools exhaust particles as they age', () => {
    const s = landerStates(4, Array(6).fill(2)).at(-1)!;
    const ps = landerScene(s, s, 0).particles;
    expect(ps.length).toBeGreaterThan(0);
    for (const p of ps) expect(p.alpha).toBeGreaterThan(0);
    const red = (c: number) => c >> 16;
    const green = (c: number) => (c >> 8) & 0xff;
    expect(green(particleTint(1))).toBeGreaterThan(green(particleTint(0.2)));
    expect(red(particleTint(1))).toBe(255);
  });

  it('keeps the terrain key fixed within an episode and changes it with new terrain', () => {
    const ep = landerStates(5, Array(30).fill(0));
    expect(new Set(ep.map(terrainKey)).size).toBe(1);
    const other = landerStates(6, [])[0]!;
    expect(terrainKey(other)).not.toBe(terrainKey(ep[0]!));
  });

  it('marks legs in contact once the lander rests on the ground', () => {
    const states = landerStates(7, Array(400).fill(0));
    const last = states.at(-1)!;
    expect(last.gameOver || last.landed || last.legs.some((l) => l.contact)).toBe(true);
    const touching = states.find((s) => s.legs.some((l) => l.contact))!;
    expect(landerScene(touching, touching, 0).legs.some((l) => l.contact)).toBe(true);
  });

  it('interpolates angles the short way round', () => {
    expect(lerpAngle(3.1, -3.1, 0.5)).toBeCloseTo(Math.PI, 6);
    expect(lerpAngle(0.1, 0.3, 0.5)).toBeCloseTo(0.2, 9);
  });
});

describe('cartpole and rover state → scene', () => {
  it('cartpole: position and angle interpolate; danger grows towards the limits; the push side shows', () => {
    const a: CartPoleRenderState = {
      kind: 'cartpole',
      x: 0,
      theta: 0,
      xThreshold: 2.4,
      thetaThreshold: 0.2095,
      poleLength: 1,
      lastAction: 0,
      step: 1,
    };
    const b: CartPoleRenderState = { ...a, x: 0.5, theta: 0.1, lastAction: 1, step: 2 };
    const s = cartPoleScene(a, b, 0.5);
    expect(s.cartX).toBeCloseTo(0.25);
    expect(s.poleAngle).toBeCloseTo(0.05);
    expect(s.push).toBe(1);
    expect(cartPoleScene(a, a, 0).push).toBe(-1);
    // The larger of |x| / 2.4 and |θ| / θmax.
    expect(cartPoleScene(b, b, 0).danger).toBeCloseTo(0.1 / 0.2095, 6);
    expect(cartPoleScene({ ...b, x: -2.4 }, { ...b, x: -2.4 }, 0).danger).toBe(1);
    expect(cartPoleScene({ ...a, lastAction: null }, { ...a, lastAction: null }, 0).push).toBe(0);
  });

  it('rover: drives between cells with easing and knows which cells end the episode', () => {
    const env = makeEnv('MarsRover-v0');
    env.reset({ seed: 1, options: { startState: 4 } });
    const a = env.renderState() as MarsRoverRenderState;
    env.step(0);
    const b = env.renderState() as MarsRoverRenderState;
    expect(roverScene(a, b, 0).cell).toBe(3);
    expect(roverScene(a, b, 1).cell).toBe(2);
    expect(roverScene(a, b, 0.5).cell).toBeCloseTo(2.5);
    expect(roverScene(a, b, 0.25).cell).toBeGreaterThan(2.75);
    const cells = roverScene(a, b, 1).cells;
    expect(cells.filter((c) => c.terminal).map((c) => c.state)).toEqual([1, 6]);
    expect(cells.map((c) => c.reward)).toEqual([100, 0, 0, 0, 0, 40]);
    expect(roverScene(a, b, 1).lastAction).toBe(0);
  });
});
