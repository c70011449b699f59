import type { ParamChange } from '../../agents/dqn/live-params.ts';
import type { DqnTrainer, EpisodeRecord, MetricsRecord, TrainerCallbacks } from '../../agents/dqn/trainer.ts';
import { isRewardWeighted } from '../../envs/core/env.ts';
import { unwrap } from '../../envs/core/wrapper.ts';
import {
  type AgentView,
  encodeFrame,
  FRAME_FLAG_EPISODE_END,
  FRAME_FLAG_EPISODE_START,
} from '../protocol/frames.ts';
import type { LiveValues, Progress, ReplaySource, RunStatus, SpeedMode } from '../protocol/messages.ts';
import { packRenderState, renderKindCode } from '../protocol/render-packing.ts';
import type { RunStore } from '../run-store/run-store.ts';
import { MAX_WATCHED_ENVS, rawObservation, type WatchEvent, WatchWrapper } from './env-watch.ts';
import type { EpisodeRecorder } from './episode-recorder.ts';
import type { WorkerStart, WorkerToMain } from './worker-messages.ts';

const BATCH_MS = 250;
/** Records held for the next batch at most (the main thread drains them every BATCH_MS). */
const BATCH_CAP = 5000;

export type Post = (msg: WorkerToMain, transfer?: ArrayBuffer[]) => void;

/**
 * Speed modes on top of `trainer.run()`: in max and replay mode the run loop trains flat out; in realtime mode
 * and while paused by the user the loop is parked (the trainer's own pause) and realtime steps come from a
 * timer at the env's FPS through `trainer.step(1)`. Parking keeps `run()`'s bookkeeping (wall time, final
 * checkpoint, statuses) intact; the trainer itself is not changed.
 */
export class RunSession {
  readonly trainer: DqnTrainer;
  readonly store: RunStore;
  readonly recorder: EpisodeRecorder;
  /** Called by the run store's callbacks after it has logged each record. */
  readonly callbacks: TrainerCallbacks;
  speed: SpeedMode;
  replaySource: ReplaySource;
  userPaused = false;
  framesOn: boolean;
  /** run() has returned (or is about to): no more steps. */
  ended = false;
  private finishing = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private nextDue = 0;
  /** When each watched env last sent a frame: every env gets the display rate on its own. */
  private readonly lastFrameAt = new Float64Array(MAX_WATCHED_ENVS).fill(Number.NEGATIVE_INFINITY);
  /** The envs that stream frames (the first MAX_WATCHED_ENVS of the vector env). */
  private readonly watched: WatchWrapper[];
  /** One encoded observation: the input of the Q-values a frame carries. */
  private readonly qInput: Float32Array;
  private lastCheckpointStep: number;
  private metrics: MetricsRecord[] = [];
  private episodes: EpisodeRecord[] = [];
  private lastStatus: RunStatus | null = null;
  private spsWindow: { t: number; step: number }[] = [];
  private readonly fps: number;
  private readonly frameIntervalMs: number;

  private readonly start: WorkerStart;
  private readonly post: Post;

  constructor(
    trainer: DqnTrainer,
    store: RunStore,
    recorder: EpisodeRecorder,
    start: WorkerStart,
    post: Post,
  ) {
    this.start = start;
    this.post = post;
    this.speed = start.speed;
    this.replaySource = start.replaySource;
    this.framesOn = start.framesOn;
    this.trainer = trainer;
    this.store = store;
    this.recorder = recorder;
    this.fps = trainer.vec.envs[0]!.metadata.renderFps;
    this.frameIntervalMs = 1000 / this.start.frameHz;
    this.lastCheckpointStep = trainer.steps;
    this.watched = trainer.vec.envs.filter((e): e is WatchWrapper => e instanceof WatchWrapper);
    this.qInput = new Float32Array(trainer.agent.encoder.inputSize);
    this.callbacks = {
      onEpisode: (r) => {
        this.episodes.push(r);
        if (this.episodes.length > BATCH_CAP) this.episodes.shift();
      },
      onMetrics: (r) => {
        this.metrics.push(r);
        if (this.metrics.length > BATCH_CAP) this.metrics.shift();
      },
      onEvent: (r) => this.post({ type: 'event', step: r.step, events: r.events }),
      onCheckpoint: () => {
        this.lastCheckpointStep = this.trainer.steps;
        this.post({ type: 'checkpointed', step: this.trainer.steps });
      },
    };
  }

  get parked(): boolean {
    return !this.finishing && (this.userPaused || this.speed === 'realtime');
  }

  status(): RunStatus {
    const s = this.trainer.status;
    if (s === 'ready') return 'starting';
    if (s === 'paused' || s === 'running') return this.userPaused ? 'paused' : 'running';
    return s;
  }

  postStatus(force = false): void {
    const status = this.status();
    if (!force && status === this.lastStatus) return;
    this.lastStatus = status;
    this.post({ type: 'status', status, error: this.trainer.error });
  }

  async run(): Promise<void> {
    const { trainer } = this;
    const flusher = setInterval(() => this.flush(), BATCH_MS);
    try {
      const running = trainer.run({ sliceMs: 20 });
      // run() has set 'running' and done its first slice (parked after one step when realtime, see onFrame).
      this.postStatus();
      this.scheduleRealtime();
      const summary = await running;
      this.ended = true;
      this.clearTimer();
      this.flush();
      if (summary.status === 'failed') {
        this.store.metrics.write({
          step: summary.steps,
          events: [{ name: 'failed', from: null, to: summary.error }],
        });
      }
      this.store.metrics.flush();
      this.postStatus(true);
      this.post({ type: 'done', summary });
    } finally {
      clearInterval(flusher);
      this.clearTimer();
    }
  }

  /**
   * Each reset and step of a watched env: its live frame when one is due for that env (≤ frameHz each), and on
   * env 0 the fault hook and parking the run loop. Nothing is packed or computed unless a frame goes out.
   */
  onWatch(w: WatchWrapper, event: WatchEvent, ended: boolean): void {
    const { trainer } = this;
    if (w.index === 0) {
      if (this.start.fault && trainer.steps >= this.start.fault.atStep)
        injectFault(this.start.fault.kind, trainer.steps);
      if (this.parked && trainer.status === 'running') trainer.pause();
    }
    if (!this.framesOn || this.speed === 'replay') return;
    const now = performance.now();
    if (now - this.lastFrameAt[w.index]! < this.frameIntervalMs) return;
    this.lastFrameAt[w.index] = now;
    this.sendFrame(
      w,
      (event === 'reset' ? FRAME_FLAG_EPISODE_START : 0) | (ended ? FRAME_FLAG_EPISODE_END : 0),
    );
  }

  /** Encodes and posts the frame of one watched env now: its render state and its agent view. */
  sendFrame(w: WatchWrapper, flags: number): void {
    const state = w.renderState();
    const agent: AgentView = {
      ret: w.ret,
      action: w.action,
      epsilon: this.trainer.agent.epsilon,
      q: this.qValuesOf(w),
    };
    const buffer = encodeFrame(
      {
        renderKind: renderKindCode(state.kind),
        flags,
        envIndex: w.index,
        runHandle: this.start.handle,
        step: this.trainer.steps,
        episode: this.trainer.episodes + 1,
        frame: w.length,
        time: performance.timeOrigin + performance.now(),
      },
      packRenderState(state),
      agent,
    );
    this.post({ type: 'frame', buffer }, [buffer]);
  }

  /**
   * Q(s, ·) of the observation the env's next action will be chosen from, by the online network: one forward
   * pass of one row, only for a frame that is sent. (The agent's own greedy pass does not expose its Q-values,
   * and it runs for every env step.)
   */
  private qValuesOf(w: WatchWrapper): Float32Array | null {
    if (w.obs === null) return null;
    const { agent } = this.trainer;
    agent.encoder.encode(rawObservation(w.obs), 0, this.qInput, 0);
    // A copy: the learner's output buffer is reused by its next call.
    return agent.learner.qValues(this.qInput, 1).slice();
  }

  /** Q-values of a recorded episode's observations, in one batched pass (when a replay asks for it). */
  replayQValues(obs: readonly ArrayLike<number>[]): { q: Float32Array; numActions: number } {
    const { agent } = this.trainer;
    const size = agent.encoder.inputSize;
    const inputs = new Float32Array(obs.length * size);
    obs.forEach((o, i) => {
      agent.encoder.encode(o, 0, inputs, i * size);
    });
    return { q: agent.learner.qValues(inputs, obs.length).slice(), numActions: agent.spec.numActions };
  }

  /** Sends the newest state of every watched env now (after single steps, when a viewer subscribes to a paused run). */
  sendCurrentFrame(): void {
    if (!this.framesOn || this.speed === 'replay') return;
    const now = performance.now();
    for (const w of this.watched) {
      this.lastFrameAt[w.index] = now;
      this.sendFrame(w, 0);
    }
  }

  // ─── speed and control ────────────────────────────────────────────────────────────────────────────

  setSpeed(speed: typeof this.speed): void {
    this.speed = speed;
    this.applyPark();
  }

  pause(): void {
    this.userPaused = true;
    this.applyPark();
  }

  resume(): void {
    this.userPaused = false;
    this.applyPark();
  }

  stop(): void {
    this.userPaused = false;
    this.clearTimer();
    this.trainer.stop();
  }

  /** Vector steps while paused; the run loop stays parked. */
  step(count: number): void {
    this.manualSteps(count);
    this.sendCurrentFrame();
  }

  /** A checkpoint now, with the run loop parked so that weights, optimizer and counters match. */
  async checkpoint(): Promise<number> {
    const { trainer } = this;
    const wasRunning = trainer.status === 'running';
    if (wasRunning) trainer.pause();
    try {
      await this.store.checkpoint(trainer);
      this.store.metrics.flush();
      this.lastCheckpointStep = trainer.steps;
      this.post({ type: 'checkpointed', step: trainer.steps });
      return trainer.steps;
    } finally {
      if (wasRunning && !this.parked) trainer.resume();
    }
  }

  private applyPark(): void {
    const { trainer } = this;
    if (this.ended) return;
    if (this.parked) {
      if (trainer.status === 'running') trainer.pause();
    } else if (trainer.status === 'paused') {
      trainer.resume();
    }
    this.clearTimer();
    this.scheduleRealtime();
    this.postStatus();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Realtime: one vector step every 1/FPS seconds, on time on average, never in bursts after a stall. */
  private scheduleRealtime(): void {
    if (this.timer || this.ended || this.userPaused || this.speed !== 'realtime') return;
    const interval = 1000 / this.fps;
    const now = performance.now();
    if (this.nextDue < now - interval) this.nextDue = now;
    this.timer = setTimeout(() => void this.realtimeTick(), Math.max(0, this.nextDue - now));
  }

  private async realtimeTick(): Promise<void> {
    this.timer = null;
    if (this.ended || this.userPaused || this.speed !== 'realtime') return;
    this.manualSteps(1);
    this.nextDue += 1000 / this.fps;
    const every = this.trainer.config.options.checkpointEvery;
    if (!this.ended && this.trainer.steps - this.lastCheckpointStep >= every) await this.checkpoint();
    this.scheduleRealtime();
  }

  /**
   * Steps the parked trainer as its run loop would: a diverged network, the step budget or a solve with
   * stopWhenSolved hand control back to the loop, which then ends the run with the right status.
   */
  private manualSteps(count: number): void {
    const { trainer } = this;
    const { numEnvs, totalSteps, options } = trainer.config;
    const solvedBefore = trainer.solvedAtStep;
    for (let i = 0; i < count; i++) {
      if (trainer.steps + numEnvs > totalSteps) break;
      try {
        trainer.step(1);
      } catch (err) {
        if (trainer.status !== 'failed') throw err;
        this.unpark();
        return;
      }
      if (solvedBefore === null && trainer.solvedAtStep !== null && options.stopWhenSolved) {
        trainer.status = 'solved';
        this.unpark();
        return;
      }
    }
    if (trainer.steps + numEnvs > totalSteps) this.unpark();
  }

  /** Lets the parked run loop see the end: it marks 'finished' (budget) or exits on 'failed' / 'solved'. */
  private unpark(): void {
    this.finishing = true;
    this.userPaused = false;
    this.clearTimer();
    this.trainer.resume();
  }

  // ─── outgoing batches ─────────────────────────────────────────────────────────────────────────────

  flush(): void {
    const { trainer } = this;
    const now = performance.now();
    this.spsWindow.push({ t: now, step: trainer.steps });
    while (this.spsWindow.length > 2 && now - this.spsWindow[0]!.t > 2000) this.spsWindow.shift();
    const first = this.spsWindow[0]!;
    const sps = now - first.t > 0 ? ((trainer.steps - first.step) * 1000) / (now - first.t) : 0;
    const progress: Progress = {
      step: trainer.steps,
      episodes: trainer.episodes,
      epsilon: trainer.agent.epsilon,
      learningRate: trainer.agent.learningRate,
      meanReturn100: trainer.meanReturn100,
      bestMeanReturn100: trainer.best?.meanReturn100 ?? null,
      solvedAtStep: trainer.solvedAtStep,
      stepsPerSecond: Math.round(sps),
      wallSeconds: trainer.wallSeconds,
    };
    this.post({
      type: 'batch',
      metrics: this.metrics,
      episodes: this.episodes,
      progress,
      live: this.liveValues(),
    });
    this.metrics = [];
    this.episodes = [];
    this.postStatus();
  }

  liveValues(): LiveValues {
    const { agent } = this.trainer;
    const env = unwrap(this.trainer.vec.envs[0]!);
    return {
      gamma: agent.gamma,
      tau: agent.tau,
      epsilonOverride: agent.epsilonOverride,
      learningRateOverride: agent.learningRateOverride,
      rewardWeights: isRewardWeighted(env) ? { ...env.getRewardWeights() } : null,
      speed: this.speed,
      replaySource: this.replaySource,
    };
  }

  /** Writes changes that are not the trainer's (speed, control) to metrics.jsonl and the event channel. */
  event(events: ParamChange[]): void {
    const step = this.trainer.steps;
    this.store.metrics.write({ step, events });
    this.post({ type: 'event', step, events });
  }
}

function injectFault(kind: 'throw' | 'exit', step: number): void {
  if (kind === 'exit') process.exit(3);
  throw new Error(`injected fault at step ${step} (GYMLAB_FAULT)`);
}
