// LunarLander render state → what the Pixi scene sets each frame: transforms, flame scales, particle
// positions. Pure (no Pixi), so unit tests check it directly; the view (lander-view.ts) only copies these
// numbers onto display objects whose geometry was built once.
import type { LanderRenderState, Point } from '../../../envs/lunar-lander/render-state.ts';
import { clamp, lerp, lerpAngle } from './math.ts';

export interface Pose {
  x: number;
  y: number;
  rotation: number;
}

export interface ParticleSprite {
  x: number;
  y: number;
  alpha: number;
  /** 0xRRGGBB: hot (white-yellow) when fresh, dull red as it dies, as Gymnasium colours them. */
  tint: number;
}

export interface LanderScene {
  /** Body origin and angle, world metres, y up, counter-clockwise radians. */
  hull: Pose;
  legs: (Pose & { contact: boolean })[];
  /** Flame lengths 0..1: the engines' firing level (main throttle, side power). */
  flames: { main: number; left: number; right: number };
  particles: ParticleSprite[];
  /** Changes when the terrain does (a new episode): the only time its geometry is rebuilt. */
  terrainKey: string;
  landed: boolean;
  gameOver: boolean;
  wind: number;
}

function centroid(ps: readonly Point[]): Point {
  let x = 0;
  let y = 0;
  for (const p of ps) {
    x += p.x;
    y += p.y;
  }
  const n = Math.max(1, ps.length);
  return { x: x / n, y: y / n };
}

/** A short signature of the terrain polyline and the helipad: equal terrains give equal keys. */
export function terrainKey(s: LanderRenderState): string {
  const parts: string[] = [s.helipad.x1.toFixed(3), s.helipad.x2.toFixed(3), s.helipad.y.toFixed(3)];
  for (const p of s.terrain) parts.push(p.y.toFixed(3));
  return parts.join(',');
}

export function particleTint(ttl: number): number {
  const t = clamp(ttl, 0, 1);
  const r = Math.round(255 * Math.max(0.35, Math.min(1, 0.25 + t)));
  const g = Math.round(255 * Math.max(0.15, 0.85 * t));
  const b = Math.round(255 * Math.max(0.1, 0.5 * t * t));
  return (r << 16) | (g << 8) | b;
}

/**
 * The scene between states `a` and `b` at fraction `t` (0 = a). Bodies move smoothly; discrete things
 * (contacts, flames, particles, flags) come from whichever state is nearer.
 */
export function landerScene(a: LanderRenderState, b: LanderRenderState, t: number): LanderScene {
  const near = t < 0.5 ? a : b;
  const legs = b.legs.map((lb, i) => {
    const la = a.legs[i] ?? lb;
    const ca = centroid(la.vertices);
    const cb = centroid(lb.vertices);
    return {
      x: lerp(ca.x, cb.x, t),
      y: lerp(ca.y, cb.y, t),
      rotation: lerpAngle(la.angle, lb.angle, t),
      contact: (t < 0.5 ? la : lb).contact,
    };
  });
  return {
    hull: {
      x: lerp(a.lander.x, b.lander.x, t),
      y: lerp(a.lander.y, b.lander.y, t),
      rotation: lerpAngle(a.lander.angle, b.lander.angle, t),
    },
    legs,
    flames: {
      main: clamp(near.engines.main, 0, 1),
      left: clamp(near.engines.left, 0, 1),
      right: clamp(near.engines.right, 0, 1),
    },
    particles: near.particles.map((p) => ({
      x: p.x,
      y: p.y,
      alpha: clamp(p.ttl, 0, 1),
      tint: particleTint(p.ttl),
    })),
    terrainKey: terrainKey(near),
    landed: near.landed,
    gameOver: near.gameOver,
    wind: near.wind,
  };
}

/** The lander's discrete action that produces these engine levels (0 noop, 1 left, 2 main, 3 right). */
export function landerActionOf(s: LanderRenderState): number {
  if (s.engines.main > 0) return 2;
  if (s.engines.left > 0) return 1;
  if (s.engines.right > 0) return 3;
  return 0;
}
