import type { Action, Env, Observation, ResetArgs, ResetResult, StepResult } from '../../envs/core/env.ts';
import { SyncVectorEnv } from '../../envs/core/vector-env.ts';
import { Wrapper } from '../../envs/core/wrapper.ts';
import { makeEnv } from '../../envs/registry.ts';
import type { ReplaySource } from '../protocol/messages.ts';
import { packRenderState, renderKindCode } from '../protocol/render-packing.ts';
import type { ReplayEpisode } from './worker-messages.ts';

/** What the recorder tells its listener after each step of the recorded env. */
export interface RecordedFrame {
  payload: Float32Array;
  renderKind: number;
  /** The env's step within its episode. */
  frame: number;
  episodeStart: boolean;
  episodeEnd: boolean;
}

interface Episode {
  frames: Float32Array[];
  ret: number;
  length: number;
  episode: number;
  step: number;
}

/**
 * Keeps the packed render states of env 0's current episode (at most `maxFrames`; a longer episode keeps its
 * first ones) and, when an episode ends, promotes it to `latest` and, when its return beats every earlier one,
 * to `best`: the replay speed mode plays these. Memory stays bounded by three episodes.
 */
export class EpisodeRecorder {
  onFrame: ((f: RecordedFrame) => void) | null = null;
  /** Reads the run's counters for the recorded episodes' labels. */
  counters: () => { step: number; episodes: number } = () => ({ step: 0, episodes: 0 });
  private current: Episode = { frames: [], ret: 0, length: 0, episode: 0, step: 0 };
  private latest: Episode | null = null;
  private best: Episode | null = null;
  private kind = 0;
  private readonly maxFrames: number;

  constructor(maxFrames = 2000) {
    this.maxFrames = maxFrames;
  }

  begin(env: Env): void {
    const state = env.renderState();
    const payload = packRenderState(state);
    this.kind = renderKindCode(state.kind);
    this.current = { frames: [payload], ret: 0, length: 0, episode: 0, step: 0 };
    this.onFrame?.({ payload, renderKind: this.kind, frame: 0, episodeStart: true, episodeEnd: false });
  }

  record(env: Env, reward: number, ended: boolean): void {
    const payload = packRenderState(env.renderState());
    const cur = this.current;
    cur.ret += reward;
    cur.length++;
    if (cur.frames.length < this.maxFrames) cur.frames.push(payload);
    this.onFrame?.({
      payload,
      renderKind: this.kind,
      frame: cur.length,
      episodeStart: false,
      episodeEnd: ended,
    });
    if (!ended) return;
    const { step, episodes } = this.counters();
    cur.step = step;
    cur.episode = episodes + 1;
    this.latest = cur;
    if (!this.best || cur.ret > this.best.ret) this.best = cur;
    this.current = { frames: [], ret: 0, length: 0, episode: 0, step: 0 };
  }

  /** A copy of the latest or best episode, flattened for a transfer to the main thread. */
  episode(source: ReplaySource): ReplayEpisode | null {
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
      source,
      episode: ep.episode,
      return: ep.ret,
      length: ep.length,
      step: ep.step,
      renderKind: this.kind,
      data,
      offsets,
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
    this.recorder.begin(this.env as Env);
    return r;
  }

  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.recorder.record(this.env as Env, r.reward, r.terminated || r.truncated);
    return r;
  }
}

/** The registry's vector env with env 0 recorded: what the trainer's `makeVectorEnv` dependency builds. */
export function recordingVectorEnv(
  recorder: EpisodeRecorder,
): (envId: string, numEnvs: number, envOptions: Record<string, unknown>) => SyncVectorEnv {
  return (envId, numEnvs, envOptions) =>
    new SyncVectorEnv(
      Array.from({ length: numEnvs }, (_, i) => () => {
        const env = makeEnv(envId, envOptions);
        return i === 0 ? new RecordingWrapper(env, recorder) : env;
      }),
    );
}
