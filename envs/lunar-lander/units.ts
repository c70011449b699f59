import type Matter from 'matter-js';
import { FPS, H, SCALE } from './constants.ts';

/**
 * The one place where Box2D units meet matter-js units.
 *
 * Box2D / Gymnasium ("world"): metres, y up, seconds, kilograms, angles counter-clockwise.
 * matter-js ("matter"):        pixels (SCALE per metre, as Gymnasium's own pixels, so matter's slop of 0.05 px
 *                              and its resting thresholds keep the size they were tuned for), y down with the top
 *                              of the viewport at y = 0, milliseconds, kilograms, angles clockwise on screen.
 *
 * matter integrates with Verlet: a body's velocity is implicit, `position - positionPrev` is the displacement over
 * the last sub-step. Reading and writing velocities therefore goes through the sub-step length below, and every
 * body is created with `deltaTime = SUBSTEP_MS` so matter's time-correction factor stays exactly 1.
 */

/** Environment step (s): Box2D steps once per frame. */
export const STEP_S = 1 / FPS;
/** matter warns above 16.67 ms per update, so each 20 ms env step runs as equal sub-steps. */
export const SUBSTEPS = 2;
export const SUBSTEP_S = STEP_S / SUBSTEPS;
export const SUBSTEP_MS = SUBSTEP_S * 1000;

const PX = SCALE;

export const toMatterX = (x: number): number => x * PX;
export const toMatterY = (y: number): number => (H - y) * PX;
export const fromMatterX = (x: number): number => x / PX;
export const fromMatterY = (y: number): number => H - y / PX;
/** Flipping y mirrors the plane, so angles change sign. */
export const toMatterAngle = (angle: number): number => -angle;
export const fromMatterAngle = (angle: number): number => -angle;
/** Lengths (and offsets, with y negated by the caller) in pixels. */
export const toMatterLength = (metres: number): number => metres * PX;
/** kg·m² → kg·px². */
export const toMatterInertia = (inertia: number): number => inertia * PX * PX;

/** matter's Verlet fields, present on every body but missing from @types/matter-js. */
export type VerletBody = Matter.Body & { positionPrev: Matter.Vector; anglePrev: number; deltaTime: number };

/** A rigid body's motion in world units: centre-of-mass position (m), angle (rad), velocities (m/s, rad/s). */
export interface WorldMotion {
  x: number;
  y: number;
  angle: number;
  vx: number;
  vy: number;
  omega: number;
}

/** Reads a matter body's state into `out` in world units (velocity over the last sub-step). */
export function readMotion(matterBody: Matter.Body, out: WorldMotion): WorldMotion {
  const body = matterBody as VerletBody;
  const k = 1 / (PX * SUBSTEP_S);
  out.x = fromMatterX(body.position.x);
  out.y = fromMatterY(body.position.y);
  out.angle = fromMatterAngle(body.angle);
  out.vx = (body.position.x - body.positionPrev.x) * k;
  out.vy = -(body.position.y - body.positionPrev.y) * k;
  out.omega = -(body.angle - body.anglePrev) / SUBSTEP_S;
  return out;
}

/** Sets a matter body's velocity (world units) without moving it: only the Verlet "previous" state changes. */
export function writeVelocity(matterBody: Matter.Body, vx: number, vy: number, omega: number): void {
  const body = matterBody as VerletBody;
  const d = PX * SUBSTEP_S;
  body.positionPrev.x = body.position.x - vx * d;
  body.positionPrev.y = body.position.y + vy * d;
  body.anglePrev = body.angle + omega * SUBSTEP_S;
}
