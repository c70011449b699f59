import {
  LANDER_DENSITY,
  LANDER_POLY,
  LEG_AWAY,
  LEG_DENSITY,
  LEG_DOWN,
  LEG_EXTENDED_ANGLE,
  LEG_H,
  LEG_W,
  SCALE,
} from './constants.ts';

/** Mass, centroid (body frame, m) and inertia about the centroid (kg·m²), as Box2D computes them. */
export interface MassProps {
  mass: number;
  cx: number;
  cy: number;
  inertia: number;
}

/** Box2D's b2PolygonShape::ComputeMass for a convex counter-clockwise polygon (metres). */
export function polygonMass(vertices: readonly (readonly [number, number])[], density: number): MassProps {
  let area = 0;
  let cx = 0;
  let cy = 0;
  let second = 0;
  for (let i = 0; i < vertices.length; i++) {
    const [x1, y1] = vertices[i]!;
    const [x2, y2] = vertices[(i + 1) % vertices.length]!;
    const cross = x1 * y2 - y1 * x2;
    const triangle = 0.5 * cross;
    area += triangle;
    cx += (triangle * (x1 + x2)) / 3;
    cy += (triangle * (y1 + y2)) / 3;
    second += (cross / 12) * (x1 * x1 + x1 * x2 + x2 * x2 + y1 * y1 + y1 * y2 + y2 * y2);
  }
  cx /= area;
  cy /= area;
  const mass = density * area;
  return { mass, cx, cy, inertia: density * second - mass * (cx * cx + cy * cy) };
}

/** Hull outline in metres, body frame. */
export const HULL_VERTICES: readonly (readonly [number, number])[] = LANDER_POLY.map(
  ([x, y]) => [x / SCALE, y / SCALE] as const,
);
export const LEG_HALF_W = LEG_W / SCALE;
export const LEG_HALF_H = LEG_H / SCALE;
/** Leg outline in metres, leg frame, counter-clockwise. */
export const LEG_VERTICES: readonly (readonly [number, number])[] = [
  [-LEG_HALF_W, -LEG_HALF_H],
  [LEG_HALF_W, -LEG_HALF_H],
  [LEG_HALF_W, LEG_HALF_H],
  [-LEG_HALF_W, LEG_HALF_H],
];

/** Gymnasium's leg loop variable: legs[0] has i = −1, legs[1] has i = +1. */
export const legSide = (k: number): number => (k === 0 ? -1 : 1);
/** The joint anchor in the leg's own frame (Gymnasium's localAnchorB); on the lander it is the body origin. */
export const legAnchorX = (k: number): number => (legSide(k) * LEG_AWAY) / SCALE;
export const LEG_ANCHOR_Y = LEG_DOWN / SCALE;
/** Sign turning a positive fold angle into Box2D's joint angle: legs[0] lives in [0.4, 0.9], legs[1] in [−0.9, −0.4]. */
export const foldSign = (k: number): number => -legSide(k);

export const HULL_MASS = polygonMass(HULL_VERTICES, LANDER_DENSITY);
export const LEG_MASS = polygonMass(LEG_VERTICES, LEG_DENSITY);

/**
 * The lander as one rigid system: hull plus both legs at their extended limit, where Gymnasium's leg motors hold
 * them throughout flight (the 40 N·m motor dwarfs what the 0.07 kg legs need to follow the hull). See legs.ts.
 */
function systemMass(): MassProps {
  const parts: MassProps[] = [HULL_MASS];
  for (let k = 0; k < 2; k++) {
    const q = foldSign(k) * LEG_EXTENDED_ANGLE;
    const c = Math.cos(q);
    const s = Math.sin(q);
    const ax = legAnchorX(k);
    // Leg centre = origin − R(q)·anchor (the joint makes the anchor coincide with the body origin).
    parts.push({ ...LEG_MASS, cx: -(c * ax - s * LEG_ANCHOR_Y), cy: -(s * ax + c * LEG_ANCHOR_Y) });
  }
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (const p of parts) {
    mass += p.mass;
    cx += p.mass * p.cx;
    cy += p.mass * p.cy;
  }
  cx /= mass;
  cy /= mass;
  let inertia = 0;
  for (const p of parts) inertia += p.inertia + p.mass * ((p.cx - cx) ** 2 + (p.cy - cy) ** 2);
  return { mass, cx, cy, inertia };
}

export const LANDER_SYSTEM = systemMass();
