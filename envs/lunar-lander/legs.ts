import {
  GROUND_FRICTION,
  LEG_EXTENDED_ANGLE,
  LEG_FOLDED_ANGLE,
  LEG_FRICTION,
  LEG_MOTOR_SPEED,
  LEG_SPRING_TORQUE,
} from './constants.ts';
import type { LanderState } from './lander-body.ts';
import { foldSign, LANDER_SYSTEM, LEG_ANCHOR_Y, LEG_HALF_H, LEG_HALF_W, legAnchorX } from './mass.ts';
import { segmentAt, segmentHeight, segmentNormal, type Terrain } from './terrain.ts';

/**
 * Gymnasium's spring-loaded legs, as massless legs.
 *
 * In Gymnasium each 0.07 kg leg hangs on a revolute joint at the lander's origin; a motor (at most 40 N·m) drives
 * it at 0.3 rad/s towards its extended limit, and a second limit stops it folding past 0.9 rad. In flight the
 * motor pins each leg against its limit, so hull and legs move as one rigid body (mass.ts). On the ground a leg
 * stays put while the ground's torque about the joint is within the motor's 40 N·m, folds when it is more, and
 * unfolds at motor speed (lifting the lander) once the load drops.
 *
 * A 68:1 mass ratio between hull and leg chained through a joint and a contact is what Box2D spends its 180
 * velocity iterations on; matter-js solves constraints and contacts in separate single passes and, as prototyped,
 * lets the hull fall through its legs or rings. So the legs' own 1.4 % masses ride on the rigid hull and each
 * leg is its quasi-static limit: a ground contact on the hull whose torque about the joint is capped at the motor
 * torque, and whose excess folds the leg. Contacts are solved here (sequential impulses on the one body) before
 * matter moves the lander, in Box2D's order: collide, solve velocities, then move.
 */

/** Box2D's linear slop and Baumgarte factor, and its skin: shapes touch within two polygon radii (0.02 m). */
const SLOP = 0.005;
const BAUMGARTE = 0.2;
const MAX_CORRECTION = 0.2;
const CONTACT_MARGIN = 0.02;
const ITERATIONS = 8;
/** Box2D mixes frictions as √(f1·f2). */
const FRICTION = Math.sqrt(LEG_FRICTION * GROUND_FRICTION);

/** A leg's pose in world units: centre (m) and angle (rad). */
export interface LegPose {
  x: number;
  y: number;
  angle: number;
}

export class Legs {
  /** Fold angle of each leg (rad), from LEG_EXTENDED_ANGLE to LEG_FOLDED_ANGLE; joint angle = foldSign · fold. */
  readonly fold = new Float64Array(2);
  /** Fold speed over the last sub-step (rad/s, positive = folding). */
  readonly foldRate = new Float64Array(2);
  /** Gymnasium's `ground_contact` of each leg, from the latest contact test. */
  readonly contact: [boolean, boolean] = [false, false];
  private readonly normalImpulse = new Float64Array(2);
  private readonly tangentImpulse = new Float64Array(2);
  private readonly depth = new Float64Array(2);
  private readonly point = new Float64Array(4);
  private readonly normal = new Float64Array(4);
  private readonly yielding = [false, false];
  private readonly scratch = new Float64Array(2);
  private readonly corners = new Float64Array(8);
  private readonly lock = new Float64Array(2);
  private readonly target = new Float64Array(2);
  private readonly pose: LegPose = { x: 0, y: 0, angle: 0 };

  /** Legs at `fold` (rad) from their joints' extended limit, at rest, not touching. */
  reset(fold: number = LEG_EXTENDED_ANGLE): void {
    this.fold.fill(fold);
    this.foldRate.fill(0);
    this.normalImpulse.fill(0);
    this.tangentImpulse.fill(0);
    this.contact[0] = false;
    this.contact[1] = false;
  }

  /** Leg k's centre and angle for a lander origin/angle: the joint puts the leg's anchor on the origin. */
  legPose(k: number, lander: LanderState, out: LegPose): LegPose {
    const angle = lander.angle + foldSign(k) * this.fold[k]!;
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    const ax = legAnchorX(k);
    out.x = lander.ox - (c * ax - s * LEG_ANCHOR_Y);
    out.y = lander.oy - (s * ax + c * LEG_ANCHOR_Y);
    out.angle = angle;
    return out;
  }

  /** Leg k's four corners in world units, written to `out` as x0, y0, … x3, y3 (counter-clockwise). */
  legVertices(k: number, lander: LanderState, out: Float64Array): Float64Array {
    const p = this.legPose(k, lander, this.pose);
    const c = Math.cos(p.angle);
    const s = Math.sin(p.angle);
    for (let v = 0; v < 4; v++) {
      const lx = v === 0 || v === 3 ? -LEG_HALF_W : LEG_HALF_W;
      const ly = v < 2 ? -LEG_HALF_H : LEG_HALF_H;
      out[2 * v] = p.x + c * lx - s * ly;
      out[2 * v + 1] = p.y + s * lx + c * ly;
    }
    return out;
  }

  /** Finds each leg's deepest corner against the terrain and updates `contact`. */
  private collide(lander: LanderState, terrain: Terrain, corners: Float64Array): void {
    for (let k = 0; k < 2; k++) {
      this.legVertices(k, lander, corners);
      let best = Number.NEGATIVE_INFINITY;
      for (let v = 0; v < 4; v++) {
        const x = corners[2 * v]!;
        const seg = segmentAt(x);
        if (seg < 0) continue;
        segmentNormal(terrain, seg, this.scratch);
        // Perpendicular depth below the segment = vertical depth × the normal's y component.
        const d = (segmentHeight(terrain, seg, x) - corners[2 * v + 1]!) * this.scratch[1]!;
        if (d > best) {
          best = d;
          this.point[2 * k] = x;
          this.point[2 * k + 1] = corners[2 * v + 1]!;
          this.normal[2 * k] = this.scratch[0]!;
          this.normal[2 * k + 1] = this.scratch[1]!;
        }
      }
      this.depth[k] = best;
      const touching = best > -CONTACT_MARGIN;
      if (!touching) {
        this.normalImpulse[k] = 0;
        this.tangentImpulse[k] = 0;
      }
      this.contact[k] = touching;
    }
  }

  /**
   * One frame of leg physics, before matter moves the lander for `h` seconds at its velocity (gravity already
   * included, see world.ts): adjusts `lander`'s velocity so that the leg contacts hold, and advances the folds.
   */
  solve(lander: LanderState, terrain: Terrain, h: number): void {
    this.collide(lander, terrain, this.corners);
    const invM = 1 / LANDER_SYSTEM.mass;
    const invI = 1 / LANDER_SYSTEM.inertia;
    let vx = lander.vx;
    let vy = lander.vy;
    let w = lander.omega;
    const lock = this.lock;
    const target = this.target;
    target.fill(0);
    for (let k = 0; k < 2; k++) {
      const z = this.fold[k]!;
      // With no load the motor unfolds the leg at its speed, stopping at the limit.
      lock[k] = z > LEG_EXTENDED_ANGLE ? Math.max(-LEG_MOTOR_SPEED, (LEG_EXTENDED_ANGLE - z) / h) : 0;
      if (!this.contact[k]) continue;
      const d = this.depth[k]!;
      // Speculative when apart (may close the gap this sub-step), Baumgarte when sunk deeper than the slop.
      target[k] = d < 0 ? d / h : Math.min(BAUMGARTE * Math.max(0, d - SLOP), MAX_CORRECTION) / h;
      // Warm start with last sub-step's impulses.
      const jx =
        this.normalImpulse[k]! * this.normal[2 * k]! + this.tangentImpulse[k]! * this.normal[2 * k + 1]!;
      const jy =
        this.normalImpulse[k]! * this.normal[2 * k + 1]! - this.tangentImpulse[k]! * this.normal[2 * k]!;
      const rx = this.point[2 * k]! - lander.x;
      const ry = this.point[2 * k + 1]! - lander.y;
      vx += jx * invM;
      vy += jy * invM;
      w += (rx * jy - ry * jx) * invI;
    }
    const maxFoldImpulse = LEG_SPRING_TORQUE * h;
    for (let it = 0; it < ITERATIONS; it++) {
      for (let k = 0; k < 2; k++) {
        if (!this.contact[k]) continue;
        const nx = this.normal[2 * k]!;
        const ny = this.normal[2 * k + 1]!;
        // Tangent (ny, −nx); r from the centre of mass, p from the joint (body origin).
        const rx = this.point[2 * k]! - lander.x;
        const ry = this.point[2 * k + 1]! - lander.y;
        const px = this.point[2 * k]! - lander.ox;
        const py = this.point[2 * k + 1]! - lander.oy;
        const fs = foldSign(k);
        // Velocity of the contact point: rigid motion plus the motor's unfolding (about the joint).
        const ux = vx - w * ry - lock[k]! * fs * py;
        const uy = vy + w * rx + lock[k]! * fs * px;
        const rn = rx * ny - ry * nx;
        const rt = rx * -nx - ry * ny;
        const oldN = this.normalImpulse[k]!;
        const oldT = this.tangentImpulse[k]!;
        let lamN = Math.max(0, oldN + (target[k]! - (ux * nx + uy * ny)) / (invM + rn * rn * invI));
        let lamT = oldT - (ux * ny - uy * nx) / (invM + rt * rt * invI);
        lamT = Math.max(-FRICTION * lamN, Math.min(FRICTION * lamN, lamT));
        // Torque of the ground's impulse about the joint, positive when it folds the leg.
        const jx = lamN * nx + lamT * ny;
        const jy = lamN * ny - lamT * nx;
        const fold = fs * (px * jy - py * jx);
        this.yielding[k] = fold > maxFoldImpulse && this.fold[k]! < LEG_FOLDED_ANGLE;
        if (this.yielding[k]) {
          // The motor gives way: only its maximum torque reaches the hull, the rest folds the leg.
          lamN *= maxFoldImpulse / fold;
          lamT *= maxFoldImpulse / fold;
        }
        const dn = lamN - oldN;
        const dt = lamT - oldT;
        const djx = dn * nx + dt * ny;
        const djy = dn * ny - dt * nx;
        vx += djx * invM;
        vy += djy * invM;
        w += (rx * djy - ry * djx) * invI;
        this.normalImpulse[k] = lamN;
        this.tangentImpulse[k] = lamT;
      }
    }
    for (let k = 0; k < 2; k++) {
      let rate = lock[k]!;
      if (this.contact[k] && this.yielding[k]) {
        // Fold just fast enough to keep the foot on the ground under the hull's remaining motion.
        const nx = this.normal[2 * k]!;
        const ny = this.normal[2 * k + 1]!;
        const rx = this.point[2 * k]! - lander.x;
        const ry = this.point[2 * k + 1]! - lander.y;
        const px = this.point[2 * k]! - lander.ox;
        const py = this.point[2 * k + 1]! - lander.oy;
        const fs = foldSign(k);
        const along = fs * (px * ny - py * nx);
        const vn = (vx - w * ry) * nx + (vy + w * rx) * ny;
        if (along > 1e-6) rate = Math.max(rate, (target[k]! - vn) / along);
      }
      const z = Math.min(LEG_FOLDED_ANGLE, Math.max(LEG_EXTENDED_ANGLE, this.fold[k]! + rate * h));
      this.foldRate[k] = (z - this.fold[k]!) / h;
      this.fold[k] = z;
    }
    lander.vx = vx;
    lander.vy = vy;
    lander.omega = w;
  }
}
