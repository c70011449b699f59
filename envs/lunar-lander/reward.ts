import type { LanderRewardWeights } from './options.ts';

/**
 * Gymnasium's potential-based shaping on the (float64) observation:
 * −distance·‖(x, y)‖ − speed·‖(vx, vy)‖ − angle·|θ| + legContact·(leg1 + leg2).
 * The step reward is the change in shaping minus the fuel terms; crash and landing replace it (lunar-lander.ts).
 */
export function shaping(state: ArrayLike<number>, w: LanderRewardWeights): number {
  return (
    -w.distance * Math.sqrt(state[0]! * state[0]! + state[1]! * state[1]!) -
    w.speed * Math.sqrt(state[2]! * state[2]! + state[3]! * state[3]!) -
    w.angle * Math.abs(state[4]!) +
    w.legContact * state[6]! +
    w.legContact * state[7]!
  );
}

/** Fuel cost of one step: mainEngine per unit of main power, sideEngine per unit of side power. */
export function fuelCost(mainPower: number, sidePower: number, w: LanderRewardWeights): number {
  return w.mainEngine * mainPower + w.sideEngine * sidePower;
}
