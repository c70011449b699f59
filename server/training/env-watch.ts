import type { Action, Env, Observation, ResetArgs, ResetResult, StepResult } from '../../envs/core/env.ts';
import { Wrapper } from '../../envs/core/wrapper.ts';

/** Envs of a vector run that stream frames at most: beyond this a grid of scenes says nothing more. */
export const MAX_WATCHED_ENVS = 16;

export type WatchEvent = 'reset' | 'step';

/**
 * Follows one env of a vector run for the HUD: its index, the return and length of its current episode, the
 * action that led to its state and the observation the agent will act on next. Costs a few field writes per
 * step; everything that costs more (packing the render state, Q-values) happens only when the listener decides
 * a frame is due.
 */
export class WatchWrapper<O extends Observation = Observation, A extends Action = Action> extends Wrapper<
  O,
  A
> {
  readonly index: number;
  ret = 0;
  length = 0;
  action: number | null = null;
  obs: Observation | null = null;
  private readonly listener: (w: WatchWrapper, event: WatchEvent, ended: boolean) => void;

  constructor(
    env: Env<O, A>,
    index: number,
    listener: (w: WatchWrapper, event: WatchEvent, ended: boolean) => void,
  ) {
    super(env);
    this.index = index;
    this.listener = listener;
  }

  override reset(args?: ResetArgs): ResetResult<O> {
    const r = this.env.reset(args);
    this.ret = 0;
    this.length = 0;
    this.action = null;
    this.obs = r.obs;
    this.listener(this as unknown as WatchWrapper, 'reset', false);
    return r;
  }

  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.ret += r.reward;
    this.length++;
    this.action = typeof action === 'number' ? action : null;
    this.obs = r.obs;
    this.listener(this as unknown as WatchWrapper, 'step', r.terminated || r.truncated);
    return r;
  }
}

/** An observation as the flat numbers the agent's encoder reads. */
export function rawObservation(obs: Observation): ArrayLike<number> {
  return typeof obs === 'number' ? [obs] : (obs as ArrayLike<number>);
}
