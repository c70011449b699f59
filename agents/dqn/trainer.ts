import type { Observation } from '../../envs/core/env.ts';
import { isRewardWeighted } from '../../envs/core/env.ts';
import { Discrete } from '../../envs/core/spaces.ts';
import type { SyncVectorEnv } from '../../envs/core/vector-env.ts';
import { unwrap } from '../../envs/core/wrapper.ts';
import { ENV_IDS, envSpec, makeVectorEnv } from '../../envs/registry.ts';
import { type AgentState, DivergedError, DqnAgent, type LearnMetrics } from './agent.ts';
import type { OptimizerState } from './learner.ts';
import type { LiveParams, ParamChange } from './live-params.ts';
import type { DqnOptions } from './options.ts';
import type { ReplayBufferHeader } from './replay-buffer.ts';

export interface TrainerConfig {
  envId: string;
  options: DqnOptions;
  seed: number;
  numEnvs: number;
  /** Env steps (transitions over all vector envs) to train for. */
  totalSteps: number;
  /** `--backend` for a TensorFlow.js learner. */
  backend?: string;
}

/** One finished episode, with CleanRL's metric names. */
export interface EpisodeRecord {
  step: number;
  episode: number;
  'charts/episodic_return': number;
  'charts/episodic_length': number;
  'charts/epsilon': number;
  /** Mean return of the last 100 episodes (fewer while fewer have finished). */
  meanReturn100: number;
}

/** Learning statistics every `metricsEvery` updates. */
export interface MetricsRecord {
  step: number;
  updates: number;
  'losses/td_loss': number;
  'losses/q_values': number;
  'charts/SPS': number;
  'charts/learning_rate': number;
}

export interface EventRecord {
  step: number;
  events: ParamChange[];
}

export interface TrainerCallbacks {
  onEpisode?(record: EpisodeRecord): void;
  onMetrics?(record: MetricsRecord): void;
  onEvent?(record: EventRecord): void;
  /** Every `checkpointEvery` steps and once at the end (not after a failure): the store writes files here. */
  onCheckpoint?(trainer: DqnTrainer, final: boolean): Promise<void> | void;
}

/** Where the trainer gets its envs; tests substitute their own. */
export interface TrainerDeps {
  makeVectorEnv?: (envId: string, numEnvs: number, envOptions: Record<string, unknown>) => SyncVectorEnv;
}

export type TrainerStatus = 'ready' | 'running' | 'paused' | 'solved' | 'finished' | 'stopped' | 'failed';

export interface TrainSummary {
  status: TrainerStatus;
  solved: boolean;
  solvedAtStep: number | null;
  steps: number;
  episodes: number;
  meanReturn100: number | null;
  bestMeanReturn100: number | null;
  wallSeconds: number;
  stepsPerSecond: number;
  backend: string;
  error: string | null;
}

/** The trainer's own bookkeeping in a checkpoint (the agent's is `AgentState`). */
export interface TrainerState {
  /** Episode index each env is running; env i's episode k is reset with `episodeSeed(seed, k)`. */
  envEpisodes: number[];
  nextEpisode: number;
  recentReturns: number[];
  solvedAtStep: number | null;
  best: { meanReturn100: number; step: number; episode: number } | null;
  rewardWeights: Record<string, number> | null;
  wallSeconds: number;
}

/** A whole training run in memory: what the run store writes and `DqnTrainer.restore` takes back. */
export interface TrainerSnapshot {
  config: TrainerConfig;
  agent: AgentState;
  trainer: TrainerState;
  weights: Float32Array[];
  targetWeights: Float32Array[];
  optimizer: OptimizerState;
  replay: { header: ReplayBufferHeader; data: Uint8Array } | null;
}

const WINDOW = 100;

/**
 * Seed of a run's k-th episode. Every episode is reset with its own seed, so a resumed run restarts its
 * in-progress episodes exactly, and a run's episodes never share seeds with another seed's run or with
 * `gymlab eval`'s small consecutive seeds (the hash spreads them over 2³¹).
 */
export function episodeSeed(runSeed: number, episode: number): number {
  let h = Math.imul(runSeed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(episode + 0x632be5ab, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  h ^= h >>> 15;
  return h & 0x7fffffff;
}

/**
 * The DQN training loop, independent of files and terminals: the CLI wraps it with a run store and a progress
 * bar, the server runs it inside a worker thread. `step(n)` advances synchronously; `run()` loops in slices
 * and yields to the event loop between them, so `pause()`, `resume()`, `stop()` and `setParams()` calls (from
 * messages, signals or callbacks) take effect at the next env step.
 */
export class DqnTrainer {
  readonly config: TrainerConfig;
  readonly agent: DqnAgent;
  readonly vec: SyncVectorEnv;
  readonly threshold: number | undefined;
  status: TrainerStatus = 'ready';
  error: string | null = null;
  private callbacks: TrainerCallbacks;
  private inputs: Float32Array;
  private nextInputs: Float32Array;
  private readonly actions: Int32Array;
  private readonly episodeReturn: Float64Array;
  private readonly episodeLength: Int32Array;
  private envEpisodes: number[];
  private nextEpisode: number;
  private recentReturns: number[] = [];
  private recentSum = 0;
  solvedAtStep: number | null = null;
  /** Best 100-episode mean so far and the online weights that reached it. */
  best: { meanReturn100: number; step: number; episode: number; weights: Float32Array[] } | null = null;
  /** Bumped at each new best, so a store writes best/ only when it changed. */
  bestVersion = 0;
  private rewardWeights: Record<string, number> | null = null;
  /** Wall seconds of finished `run()` calls (and of the run before a resume). */
  private wallBefore = 0;
  private runStartedAt = 0;
  private stepsAtRunStart = 0;
  /** Steps and seconds of the last finished `run()`, for its steps/s. */
  private lastRun = { steps: 0, seconds: 0 };
  private lastCheckpointStep = 0;
  private resumeWaiter: (() => void) | null = null;

  private constructor(
    config: TrainerConfig,
    agent: DqnAgent,
    vec: SyncVectorEnv,
    callbacks: TrainerCallbacks,
  ) {
    this.config = config;
    this.agent = agent;
    this.vec = vec;
    this.callbacks = callbacks;
    this.threshold = ENV_IDS.includes(config.envId) ? envSpec(config.envId).rewardThreshold : undefined;
    const n = config.numEnvs;
    this.inputs = new Float32Array(n * agent.encoder.inputSize);
    this.nextInputs = new Float32Array(n * agent.encoder.inputSize);
    this.actions = new Int32Array(n);
    this.episodeReturn = new Float64Array(n);
    this.episodeLength = new Int32Array(n);
    this.envEpisodes = Array.from({ length: n }, (_, i) => i);
    this.nextEpisode = n;
  }

  static async create(
    config: TrainerConfig,
    callbacks: TrainerCallbacks = {},
    deps: TrainerDeps = {},
  ): Promise<DqnTrainer> {
    const vec = (deps.makeVectorEnv ?? makeVectorEnv)(
      config.envId,
      config.numEnvs,
      config.options.envOptions,
    );
    if (!(vec.singleActionSpace instanceof Discrete)) {
      vec.close();
      throw new RangeError(`DQN needs a Discrete action space; ${config.envId} has a continuous one`);
    }
    const agent = await DqnAgent.create({
      options: config.options,
      observationSpace: vec.singleObservationSpace,
      numActions: vec.singleActionSpace.n,
      seed: config.seed,
      numEnvs: config.numEnvs,
      backend: config.backend,
    });
    const trainer = new DqnTrainer(config, agent, vec, callbacks);
    trainer.resetEnvs();
    return trainer;
  }

  /** Rebuilds a run from a snapshot; in-progress episodes restart from their seeds. */
  static async restore(
    snapshot: TrainerSnapshot,
    callbacks: TrainerCallbacks = {},
    deps: TrainerDeps = {},
  ): Promise<DqnTrainer> {
    const trainer = await DqnTrainer.create(snapshot.config, callbacks, deps);
    const { agent } = trainer;
    agent.learner.setWeights('online', snapshot.weights);
    agent.learner.setWeights('target', snapshot.targetWeights);
    await agent.learner.setOptimizerState(snapshot.optimizer);
    agent.setState(snapshot.agent);
    if (snapshot.replay) agent.buffer.restore(snapshot.replay.header, snapshot.replay.data);
    const t = snapshot.trainer;
    if (t.envEpisodes.length !== trainer.config.numEnvs) {
      throw new RangeError(
        `checkpoint ran ${t.envEpisodes.length} envs; this run has ${trainer.config.numEnvs}`,
      );
    }
    trainer.envEpisodes = [...t.envEpisodes];
    trainer.nextEpisode = t.nextEpisode;
    trainer.recentReturns = [...t.recentReturns];
    trainer.recentSum = t.recentReturns.reduce((a, b) => a + b, 0);
    trainer.solvedAtStep = t.solvedAtStep;
    // best/ on disk already holds the best weights; bestVersion stays 0 so a store does not rewrite it
    // until a new best replaces these (current) weights.
    trainer.best = t.best ? { ...t.best, weights: snapshot.weights } : null;
    trainer.wallBefore = t.wallSeconds;
    trainer.lastCheckpointStep = agent.steps;
    if (t.rewardWeights) trainer.applyRewardWeights(t.rewardWeights);
    trainer.resetEnvs();
    return trainer;
  }

  /** Replaces the callbacks (a run store can attach once the trainer, and so the env, is known to be valid). */
  setCallbacks(callbacks: TrainerCallbacks): void {
    this.callbacks = callbacks;
  }

  get steps(): number {
    return this.agent.steps;
  }

  get episodes(): number {
    return this.agent.episodes;
  }

  get meanReturn100(): number | null {
    return this.recentReturns.length === 0 ? null : this.recentSum / this.recentReturns.length;
  }

  get solved(): boolean {
    return this.solvedAtStep !== null;
  }

  /** Env steps per second of wall time in the current `run()`, or in the last one once it returned. */
  get stepsPerSecond(): number {
    const { steps, seconds } =
      this.runStartedAt === 0
        ? this.lastRun
        : {
            steps: this.agent.steps - this.stepsAtRunStart,
            seconds: (performance.now() - this.runStartedAt) / 1000,
          };
    return seconds > 0 ? steps / seconds : 0;
  }

  get wallSeconds(): number {
    return this.wallBefore + (this.runStartedAt === 0 ? 0 : (performance.now() - this.runStartedAt) / 1000);
  }

  /** True while some env is mid-episode (a checkpoint there restarts that episode on resume). */
  get midEpisode(): boolean {
    return this.episodeLength.some((n) => n > 0);
  }

  /**
   * Advances `vectorSteps` env steps (each moves all vector envs once) with learning as due. Throws
   * DivergedError (and sets status 'failed') when the network produces a non-finite loss or Q-value.
   */
  step(vectorSteps = 1): void {
    try {
      for (let s = 0; s < vectorSteps; s++) this.stepOnce();
    } catch (err) {
      if (err instanceof DivergedError) {
        this.status = 'failed';
        this.error = err.message;
      }
      throw err;
    }
  }

  /**
   * Trains until `totalSteps`, a solve (with stopWhenSolved), `stop()` or a failure, in slices of about
   * `sliceMs` that end with a yield to the event loop. Never throws for a diverged network: the summary's
   * status is 'failed' and `error` says why.
   */
  async run(options: { sliceMs?: number } = {}): Promise<TrainSummary> {
    const sliceMs = options.sliceMs ?? 25;
    // A failed or stopped trainer stays so (a stop() that came before run() wins); solved/finished ones go on.
    if (this.status === 'failed' || this.status === 'stopped') return this.summary();
    this.status = 'running';
    this.runStartedAt = performance.now();
    this.stepsAtRunStart = this.agent.steps;
    const { totalSteps, numEnvs, options: o } = this.config;
    // status changes from outside (pause, stop, setParams callbacks) between slices: read it through a call.
    const status = (): TrainerStatus => this.status;
    try {
      while (status() === 'running' || status() === 'paused') {
        if (status() === 'paused') {
          await new Promise<void>((resolve) => {
            this.resumeWaiter = resolve;
          });
          continue;
        }
        const sliceEnd = performance.now() + sliceMs;
        do {
          for (let i = 0; i < 16 && status() === 'running'; i++) {
            if (this.agent.steps + numEnvs > totalSteps) {
              this.status = 'finished';
              break;
            }
            this.step(1);
          }
        } while (status() === 'running' && performance.now() < sliceEnd);
        if (this.agent.steps - this.lastCheckpointStep >= o.checkpointEvery && status() !== 'failed') {
          this.lastCheckpointStep = this.agent.steps;
          await this.callbacks.onCheckpoint?.(this, false);
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      if (!(err instanceof DivergedError)) throw err;
    }
    const seconds = (performance.now() - this.runStartedAt) / 1000;
    this.lastRun = { steps: this.agent.steps - this.stepsAtRunStart, seconds };
    this.wallBefore += seconds;
    this.runStartedAt = 0;
    const summary = this.summary();
    if (status() !== 'failed') await this.callbacks.onCheckpoint?.(this, true);
    return summary;
  }

  pause(): void {
    if (this.status === 'running') this.status = 'paused';
  }

  resume(): void {
    if (this.status === 'paused') this.status = 'running';
    this.resumeWaiter?.();
    this.resumeWaiter = null;
  }

  stop(): void {
    if (this.status === 'running' || this.status === 'paused' || this.status === 'ready')
      this.status = 'stopped';
    this.resumeWaiter?.();
    this.resumeWaiter = null;
  }

  /**
   * Changes γ, the ε or learning-rate override, τ or the env's reward weights between two steps; validated
   * first (an error changes nothing). Each change is recorded with the current step and sent to onEvent.
   */
  setParams(params: LiveParams): ParamChange[] {
    const { rewardWeights, ...agentParams } = params;
    // Validate the reward weights before the agent's changes apply, so a bad weight changes nothing.
    if (rewardWeights !== undefined) this.checkRewardWeights(rewardWeights);
    const changes = this.agent.setParams(agentParams);
    if (rewardWeights !== undefined) {
      const before = this.currentRewardWeights();
      this.applyRewardWeights(rewardWeights);
      changes.push({ name: 'rewardWeights', from: before, to: this.currentRewardWeights() });
    }
    if (changes.length > 0) this.callbacks.onEvent?.({ step: this.agent.steps, events: changes });
    return changes;
  }

  summary(): TrainSummary {
    const seconds = this.wallSeconds;
    return {
      status: this.status,
      solved: this.solved,
      solvedAtStep: this.solvedAtStep,
      steps: this.agent.steps,
      episodes: this.agent.episodes,
      meanReturn100: this.meanReturn100,
      bestMeanReturn100: this.best?.meanReturn100 ?? null,
      wallSeconds: seconds,
      stepsPerSecond: this.stepsPerSecond,
      backend: this.agent.learner.backend,
      error: this.error,
    };
  }

  async snapshot(includeReplay: boolean): Promise<TrainerSnapshot> {
    const { learner } = this.agent;
    return {
      config: this.config,
      agent: this.agent.getState(),
      trainer: {
        envEpisodes: [...this.envEpisodes],
        nextEpisode: this.nextEpisode,
        recentReturns: [...this.recentReturns],
        solvedAtStep: this.solvedAtStep,
        best: this.best
          ? { meanReturn100: this.best.meanReturn100, step: this.best.step, episode: this.best.episode }
          : null,
        rewardWeights: this.rewardWeights,
        wallSeconds: this.wallSeconds,
      },
      weights: learner.getWeights('online'),
      targetWeights: learner.getWeights('target'),
      optimizer: await learner.getOptimizerState(),
      replay: includeReplay ? this.agent.buffer.serialize() : null,
    };
  }

  close(): void {
    this.vec.close();
    this.agent.dispose();
  }

  private stepOnce(): void {
    const { agent, vec } = this;
    const n = this.config.numEnvs;
    const enc = agent.encoder;
    const size = enc.inputSize;
    agent.act(this.inputs, n, this.actions);
    const r = vec.step(this.actions);
    for (let i = 0; i < n; i++) {
      const ended = r.terminated[i] === 1 || r.truncated[i] === 1;
      // The transition's next observation is the episode's real last one (finalObs) when it ended.
      enc.encode(ended ? r.finalObs : r.obs, i * enc.rawSize, this.nextInputs, i * size);
      agent.observe(
        this.inputs,
        i * size,
        this.actions[i]!,
        r.rewards[i]!,
        this.nextInputs,
        i * size,
        r.terminated[i] === 1,
        r.truncated[i] === 1,
      );
      this.episodeReturn[i]! += r.rewards[i]!;
      this.episodeLength[i]!++;
      if (ended) {
        this.finishEpisode(i);
        this.resetEnv(i, this.nextEpisode++, this.nextInputs);
      }
    }
    [this.inputs, this.nextInputs] = [this.nextInputs, this.inputs];
    const metrics = agent.afterSteps(n);
    if (metrics) this.emitMetrics(metrics);
  }

  private finishEpisode(i: number): void {
    const { agent } = this;
    const ret = this.episodeReturn[i]!;
    const length = this.episodeLength[i]!;
    this.episodeReturn[i] = 0;
    this.episodeLength[i] = 0;
    agent.endEpisode();
    this.recentReturns.push(ret);
    this.recentSum += ret;
    if (this.recentReturns.length > WINDOW) this.recentSum -= this.recentReturns.shift()!;
    const mean = this.recentSum / this.recentReturns.length;
    const step = agent.steps + i + 1;
    this.callbacks.onEpisode?.({
      step,
      episode: agent.episodes,
      'charts/episodic_return': ret,
      'charts/episodic_length': length,
      'charts/epsilon': agent.epsilon,
      meanReturn100: mean,
    });
    if (this.recentReturns.length < WINDOW) return;
    if (!this.best || mean > this.best.meanReturn100) {
      this.best = {
        meanReturn100: mean,
        step,
        episode: agent.episodes,
        weights: agent.learner.getWeights('online'),
      };
      this.bestVersion++;
    }
    if (this.threshold !== undefined && mean >= this.threshold && this.solvedAtStep === null) {
      this.solvedAtStep = step;
      if (this.config.options.stopWhenSolved && this.status === 'running') this.status = 'solved';
    }
  }

  private emitMetrics(m: LearnMetrics): void {
    this.callbacks.onMetrics?.({
      step: m.step,
      updates: m.updates,
      'losses/td_loss': m.loss,
      'losses/q_values': m.meanQ,
      'charts/SPS': Math.round(this.stepsPerSecond),
      'charts/learning_rate': m.learningRate,
    });
  }

  private resetEnvs(): void {
    for (let i = 0; i < this.config.numEnvs; i++) {
      this.episodeReturn[i] = 0;
      this.episodeLength[i] = 0;
      this.resetEnv(i, this.envEpisodes[i]!, this.inputs);
    }
  }

  private resetEnv(i: number, episode: number, into: Float32Array): void {
    this.envEpisodes[i] = episode;
    const { obs } = this.vec.envs[i]!.reset({ seed: episodeSeed(this.config.seed, episode) });
    const raw: ArrayLike<number> = typeof obs === 'number' ? [obs] : (obs as Exclude<Observation, number>);
    this.agent.encoder.encode(raw, 0, into, i * this.agent.encoder.inputSize);
  }

  private currentRewardWeights(): Record<string, number> | null {
    const env = unwrap(this.vec.envs[0]!);
    return isRewardWeighted(env) ? { ...env.getRewardWeights() } : null;
  }

  private checkRewardWeights(weights: Record<string, number>): void {
    const env = unwrap(this.vec.envs[0]!);
    if (!isRewardWeighted(env)) throw new RangeError(`${this.config.envId} has no reward weights to tune`);
    // Try them on the first env, then put its weights back: the env's own validation names a bad field.
    const before = env.getRewardWeights();
    env.setRewardWeights(weights);
    env.setRewardWeights(before);
  }

  private applyRewardWeights(weights: Record<string, number>): void {
    for (const e of this.vec.envs) {
      const env = unwrap(e);
      if (isRewardWeighted(env)) env.setRewardWeights(weights);
    }
    this.rewardWeights = { ...(this.rewardWeights ?? {}), ...weights };
  }
}
