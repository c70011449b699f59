import { z } from 'zod';
import { OptionsError, parseWith } from '../../envs/core/options.ts';

/**
 * Every DQN option with its default. The defaults are the Coursera "Deep Q-Learning – Lunar Lander" lab's
 * (γ 0.995, Adam lr 1e-3, batch 64, learn every 4 steps, soft update τ 1e-3 after each learning step, hidden
 * [64, 64] ReLU, MSE, buffer 100,000, ε 1 → 0.01 ×0.995 per episode); `PRESETS` adjusts them per env.
 * Flat keys so `--set key=value` reaches every one.
 */
export const dqnOptionsSchema = z.strictObject({
  // Network
  /** Units of each hidden layer; [] makes Q linear in the (one-hot) observation. */
  hiddenSizes: z.array(z.number().int().min(1).max(4096)).max(8).default([64, 64]),
  activation: z.enum(['relu', 'tanh', 'elu']).default('relu'),
  // Learning
  gamma: z.number().gte(0).lt(1).default(0.995),
  learningRate: z.number().gt(0).lte(1).default(1e-3),
  /** 'constant', or decay from learningRate to learningRateFinal over learningRateDecaySteps env steps. */
  learningRateSchedule: z.enum(['constant', 'linear', 'exponential']).default('constant'),
  learningRateFinal: z.number().gt(0).lte(1).default(1e-4),
  learningRateDecaySteps: z.number().int().min(1).default(100_000),
  optimizer: z.enum(['adam', 'rmsprop', 'sgd']).default('adam'),
  adamBeta1: z.number().gte(0).lt(1).default(0.9),
  adamBeta2: z.number().gte(0).lt(1).default(0.999),
  /** Keras's (and so the course lab's) Adam epsilon. Also RMSProp's. */
  optimizerEpsilon: z.number().gt(0).lte(1).default(1e-7),
  /** RMSProp's decay of the mean square (TensorFlow.js's `decay`). */
  rmspropDecay: z.number().gte(0).lt(1).default(0.9),
  /** Momentum of 'sgd' and 'rmsprop'. */
  momentum: z.number().gte(0).lt(1).default(0.9),
  loss: z.enum(['mse', 'huber']).default('mse'),
  huberDelta: z.number().gt(0).default(1),
  /** Clip the gradient to this global L2 norm; null: no clipping (the lab clips nothing, SB3 uses 10). */
  maxGradNorm: z.number().gt(0).nullable().default(null),
  doubleDqn: z.boolean().default(false),
  batchSize: z.number().int().min(1).max(65_536).default(64),
  /** One learning step every this many env transitions (counted over all vector envs). */
  trainFrequency: z.number().int().min(1).default(4),
  /** Learning steps each time training is due. */
  gradientSteps: z.number().int().min(1).max(1000).default(1),
  /** No learning before this many transitions (and never before the buffer holds one batch). */
  learningStarts: z.number().int().min(0).default(0),
  // Target network
  /** 'soft': Q_target ← τ·Q + (1 − τ)·Q_target after every learning step; 'hard': copy every targetUpdateInterval. */
  targetUpdate: z.enum(['soft', 'hard']).default('soft'),
  tau: z.number().gt(0).lte(1).default(1e-3),
  /** Env transitions between hard copies. */
  targetUpdateInterval: z.number().int().min(1).default(1000),
  // Replay
  bufferSize: z.number().int().min(1).max(50_000_000).default(100_000),
  prioritizedReplay: z.boolean().default(false),
  /** Priority exponent α of proportional prioritized replay (0 = uniform). */
  priorityAlpha: z.number().gte(0).lte(1).default(0.6),
  /** Importance-sampling exponent β, annealed linearly to 1 over priorityBetaSteps env steps. */
  priorityBeta: z.number().gte(0).lte(1).default(0.4),
  priorityBetaSteps: z.number().int().min(1).default(100_000),
  priorityEpsilon: z.number().gt(0).default(1e-6),
  // Exploration
  epsilonSchedule: z.enum(['exponential-per-episode', 'linear-per-step']).default('exponential-per-episode'),
  epsilonStart: z.number().gte(0).lte(1).default(1),
  epsilonEnd: z.number().gte(0).lte(1).default(0.01),
  /** Factor per finished episode ('exponential-per-episode'). */
  epsilonDecay: z.number().gt(0).lte(1).default(0.995),
  /** Env steps from epsilonStart to epsilonEnd ('linear-per-step'). */
  epsilonDecaySteps: z.number().int().min(1).default(10_000),
  // Implementation and run bookkeeping
  /** 'auto' picks the fused learner (hand-written kernels) where it supports the options, else TensorFlow.js. */
  learner: z.enum(['auto', 'fused', 'tfjs']).default('auto'),
  /** Stop when the 100-episode mean return reaches the env's threshold. */
  stopWhenSolved: z.boolean().default(true),
  /** Loss and Q statistics are logged (and, for TensorFlow.js, read back from the backend) every this many updates. */
  metricsEvery: z.number().int().min(1).default(100),
  /** Env steps between checkpoints. */
  checkpointEvery: z.number().int().min(1).default(25_000),
  /** Put the replay buffer into checkpoints too, so `--resume` continues with it (large files). */
  saveReplayBuffer: z.boolean().default(false),
  /** Options passed to the env's constructor (validated by the env). */
  envOptions: z.record(z.string(), z.unknown()).default({}),
});

export type DqnOptions = z.output<typeof dqnOptionsSchema>;
export type DqnOptionsInput = z.input<typeof dqnOptionsSchema>;

export interface DqnPreset {
  /** Why these values differ from the defaults. */
  note: string;
  /** Default `--steps` for this env. */
  steps: number;
  options: DqnOptionsInput;
}

/** Per-env starting points. Values not listed are the defaults above. */
export const PRESETS: Readonly<Record<string, DqnPreset>> = {
  'LunarLander-v3': {
    note:
      "The course lab's settings with a learning step every 2 env steps instead of 4: with the fused learner the " +
      'extra updates are cheap, and seeds 0–2 solve in 230k–265k steps instead of 392k–482k (lab settings).',
    steps: 500_000,
    options: { trainFrequency: 2 },
  },
  'CartPole-v1': {
    note:
      "CleanRL's CartPole DQN (lr 2.5e-4, batch 128, buffer 10k, hard target copy every 500 steps, a learning " +
      'step every 10 env steps, 120-84 ReLU net, MSE, γ 0.99) with its exploration compressed to fit the 100k-step ' +
      "budget: ε 1 → 0.01 over 30k steps, learning from step 2,000. The lab's soft update after every learning " +
      'step lets Q run far above its 100 bound here and the policy collapses.',
    steps: 100_000,
    options: {
      gamma: 0.99,
      hiddenSizes: [120, 84],
      learningRate: 2.5e-4,
      batchSize: 128,
      bufferSize: 10_000,
      trainFrequency: 10,
      learningStarts: 2000,
      targetUpdate: 'hard',
      targetUpdateInterval: 500,
      epsilonSchedule: 'linear-per-step',
      epsilonStart: 1,
      epsilonEnd: 0.01,
      epsilonDecaySteps: 30_000,
    },
  },
  'MarsRover-v0': {
    note:
      'Six states, two actions: a small net on one-hot states, γ 0.9 (the course example), uniform exploration ' +
      'throughout so every (state, action) keeps being visited, learning rate decaying for an exact fit.',
    steps: 20_000,
    options: {
      gamma: 0.9,
      hiddenSizes: [32],
      epsilonSchedule: 'linear-per-step',
      epsilonStart: 1,
      epsilonEnd: 1,
      trainFrequency: 1,
      tau: 0.01,
      learningRateSchedule: 'exponential',
      learningRate: 3e-3,
      learningRateFinal: 1e-4,
      learningRateDecaySteps: 20_000,
      bufferSize: 10_000,
    },
  },
};

/**
 * Defaults, then the env's preset, then the config file, then `--set` pairs: validated together, so an error
 * names the field and its allowed range. Unknown keys are rejected with the list of valid ones.
 */
export function resolveDqnOptions(envId: string, ...layers: Record<string, unknown>[]): DqnOptions {
  const merged: Record<string, unknown> = { ...(PRESETS[envId]?.options ?? {}) };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      merged[key] =
        key === 'envOptions' && isPlainObject(value) && isPlainObject(merged[key])
          ? { ...(merged[key] as Record<string, unknown>), ...value }
          : value;
    }
  }
  const options = parseWith(dqnOptionsSchema, merged, `DQN options for ${envId}`);
  const issues: string[] = [];
  if (options.epsilonEnd > options.epsilonStart) {
    issues.push(`'epsilonEnd' (${options.epsilonEnd}) must be ≤ 'epsilonStart' (${options.epsilonStart})`);
  }
  if (options.batchSize > options.bufferSize) {
    issues.push(`'batchSize' (${options.batchSize}) must be ≤ 'bufferSize' (${options.bufferSize})`);
  }
  if (issues.length > 0) throw new OptionsError(`DQN options for ${envId}`, issues);
  return options;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
