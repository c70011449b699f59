import { z } from 'zod';
import type { Env, ResetArgs, ResetResult, StepResult } from '../core/env.ts';
import { parseWith } from '../core/options.ts';
import { entropySeed, Rng } from '../core/rng.ts';
import { Discrete } from '../core/spaces.ts';

export const NUM_STATES = 6;
export const LEFT = 0;
export const RIGHT = 1;
/** States 1 and 6 end the episode. */
export const TERMINAL_STATES: readonly number[] = [1, NUM_STATES];

export const marsRoverOptionsSchema = z.strictObject({
  /** Chance that a move goes the opposite way (the course's stochastic rover uses 0.1). */
  misstepProbability: z.number().gte(0).lte(1).default(0),
  /** R(s) for states 1..6; the course's are 100, 0, 0, 0, 0, 40. */
  rewards: z.array(z.number().finite()).length(NUM_STATES).default([100, 0, 0, 0, 0, 40]),
  /** Fixed start state; by default every episode starts in a uniformly drawn state ("start anywhere"). */
  startState: z.number().int().min(1).max(NUM_STATES).optional(),
});
export type MarsRoverOptions = z.input<typeof marsRoverOptionsSchema>;

export interface MarsRoverRenderState {
  kind: 'mars-rover';
  /** 1..6 */
  state: number;
  rewards: number[];
  terminalStates: number[];
  lastAction: number | null;
  /** The last move went the opposite way to the action. */
  lastMisstep: boolean;
  step: number;
}

export function isTerminal(state: number): boolean {
  return TERMINAL_STATES.includes(state);
}

/**
 * The six-state Mars rover of the Deep Learning / RL course. The reward of a step is R(s) of the state the
 * rover acts in, so the discounted return from s0 is R(s0) + γR(s1) + γ²R(s2) + … exactly as the course counts
 * it (from state 4 going left with γ = 0.5: 0 + 0 + 0 + 0.125·100 = 12.5). Acting in a terminal state pays its
 * reward and terminates. Observation: the state number 1..6. Actions: 0 left, 1 right.
 */
export class MarsRover implements Env<number, number> {
  readonly observationSpace = new Discrete(NUM_STATES, { start: 1 });
  readonly actionSpace = new Discrete(2);
  readonly metadata = { renderFps: 4 };
  readonly options: Readonly<z.output<typeof marsRoverOptionsSchema>>;
  private rng = new Rng(entropySeed());
  private state = 1;
  private lastAction: number | null = null;
  private lastMisstep = false;
  private stepCount = 0;

  constructor(options: MarsRoverOptions = {}) {
    this.options = parseWith(marsRoverOptionsSchema, options, 'MarsRover-v0 options');
  }

  /** `options.startState` (1..6) fixes this episode's start. */
  reset(args: ResetArgs = {}): ResetResult<number> {
    if (args.seed !== undefined) this.rng = new Rng(args.seed);
    const start = args.options?.startState ?? this.options.startState;
    if (start !== undefined && !this.observationSpace.contains(start)) {
      throw new RangeError(
        `MarsRover-v0 reset: options.startState must be an integer in [1, 6] (got ${start})`,
      );
    }
    this.state = start === undefined ? 1 + this.rng.int(NUM_STATES) : (start as number);
    this.lastAction = null;
    this.lastMisstep = false;
    this.stepCount = 0;
    return { obs: this.state, info: {} };
  }

  step(action: number): StepResult<number> {
    if (!this.actionSpace.contains(action)) {
      throw new RangeError(`MarsRover-v0: action must be 0 (left) or 1 (right) (got ${String(action)})`);
    }
    const reward = this.options.rewards[this.state - 1]!;
    this.lastAction = action;
    this.stepCount++;
    if (isTerminal(this.state)) {
      this.lastMisstep = false;
      return { obs: this.state, reward, terminated: true, truncated: false, info: {} };
    }
    // Draw every step, slip or not, so a trajectory's randomness does not depend on the probability's value.
    const slip = this.rng.uniform() < this.options.misstepProbability;
    const direction = (action === RIGHT ? 1 : -1) * (slip ? -1 : 1);
    this.state += direction;
    this.lastMisstep = slip;
    return { obs: this.state, reward, terminated: false, truncated: false, info: { misstep: slip } };
  }

  renderState(): MarsRoverRenderState {
    return {
      kind: 'mars-rover',
      state: this.state,
      rewards: [...this.options.rewards],
      terminalStates: [...TERMINAL_STATES],
      lastAction: this.lastAction,
      lastMisstep: this.lastMisstep,
      step: this.stepCount,
    };
  }

  close(): void {}
}
