import Matter from 'matter-js';
import { LANDER_FRICTION } from './constants.ts';
import { HULL_MASS, HULL_VERTICES, LANDER_SYSTEM } from './mass.ts';
import {
  readMotion,
  SUBSTEP_MS,
  toMatterInertia,
  toMatterLength,
  toMatterX,
  toMatterY,
  type WorldMotion,
  writeVelocity,
} from './units.ts';

/** Collision categories as Gymnasium's: the hull (0x0010) collides only with the ground (0x0001). */
export const GROUND_CATEGORY = 0x0001;
export const HULL_CATEGORY = 0x0010;

/**
 * The lander's rigid state in world units. Gymnasium reads `lander.position` (the body origin, which is not the
 * centre of mass) and `lander.linearVelocity` (the hull's centre-of-mass velocity); both are derived here from
 * the rigid system that matter simulates.
 */
export interface LanderState extends WorldMotion {
  /** Body origin (m): where LANDER_POLY's (0, 0) is, and where the legs' joints are. */
  ox: number;
  oy: number;
  /** Velocity of the hull's centre of mass (m/s). */
  hullVx: number;
  hullVy: number;
}

export function createLanderState(): LanderState {
  return { x: 0, y: 0, angle: 0, vx: 0, vy: 0, omega: 0, ox: 0, oy: 0, hullVx: 0, hullVy: 0 };
}

/**
 * The hull as a matter body whose mass, inertia and centre of mass are those of the whole Box2D lander
 * (hull + both legs), so matter integrates the same rigid motion Box2D does in flight.
 */
export function createLanderBody(id: number, originX: number, originY: number): Matter.Body {
  // matter wants vertices clockwise as seen on its y-down screen (as Bodies.rectangle makes them); LANDER_POLY
  // runs counter-clockwise as seen on screen, so reverse it (matter's Vertices.contains depends on this).
  const vertices = HULL_VERTICES.map(([x, y]) => ({ x: toMatterLength(x), y: -toMatterLength(y) })).reverse();
  const options: Matter.IBodyDefinition & { deltaTime: number } = {
    id,
    label: 'lander',
    vertices,
    position: { x: toMatterX(originX + HULL_MASS.cx), y: toMatterY(originY + HULL_MASS.cy) },
    friction: LANDER_FRICTION,
    frictionAir: 0,
    restitution: 0,
    collisionFilter: { category: HULL_CATEGORY, mask: GROUND_CATEGORY, group: 0 },
    // matter's time correction divides by the previous delta: start it at the sub-step so it is exactly 1.
    deltaTime: SUBSTEP_MS,
  };
  const body = Matter.Body.create(options);
  // Rotate about the system's centre of mass rather than the hull centroid matter computed.
  Matter.Body.setCentre(body, {
    x: toMatterX(originX + LANDER_SYSTEM.cx),
    y: toMatterY(originY + LANDER_SYSTEM.cy),
  });
  Matter.Body.setMass(body, LANDER_SYSTEM.mass);
  Matter.Body.setInertia(body, toMatterInertia(LANDER_SYSTEM.inertia));
  return body;
}

/** Reads the body into `out` (world units, Gymnasium's conventions). */
export function readLander(body: Matter.Body, out: LanderState): LanderState {
  readMotion(body, out);
  const c = Math.cos(out.angle);
  const s = Math.sin(out.angle);
  // Origin = centre of mass − R(angle)·(system centre in the body frame).
  out.ox = out.x - (c * LANDER_SYSTEM.cx - s * LANDER_SYSTEM.cy);
  out.oy = out.y - (s * LANDER_SYSTEM.cx + c * LANDER_SYSTEM.cy);
  // Hull centre-of-mass velocity = v + ω × r, r from the system centre to the hull centre.
  const dx = HULL_MASS.cx - LANDER_SYSTEM.cx;
  const dy = HULL_MASS.cy - LANDER_SYSTEM.cy;
  const rx = c * dx - s * dy;
  const ry = s * dx + c * dy;
  out.hullVx = out.vx - out.omega * ry;
  out.hullVy = out.vy + out.omega * rx;
  return out;
}

/**
 * Applies an impulse (N·s) at a world point to the rigid lander, as Box2D's ApplyLinearImpulse: the velocity
 * changes at once, before the next update. `state` must be current and is updated too.
 */
export function applyLanderImpulse(
  body: Matter.Body,
  state: LanderState,
  jx: number,
  jy: number,
  px: number,
  py: number,
): void {
  state.vx += jx / LANDER_SYSTEM.mass;
  state.vy += jy / LANDER_SYSTEM.mass;
  state.omega += ((px - state.x) * jy - (py - state.y) * jx) / LANDER_SYSTEM.inertia;
  writeVelocity(body, state.vx, state.vy, state.omega);
}
