import type { CartPoleRenderState } from '../../../envs/cartpole/cartpole.ts';
import { lerp } from './math.ts';

export interface CartPoleScene {
  /** Cart centre along the track, metres. */
  cartX: number;
  /** Pole angle from upright, radians, positive leaning right (clockwise on screen). */
  poleAngle: number;
  /** Last push: −1 left, +1 right, 0 none yet. */
  push: number;
  /** How close to failing, 0..1 (the larger of |x| and |θ| against their limits): tints the pole. */
  danger: number;
  trackHalfWidth: number;
  poleLength: number;
}

export function cartPoleScene(a: CartPoleRenderState, b: CartPoleRenderState, t: number): CartPoleScene {
  const x = lerp(a.x, b.x, t);
  const theta = lerp(a.theta, b.theta, t);
  const near = t < 0.5 ? a : b;
  return {
    cartX: x,
    poleAngle: theta,
    push: near.lastAction === null ? 0 : near.lastAction === 1 ? 1 : -1,
    danger: Math.min(1, Math.max(Math.abs(x) / b.xThreshold, Math.abs(theta) / b.thetaThreshold)),
    trackHalfWidth: b.xThreshold,
    poleLength: b.poleLength,
  };
}
