import type { Action, Env, Observation, ResetArgs, ResetResult, StepResult } from '../../envs/core/env.ts';
import { SyncVectorEnv } from '../../envs/core/vector-env.ts';
import { Wrapper } from '../../envs/core/wrapper.ts';
import { makeEnv } from '../../envs/registry.ts';
import type { ReplaySource } from '../protocol/messages.ts';
import { packRenderState, renderKindCode } from '../protocol/render-packing.ts';
import { MAX_WATCHED_ENVS, type WatchEvent, WatchWrapper } from './env-watch.ts';
import type { ReplayEpisode } from './worker-messages.ts';

interface Episode {
  frames: Float32Array[];
  /** Per frame: return so far, action into the state (−1 none), ε. */
  hud: number[];
  /** Per frame: the raw observation, so Q-values can be computed when (and only if) the episode is replayed. */
  obs: ArrayLike<number>[];
  ret: number;
  length: number;
  episode: number;
  step: number;
}

const emptyEpisode = (): Episode => ({
  frames: [],
  hud: [],
  obs: [],
  ret: 0,
  length: 0,
  episode: 0,
  step: 0,
});

/** A recorded episode and its observations (these stay in the worker: they become Q-values there). */
export interface RecordedEpisode {
  episode: ReplayEpisode;
  obs: ArrayLike<number>[];
}

/**
 * Keeps the packed render states of env 0's current episode (at most `maxFrames`; a longer episode keeps its
 * first ones), with the HUD's numbers and the observation of each, and, when an episode ends, promotes it to
 * `latest` and, when its return beats every earlier one, to `best`: the replay speed mode plays these. Memory
 * stays bounded by three episodes.
 */
export class EpisodeRecorder {
  /** Reads the run's counters for the recorded episodes' labels. */
  counters: () => { step: number; episodes: number } = () => ({ step: 0, episodes: 0 });
  /** ε in force, recorded with each frame. */
  epsilon: () => number = () => Number.NaN;
  private current: Episode = emptyEpisode();
  private latest: Episode | null = null;
  private best: Episode | null = null;
  private kind = 0;
  private readonly maxFrames: number;

  constructor(maxFrames = 2000) {
    this.maxFrames = maxFrames;
  }

  begin(env: Env, obs: Observation): void {
    const state = env.renderState();
    this.kind = renderKindCode(state.kind);
    this.current = emptyEpisode();
    this.keep(packRenderState(state), -1, obs);
  }

  record(env: Env, action: Action, reward: number, obs: Observation, ended: boolean): void {
    const cur = this.current;
    cur.ret += reward;
    cur.length++;
    if (cur.frames.length < this.maxFrames)
      this.keep(packRenderState(env.renderState()), typeof action === 'number' ? action : -1, obs);
    if (!ended) return;
    const { step, episodes } = this.counters();
    cur.step = step;
    cur.episode = episodes + 1;
    this.latest = cur;
    if (!this.best || cur.ret > this.best.ret) this.best = cur;
    this.current = emptyEpisode();
  }

  private keep(payload: Float32Array, action: number, obs: Observation): void {
    const cur = this.current;
    cur.frames.push(payload);
    cur.hud.push(cur.ret, action, this.epsilon());
    // A copy: an env may reuse its observation array.
    cur.obs.push(typeof obs === 'number' ? [obs] : Float32Array.from(obs));
  }

  /** A copy of the latest or best episode, flattened for a transfer to the main thread (Q-values not yet set). */
  episode(source: ReplaySource): RecordedEpisode | null {
    const ep = source === 'best' ? this.best : this.latest;
    if (!ep || ep.frames.length === 0) return null;
    const offsets = new Uint32Array(ep.frames.length + 1);
    let total = 0;
    ep.frames.forEach((f, i) => {
      offsets[i] = total;
      total += f.length;
    });
    offsets[ep.frames.length] = total;
    const data = new Float32Array(total);
    ep.frames.forEach((f, i) => {
      data.set(f, offsets[i]!);
    });
    return {
      episode: {
        source,
        episode: ep.episode,
        return: ep.ret,
        length: ep.length,
        step: ep.step,
        renderKind: this.kind,
        data,
        offsets,
        hud: Float32Array.from(ep.hud),
        q: null,
        numActions: 0,
      },
      obs: ep.obs,
    };
  }
}

/** Records every reset and step of the env it wraps into an EpisodeRecorder. */
export class RecordingWrapper<O extends Observation = Observation, A extends Action = Action> extends Wrapper<
  O,
  A
> {
  private readonly recorder: EpisodeRecorder;

  constructor(env: Env<O, A>, recorder: EpisodeRecorder) {
    super(env);
    this.recorder = recorder;
  }

  override reset(args?: ResetArgs): ResetResult<O> {
    const r = this.env.reset(args);
    this.recorder.begin(this.env as Env, r.obs);
    return r;
  }

  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.recorder.record(this.env as Env, action, r.reward, r.obs, r.terminated || r.truncated);
    return r;
  }
}

/**
 * The registry's vector env with env 0 recorded (replays) and the first MAX_WATCHED_ENVS envs followed (live
 * frames): what the trainer's `makeVectorEnv` dependency builds. The watch wrapper is outermost, so it sees
 * exactly the rewards and observations the trainer does.
 */
export function recordingVectorEnv(
  recorder: EpisodeRecorder,
  watch: (w: WatchWrapper, event: WatchEvent, ended: boolean) => void,
): (envId: string, numEnvs: number, envOptions: Record<string, unknown>) => SyncVectorEnv {
  return (envId, numEnvs, envOptions) =>
    new SyncVectorEnv(
      Array.from({ length: numEnvs }, (_, i) => () => {
        const env = makeEnv(envId, envOptions);
        if (i >= MAX_WATCHED_ENVS) return env;
        return new WatchWrapper(i === 0 ? new RecordingWrapper(env, recorder) : env, i, watch);
      }),
    );
}
