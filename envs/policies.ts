import type { Action, Env, Observation } from './core/env.ts';
import { heuristicPolicy } from './lunar-lander/index.ts';
import { solveMarsRover } from './mars-rover/solver.ts';

/** Maps an observation to an action. Used by the CLI, benchmarks, tests and the viewer's demo modes. */
export type Policy = (obs: Observation) => Action;

export const POLICY_NAMES = ['heuristic', 'random'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** Hand-written controllers, one per env that has one. */
const HEURISTICS: Record<string, () => Policy> = {
  // Gymnasium's demo_heuristic_lander.
  'LunarLander-v3': () => (obs) => heuristicPolicy(obs as Float32Array, false),
  'LunarLanderContinuous-v3': () => (obs) => heuristicPolicy(obs as Float32Array, true),
  // A linear state-feedback push (LQR-like gains): holds the pole for the full 500 steps from typical starts.
  'CartPole-v1': () => (obs) => {
    const o = obs as Float32Array;
    return 0.1 * o[0]! + 0.5 * o[1]! + 10 * o[2]! + 2 * o[3]! > 0 ? 1 : 0;
  },
  // The exact optimal policy for the course's γ = 0.9 (value iteration).
  'MarsRover-v0': () => {
    const { policy } = solveMarsRover({ gamma: 0.9 });
    return (obs) => (policy[(obs as number) - 1] === 'right' ? 1 : 0);
  },
};

/**
 * `random` samples the env's action space (seed it first for reproducible runs); `heuristic` is the env's
 * hand-written controller. Unknown names or envs without a heuristic are rejected, listing what exists.
 */
export function makePolicy(envId: string, name: string, env: Env): Policy {
  if (name === 'random') return () => env.actionSpace.sample();
  if (name === 'heuristic') {
    const make = HEURISTICS[envId];
    if (!make) {
      throw new RangeError(
        `no heuristic policy for '${envId}'; envs with one: ${Object.keys(HEURISTICS).join(', ')}`,
      );
    }
    return make();
  }
  throw new RangeError(`unknown policy '${name}'; valid: ${POLICY_NAMES.join(', ')}`);
}
