// The public env API, for the viewer (browser) and for library users.
export type { CartPoleOptions, CartPoleRenderState } from './cartpole/cartpole.ts';
export { CartPole } from './cartpole/cartpole.ts';
export type { EnvCheck, EnvCheckReport } from './core/checker.ts';
export { checkEnv } from './core/checker.ts';
export type {
  Action,
  Env,
  Info,
  Observation,
  RenderState,
  ResetArgs,
  ResetResult,
  RewardWeighted,
  StepResult,
} from './core/env.ts';
export { isRewardWeighted } from './core/env.ts';
export { OptionsError, parseWith } from './core/options.ts';
export type { RngState } from './core/rng.ts';
export { Rng } from './core/rng.ts';
export type { Space, SpaceJSON } from './core/spaces.ts';
export { Box, Discrete, flatSize } from './core/spaces.ts';
export type { VectorResetResult, VectorStepResult } from './core/vector-env.ts';
export { SyncVectorEnv } from './core/vector-env.ts';
export { unwrap, Wrapper } from './core/wrapper.ts';
export { OrderEnforcing } from './core/wrappers/order-enforcing.ts';
export type { EpisodeStatistics } from './core/wrappers/record-episode-statistics.ts';
export { RecordEpisodeStatistics } from './core/wrappers/record-episode-statistics.ts';
export { TimeLimit } from './core/wrappers/time-limit.ts';
export type { EvaluateOptions, EvaluateSummary } from './evaluate.ts';
export { evaluatePolicy } from './evaluate.ts';
export type { LanderRenderState, LanderRewardWeights, LunarLanderOptions } from './lunar-lander/index.ts';
export { DEFAULT_REWARD_WEIGHTS, heuristicPolicy, LunarLander } from './lunar-lander/index.ts';
export type { MarsRoverOptions, MarsRoverRenderState } from './mars-rover/mars-rover.ts';
export { MarsRover } from './mars-rover/mars-rover.ts';
export type { RoverSolution } from './mars-rover/solver.ts';
export { solveMarsRover } from './mars-rover/solver.ts';
export type { Policy } from './policies.ts';
export { makePolicy, POLICY_NAMES } from './policies.ts';
export type { EnvSpec, MakeEnvWrappers } from './registry.ts';
export { ENV_IDS, envSpec, listEnvs, makeEnv, makeVectorEnv } from './registry.ts';
