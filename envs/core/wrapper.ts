import type {
  Action,
  Env,
  EnvMetadata,
  Observation,
  RenderState,
  ResetArgs,
  ResetResult,
  StepResult,
} from './env.ts';
import type { Space } from './spaces.ts';

/** Base for wrappers: delegates everything to the wrapped env; subclasses override what they change. */
export class Wrapper<O extends Observation = Observation, A extends Action = Action> implements Env<O, A> {
  readonly env: Env<O, A>;

  constructor(env: Env<O, A>) {
    this.env = env;
  }

  get observationSpace(): Space<O> {
    return this.env.observationSpace;
  }

  get actionSpace(): Space<A> {
    return this.env.actionSpace;
  }

  get metadata(): EnvMetadata {
    return this.env.metadata;
  }

  /** The innermost env, for env-specific methods (reward weights, solvers). */
  get unwrapped(): Env<O, A> {
    return unwrap(this.env);
  }

  reset(args?: ResetArgs): ResetResult<O> {
    return this.env.reset(args);
  }

  step(action: A): StepResult<O> {
    return this.env.step(action);
  }

  renderState(): RenderState {
    return this.env.renderState();
  }

  close(): void {
    this.env.close();
  }
}

export function unwrap<O extends Observation, A extends Action>(env: Env<O, A>): Env<O, A> {
  let e = env;
  while (e instanceof Wrapper) e = e.env;
  return e;
}
