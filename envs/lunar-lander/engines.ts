import {
  MAIN_ENGINE_POWER,
  MAIN_ENGINE_Y_LOCATION,
  SCALE,
  SIDE_ENGINE_AWAY,
  SIDE_ENGINE_HEIGHT,
  SIDE_ENGINE_POWER,
  SIDE_ENGINE_TIP_OFFSET,
} from './constants.ts';

/** Engine power for one step: main in {0} ∪ [0.5, 1], side likewise, direction −1 (left), +1 (right) or 0. */
export interface Throttle {
  main: number;
  side: number;
  direction: number;
}

/**
 * Gymnasium's action rules. Discrete: 0 nothing, 1 left engine, 2 main engine, 3 right engine, at full power.
 * Continuous [main, lateral] clipped to [−1, 1]: main off below or at 0, else 50–100 % throttle; side engines off
 * for |lateral| ≤ 0.5, else 50–100 % on the side of its sign. Throws on an action outside the space.
 */
export function throttleFor(action: number | Float32Array, continuous: boolean, out: Throttle): Throttle {
  out.main = 0;
  out.side = 0;
  out.direction = 0;
  if (continuous) {
    if (typeof action === 'number' || action.length !== 2) {
      throw new TypeError('LunarLander (continuous): action must be a Float32Array of 2 numbers');
    }
    const main = clip(action[0]!, -1, 1);
    const lateral = clip(action[1]!, -1, 1);
    if (main > 0) out.main = (clip(main, 0, 1) + 1) * 0.5;
    if (Math.abs(lateral) > 0.5) {
      out.direction = Math.sign(lateral);
      out.side = clip(Math.abs(lateral), 0.5, 1);
    }
    return out;
  }
  if (typeof action !== 'number' || !Number.isInteger(action) || action < 0 || action > 3) {
    throw new RangeError(`LunarLander: action must be an integer in 0..3 (got ${String(action)})`);
  }
  if (action === 2) out.main = 1;
  if (action === 1 || action === 3) {
    out.direction = action - 2;
    out.side = 1;
  }
  return out;
}

/** An impulse (N·s) on the lander at a world point (m). The exhaust gets the opposite impulse. */
export interface EngineImpulse {
  jx: number;
  jy: number;
  px: number;
  py: number;
}

/**
 * Main engine, exactly as Gymnasium v3: the nozzle sits MAIN_ENGINE_Y_LOCATION below the body origin (ox, oy),
 * jittered along the lander's axis by 2·d0 and across it by d1, and pushes along the origin-to-nozzle line.
 */
export function mainEngineImpulse(
  angle: number,
  ox: number,
  oy: number,
  d0: number,
  d1: number,
  power: number,
  out: EngineImpulse,
): EngineImpulse {
  const tipX = Math.sin(angle);
  const tipY = Math.cos(angle);
  const sideX = -tipY;
  const sideY = tipX;
  const along = MAIN_ENGINE_Y_LOCATION / SCALE + 2 * d0;
  const dx = tipX * along + sideX * d1;
  const dy = -tipY * along - sideY * d1;
  out.px = ox + dx;
  out.py = oy + dy;
  out.jx = -dx * MAIN_ENGINE_POWER * power;
  out.jy = -dy * MAIN_ENGINE_POWER * power;
  return out;
}

/**
 * Side engine `direction` (−1 left, +1 right), as Gymnasium v3, including its use of 17 px (not
 * SIDE_ENGINE_HEIGHT) for the nozzle's x offset, which makes the side engines' torque depend on the angle.
 */
export function sideEngineImpulse(
  angle: number,
  ox: number,
  oy: number,
  d0: number,
  d1: number,
  power: number,
  direction: number,
  out: EngineImpulse,
): EngineImpulse {
  const tipX = Math.sin(angle);
  const tipY = Math.cos(angle);
  const sideX = -tipY;
  const sideY = tipX;
  const across = 3 * d1 + (direction * SIDE_ENGINE_AWAY) / SCALE;
  const dx = tipX * d0 + sideX * across;
  const dy = -tipY * d0 - sideY * across;
  out.px = ox + dx - (tipX * SIDE_ENGINE_TIP_OFFSET) / SCALE;
  out.py = oy + dy + (tipY * SIDE_ENGINE_HEIGHT) / SCALE;
  out.jx = -dx * SIDE_ENGINE_POWER * power;
  out.jy = -dy * SIDE_ENGINE_POWER * power;
  return out;
}

/** numpy's clip: NaN stays NaN (and then fires no engine, as in Gymnasium). */
function clip(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}
