// The DQN agent's public surface: what the CLI, the server's training workers and the viewer import.
export { type AgentState, DivergedError, DqnAgent } from './agent.ts';
export { evaluateGreedy, type GreedyEvalOptions, type GreedyEvalSummary } from './evaluate.ts';
export type { NetworkSpec, OptimizerState, QLearner } from './learner.ts';
export { type LiveParams, liveParamsSchema, type ParamChange } from './live-params.ts';
export {
  type DqnOptions,
  type DqnOptionsInput,
  dqnOptionsSchema,
  PRESETS,
  resolveDqnOptions,
} from './options.ts';
export {
  DqnTrainer,
  type EpisodeRecord,
  type EventRecord,
  episodeSeed,
  type MetricsRecord,
  type TrainerCallbacks,
  type TrainerConfig,
  type TrainerSnapshot,
  type TrainerStatus,
  type TrainSummary,
} from './trainer.ts';
