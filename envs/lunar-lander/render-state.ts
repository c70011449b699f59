import type { RenderState } from '../core/env.ts';
import { H, SCALE, W } from './constants.ts';
import type { Throttle } from './engines.ts';
import type { LanderState } from './lander-body.ts';
import type { Legs } from './legs.ts';
import { HULL_VERTICES } from './mass.ts';
import type { ParticleView } from './particles.ts';
import type { Terrain } from './terrain.ts';

export interface Point {
  x: number;
  y: number;
}

/**
 * Everything a viewer needs to draw the scene as Gymnasium does, in world units (metres, y up, origin at the
 * bottom-left of a W × H viewport). Plain numbers, arrays and booleans only: it survives JSON unchanged.
 */
export interface LanderRenderState extends RenderState {
  kind: 'lunar-lander';
  viewport: { w: number; h: number };
  /** Surface polyline, left to right; the ground is below it. */
  terrain: Point[];
  helipad: { x1: number; x2: number; y: number };
  /** Flag poles from (x, y1) to (x, y2), each with its pennant triangle. */
  flags: { x: number; y1: number; y2: number; pennant: Point[] }[];
  /** Body origin (Gymnasium's lander.position), angle (rad, counter-clockwise) and hull outline in world units. */
  lander: { x: number; y: number; angle: number; vertices: Point[] };
  legs: { vertices: Point[]; angle: number; contact: boolean }[];
  /** Engine power used in the last step, 0..1. */
  engines: { main: number; left: number; right: number };
  particles: ParticleView[];
  /** Wind force (N) applied in the last step; 0 when wind is off or a leg touched. */
  wind: number;
  step: number;
  gameOver: boolean;
  landed: boolean;
}

export interface RenderInputs {
  terrain: Terrain;
  lander: LanderState;
  legs: Legs;
  throttle: Throttle;
  particles: ParticleView[];
  wind: number;
  step: number;
  gameOver: boolean;
  landed: boolean;
}

const FLAG_HEIGHT = 50 / SCALE;

export function buildRenderState(s: RenderInputs): LanderRenderState {
  const t = s.terrain;
  const terrain: Point[] = [];
  for (let i = 0; i < t.xs.length; i++) terrain.push({ x: t.xs[i]!, y: t.ys[i]! });
  const flags = [t.helipadX1, t.helipadX2].map((x) => {
    const y2 = t.helipadY + FLAG_HEIGHT;
    const pennant = [
      { x, y: y2 },
      { x, y: y2 - 10 / SCALE },
      { x: x + 25 / SCALE, y: y2 - 5 / SCALE },
    ];
    return { x, y1: t.helipadY, y2, pennant };
  });
  const l = s.lander;
  const c = Math.cos(l.angle);
  const sn = Math.sin(l.angle);
  const hull = HULL_VERTICES.map(([x, y]) => ({ x: l.ox + c * x - sn * y, y: l.oy + sn * x + c * y }));
  const corners = new Float64Array(8);
  const legs = [0, 1].map((k) => {
    s.legs.legVertices(k, l, corners);
    const vertices: Point[] = [];
    for (let v = 0; v < 4; v++) vertices.push({ x: corners[2 * v]!, y: corners[2 * v + 1]! });
    return {
      vertices,
      angle: s.legs.legPose(k, l, { x: 0, y: 0, angle: 0 }).angle,
      contact: s.legs.contact[k]!,
    };
  });
  const th = s.throttle;
  return {
    kind: 'lunar-lander',
    viewport: { w: W, h: H },
    terrain,
    helipad: { x1: t.helipadX1, x2: t.helipadX2, y: t.helipadY },
    flags,
    lander: { x: l.ox, y: l.oy, angle: l.angle, vertices: hull },
    legs,
    engines: {
      main: th.main,
      left: th.direction < 0 ? th.side : 0,
      right: th.direction > 0 ? th.side : 0,
    },
    particles: s.particles,
    wind: s.wind,
    step: s.step,
    gameOver: s.gameOver,
    landed: s.landed,
  };
}
