import type { Space } from './spaces.ts';

/** Observations are float vectors (Box) or integers (Discrete). */
export type Observation = Float32Array | number;
/** Actions are integers (Discrete) or float vectors (Box). */
export type Action = number | Float32Array;

export type Info = Record<string, unknown>;

export interface ResetArgs {
  /** Re-seeds the env's RNG (and so the episode) when given; otherwise the RNG continues. */
  seed?: number;
  /** Per-episode options, env-specific. */
  options?: Record<string, unknown>;
}

export interface ResetResult<O extends Observation = Observation> {
  obs: O;
  info: Info;
}

export interface StepResult<O extends Observation = Observation> {
  obs: O;
  reward: number;
  /** The MDP reached a terminal state: do not bootstrap from `obs`. */
  terminated: boolean;
  /** The episode was cut short (time limit) without reaching a terminal state: bootstrap from `obs`. */
  truncated: boolean;
  info: Info;
}

/** A plain, JSON-serialisable snapshot a viewer can draw the scene from. `kind` tells which drawer to use. */
export interface RenderState {
  readonly kind: string;
}

export interface EnvMetadata {
  /** Simulation frames per second: what "real time" means for this env. */
  renderFps: number;
  /** Mean return over 100 episodes that counts as solved. */
  rewardThreshold?: number;
}

/** Gymnasium's Env, in TypeScript. */
export interface Env<O extends Observation = Observation, A extends Action = Action> {
  readonly observationSpace: Space<O>;
  readonly actionSpace: Space<A>;
  readonly metadata: EnvMetadata;
  reset(args?: ResetArgs): ResetResult<O>;
  step(action: A): StepResult<O>;
  renderState(): RenderState;
  close(): void;
}

/** Envs whose reward terms users can re-weight while an agent trains (takes effect at the next step). */
export interface RewardWeighted<W extends Record<string, number> = Record<string, number>> {
  getRewardWeights(): W;
  /** Validates and applies a partial set of weights; throws (changing nothing) on an unknown name or bad value. */
  setRewardWeights(weights: Partial<W>): void;
}

export function isRewardWeighted(env: unknown): env is RewardWeighted {
  return (
    typeof env === 'object' &&
    env !== null &&
    typeof (env as RewardWeighted).getRewardWeights === 'function' &&
    typeof (env as RewardWeighted).setRewardWeights === 'function'
  );
}
