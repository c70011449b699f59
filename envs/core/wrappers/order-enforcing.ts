import type { Action, Observation, ResetArgs, ResetResult, StepResult } from '../env.ts';
import { Wrapper } from '../wrapper.ts';

/** Refuses `step` before the first `reset`, whose result would otherwise be undefined behaviour. */
export class OrderEnforcing<O extends Observation = Observation, A extends Action = Action> extends Wrapper<
  O,
  A
> {
  private hasReset = false;

  override reset(args?: ResetArgs): ResetResult<O> {
    this.hasReset = true;
    return this.env.reset(args);
  }

  override step(action: A): StepResult<O> {
    if (!this.hasReset) throw new Error('Cannot call step() before reset(): call env.reset() first');
    return this.env.step(action);
  }
}
