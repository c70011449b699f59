import type { MarsRoverRenderState } from '../../../envs/mars-rover/mars-rover.ts';
import { lerp } from './math.ts';

export interface RoverScene {
  /** Rover position in cells, 0-based (state 1 is cell 0), fractional while it drives. */
  cell: number;
  cells: { state: number; reward: number; terminal: boolean }[];
  lastAction: number | null;
  misstep: boolean;
}

export function roverScene(a: MarsRoverRenderState, b: MarsRoverRenderState, t: number): RoverScene {
  // Ease the drive: a rover reaching its cell slows down, which reads better than constant speed.
  const e = t * t * (3 - 2 * t);
  return {
    cell: lerp(a.state - 1, b.state - 1, e),
    cells: b.rewards.map((reward, i) => ({
      state: i + 1,
      reward,
      terminal: b.terminalStates.includes(i + 1),
    })),
    lastAction: (t < 0.5 ? a : b).lastAction,
    misstep: (t < 0.5 ? a : b).lastMisstep,
  };
}
