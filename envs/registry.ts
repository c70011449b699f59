import type { z } from 'zod';
import { CartPole, cartPoleOptionsSchema } from './cartpole/cartpole.ts';
import type { Action, Env, Observation } from './core/env.ts';
import { parseWith } from './core/options.ts';
import { SyncVectorEnv } from './core/vector-env.ts';
import { OrderEnforcing } from './core/wrappers/order-enforcing.ts';
import { RecordEpisodeStatistics } from './core/wrappers/record-episode-statistics.ts';
import { TimeLimit } from './core/wrappers/time-limit.ts';
import { LunarLander, lunarLanderOptionsSchema } from './lunar-lander/index.ts';
import { MarsRover, marsRoverOptionsSchema } from './mars-rover/mars-rover.ts';

export interface EnvSpec {
  readonly id: string;
  readonly description: string;
  /** Strict schema of the constructor options; unknown keys are rejected. */
  readonly optionsSchema: z.ZodObject;
  /** Episodes are truncated after this many steps by the TimeLimit wrapper `makeEnv` adds. */
  readonly maxEpisodeSteps: number;
  /** 100-episode mean return that counts as solved. */
  readonly rewardThreshold?: number;
  create(options: Record<string, unknown>): Env;
}

const landerDiscreteSchema = lunarLanderOptionsSchema.omit({ continuous: true });

const SPECS: readonly EnvSpec[] = [
  {
    id: 'LunarLander-v3',
    description: 'Land on the pad: Gymnasium LunarLander v3 on matter-js, 4 discrete actions',
    optionsSchema: landerDiscreteSchema,
    maxEpisodeSteps: 1000,
    rewardThreshold: 200,
    create: (o) => new LunarLander({ ...o, continuous: false }),
  },
  {
    id: 'LunarLanderContinuous-v3',
    description: 'LunarLander v3 with throttle control: Box(-1, 1, [2]) actions',
    optionsSchema: landerDiscreteSchema,
    maxEpisodeSteps: 1000,
    rewardThreshold: 200,
    create: (o) => new LunarLander({ ...o, continuous: true }),
  },
  {
    id: 'CartPole-v1',
    description: 'Balance a pole on a cart: Gymnasium CartPole v1',
    optionsSchema: cartPoleOptionsSchema,
    maxEpisodeSteps: 500,
    rewardThreshold: 475,
    create: (o) => new CartPole(o),
  },
  {
    id: 'MarsRover-v0',
    description: "The course's six-state Mars rover (terminal rewards 100 and 40), exact Q* solver included",
    optionsSchema: marsRoverOptionsSchema,
    maxEpisodeSteps: 100,
    create: (o) => new MarsRover(o),
  },
];

export const ENV_IDS: readonly string[] = SPECS.map((s) => s.id);

export function listEnvs(): readonly EnvSpec[] {
  return SPECS;
}

export function envSpec(id: string): EnvSpec {
  const spec = SPECS.find((s) => s.id === id);
  if (!spec) throw new RangeError(`unknown env id '${id}'; valid ids: ${ENV_IDS.join(', ')}`);
  return spec;
}

export interface MakeEnvWrappers {
  /** Overrides the spec's time limit. */
  maxEpisodeSteps?: number;
  /** Adds RecordEpisodeStatistics (info.episode at each episode end). */
  recordEpisodeStatistics?: boolean;
}

/**
 * Gymnasium's make: validates the options against the env's schema (the error lists what is valid),
 * builds the env and wraps it in OrderEnforcing and TimeLimit (and RecordEpisodeStatistics if asked).
 */
export function makeEnv<O extends Observation = Observation, A extends Action = Action>(
  id: string,
  options: Record<string, unknown> = {},
  wrappers: MakeEnvWrappers = {},
): Env<O, A> {
  const spec = envSpec(id);
  const parsed = parseWith(spec.optionsSchema, options, `options for ${id}`);
  let env = spec.create(parsed) as Env<O, A>;
  env = new OrderEnforcing(env);
  env = new TimeLimit(env, wrappers.maxEpisodeSteps ?? spec.maxEpisodeSteps);
  if (wrappers.recordEpisodeStatistics) env = new RecordEpisodeStatistics(env);
  return env;
}

/** N copies of `makeEnv(id, options, wrappers)` in a SyncVectorEnv. */
export function makeVectorEnv<A extends Action = Action>(
  id: string,
  numEnvs: number,
  options: Record<string, unknown> = {},
  wrappers: MakeEnvWrappers = {},
): SyncVectorEnv<A> {
  if (!Number.isInteger(numEnvs) || numEnvs < 1 || numEnvs > 1024) {
    throw new RangeError(`numEnvs must be an integer in [1, 1024] (got ${numEnvs})`);
  }
  // Validate once up front so a bad option fails before any env is built.
  parseWith(envSpec(id).optionsSchema, options, `options for ${id}`);
  return new SyncVectorEnv<A>(
    Array.from({ length: numEnvs }, () => () => makeEnv<Observation, A>(id, options, wrappers)),
  );
}
