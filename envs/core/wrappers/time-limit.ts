import type { Action, Env, Observation, ResetArgs, ResetResult, StepResult } from '../env.ts';
import { Wrapper } from '../wrapper.ts';

/** Ends an episode after `maxEpisodeSteps` steps by setting `truncated` (never `terminated`), as Gymnasium's. */
export class TimeLimit<O extends Observation = Observation, A extends Action = Action> extends Wrapper<O, A> {
  readonly maxEpisodeSteps: number;
  private elapsed = 0;

  constructor(env: Env<O, A>, maxEpisodeSteps: number) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
      throw new RangeError(`TimeLimit: maxEpisodeSteps must be a positive integer (got ${maxEpisodeSteps})`);
    }
    this.maxEpisodeSteps = maxEpisodeSteps;
  }

  get elapsedSteps(): number {
    return this.elapsed;
  }

  override reset(args?: ResetArgs): ResetResult<O> {
    this.elapsed = 0;
    return this.env.reset(args);
  }

  override step(action: A): StepResult<O> {
    const result = this.env.step(action);
    this.elapsed++;
    if (this.elapsed >= this.maxEpisodeSteps) result.truncated = true;
    return result;
  }
}
