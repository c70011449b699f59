import { ANGULAR_SLEEP_TOLERANCE, FPS, LINEAR_SLEEP_TOLERANCE, TIME_TO_SLEEP } from './constants.ts';
import type { LanderState } from './lander-body.ts';
import type { LegPose, Legs } from './legs.ts';
import { foldSign } from './mass.ts';

/** Steps a body must rest: Box2D adds the step to each body's sleep time and sleeps the island at 0.5 s. */
const REST_STEPS = Math.round(TIME_TO_SLEEP * FPS);
const LIN_TOL_SQ = LINEAR_SLEEP_TOLERANCE * LINEAR_SLEEP_TOLERANCE;
const ANG_TOL_SQ = ANGULAR_SLEEP_TOLERANCE * ANGULAR_SLEEP_TOLERANCE;

/**
 * Stands in for Gymnasium's `not lander.awake`. Box2D puts an island (here the hull and both legs; the static
 * moon does not count) to sleep once every body in it has stayed below 0.01 m/s and 2°/s for 0.5 s, and any
 * impulse or force applied to it wakes it.
 */
export class RestRule {
  private steps = 0;
  private readonly pose: LegPose = { x: 0, y: 0, angle: 0 };

  reset(): void {
    this.steps = 0;
  }

  /** Call once per env step, after the physics; `woken` when an impulse or force was applied this step. */
  update(lander: LanderState, legs: Legs, woken: boolean): boolean {
    if (woken || !this.still(lander, legs)) {
      this.steps = 0;
      return false;
    }
    this.steps++;
    return this.steps >= REST_STEPS;
  }

  private still(lander: LanderState, legs: Legs): boolean {
    const w = lander.omega;
    if (w * w > ANG_TOL_SQ) return false;
    if (lander.hullVx * lander.hullVx + lander.hullVy * lander.hullVy > LIN_TOL_SQ) return false;
    for (let k = 0; k < 2; k++) {
      // A leg turns with the hull plus its own folding about the joint at the body origin.
      const q = foldSign(k) * legs.foldRate[k]!;
      if ((w + q) * (w + q) > ANG_TOL_SQ) return false;
      const p = legs.legPose(k, lander, this.pose);
      const vx = lander.vx - w * (p.y - lander.y) - q * (p.y - lander.oy);
      const vy = lander.vy + w * (p.x - lander.x) + q * (p.x - lander.ox);
      if (vx * vx + vy * vy > LIN_TOL_SQ) return false;
    }
    return true;
  }
}
