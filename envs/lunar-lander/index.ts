export { heuristicPolicy } from './heuristic.ts';
export { type LanderOutcome, LunarLander } from './lunar-lander.ts';
export {
  DEFAULT_REWARD_WEIGHTS,
  type LanderRewardWeights,
  type LunarLanderOptions,
  landerRewardWeightsSchema,
  lunarLanderOptionsSchema,
} from './options.ts';
export type { LanderRenderState } from './render-state.ts';
