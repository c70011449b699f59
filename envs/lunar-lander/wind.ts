import { WIND_K } from './constants.ts';

/**
 * Gymnasium's wind and turbulence profile, tanh(sin(2k·t) + sin(π·k·t)), which never repeats; `t` is an integer
 * index drawn at reset and advanced once per step while no leg touches the ground. Scaled by the power, it is
 * a force (N, along x) for wind and a torque (N·m) for turbulence.
 */
export function windProfile(t: number, power: number): number {
  return Math.tanh(Math.sin(2 * WIND_K * t) + Math.sin(Math.PI * WIND_K * t)) * power;
}

/** numpy's `integers(-9999, 9999)`: the upper bound is exclusive. */
export const WIND_INDEX_LOW = -9999;
export const WIND_INDEX_COUNT = 9999 - WIND_INDEX_LOW;
