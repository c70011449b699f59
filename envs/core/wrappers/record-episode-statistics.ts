import type { Action, Env, Observation, ResetArgs, ResetResult, StepResult } from '../env.ts';
import { Wrapper } from '../wrapper.ts';

export interface EpisodeStatistics {
  /** Undiscounted sum of rewards. */
  return: number;
  length: number;
  /** Wall-clock seconds since the episode's reset. */
  time: number;
}

/**
 * Adds `info.episode = {return, length, time}` on the step that ends an episode (terminated or truncated),
 * as Gymnasium's RecordEpisodeStatistics, and keeps the last `bufferLength` episodes' returns and lengths.
 */
export class RecordEpisodeStatistics<
  O extends Observation = Observation,
  A extends Action = Action,
> extends Wrapper<O, A> {
  readonly returnQueue: number[] = [];
  readonly lengthQueue: number[] = [];
  private readonly bufferLength: number;
  private episodeReturn = 0;
  private episodeLength = 0;
  private startTime = 0;
  episodeCount = 0;

  constructor(env: Env<O, A>, bufferLength = 100) {
    super(env);
    this.bufferLength = bufferLength;
  }

  override reset(args?: ResetArgs): ResetResult<O> {
    const result = this.env.reset(args);
    this.episodeReturn = 0;
    this.episodeLength = 0;
    this.startTime = now();
    return result;
  }

  override step(action: A): StepResult<O> {
    const result = this.env.step(action);
    this.episodeReturn += result.reward;
    this.episodeLength++;
    if (result.terminated || result.truncated) {
      const episode: EpisodeStatistics = {
        return: this.episodeReturn,
        length: this.episodeLength,
        time: (now() - this.startTime) / 1000,
      };
      result.info = { ...result.info, episode };
      this.episodeCount++;
      push(this.returnQueue, episode.return, this.bufferLength);
      push(this.lengthQueue, episode.length, this.bufferLength);
    }
    return result;
  }
}

function push(queue: number[], value: number, cap: number): void {
  queue.push(value);
  if (queue.length > cap) queue.shift();
}

function now(): number {
  return globalThis.performance.now();
}
