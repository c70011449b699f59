import { parseWith } from '../../envs/core/options.ts';
import { Rng, type RngState } from '../../envs/core/rng.ts';
import type { Space } from '../../envs/core/spaces.ts';
import { createLearner } from './create-learner.ts';
import { makeEncoder, type ObservationEncoder } from './encoder.ts';
import {
  argmaxRows,
  initialWeights,
  type NetworkSpec,
  type OptimizerState,
  type QLearner,
  type UpdateSettings,
  type UpdateStats,
} from './learner.ts';
import { type LiveParams, liveParamsSchema, type ParamChange } from './live-params.ts';
import type { DqnOptions } from './options.ts';
import { PrioritizedReplayBuffer } from './prioritized-buffer.ts';
import { ReplayBuffer } from './replay-buffer.ts';
import { scheduledEpsilon, scheduledLearningRate } from './schedules.ts';

/** A learning step produced a loss or Q-value that is not a finite number: training cannot go on. */
export class DivergedError extends Error {
  override name = 'DivergedError';
}

export interface AgentConfig {
  options: DqnOptions;
  observationSpace: Space<unknown>;
  numActions: number;
  seed: number;
  /** Rows one action selection handles (the number of vector envs). */
  numEnvs?: number;
  /** `--backend` for a TensorFlow.js learner. */
  backend?: string;
}

/** Everything but the networks, the optimizer and the buffer: small and JSON-serialisable. */
export interface AgentState {
  steps: number;
  episodes: number;
  updates: number;
  rng: RngState;
  gamma: number;
  tau: number;
  epsilonOverride: number | null;
  learningRateOverride: number | null;
  /** Transitions since the last learning step (a vector step adds several). */
  pendingTransitions: number;
  lastHardUpdateStep: number;
}

/** Loss and Q statistics over the last `metricsEvery` learning steps. */
export interface LearnMetrics {
  step: number;
  updates: number;
  loss: number;
  meanQ: number;
  learningRate: number;
}

/**
 * Deep Q-learning (Mnih et al. 2015) as the course teaches it: ε-greedy acting, a replay buffer, targets
 * y = r + γ·max_a' Q_target(s', a')·(1 − terminated), and a target network that follows the online one.
 * All randomness (weight init, exploration, sampling) comes from one seeded Rng whose state is checkpointed.
 */
export class DqnAgent {
  readonly options: DqnOptions;
  readonly encoder: ObservationEncoder;
  readonly spec: NetworkSpec;
  readonly learner: QLearner;
  readonly buffer: ReplayBuffer;
  rng: Rng;
  steps = 0;
  episodes = 0;
  updates = 0;
  gamma: number;
  tau: number;
  epsilonOverride: number | null = null;
  learningRateOverride: number | null = null;
  private pendingTransitions = 0;
  private lastHardUpdateStep = 0;
  private readonly scratchActions: Int32Array;
  private pendingMetrics: LearnMetrics | null = null;

  private constructor(config: AgentConfig, learner: QLearner, encoder: ObservationEncoder, rng: Rng) {
    const { options } = config;
    this.options = options;
    this.encoder = encoder;
    this.spec = learner.spec;
    this.learner = learner;
    this.rng = rng;
    this.gamma = options.gamma;
    this.tau = options.tau;
    this.buffer = options.prioritizedReplay
      ? new PrioritizedReplayBuffer(options.bufferSize, encoder.inputSize, {
          alpha: options.priorityAlpha,
          beta: options.priorityBeta,
          betaSteps: options.priorityBetaSteps,
          epsilon: options.priorityEpsilon,
        })
      : new ReplayBuffer(options.bufferSize, encoder.inputSize);
    this.scratchActions = new Int32Array(Math.max(1, config.numEnvs ?? 1));
  }

  static async create(config: AgentConfig): Promise<DqnAgent> {
    const encoder = makeEncoder(config.observationSpace);
    const spec: NetworkSpec = {
      inputSize: encoder.inputSize,
      hiddenSizes: [...config.options.hiddenSizes],
      activation: config.options.activation,
      numActions: config.numActions,
    };
    const rng = new Rng(config.seed);
    const learner = await createLearner(config.options, spec, config.numEnvs ?? 1, config.backend);
    const weights = initialWeights(spec, rng);
    learner.setWeights('online', weights);
    learner.setWeights('target', weights);
    return new DqnAgent(config, learner, encoder, rng);
  }

  /** ε now: the live override if set, else the schedule's. */
  get epsilon(): number {
    return this.epsilonOverride ?? scheduledEpsilon(this.options, this.steps, this.episodes);
  }

  get learningRate(): number {
    return (
      this.learningRateOverride ?? scheduledLearningRate(this.options, this.options.learningRate, this.steps)
    );
  }

  /**
   * ε-greedy actions for `rows` encoded observations: one batched forward pass for the rows that act greedily,
   * one uniform draw per row from the agent's Rng.
   */
  act(inputs: Float32Array, rows: number, out: Int32Array, epsilon = this.epsilon): void {
    const nA = this.spec.numActions;
    let anyGreedy = false;
    for (let i = 0; i < rows; i++) {
      if (epsilon > 0 && this.rng.uniform() < epsilon) out[i] = this.rng.int(nA);
      else {
        out[i] = -1;
        anyGreedy = true;
      }
    }
    if (!anyGreedy) return;
    const greedy = rows <= this.scratchActions.length ? this.scratchActions : new Int32Array(rows);
    this.greedyActions(inputs, rows, greedy);
    for (let i = 0; i < rows; i++) if (out[i] === -1) out[i] = greedy[i]!;
  }

  /** argmax_a Q(s, a) for each row. */
  greedyActions(inputs: Float32Array, rows: number, out: Int32Array): void {
    const q = this.learner.qValues(inputs, rows);
    for (let i = 0; i < q.length; i++) {
      if (!Number.isFinite(q[i]!))
        throw new DivergedError(`Q-value ${q[i]} at step ${this.steps}: the network diverged`);
    }
    argmaxRows(q, rows, this.spec.numActions, out);
  }

  /** Stores one transition (encoded observations, `inputSize` floats at the offsets). */
  observe(
    obs: Float32Array,
    obsOffset: number,
    action: number,
    reward: number,
    nextObs: Float32Array,
    nextObsOffset: number,
    terminated: boolean,
    truncated: boolean,
  ): void {
    this.buffer.add(obs, obsOffset, action, reward, nextObs, nextObsOffset, terminated, truncated);
  }

  endEpisode(): void {
    this.episodes++;
  }

  /**
   * Counts `transitions` new env steps and runs the learning steps they make due: one every `trainFrequency`
   * transitions (× gradientSteps) once `learningStarts` is passed and the buffer holds a batch; a soft target
   * update after each, or a hard copy every `targetUpdateInterval` steps. Returns metrics when a
   * `metricsEvery` window closed.
   */
  afterSteps(transitions: number): LearnMetrics | null {
    this.steps += transitions;
    this.pendingTransitions += transitions;
    const o = this.options;
    const ready = this.steps >= o.learningStarts && this.buffer.size >= o.batchSize;
    while (this.pendingTransitions >= o.trainFrequency) {
      this.pendingTransitions -= o.trainFrequency;
      if (ready) for (let g = 0; g < o.gradientSteps; g++) this.learnOnce();
    }
    if (o.targetUpdate === 'hard' && this.steps - this.lastHardUpdateStep >= o.targetUpdateInterval) {
      this.lastHardUpdateStep = this.steps;
      this.learner.updateTarget(1);
    }
    const metrics = this.pendingMetrics;
    this.pendingMetrics = null;
    return metrics;
  }

  /** One gradient step on a sampled mini-batch (public for benchmarks and tests). */
  learnOnce(): UpdateStats | null {
    const o = this.options;
    const batch = this.learner.batch;
    this.buffer.sample(batch, this.rng, this.steps);
    const lr = this.learningRate;
    const settings: UpdateSettings = {
      gamma: this.gamma,
      learningRate: lr,
      loss: o.loss,
      huberDelta: o.huberDelta,
      maxGradNorm: o.maxGradNorm,
      doubleDqn: o.doubleDqn,
      wantTdErrors: o.prioritizedReplay,
    };
    this.updates++;
    const report = this.updates % o.metricsEvery === 0;
    const stats = this.learner.update(settings, report);
    if (o.prioritizedReplay) this.buffer.updatePriorities(batch.indices, this.learner.tdErrors, batch.size);
    if (o.targetUpdate === 'soft') this.learner.updateTarget(this.tau);
    if (stats) {
      if (!Number.isFinite(stats.loss) || !Number.isFinite(stats.meanQ)) {
        throw new DivergedError(
          `loss ${stats.loss}, mean Q ${stats.meanQ} at step ${this.steps} (update ${this.updates}): the network ` +
            'diverged; lower the learning rate or set maxGradNorm',
        );
      }
      if (report) {
        this.pendingMetrics = {
          step: this.steps,
          updates: this.updates,
          loss: stats.loss,
          meanQ: stats.meanQ,
          learningRate: lr,
        };
      }
    }
    return stats;
  }

  /**
   * Applies live changes (validated together: a bad value changes nothing) and returns what changed.
   * `rewardWeights` is not the agent's: the trainer applies it to the envs.
   */
  setParams(params: LiveParams): ParamChange[] {
    const p = parseWith(liveParamsSchema, params, 'live parameters');
    const changes: ParamChange[] = [];
    if (p.gamma !== undefined && p.gamma !== this.gamma) {
      changes.push({ name: 'gamma', from: this.gamma, to: p.gamma });
      this.gamma = p.gamma;
    }
    if (p.tau !== undefined && p.tau !== this.tau) {
      changes.push({ name: 'tau', from: this.tau, to: p.tau });
      this.tau = p.tau;
    }
    if (p.epsilon !== undefined && p.epsilon !== this.epsilonOverride) {
      changes.push({ name: 'epsilon', from: this.epsilonOverride, to: p.epsilon });
      this.epsilonOverride = p.epsilon;
    }
    if (p.learningRate !== undefined && p.learningRate !== this.learningRateOverride) {
      changes.push({ name: 'learningRate', from: this.learningRateOverride, to: p.learningRate });
      this.learningRateOverride = p.learningRate;
    }
    return changes;
  }

  getState(): AgentState {
    return {
      steps: this.steps,
      episodes: this.episodes,
      updates: this.updates,
      rng: this.rng.getState(),
      gamma: this.gamma,
      tau: this.tau,
      epsilonOverride: this.epsilonOverride,
      learningRateOverride: this.learningRateOverride,
      pendingTransitions: this.pendingTransitions,
      lastHardUpdateStep: this.lastHardUpdateStep,
    };
  }

  setState(state: AgentState): void {
    this.steps = state.steps;
    this.episodes = state.episodes;
    this.updates = state.updates;
    this.rng = Rng.fromState(state.rng);
    this.gamma = state.gamma;
    this.tau = state.tau;
    this.epsilonOverride = state.epsilonOverride;
    this.learningRateOverride = state.learningRateOverride;
    this.pendingTransitions = state.pendingTransitions;
    this.lastHardUpdateStep = state.lastHardUpdateStep;
  }

  getOptimizerState(): Promise<OptimizerState> {
    return this.learner.getOptimizerState();
  }

  dispose(): void {
    this.learner.dispose();
  }
}
